package host

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-io/sluice/host/auth"
	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/console"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/firehose"
	"github.com/sluice-io/sluice/host/kinesis"
	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/host/natsclient"
	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/host/tlsconf"
	"github.com/sluice-io/sluice/runtime"
)

// Defaults for Config.
const (
	DefaultDataDir    = "sluice-data"
	DefaultHTTPAddr   = "127.0.0.1:4566"
	DefaultNATSListen = "127.0.0.1:4222"
	DefaultRegion     = "us-east-1"
	DefaultAccountID  = "000000000000"
	// DefaultClusterReplicas is the replication on a cluster: a write
	// survives the loss of any one node.
	DefaultClusterReplicas = 3
	// MaxReplicas is JetStream's most copies of a stream.
	MaxReplicas = 5
	// shutdownGrace bounds how long Close waits for HTTP requests in flight.
	shutdownGrace = 10 * time.Second
)

// Config says how to run a Server. The zero value of a field means its default,
// except NATSListen, where "" means in-process connections only; use
// DefaultNATSListen for the usual listener.
type Config struct {
	DataDir    string
	HTTPAddr   string
	NATSListen string
	Region     string
	AccountID  string
	// SyncAlways makes every acknowledged write fsynced before the
	// acknowledgement (survives power loss, costs write throughput).
	SyncAlways bool
	// ShardLimits enforces Kinesis's per-shard throughput limits (1 MiB/s
	// or 1,000 records/s in, 2 MiB/s out) on every stream, with
	// ProvisionedThroughputExceededException. Off by default: an edge box
	// has no neighbours to protect. A stream can turn them on for itself
	// with the tag sluice:throughput=enforce.
	ShardLimits bool
	// ConsoleSampleEvery is how often the web console's charts sample the
	// metrics (0: console.DefaultSampleEvery).
	ConsoleSampleEvery time.Duration
	// HTTP bounds the HTTP listener: timeouts, header size and the cap on
	// concurrent requests. Zero fields take the defaults (see HTTPLimits).
	HTTP HTTPLimits
	// MaxStore is the most JetStream stores on disk (records, definitions,
	// positions, modules); the zero value is natsd.DefaultMaxStorePercent
	// of the space the store can use when the server starts.
	MaxStore natsd.StoreLimit
	// TLS, when its files are set, serves the HTTP listener over TLS only
	// (HTTP/2 and HTTP/1.1 by ALPN) and makes the NATS client listener
	// TLS only, with the same certificate; with a client CA both require
	// client certificates. Bad files fail Open before anything starts.
	TLS tlsconf.Files
	// Security: see SecurityConfig.
	Security SecurityConfig
	// NATSCredentials are the logins the NATS client listener accepts: data
	// users (natsd.RoleData: read the data streams) and key-value users
	// (natsd.RoleKV: the buckets modules read). A role with none gets a
	// token made once in the data directory (natsd.TokenFile).
	NATSCredentials []natsd.Credential
	// OutputRoot confines every folder destination (and the folders that
	// hold the Firehose API's S3 buckets); empty means DataDir/buckets.
	OutputRoot string
	// SecretsDir holds the secret files definitions may refer to; empty
	// means DataDir/secrets.
	SecretsDir string
	// Encryption, when its Key is set, encrypts every JetStream stream, KV
	// bucket and object store at rest (see natsd.Encryption), and the
	// Kinesis API says so (EncryptionType KMS).
	Encryption natsd.Encryption
	// Cluster, when enabled, joins the embedded server to a JetStream
	// cluster (see natsd.Cluster).
	Cluster natsd.Cluster
	// NATS, when it has URLs, runs the host on NATS servers it does not
	// run (an existing cluster) instead of the embedded server; the
	// settings of the embedded server (NATSListen, NATSCredentials,
	// Cluster, Encryption, MaxStore, SyncAlways) are then refused, as
	// they belong to that cluster's configuration.
	NATS natsclient.Config
	// JetStreamDomain is the embedded server's JetStream domain: needed
	// with Leaf, and unique per edge (see natsd.Config.JetStreamDomain).
	JetStreamDomain string
	// Leaf, when it has URLs, makes the embedded server a leaf node of a
	// hub, bound to the hub account (natsd.AccountHub), so that the hub
	// can mirror data streams (see the README's Edge to hub).
	Leaf natsd.Leaf
	// Replicas is the JetStream replication of every data stream,
	// direct-put stream, bucket and the module store: 0 means 1 alone
	// and DefaultClusterReplicas on a cluster (the embedded server in
	// one, or external servers that are one).
	Replicas int
	// ShardGroups is the number of JetStream streams a new data stream's
	// shards spread over (streams.Config.ShardGroups): 0 or 1 is one.
	ShardGroups int
	// AllowEndpoints restricts the hosts HTTP endpoint and S3
	// destinations may reach (see host/egress); empty allows any host but
	// link-local and metadata addresses.
	AllowEndpoints []string
	// Resolver is the DNS resolver endpoint checks and destinations use;
	// nil means net.DefaultResolver.
	Resolver *net.Resolver
	Logger   *slog.Logger
}

