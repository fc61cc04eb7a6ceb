package natsd

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Defaults for Config.
const (
	// DefaultMaxPayload is the largest NATS message the embedded server
	// accepts. Kinesis records are up to 1 MiB of data plus a partition key
	// and headers, so the NATS default of 1 MB is too small.
	DefaultMaxPayload = 8 << 20
	// DefaultReadyTimeout bounds how long Start waits for the server.
	DefaultReadyTimeout = 30 * time.Second
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
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
}

// Server is a running embedded NATS server.
type Server struct {
	srv  *server.Server
	lock *dirLock
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
	if cfg.Listen == "" {
		opts.DontListen = true
	} else {
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
	}
	if cfg.Logger == nil {
		opts.NoLog = true
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsd: %w", err)
	}
	if cfg.Logger != nil {
		srv.SetLoggerV2(logAdapter{cfg.Logger.With("component", "nats")}, false, false, false)
	}
	go srv.Start()
	if !srv.ReadyForConnections(DefaultReadyTimeout) {
		srv.Shutdown()
		srv.WaitForShutdown() // before the deferred release of the lock
		return nil, errors.New("natsd: server not ready in time")
	}
	return &Server{srv: srv, lock: lock}, nil
}

// Connect opens an in-process client connection.
func (s *Server) Connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect("", nats.InProcessServer(s.srv), nats.Name(name), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("natsd: connect: %w", err)
	}
	return nc, nil
}

// ClientURL is the URL of the client listener, or "" when there is none.
func (s *Server) ClientURL() string {
	if s.srv.Addr() == nil {
		return ""
	}
	return s.srv.ClientURL()
}

// Close shuts the server down, waits for it and releases the data
// directory.
func (s *Server) Close() {
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	_ = s.lock.release()
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

// logAdapter sends the server's log lines to slog.
type logAdapter struct{ l *slog.Logger }

func (a logAdapter) Noticef(f string, v ...any) { a.l.Info(fmt.Sprintf(f, v...)) }
func (a logAdapter) Warnf(f string, v ...any)   { a.l.Warn(fmt.Sprintf(f, v...)) }
func (a logAdapter) Fatalf(f string, v ...any)  { a.l.Error(fmt.Sprintf(f, v...)) }
func (a logAdapter) Errorf(f string, v ...any)  { a.l.Error(fmt.Sprintf(f, v...)) }
func (a logAdapter) Debugf(f string, v ...any)  { a.l.Debug(fmt.Sprintf(f, v...)) }
func (a logAdapter) Tracef(f string, v ...any)  { a.l.Debug(fmt.Sprintf(f, v...)) }
