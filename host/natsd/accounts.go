package natsd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// globalAccountDir is the store directory of nats-server's global account,
// where everything was kept before Sluice had accounts.
const globalAccountDir = "$G"

// access is what configureAccess prepared for a start.
type access struct {
	auth       *authenticator
	tokenFiles map[Role]string
}

// configureAccess sets up the accounts and authentication of opts: the
// configured credentials plus, with a listener, a generated token for each
// role that has none.
func configureAccess(opts *server.Options, cfg Config, log *slog.Logger) (*access, error) {
	creds := make([]Credential, 0, len(cfg.Credentials)+2)
	has := map[Role]bool{}
	for _, c := range cfg.Credentials {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		has[c.Role] = true
		creds = append(creds, c)
	}
	files := map[Role]string{}
	if cfg.Listen != "" {
		for _, r := range []Role{RoleData, RoleKV} {
			if has[r] {
				continue
			}
			path := TokenFile(cfg.DataDir, r)
			tok, err := loadOrCreateToken(path, log)
			if err != nil {
				return nil, err
			}
			creds = append(creds, Credential{Role: r, Token: tok})
			files[r] = path
		}
	}
	a, err := newAuthenticator(creds, cfg.DataSubjects)
	if err != nil {
		return nil, err
	}
	conf, err := accountsConfig(cfg.DataSubjects, cfg.Leaf.Enabled(), cfg.HubDirectGets)
	if err != nil {
		return nil, err
	}
	if err := opts.ProcessConfigString(conf); err != nil {
		return nil, fmt.Errorf("natsd: accounts: %w", err)
	}
	opts.CustomClientAuthentication = a
	for _, c := range creds {
		if c.Nkey != "" {
			opts.AlwaysEnableNonce = true // the INFO carries a nonce to sign
		}
	}
	if err := adoptGlobalStore(opts.StoreDir, log); err != nil {
		return nil, err
	}
	return &access{auth: a, tokenFiles: files}, nil
}

// GeneratedTokenFile is the file holding the generated token of role r, or
// "" when r has configured credentials or there is no listener.
func (s *Server) GeneratedTokenFile(r Role) string { return s.tokenFiles[r] }

// adoptGlobalStore moves the store of a data directory written before
// Sluice had accounts (everything in nats-server's global account, "$G")
// to the Sluice account, once, so that its streams and buckets are found
// again. An encrypted store cannot move: its keys are derived with the
// account's name.
func adoptGlobalStore(storeDir string, log *slog.Logger) error {
	// JetStream keeps its accounts under StoreDir/jetstream.
	root := filepath.Join(storeDir, server.JetStreamStoreDir)
	old, dst := filepath.Join(root, globalAccountDir), filepath.Join(root, AccountSluice)
	if _, err := os.Stat(old); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("natsd: %w", err)
	}
	if _, err := os.Stat(dst); err == nil {
		log.Warn("the store has both a global account and a Sluice account; the global account's streams are not used", "dir", old)
		return nil
	}
	encrypted := false
	_ = filepath.WalkDir(old, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "meta.key" {
			encrypted = true
			return filepath.SkipAll
		}
		return nil
	})
	if encrypted {
		return fmt.Errorf("natsd: %s holds an encrypted store written before Sluice had NATS accounts; it cannot be moved to account %s", old, AccountSluice)
	}
	if err := os.Rename(old, dst); err != nil {
		return fmt.Errorf("natsd: move the store to account %s: %w", AccountSluice, err)
	}
	log.Info("moved the store to the Sluice account", "from", old, "to", dst)
	return nil
}