// SecurityConfig says who may use the server (host/auth).
type SecurityConfig struct {
	// Keys are the access keys every API request must be signed with
	// (SigV4). With none, authentication is off, and Open refuses to
	// listen on an address other machines can reach unless
	// InsecureNoAuth.
	Keys *auth.Keys
	// InsecureNoAuth lets a server without keys listen on any address.
	InsecureNoAuth bool
	// MetricsNoAuth serves /metrics without a signature even when keys
	// are configured (a Prometheus scrape cannot sign).
	MetricsNoAuth bool
	// Hostnames are names, besides the listen address (and localhost on
	// loopback), that the HTTP listener answers to in the Host header.
	Hostnames []string
}

func (c *Config) setDefaults() {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = DefaultHTTPAddr
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Replicas == 0 && !c.NATS.Enabled() { // external: see connect
		c.Replicas = 1
		if c.Cluster.Enabled() {
			c.Replicas = DefaultClusterReplicas
		}
	}
	c.HTTP.setDefaults()
}

// Server is a running Sluice host.
type Server struct {
	cfg      Config
	log      *slog.Logger
	nats     *natsd.Server
	nc       *nats.Conn
	kvnc     *nats.Conn
	streams  *streams.Engine
	rt       *runtime.Runtime
	modules  *modules.Registry
	rest     *rest.API
	delivery *delivery.Manager
	http     *http.Server
	ln       net.Listener
	tls      *tlsconf.Server    // nil: no TLS
	hostID   string             // among the hosts sharing the JetStream (delivery.Config.HostID)
	sampler  context.CancelFunc // stops the console's metrics sampler
	served   chan error
}

