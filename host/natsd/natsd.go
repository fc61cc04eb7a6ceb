package natsd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/sluice-io/sluice/internal/bytesize"
)

// Defaults for Config.
const (
	// DefaultMaxPayload is the largest NATS message the embedded server
	// accepts: a Kinesis record of a stream whose record size was raised
	// to its most (streams.MaxLargeRecordData, 10 MiB) with its partition
	// key and headers, so the NATS default of 1 MB is far too small. The
	// streams engine refuses a record size its connection's payload
	// cannot carry; delivery streams pull one such message at a time.
	DefaultMaxPayload = 10<<20 + 64<<10
	// DefaultReadyTimeout bounds how long Start waits for the server.
	DefaultReadyTimeout = 30 * time.Second
	// DefaultClusterWait bounds how long Start waits for a cluster node to
	// reach a JetStream meta leader (a quorum of its peers up): nothing
	// Sluice keeps can be read or written before.
	DefaultClusterWait = 5 * time.Minute
)

// Config describes the embedded server.
type Config struct {
	// DataDir holds JetStream's file storage (DataDir/jetstream).
	DataDir string
	// Listen is the client listener as host:port; empty means in-process
	// connections only (no socket is opened).
	Listen string
	// SyncAlways makes JetStream fsync every write before it acknowledges
	// it, so an acknowledged record survives power loss, not only a crash
	// of the process.
	SyncAlways bool
	// MaxPayload is the largest message in bytes; 0 means DefaultMaxPayload.
	MaxPayload int32
	// MaxStore is the most JetStream stores on disk (JetStreamMaxStore);
	// the zero value is DefaultMaxStorePercent of the space it can use at
	// start. Past it every write is refused at once with "insufficient
	// resources" until something is deleted.
	MaxStore StoreLimit
	// TLS, when set, makes the client listener TLS only, with this
	// configuration; with ClientAuth tls.RequireAndVerifyClientCert a
	// client must also present a certificate its ClientCAs signed.
	// In-process connections are not affected. See tlsconf.
	TLS *tls.Config
	// Encryption, when its Key is set, encrypts every stream at rest.
	Encryption Encryption
	// Cluster, when enabled, joins the server to a JetStream cluster
	// (cluster.go); the zero value runs it alone.
	Cluster Cluster
	// JetStreamDomain is the server's JetStream domain: a hub reaches its
	// JetStream with the API prefix "$JS.<domain>.API". Required with a
	// Leaf; "" is none.
	JetStreamDomain string
	// Leaf, when enabled, connects the server to a hub as a leaf node
	// (leaf.go), bound to AccountHub.
	Leaf Leaf
	// HubDirectGets are the direct-get subjects, beyond the data
	// streams', that a hub may ask over the leaf connection: the data
	// streams' definitions (streams.DefinitionDirectGets), so that a hub
	// can mirror a stream with its shards.
	HubDirectGets []string
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger

	// Credentials are the logins the client listener accepts (see
	// access.go). With a listener, a role that has none gets a token made
	// once and kept in the data directory (TokenFile), mode 0600. Sluice's
	// own in-process connections (Connect, ConnectKV) use secrets made at
	// each start and are not affected.
	Credentials []Credential
	// DataSubjects is the subject filter covering every data stream's
	// subjects ("kds.>"): data users may subscribe to it. Empty shares no
	// live subjects.
	DataSubjects string
	// IsDataStream says which JetStream streams of the Sluice account are
	// data streams, which data users may read with direct gets and stream
	// info. Nil shares none.
	IsDataStream func(jsStream string) bool
}

// Server is a running embedded NATS server.
type Server struct {
	srv       *server.Server
	lock      *dirLock
	guard     *guard
	maxStore  int64
	encrypted bool
	// hiddenListener: the client listener is only there for the routes
	// (see Start) and ClientURL does not report it.
	hiddenListener bool
	closeOnce      sync.Once

	auth       *authenticator
	share      *sharer
	shareConn  *nats.Conn
	tokenFiles map[Role]string
}

