package main

import (
	"io"
	"log/slog"
	"math"
	"os"

	"github.com/spf13/cobra"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/auth"
	"github.com/sluice-io/sluice/host/memlimit"
	"github.com/sluice-io/sluice/internal/bytesize"
)

func newServeCmd(c *cli) *cobra.Command {
	var cfg host.Config
	var sync, logLevel, logFormat, credentials string
	var natsAuth natsAuthFlags
	var keyFile, oldKeyFile string
	var memLimit memlimit.Limit
	var cluster clusterFlags
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server: embedded NATS JetStream plus the HTTP APIs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyConfigFile(cmd, configFile); err != nil {
				return err
			}
			switch sync {
			case "always":
				cfg.SyncAlways = true
			case "default":
			default:
				return usageErr("--sync must be default or always, not %q", sync)
			}
			if cfg.HTTP.MaxInFlight < 1 {
				return usageErr("--max-requests must be at least 1, not %d", cfg.HTTP.MaxInFlight)
			}
			if cfg.HTTP.MaxSubscriptions < 1 {
				return usageErr("--max-subscriptions must be at least 1, not %d", cfg.HTTP.MaxSubscriptions)
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return usageErr("--log-level: %v", err)
			}
			logger, err := newLogger(c.stderr, logFormat, level)
			if err != nil {
				return err
			}
			keys, err := auth.Load(credentials, os.Getenv)
			if err != nil {
				return err
			}
			cfg.Security.Keys = keys
			creds, err := natsAuth.credentials()
			if err != nil {
				return err
			}
			cfg.NATSCredentials = creds
			cfg.Logger = logger
			if cfg.Encryption.Key, err = encryptionKey(keyFile, envEncryptionKey, "--encryption-key-file", cfg.Logger); err != nil {
				return err
			}
			if cfg.Encryption.OldKey, err = encryptionKey(oldKeyFile, envOldEncryptionKey, "--encryption-old-key-file", cfg.Logger); err != nil {
				return err
			}
			if err := cluster.resolve(&cfg, cmd.Flags().Changed, cfg.Logger); err != nil {
				return err
			}
			applyMemoryLimit(memLimit, cfg, memlimit.DefaultSystem, os.Getenv, cfg.Logger)
			ctx := cmd.Context()
			srv, err := host.Open(ctx, cfg)
			if err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				cfg.Logger.Info("shutting down")
			case err := <-srv.Done():
				cfg.Logger.Error("http listener stopped", "err", err)
			}
			return srv.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, configFlag, "", "read settings from `FILE`: one \"flag = value\" a line, the keys being these flags' names (see the README's Install section); flags given here win")
	f.StringVar(&cfg.DataDir, "data-dir", host.DefaultDataDir, "where JetStream keeps its files")
	f.StringVar(&cfg.HTTPAddr, "http", host.DefaultHTTPAddr, "HTTP listener for the AWS-compatible APIs and /metrics")
	f.StringVar(&cfg.NATSListen, "nats", host.DefaultNATSListen, `NATS client listener; "" for in-process only`)
	natsAuth.register(f)
	cluster.register(f, &cfg)
	f.StringVar(&cfg.Region, "region", host.DefaultRegion, "region in the ARNs the server returns")
	f.StringVar(&cfg.AccountID, "account-id", host.DefaultAccountID, "account id in the ARNs the server returns")
	f.StringVar(&sync, "sync", "default", "default: acknowledged writes survive a crash of the process; always: fsync before every acknowledgement, so they survive power loss")
	f.Var(&cfg.MaxStore, "max-store", "the most JetStream stores on disk: a size (512MiB, 20GiB, 10G) or a percentage of the space it can use at start (its files plus the free space)")
	f.Var(&memLimit, "memory-limit", "the Go memory limit: the garbage collector works harder to keep the process's memory below it (a soft limit: nothing fails above it); a size (192MiB, 1GiB), off, or auto: "+memlimit.DefaultHelp+"; GOMEMLIMIT in the environment wins")
	f.BoolVar(&cfg.ShardLimits, "shard-limits", false, "enforce Kinesis's per-shard throughput limits on every stream (1 MiB/s or 1,000 records/s in, 2 MiB/s out)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&logFormat, "log-format", "text", "text (key=value lines) or json (one JSON object a line, for log collectors)")
	f.StringVar(&credentials, "credentials", "", "access keys file (YAML or JSON; see the README's Security section): every API request must then be signed with one of its keys; also SLUICE_ACCESS_KEY_ID and SLUICE_SECRET_ACCESS_KEY")
	f.BoolVar(&cfg.Security.InsecureNoAuth, "insecure-no-auth", false, "allow listening on addresses other machines can reach without access keys: everyone who can reach the server can do everything")
	f.BoolVar(&cfg.Security.MetricsNoAuth, "metrics-no-auth", false, "serve /metrics without a signature even when access keys are configured (for a Prometheus scrape)")
	f.StringSliceVar(&cfg.Security.Hostnames, "hostname", nil, "a name clients reach the HTTP listener by, besides its address (and localhost on loopback); repeat or comma-separate")
	f.IntVar(&cfg.HTTP.MaxInFlight, "max-requests", host.DefaultMaxInFlightRequests, "API requests served at once; more wait briefly, then get HTTP 503 (which AWS SDKs retry)")
	f.IntVar(&cfg.HTTP.MaxSubscriptions, "max-subscriptions", host.DefaultMaxSubscriptions, "SubscribeToShard subscriptions open at once, apart from --max-requests; one more gets LimitExceededException (HTTP 503, which AWS SDKs retry)")
	f.StringVar(&cfg.TLS.Cert, "tls-cert", "", "PEM certificate (then intermediates): HTTP (HTTP/2 and HTTP/1.1) and the NATS client listener take TLS only; needs --tls-key")
	f.StringVar(&cfg.TLS.Key, "tls-key", "", "PEM private key of --tls-cert, unencrypted")
	f.StringVar(&cfg.TLS.ClientCA, "tls-client-ca", "", "PEM CA certificates: clients of both listeners must present a certificate they signed (mutual TLS)")
	f.StringVar(&cfg.OutputRoot, "output-root", "", "the directory folder destinations are confined to (relative folder paths are taken under it); default DATA_DIR/buckets")
	f.StringVar(&cfg.SecretsDir, "secrets-dir", "", "the directory of the secret files definitions may refer to (secretAccessKeyFrom: {file: NAME}); default DATA_DIR/secrets")
	f.StringVar(&keyFile, "encryption-key-file", "", "encrypt every stream, KV bucket and object store at rest with the key in FILE (at least 32 bytes; or $"+envEncryptionKey+")")
	f.StringVar(&oldKeyFile, "encryption-old-key-file", "", "rotation: the key the store was encrypted with until now (or $"+envOldEncryptionKey+"); needed for one start")
	f.StringVar(&cfg.Encryption.Cipher, "encryption-cipher", "chacha", "chacha (ChaCha20-Poly1305) or aes (AES-256-GCM)")
	f.StringArrayVar(&cfg.AllowEndpoints, "allow-endpoint", nil, "allow HTTP and S3 destinations to reach only these hosts: a name, *.domain, an IP or a CIDR (repeat the flag); link-local and metadata addresses need an explicit IP or name")
	return cmd
}

// newLogger is the server's logger: slog's text or JSON handler on w.
func newLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErr("--log-format must be text or json, not %q", format)
}

// applyMemoryLimit sets the process's Go memory limit (see host/memlimit)
// and logs it with where it came from.
func applyMemoryLimit(l memlimit.Limit, cfg host.Config, sys memlimit.System, getenv func(string) string, log *slog.Logger) int64 {
	d := memlimit.Resolve(l, host.MemoryBudget(cfg), sys, getenv)
	got := memlimit.Apply(d)
	machine := "unknown"
	if d.Machine > 0 {
		machine = bytesize.Human(d.Machine) + " (" + d.MachineFrom + ")"
	}
	if got == math.MaxInt64 {
		log.Info("go memory limit is off", "setting", d.From, "machine_memory", machine)
	} else {
		log.Info("go memory limit", "memory_limit_bytes", got, "memory_limit", bytesize.Human(got), "setting", d.From, "machine_memory", machine)
	}
	return got
}
