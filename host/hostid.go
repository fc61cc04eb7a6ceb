package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluice-io/sluice/host/delivery"
)

// hostIDFile keeps, in the data directory, the name a host alone (no
// --node-name) goes by among the hosts sharing a JetStream: made once, so
// that a host started again after a crash is the one whose delivery
// leases it finds, and takes them back at once instead of waiting for
// them to expire.
const hostIDFile = "host-id"

// hostID is the host's delivery host ID: its node name (dots and other
// characters a KV key token cannot hold made '-'), else the one kept in
// the data directory.
func hostID(cfg Config, dataDir string) (string, error) {
	if n := cfg.Cluster.NodeName; n != "" {
		return delivery.HostIDOf(n), nil
	}
	path := filepath.Join(dataDir, hostIDFile)
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("host id: %w", err)
	}
	name, _ := os.Hostname()
	id := delivery.NewHostID(name)
	if err := os.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("host id: %w", err)
	}
	return id, nil
}