// Start takes the data directory's lock (see LockFileName), starts the
// server and waits until it takes connections. A directory another
// process holds is refused with a *DirInUseError before JetStream touches
// it.
func Start(cfg Config) (_ *Server, err error) {
	if cfg.DataDir == "" {
		return nil, errors.New("natsd: data dir is required")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("natsd: %w", err)
	}
	lock, err := lockDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = lock.release()
		}
	}()
	opts := &server.Options{
		ServerName: "sluice",
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "jetstream"),
		NoSigs:     true,
		MaxPayload: cfg.MaxPayload,
		SyncAlways: cfg.SyncAlways,
	}
	if opts.MaxPayload == 0 {
		opts.MaxPayload = DefaultMaxPayload
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Encryption.apply(opts); err != nil {
		return nil, err
	}
	if cfg.TLS != nil && cfg.Cluster.TLS == nil {
		cfg.Cluster.TLS = cfg.TLS // routes take TLS too, with the same certificate
	}
	if err := cfg.Cluster.apply(opts); err != nil {
		return nil, err
	}
	if err := validateDomain(cfg.JetStreamDomain); err != nil {
		return nil, err
	}
	opts.JetStreamDomain = cfg.JetStreamDomain
	if cfg.JetStreamDomain != "" && !cfg.Cluster.Enabled() {
		// A hub takes a leaf connection with the server name, cluster
		// and accounts of one it has as a stale duplicate and drops the
		// older: two edges both named "sluice" would take turns. The
		// domain is unique per edge.
		opts.ServerName = "sluice-" + cfg.JetStreamDomain
	}
	if err := cfg.Leaf.apply(opts, cfg.JetStreamDomain); err != nil {
		return nil, err
	}
	acc, err := configureAccess(opts, cfg, logger)
	if err != nil {
		return nil, err
	}
	maxStore, err := cfg.MaxStore.resolve(opts.StoreDir)
	if err != nil {
		return nil, err
	}
	// An explicit limit: with none, JetStream takes 75 % of the space free
	// when it starts, which shrinks as the store fills.
	opts.JetStreamMaxStore = maxStore
	hiddenListener := false
	switch {
	case cfg.Listen == "" && cfg.Cluster.Enabled():
		// nats-server starts its route listener only after the client
		// listener (StartRouting waits for it), so a cluster node needs one:
		// a random loopback port that takes only Sluice's own logins
		// (no role gets a generated token without Config.Listen), not
		// reported by ClientURL.
		opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
		hiddenListener = true
	case cfg.Listen == "":
		opts.DontListen = true
	default:
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("natsd: listen address %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("natsd: listen port %q: %w", port, err)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		} else if err := checkFree(cfg.Listen); err != nil {
			return nil, err
		}
		opts.Host, opts.Port = host, p
		setTLS(opts, cfg.TLS)
	}
	setBlockCacheExpire() // a patched nats-server's knob: see cache.go
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsd: %w", err)
	}
	acc.auth.srv = srv
	g := newGuard(srv, opts, logger.With("component", "storage"), 2*int64(opts.MaxPayload))
	// Always a logger, even a silent one: its error lines wake the guard.
	srv.SetLoggerV2(logAdapter{l: logger.With("component", "nats"), onError: g.poke}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(DefaultReadyTimeout) {
		srv.Shutdown()
		srv.WaitForShutdown() // before the deferred release of the lock
		return nil, errors.New("natsd: server not ready in time")
	}
	if cfg.Cluster.Enabled() {
		if err := waitForMeta(srv, logger, DefaultClusterWait); err != nil {
			srv.Shutdown()
			srv.WaitForShutdown()
			return nil, err
		}
	}
	lost, err := checkDecrypted(srv, opts.StoreDir, cfg.Encryption)
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	if len(lost) > 0 {
		logger.Warn("durable consumers of native NATS clients could not be decrypted and are not loaded (a key rotation does not carry them)", "consumers", lost)
	}
	go g.run(StorageCheckInterval)
	s := &Server{srv: srv, lock: lock, guard: g, maxStore: maxStore, auth: acc.auth, tokenFiles: acc.tokenFiles,
		encrypted: cfg.Encryption.Enabled(), hiddenListener: hiddenListener}
	// Alone the listing is local and quick; on a cluster the meta leader
	// just elected may still be settling, or the machine loaded (nodes
	// started together on shared cores): give it as long as the meta
	// leader's wait, not the few seconds a lone server needs.
	shareWait := shareTimeout
	if cfg.Cluster.Enabled() {
		shareWait = DefaultClusterWait
	}
	if err := s.startSharing(cfg.IsDataStream, cfg.Leaf.Enabled(), shareWait, logger.With("component", "nats-access")); err != nil {
		s.Close() // releases the lock
		return nil, err
	}
	if cfg.Leaf.Enabled() {
		logger.Info("leaf node of a hub", "jetstream_domain", cfg.JetStreamDomain, "remotes", len(cfg.Leaf.URLs), "account", AccountHub)
	}
	logger.Info("jetstream store limit", "max_store_bytes", maxStore, "max_store", bytesize.Human(maxStore), "setting", cfg.MaxStore.String())
	if cfg.Encryption.Enabled() {
		logger.Info("jetstream encryption at rest", "cipher", opts.JetStreamCipher.String(), "rotating", cfg.Encryption.OldKey != "")
	} else {
		logger.Info("jetstream encryption at rest is off (see --encryption-key-file)")
	}
	return s, nil
}

