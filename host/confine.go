package host

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/egress"
)

// confinement is the delivery Manager's configuration: where folder
// destinations may write (the output root, less the server's own
// directories), where secret files are read from, and which endpoints may
// be reached. The output root and the secrets directory are made (the
// secrets directory readable by the server's user only) when missing.
func confinement(cfg Config, dataDir string) (delivery.Config, error) {
	id, err := hostID(cfg, dataDir)
	if err != nil {
		return delivery.Config{}, err
	}
	out := delivery.Config{Region: cfg.Region, AccountID: cfg.AccountID, Replicas: cfg.Replicas, HostID: id}
	root := cfg.OutputRoot
	if root == "" {
		root = filepath.Join(dataDir, "buckets")
	}
	secrets := cfg.SecretsDir
	if secrets == "" {
		secrets = filepath.Join(dataDir, "secrets")
	}
	if out.OutputRoot, err = filepath.Abs(root); err != nil {
		return out, fmt.Errorf("output root: %w", err)
	}
	if out.SecretsDir, err = filepath.Abs(secrets); err != nil {
		return out, fmt.Errorf("secrets directory: %w", err)
	}
	if err := os.MkdirAll(out.OutputRoot, 0o755); err != nil {
		return out, fmt.Errorf("output root: %w", err)
	}
	if err := os.MkdirAll(out.SecretsDir, 0o700); err != nil {
		return out, fmt.Errorf("secrets directory: %w", err)
	}
	// No folder destination may be in, or hold, the JetStream store, the
	// compilation cache or the secrets (the output root may contain the
	// data directory: these stay out of reach inside it).
	out.Forbidden = []string{filepath.Join(dataDir, "jetstream"), filepath.Join(dataDir, "wasm-cache"), out.SecretsDir}
	var opts []egress.Option
	if cfg.Resolver != nil {
		opts = append(opts, egress.WithResolver(cfg.Resolver))
	}
	if out.Egress, err = egress.New(cfg.AllowEndpoints, opts...); err != nil {
		return out, err
	}
	return out, nil
}