// Open starts the embedded NATS server, the engines and the HTTP listener.
// The server runs until Close.
func Open(ctx context.Context, cfg Config) (_ *Server, err error) {
	if err := cfg.HTTP.check(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	if err := cfg.checkExternal(); err != nil {
		return nil, err
	}
	if cfg.Replicas < 0 || cfg.Replicas > MaxReplicas || (cfg.Replicas == 0 && !cfg.NATS.Enabled()) {
		return nil, fmt.Errorf("replicas %d: JetStream keeps 1 to %d copies", cfg.Replicas, MaxReplicas)
	}
	sec := cfg.Security
	if err := auth.CheckExposure(ctx, sec.Keys.Len() > 0, sec.InsecureNoAuth,
		auth.Listener{Flag: "--http", Addr: cfg.HTTPAddr}, auth.Listener{Flag: "--nats", Addr: cfg.NATSListen}); err != nil {
		return nil, err
	}
	if cfg.Cluster.Enabled() && !cfg.TLS.Enabled() {
		if lo, err := auth.IsLoopback(ctx, cfg.Cluster.Listen); err == nil && !lo {
			cfg.Logger.Warn("cluster routes are not encrypted: they authenticate with the shared secret, but records and the secret cross the network in clear; give the server --tls-cert and --tls-key (routes then take TLS, peers verified by --tls-client-ca)", "cluster_listen", cfg.Cluster.Listen)
		}
	}
	s := &Server{cfg: cfg, log: cfg.Logger, served: make(chan error, 1)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if s.tls, err = loadTLS(cfg.TLS, cfg.Logger); err != nil {
		return nil, err
	}
	// The names a certificate is for are names the server is known by.
	browser, err := auth.NewBrowserGuard(cfg.HTTPAddr, append(slices.Clone(sec.Hostnames), s.tls.Names()...))
	if err != nil {
		return nil, err
	}
	if err := s.connect(ctx, dataDir); err != nil {
		return nil, err
	}
	cfg = s.cfg // connect resolves the replicas of external servers
	kvjs, err := jetstream.New(s.kvnc)
	if err != nil {
		return nil, err
	}
	streamsCfg := streams.Config{
		Region:    cfg.Region,
		AccountID: cfg.AccountID,
		Logger:    cfg.Logger.With("component", "streams"),
		Storage:   s.storage(),
		Replicas:  cfg.Replicas,
		// Validated by streams.Open, with the one bound MaxShardGroups.
		ShardGroups: cfg.ShardGroups,
	}
	if cfg.ShardLimits {
		streamsCfg.Limits = &streams.KinesisLimits
	}
	streamsCfg.SubscriptionDuration = cfg.HTTP.SubscriptionDuration
	s.streams, err = streams.Open(ctx, s.nc, streamsCfg)
	if err != nil {
		return nil, fmt.Errorf("open data streams: %w", err)
	}

	js, err := jetstream.New(s.nc)
	if err != nil {
		return nil, err
	}
	if s.rt, err = runtime.New(ctx,
		runtime.WithCacheDir(filepath.Join(dataDir, "wasm-cache")),
		runtime.WithLogger(cfg.Logger.With("component", "runtime")),
		runtime.WithKV(kvjs)); err != nil {
		return nil, fmt.Errorf("wasm runtime: %w", err)
	}
	if s.modules, err = modules.Open(ctx, js, s.rt, modules.Config{Logger: cfg.Logger.With("component", "modules"), Replicas: cfg.Replicas}); err != nil {
		return nil, fmt.Errorf("open module registry: %w", err)
	}
	if s.rest, err = rest.New(s.modules, s.rt, rest.WithLogger(cfg.Logger.With("component", "rest"))); err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s.nats != nil {
		reg.MustRegister(storageMetrics(s.nats)...)
	}
	// The data streams' series (every stream's, and the shard-level ones
	// of enhanced monitoring), which the console charts too, and the
	// runtime's by module.
	for _, c := range []prometheus.Collector{s.streams.Collector(), s.rt.Collector()} {
		if err := registerOnce(reg, c); err != nil {
			return nil, err
		}
	}

	dcfg, err := confinement(cfg, dataDir)
	if err != nil {
		return nil, err
	}
	s.hostID = dcfg.HostID
	reg.MustRegister(s.hostInfo())
	if s.delivery, err = delivery.Open(ctx, s.nc, delivery.Deps{
		Streams: s.streams,
		Modules: s.modules,
		Runtime: s.rt,
		Metrics: reg,
		Logger:  cfg.Logger.With("component", "delivery"),
		Storage: s.storage(),
	}, dcfg); err != nil {
		return nil, fmt.Errorf("open delivery streams: %w", err)
	}
	s.log.Info("delivery destinations confined", "output_root", dcfg.OutputRoot, "secrets_dir", dcfg.SecretsDir, "endpoints", dcfg.Egress.String())
	streamModes, err := rest.NewStreamModes(s.streams, rest.WithLogger(cfg.Logger.With("component", "rest")))
	if err != nil {
		return nil, err
	}
	deliveryAPI, err := rest.NewDelivery(s.delivery, rest.WithLogger(cfg.Logger.With("component", "rest")))
	if err != nil {
		return nil, err
	}

	// The largest AWS request is a Kinesis PutRecords of 10 MiB; the
	// signature check reads the same limit (auth's bodyLimit).
	aws := awsjson.NewMux(cfg.Logger.With("component", "api"), awsjson.WithMaxBodyBytes(kinesis.MaxRequestBytes))
	kopts := []kinesis.Option{kinesis.WithLogger(cfg.Logger.With("component", "kinesis"))}
	if s.encrypted() {
		kopts = append(kopts, kinesis.WithEncryptionAtRest())
	}
	kinesis.Register(aws, s.streams, kopts...)
	firehose.Register(aws, s.delivery, firehose.Config{
		Region:          cfg.Region,
		AccountID:       cfg.AccountID,
		EncryptedAtRest: s.encrypted(),
		// An S3 destination created through the Firehose API has no
		// endpoint in AWS's shape: its bucket is a folder of the server,
		// under the output root.
		ObjectStore: func(bucket string) (delivery.Destination, error) {
			return delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: bucket}}, nil
		},
	})

	api := http.NewServeMux()
	api.Handle(auth.AWSPattern, aws)
	s.rest.Register(api)
	deliveryAPI.Register(api)
	streamModes.Register(api)
	clusterAPI, err := rest.NewCluster(s, rest.WithLogger(cfg.Logger.With("component", "rest")))
	if err != nil {
		return nil, err
	}
	clusterAPI.Register(api)
	mirrorsAPI, err := rest.NewMirrors(s.streams, rest.WithLogger(cfg.Logger.With("component", "rest")))
	if err != nil {
		return nil, err
	}
	mirrorsAPI.Register(api)

	lm, err := newLimiterMetrics(reg)
	if err != nil {
		return nil, err
	}
	hl := cfg.HTTP
	apiLimit := newRequestLimiter("api", hl.MaxInFlight, hl.MaxQueued, hl.QueueWait, lm, rejectAPI(hl.MaxInFlight))
	probeLimit := newRequestLimiter("probes", MaxInFlightProbes, MaxInFlightProbes, hl.QueueWait, lm, rejectProbe)
	pr := &probes{js: js, storage: s.storageErr, failing: s.delivery.Failing}
	apiHandler, metrics, err := s.guard(api, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if err != nil {
		return nil, err
	}
	am, err := newAPIMetrics(reg, aws.Targets())
	if err != nil {
		return nil, err
	}
	con, err := s.console(reg)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", am.wrap(splitSubscriptions(apiLimit, newSubscriptionLimiter(hl, lm), apiHandler)))
	mux.Handle(console.Prefix+"/", apiLimit.wrap(con))
	mux.Handle(console.Prefix, apiLimit.wrap(con))
	mux.Handle("GET /metrics", probeLimit.wrap(metrics))
	mux.Handle("GET /healthz", probeLimit.wrap(http.HandlerFunc(pr.healthz)))
	mux.Handle("GET /readyz", probeLimit.wrap(http.HandlerFunc(pr.readyz)))

	if s.ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return nil, fmt.Errorf("http listen: %w", err)
	}
	s.http = newHTTPServer(browser.Wrap(mux), hl)
	s.http.ErrorLog = httpErrorLog(cfg.Logger)
	s.http.RegisterOnShutdown(s.streams.EndSubscriptions)
	go func(tc *tls.Config) { s.served <- serveHTTP(s.http, s.ln, tc) }(s.tls.Config())

	s.log.Info("sluice listening",
		"http", s.HTTPURL(),
		"nats", s.natsDescription(),
		"data_dir", dataDir,
		"sync_always", cfg.SyncAlways,
		"max_requests", hl.MaxInFlight)
	s.logNATSAccess()
	return s, nil
}