// Encrypted reports whether JetStream encrypts its store at rest.
func (s *Server) Encrypted() bool { return s.encrypted }

// MaxStore is JetStream's store limit in bytes, as resolved at start.
func (s *Server) MaxStore() int64 { return s.maxStore }

// Connect opens an in-process client connection to the Sluice account
// (AccountSluice), with every right there.
func (s *Server) Connect(name string) (*nats.Conn, error) {
	return s.connect(name, s.auth.internal)
}

// ConnectKV opens an in-process client connection to the key-value
// account (AccountKV), where the buckets modules read are.
func (s *Server) ConnectKV(name string) (*nats.Conn, error) {
	return s.connect(name, s.auth.internalKV)
}

func (s *Server) connect(name, token string) (*nats.Conn, error) {
	nc, err := nats.Connect("", nats.InProcessServer(s.srv), nats.Name(name), nats.MaxReconnects(-1), nats.Token(token))
	if err != nil {
		return nil, fmt.Errorf("natsd: connect: %w", err)
	}
	return nc, nil
}

// RouteURL is the URL of the route listener, or "" when the server joins
// no cluster.
func (s *Server) RouteURL() string {
	addr := s.srv.ClusterAddr()
	if addr == nil {
		return ""
	}
	return "nats-route://" + addr.String()
}

// ClientURL is the URL of the client listener, or "" when there is none.
func (s *Server) ClientURL() string {
	if s.hiddenListener || s.srv.Addr() == nil {
		return ""
	}
	return s.srv.ClientURL()
}

// Close shuts the server down, waits for it and releases the data
// directory. A second call does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.guard.close()
		s.stopSharing()
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		_ = s.lock.release()
	})
}

// setTLS makes the client listener require TLS with c (nil: plain).
// nats-server tells client-certificate checks from c.ClientAuth; TLS and
// TLSVerify only say the same in its monitoring output. AllowNonTLS stays
// false: a plain client is refused, while in-process clients never do TLS.
func setTLS(opts *server.Options, c *tls.Config) {
	if c == nil {
		return
	}
	opts.TLSConfig = c.Clone()
	opts.TLS = true
	opts.TLSVerify = c.ClientAuth == tls.RequireAndVerifyClientCert
}

// checkFree fails clearly when addr cannot be listened on (most often: a
// NATS server already runs there). The embedded server would otherwise only
// log the failure and never become ready.
func checkFree(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("natsd: NATS listener %s: %w (another NATS server? choose --nats ADDR, or --nats \"\" for none)", addr, err)
	}
	return ln.Close()
}

// logAdapter sends the server's log lines to slog, and calls onError on
// each error line.
type logAdapter struct {
	l       *slog.Logger
	onError func()
}

func (a logAdapter) log(level slog.Level, f string, v []any) {
	if a.l.Enabled(context.Background(), level) {
		a.l.Log(context.Background(), level, fmt.Sprintf(f, v...))
	}
}

func (a logAdapter) Noticef(f string, v ...any) { a.log(slog.LevelInfo, f, v) }
func (a logAdapter) Warnf(f string, v ...any)   { a.log(slog.LevelWarn, f, v) }
func (a logAdapter) Fatalf(f string, v ...any)  { a.log(slog.LevelError, f, v) }
func (a logAdapter) Debugf(f string, v ...any)  { a.log(slog.LevelDebug, f, v) }
func (a logAdapter) Tracef(f string, v ...any)  { a.log(slog.LevelDebug, f, v) }

func (a logAdapter) Errorf(f string, v ...any) {
	a.log(slog.LevelError, f, v)
	if a.onError != nil {
		a.onError()
	}
}
