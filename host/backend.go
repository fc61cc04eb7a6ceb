package host

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluice-io/sluice/host/natsclient"
	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/host/streams"
)

// checkExternal refuses, with external NATS servers, the settings that
// belong to a server Sluice runs: they would silently do nothing.
func (c *Config) checkExternal() error {
	if !c.NATS.Enabled() {
		return nil
	}
	if err := c.NATS.Check(); err != nil {
		return err
	}
	var set []string
	if c.NATSListen != "" {
		set = append(set, "a NATS client listener (--nats)")
	}
	if len(c.NATSCredentials) > 0 {
		set = append(set, "NATS client logins (--nats-token, --nats-user, --nats-nkey, --nats-kv-token)")
	}
	if c.Cluster.Enabled() {
		set = append(set, "cluster routes (--cluster-listen, --routes)")
	}
	if c.Encryption.Key != "" {
		set = append(set, "encryption at rest (--encryption-key-file)")
	}
	if c.MaxStore != (natsd.StoreLimit{}) {
		set = append(set, "a store limit (--max-store)")
	}
	if c.SyncAlways {
		set = append(set, "--sync always")
	}
	if c.JetStreamDomain != "" || c.Leaf.Enabled() {
		set = append(set, "a JetStream domain or leaf remote (--jetstream-domain, --leaf-remote)")
	}
	if len(set) > 0 {
		return fmt.Errorf("with --nats-url the NATS servers are not Sluice's, so these belong to their configuration, not Sluice's: %s", strings.Join(set, "; "))
	}
	return nil
}

// connect starts the embedded server and opens the host's two
// connections (its own, and the key-value account's for kv_get), or opens
// them to external servers.
func (s *Server) connect(ctx context.Context, dataDir string) (err error) {
	cfg := &s.cfg
	if cfg.NATS.Enabled() {
		if s.nc, err = natsclient.Connect(ctx, cfg.NATS, "sluice-host"); err != nil {
			return err
		}
		// One account holds everything; the buckets modules may read
		// are apart from Sluice's own by name (runtime.IsReservedBucket).
		if s.kvnc, err = natsclient.Connect(ctx, cfg.NATS, "sluice-kv"); err != nil {
			return err
		}
		if cfg.Replicas == 0 {
			cfg.Replicas = 1
			if s.nc.ConnectedClusterName() != "" {
				cfg.Replicas = DefaultClusterReplicas
			}
		}
		s.log.Info("using external NATS servers", "urls", cfg.NATS.Redacted(), "connected", s.nc.ConnectedServerName(), "cluster", s.nc.ConnectedClusterName(), "replicas", cfg.Replicas)
		return nil
	}
	s.nats, err = natsd.Start(natsd.Config{
		DataDir:    dataDir,
		Listen:     cfg.NATSListen,
		SyncAlways: cfg.SyncAlways,
		MaxStore:   cfg.MaxStore,
		TLS:        s.tls.Config(),
		Encryption: cfg.Encryption,
		Cluster:    cfg.Cluster,
		Logger:     cfg.Logger,
		// Edge to hub: the hub may read the data streams' definitions.
		JetStreamDomain: cfg.JetStreamDomain,
		Leaf:            cfg.Leaf,
		HubDirectGets:   streams.DefinitionDirectGets(),
		// NATS access: data users read the data streams and nothing else.
		Credentials:  cfg.NATSCredentials,
		DataSubjects: streams.DataSubjects,
		IsDataStream: streams.IsDataStream,
	})
	if err != nil {
		return err
	}
	if s.nc, err = s.nats.Connect("sluice-host"); err != nil {
		return err
	}
	// The buckets modules read (kv_get) are in the key-value account,
	// apart from Sluice's own.
	s.kvnc, err = s.nats.ConnectKV("sluice-kv")
	return err
}

// storage is the embedded server's store guard, or nil with external
// servers, which guard their own disks.
func (s *Server) storage() streams.Storage {
	if s.nats == nil {
		return nil
	}
	return s.nats
}

func (s *Server) storageErr() error {
	if s.nats == nil {
		return nil
	}
	return s.nats.StorageErr()
}

// encrypted reports encryption at rest: known only of the embedded
// server (an external cluster's is its operator's to state).
func (s *Server) encrypted() bool { return s.nats != nil && s.nats.Encrypted() }

func (s *Server) natsDescription() string {
	if s.nats == nil {
		return "external " + s.cfg.NATS.Redacted()
	}
	return orNone(s.nats.ClientURL())
}
