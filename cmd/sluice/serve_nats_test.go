package main

import (
	"errors"
	"reflect"
	"testing"

	"github.com/spf13/pflag"

	"github.com/sluice-io/sluice/host/natsd"
)

// TestNATSAuthFlags: the serve flags (and the environment variables that
// stand in for the secret ones) become the server's NATS credentials; an
// incomplete one is a usage error.
func TestNATSAuthFlags(t *testing.T) {
	const tok, pw = "a-data-token-0123456789", "a-long-password-42"
	const pub = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want []natsd.Credential
		bad  bool
	}{
		{name: "none: generated tokens"},
		{name: "token flag", args: []string{"--nats-token", tok}, want: []natsd.Credential{{Role: natsd.RoleData, Token: tok}}},
		{name: "token from the environment", env: map[string]string{envNATSToken: tok}, want: []natsd.Credential{{Role: natsd.RoleData, Token: tok}}},
		{name: "user, password from the environment", args: []string{"--nats-user", "reader"}, env: map[string]string{envNATSPassword: pw},
			want: []natsd.Credential{{Role: natsd.RoleData, User: "reader", Password: pw}}},
		{name: "nkey and kv token", args: []string{"--nats-nkey", pub, "--nats-kv-token", tok},
			want: []natsd.Credential{{Role: natsd.RoleData, Nkey: pub}, {Role: natsd.RoleKV, Token: tok}}},
		{name: "kv token from the environment", env: map[string]string{envNATSKVToken: tok}, want: []natsd.Credential{{Role: natsd.RoleKV, Token: tok}}},
		{name: "user without password", args: []string{"--nats-user", "reader"}, bad: true},
		{name: "short token", args: []string{"--nats-token", "short"}, bad: true},
		{name: "not an nkey", args: []string{"--nats-nkey", "SUAEXAMPLE"}, bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{envNATSToken, envNATSPassword, envNATSKVToken} {
				t.Setenv(k, c.env[k])
			}
			var n natsAuthFlags
			f := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			n.register(f)
			if err := f.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			got, err := n.credentials()
			if c.bad {
				var ue usageError
				if !errors.As(err, &ue) {
					t.Fatalf("err %v, want a usage error", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("%+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}