// startSharing starts sharing the data streams with the data account,
// waiting at most limit for the list of streams.
func (s *Server) startSharing(isData func(string) bool, hub bool, limit time.Duration, log *slog.Logger) error {
	nc, err := s.Connect("sluice-natsd")
	if err != nil {
		return err
	}
	sh, err := newSharer(s.srv, nc, isData, hub, log)
	if err != nil {
		nc.Close()
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := sh.start(ctx); err != nil {
		nc.Close()
		return err
	}
	s.shareConn, s.share = nc, sh
	s.guard.setAfterReload(sh.reset)
	return nil
}

func (s *Server) stopSharing() {
	s.guard.setAfterReload(nil)
	if s.share != nil {
		s.share.close()
	}
	if s.shareConn != nil {
		s.shareConn.Close()
	}
}

// accountsConfig is the server configuration of the accounts, their
// exports and their fixed imports: the three accounts and, with a leaf
// connection (hub), AccountHub with hubGets (direct-get subjects it may
// ask beyond the data streams'). Per-stream imports are added while the
// server runs (share.go). It goes through nats-server's own parser so that
// the accounts get JetStream the supported way; nothing in it comes from
// a client.
func accountsConfig(dataSubjects string, hub bool, hubGets []string) (string, error) {
	if strings.ContainsAny(dataSubjects, "\"\\\n\r\t {}[]") {
		return "", fmt.Errorf("natsd: data subjects %q are not a subject filter", dataSubjects)
	}
	var exports, imports, hubAccount strings.Builder
	if dataSubjects != "" {
		fmt.Fprintf(&exports, "      {stream: %q, accounts: [%s]}\n", dataSubjects, AccountData)
		fmt.Fprintf(&imports, "      {stream: {account: %s, subject: %q}}\n", AccountSluice, dataSubjects)
	}
	readers := AccountData
	if hub {
		readers += ", " + AccountHub
		// What a JetStream mirror or source in the hub asks of a stream
		// here: its consumer (created with "$JS.<domain>.API", which the
		// server maps to "$JS.API" in this account), the consumer's
		// deliveries and its flow control. The per-stream imports of
		// consumer creates and flow control are added by the sharer.
		fmt.Fprintf(&exports, "      {service: \"$JS.API.CONSUMER.CREATE.>\", accounts: [%s]}\n", AccountHub)
		fmt.Fprintf(&exports, "      {service: \"$JS.FC.>\", accounts: [%s]}\n", AccountHub)
		for _, d := range hubDeliveries {
			fmt.Fprintf(&exports, "      {stream: %q, accounts: [%s]}\n", d, AccountHub)
		}
		fmt.Fprintf(&hubAccount, "  %s: {\n    imports: [\n", AccountHub)
		fmt.Fprintf(&hubAccount, "      {service: {account: %s, subject: \"$JS.API.INFO\"}}\n", AccountSluice)
		for _, d := range hubDeliveries {
			fmt.Fprintf(&hubAccount, "      {stream: {account: %s, subject: %q}}\n", AccountSluice, d)
		}
		for _, g := range hubGets {
			if !strings.HasPrefix(g, "$JS.API.DIRECT.GET.") || strings.ContainsAny(g, "\"\\\n\r\t {}[]") {
				return "", fmt.Errorf("natsd: hub direct get %q is not a $JS.API.DIRECT.GET subject", g)
			}
			fmt.Fprintf(&hubAccount, "      {service: {account: %s, subject: %q}}\n", AccountSluice, g)
		}
		hubAccount.WriteString("    ]\n  }\n")
	}
	return fmt.Sprintf(`accounts: {
  %[1]s: {
    jetstream: enabled
    exports: [
%[4]s      {service: "$JS.API.DIRECT.GET.>", response_type: stream, response_threshold: "%[6]dms", accounts: [%[7]s]}
      {service: "$JS.API.STREAM.INFO.*", accounts: [%[7]s]}
      {service: "$JS.API.STREAM.MSG.GET.*", accounts: [%[2]s]}
      {service: "$JS.API.INFO", accounts: [%[7]s]}
    ]
  }
  %[2]s: {
    # Importing $JS.API.INFO keeps the server from answering the whole
    # $JS.API with "JetStream not enabled", which would race the imports.
    imports: [
%[5]s      {service: {account: %[1]s, subject: "$JS.API.INFO"}}
    ]
  }
  %[3]s: { jetstream: enabled }
%[8]s}
`, AccountSluice, AccountData, AccountKV, exports.String(), imports.String(), DirectGetResponseWindow.Milliseconds(), readers, hubAccount.String()), nil
}

// hubDeliveries are the subjects JetStream delivers a mirror's ($JS.M)
// and a source's ($JS.S) consumer to when the mirror or source names no
// deliver prefix, as `nats stream add --mirror-domain` does not.
var hubDeliveries = []string{"$JS.M.>", "$JS.S.>"}
