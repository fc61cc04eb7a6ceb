package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/pflag"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/natsclient"
	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/host/streams"
)

// envClusterSecret holds the route secret when no file is given.
const envClusterSecret = "SLUICE_CLUSTER_SECRET"

// clusterFlags are the serve flags that put the host on a NATS cluster:
// external servers (--nats-url) or the embedded server joining one.
type clusterFlags struct {
	secretFile                string
	leafCA, leafCert, leafKey string
}

func (cf *clusterFlags) register(f *pflag.FlagSet, cfg *host.Config) {
	f.StringSliceVar(&cfg.NATS.URLs, "nats-url", nil, "run on existing NATS servers instead of the embedded one: client URLs (nats://host:4222, tls://…), comma-separated or repeated")
	f.StringVar(&cfg.NATS.CredentialsFile, "nats-creds", "", "with --nats-url: log in with this .creds file (JWT and seed, as nsc writes it) or nkey seed file")
	f.StringVar(&cfg.NATS.TokenFile, "nats-token-file", "", "with --nats-url: log in with the token this file holds")
	f.StringVar(&cfg.NATS.CAFile, "nats-ca", "", "with --nats-url: PEM CA certificates the servers' certificates must be signed by (TLS)")
	f.StringVar(&cfg.NATS.CertFile, "nats-cert", "", "with --nats-url: PEM client certificate to present (needs --nats-key)")
	f.StringVar(&cfg.NATS.KeyFile, "nats-key", "", "with --nats-url: PEM private key of --nats-cert")
	f.StringVar(&cfg.Cluster.Name, "cluster-name", "", "the embedded server joins this JetStream cluster (the same on every node; with --cluster-listen and --routes)")
	f.StringVar(&cfg.Cluster.NodeName, "node-name", "", "this node's name in the cluster, unique in it (default: the host name); also this host's name among the hosts sharing a JetStream (default: one made once in DATA_DIR/host-id)")
	f.StringVar(&cfg.Cluster.Listen, "cluster-listen", "", "route listener of the embedded server, host:port (other nodes connect here; routes always authenticate)")
	f.StringSliceVar(&cfg.Cluster.Routes, "routes", nil, "the other nodes' route URLs (nats-route://host:port), comma-separated or repeated")
	f.StringVar(&cf.secretFile, "cluster-secret-file", "", "the route secret every node shares (at least 16 bytes), in FILE; or $"+envClusterSecret)
	f.StringVar(&cfg.JetStreamDomain, "jetstream-domain", "", "the embedded server's JetStream domain (needed with --leaf-remote; unique per edge, other than the hub's)")
	f.StringSliceVar(&cfg.Leaf.URLs, "leaf-remote", nil, "connect the embedded server as a leaf node to a hub's leaf listeners (nats-leaf://, nats:// or tls://host:7422; no login in the URL), so the hub can mirror data streams")
	f.StringVar(&cfg.Leaf.CredentialsFile, "leaf-credentials", "", "with --leaf-remote: log in to the hub with this .creds file")
	f.StringVar(&cfg.Leaf.User, "leaf-user", "", "with --leaf-remote: log in to the hub as this user (with --leaf-password-file)")
	f.StringVar(&cfg.Leaf.PasswordFile, "leaf-password-file", "", "with --leaf-user: the file whose first line is the password")
	f.StringVar(&cf.leafCA, "leaf-ca", "", "with --leaf-remote: PEM CA certificates that signed the hub's certificate (TLS)")
	f.StringVar(&cf.leafCert, "leaf-cert", "", "with --leaf-remote: PEM client certificate for a hub that verifies one (needs --leaf-key)")
	f.StringVar(&cf.leafKey, "leaf-key", "", "with --leaf-remote: PEM private key of --leaf-cert")
	f.IntVar(&cfg.ShardGroups, "shard-groups", 0, fmt.Sprintf("spread each new data stream's shards over N JetStream streams (1 to %d), so its writes go through N RAFT leaders on a cluster; default 1 (see README, Running on a cluster)", streams.MaxShardGroups))
	f.IntVar(&cfg.Replicas, "replicas", 0, "JetStream copies of every data stream, direct-put stream, bucket and the module store (1 to 5); default 1 alone, 3 on a cluster")
}

// resolve fills in what the flags leave to defaults: the node name and the
// route secret, read from its file or the environment. changed reports
// whether a flag was given.
func (cf *clusterFlags) resolve(cfg *host.Config, changed func(string) bool, log *slog.Logger) error {
	if cfg.NATS.Enabled() && !changed("nats") {
		cfg.NATSListen = "" // the servers are not ours: no listener of our own
	}
	if cf.leafCA != "" || cf.leafCert != "" || cf.leafKey != "" {
		if !cfg.Leaf.Enabled() {
			return usageErr("--leaf-ca, --leaf-cert and --leaf-key need --leaf-remote")
		}
		tc, err := natsclient.ClientTLS(cf.leafCA, cf.leafCert, cf.leafKey)
		if err != nil {
			return usageErr("%v", err)
		}
		cfg.Leaf.TLS = tc
	}
	if !cfg.Cluster.Enabled() {
		if cfg.Cluster.Name != "" || cf.secretFile != "" {
			return usageErr("--cluster-name and --cluster-secret-file need --cluster-listen (and --routes to the other nodes)")
		}
		return nil
	}
	if cfg.Cluster.NodeName == "" {
		name, err := os.Hostname()
		if err != nil {
			return usageErr("--node-name is needed: the host name is unknown (%v)", err)
		}
		cfg.Cluster.NodeName = name
	}
	secret, err := secretFromFile(cf.secretFile, envClusterSecret, "--cluster-secret-file", "cluster secret", log)
	if err != nil {
		return err
	}
	if len(secret) < natsd.MinClusterSecret {
		return usageErr("a cluster needs a route secret of at least %d bytes: --cluster-secret-file FILE or $%s", natsd.MinClusterSecret, envClusterSecret)
	}
	cfg.Cluster.Secret = secret
	return nil
}