// HTTPAddr is the address the HTTP listener is bound to.
func (s *Server) HTTPAddr() string { return s.ln.Addr().String() }

// NATSURL is the client URL of the NATS listener, or "" when there is none.
func (s *Server) NATSURL() string {
	if s.nats == nil {
		return ""
	}
	return s.nats.ClientURL()
}

// Done is closed, after sending the error, when the HTTP listener stops by
// itself (not by Close).
func (s *Server) Done() <-chan error { return s.served }

// Close stops the listener, the engines and the NATS server, in that order.
func (s *Server) Close() error {
	var errs []error
	if s.sampler != nil {
		s.sampler()
	}
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		errs = append(errs, s.http.Shutdown(ctx))
		cancel()
	}
	if s.delivery != nil {
		errs = append(errs, s.delivery.Close())
	}
	if s.rest != nil {
		errs = append(errs, s.rest.Close(context.Background()))
	}
	if s.rt != nil {
		errs = append(errs, s.rt.Close(context.Background()))
	}
	if s.streams != nil {
		errs = append(errs, s.streams.Close())
	}
	if s.nc != nil {
		s.nc.Close()
	}
	if s.kvnc != nil {
		s.kvnc.Close()
	}
	if s.nats != nil {
		s.nats.Close()
	}
	return errors.Join(errs...)
}

// logNATSAccess says how NATS clients log in: where the generated tokens
// are (never the tokens).
func (s *Server) logNATSAccess() {
	if s.nats == nil || s.nats.ClientURL() == "" {
		return
	}
	for _, r := range []natsd.Role{natsd.RoleData, natsd.RoleKV} {
		if f := s.nats.GeneratedTokenFile(r); f != "" {
			s.log.Info("NATS clients log in with a token", "role", r.String(), "token_file", f)
		} else {
			s.log.Info("NATS clients log in with the configured credentials", "role", r.String())
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "in-process only"
	}
	return s
}
