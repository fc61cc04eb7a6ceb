package main

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/sluice-io/sluice/host/natsd"
)

// Environment variables that stand in for the secret NATS flags, so a
// secret need not be on the command line (where ps shows it).
const (
	envNATSToken    = "SLUICE_NATS_TOKEN"
	envNATSPassword = "SLUICE_NATS_PASSWORD"
	envNATSKVToken  = "SLUICE_NATS_KV_TOKEN"
)

// natsAuthFlags are the serve flags that say how NATS clients log in.
type natsAuthFlags struct {
	token, user, password, nkey, kvToken string
}

func (n *natsAuthFlags) register(f *pflag.FlagSet) {
	f.StringVar(&n.token, "nats-token", "", "token of NATS data users (read the data streams); or $"+envNATSToken+"; default: one made once in DATA_DIR/"+natsd.DataTokenFile)
	f.StringVar(&n.user, "nats-user", "", "user name of a NATS data user (with --nats-password)")
	f.StringVar(&n.password, "nats-password", "", "password of --nats-user; or $"+envNATSPassword)
	f.StringVar(&n.nkey, "nats-nkey", "", "public nkey (U…) of a NATS data user, who signs in with its seed")
	f.StringVar(&n.kvToken, "nats-kv-token", "", "token of NATS key-value users (create and write the buckets modules read); or $"+envNATSKVToken+"; default: one made once in DATA_DIR/"+natsd.KVTokenFile)
	markSecret(f, "nats-token", "nats-password", "nats-kv-token")
}

// credentials are the logins the flags (and their environment variables)
// configure; a role with none gets a generated token from the server.
func (n *natsAuthFlags) credentials() ([]natsd.Credential, error) {
	or := func(v, env string) string {
		if v == "" {
			return os.Getenv(env)
		}
		return v
	}
	var creds []natsd.Credential
	if t := or(n.token, envNATSToken); t != "" {
		creds = append(creds, natsd.Credential{Role: natsd.RoleData, Token: t})
	}
	if pw := or(n.password, envNATSPassword); n.user != "" || n.password != "" {
		creds = append(creds, natsd.Credential{Role: natsd.RoleData, User: n.user, Password: pw})
	}
	if n.nkey != "" {
		creds = append(creds, natsd.Credential{Role: natsd.RoleData, Nkey: n.nkey})
	}
	if t := or(n.kvToken, envNATSKVToken); t != "" {
		creds = append(creds, natsd.Credential{Role: natsd.RoleKV, Token: t})
	}
	for _, c := range creds {
		if err := c.Validate(); err != nil {
			return nil, usageErr("%v", err)
		}
	}
	return creds, nil
}
