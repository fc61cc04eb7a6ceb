package natsd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Storage watching.
const (
	// StorageCheckInterval is how often the storage guard asks JetStream
	// whether its streams can write and, while they cannot, whether there
	// is room to restart it. An error line in the server's log (JetStream
	// logs every failed write) triggers a check at once.
	StorageCheckInterval = time.Second
	// minRestartBackoff and maxRestartBackoff bound the wait between two
	// restarts of JetStream after the first one, which is immediate; the
	// wait doubles while restarts do not help and starts again from the
	// bottom once the store has been healthy for maxRestartBackoff.
	minRestartBackoff = time.Second
	maxRestartBackoff = time.Minute
)

// ErrStorageFailed: JetStream cannot write to its store. A write failed
// (most often ENOSPC: the file system is full) and the stream that saw it
// refuses every later write, without answering the publisher, until
// JetStream is restarted; or JetStream disabled itself.
var ErrStorageFailed = errors.New("jetstream storage failed")

// guard watches JetStream's store and restarts JetStream in process, once
// there is room again, when a write error has wedged it. nats-server
// (v2.15.2, standalone) handles a failed write to a stream like this:
//
//   - filestore.go: the message block and the file store keep the error
//     (mb.werr, fs.werr, "Critical write error") and return it for every
//     later write, even after space is freed;
//   - stream.go processJetStreamMsg: an error other than a limit is not
//     answered ("We don't want to respond back to the user"), so the
//     publisher waits for its timeout, and mset.werr is set;
//   - monitor.go healthz: reports "write error" for such a stream;
//   - jetstream.go handleOutOfSpace, which disables JetStream, runs only in
//     clustered mode and for sources and mirrors.
//
// Only a restart of JetStream reloads the stores without the error, and
// Server.ReloadOptions is nats-server's supported way to start JetStream
// again when it "had been disabled during runtime" (reload.go
// restartJetStream). Clients stay connected throughout.
type guard struct {
	srv      *server.Server
	log      *slog.Logger
	dir      string // the store directory, for its free space
	needFree int64  // free bytes wanted before a restart
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}

	checkMu  sync.Mutex      // one check, and restart, at a time
	closed   bool            // no more checks (under checkMu)
	opts     *server.Options // what the server runs with (under checkMu)
	backoff  time.Duration
	next     time.Time // no restart before
	healthy  time.Time // healthy since
	waitFree bool      // "waiting for space" was logged
	// afterReload runs after each reload of the options (under checkMu):
	// a reload rebuilds the accounts' imports from the options.
	afterReload func()

	mu      sync.Mutex
	err     error
	failing chan struct{} // closed when err is set; replaced when cleared
}

func newGuard(srv *server.Server, opts *server.Options, log *slog.Logger, needFree int64) *guard {
	return &guard{
		srv: srv, opts: opts, log: log, dir: opts.StoreDir, needFree: needFree,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		backoff: minRestartBackoff, healthy: time.Now(), failing: make(chan struct{}),
	}
}

// run checks on every tick and every kick until close.
func (g *guard) run(interval time.Duration) {
	defer close(g.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
		case <-g.kick:
		}
		g.check()
	}
}

// close stops the checks and waits for one in progress.
func (g *guard) close() {
	close(g.stop)
	<-g.done
	g.checkMu.Lock()
	g.closed = true
	g.checkMu.Unlock()
}

// setAfterReload sets what runs after each reload of the options.
func (g *guard) setAfterReload(f func()) {
	g.checkMu.Lock()
	g.afterReload = f
	g.checkMu.Unlock()
}

// poke asks for a check soon; it never blocks (the server calls it from
// its logger, holding its own locks).
func (g *guard) poke() {
	select {
	case g.kick <- struct{}{}:
	default:
	}
}

// state is the current error (nil: the store takes writes) and a channel
// closed when the store fails next or has failed.
func (g *guard) state() (error, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err, g.failing
}

// check probes the store; when it cannot write and there is room, it
// restarts JetStream and probes again. It returns the resulting state.
func (g *guard) check() error {
	g.checkMu.Lock()
	defer g.checkMu.Unlock()
	if g.closed {
		err, _ := g.state()
		return err
	}
	problem := g.probe()
	if problem == nil {
		g.set(nil)
		if time.Since(g.healthy) >= maxRestartBackoff {
			g.backoff = minRestartBackoff
		}
		return nil
	}
	g.set(problem)
	if time.Now().Before(g.next) {
		return problem
	}
	if free, err := freeBytes(g.dir); err == nil && free < g.needFree {
		if !g.waitFree {
			g.waitFree = true
			g.log.Warn("waiting for free space to restart JetStream", "free_bytes", free, "need_bytes", g.needFree)
		}
		return problem
	}
	g.restart()
	g.next = time.Now().Add(g.backoff)
	g.backoff = min(2*g.backoff, maxRestartBackoff)
	problem = g.probe()
	g.set(problem)
	return problem
}

// probe is nil when JetStream runs and no stream has a write error.
func (g *guard) probe() error {
	if !g.srv.JetStreamEnabled() {
		return fmt.Errorf("%w: JetStream is disabled", ErrStorageFailed)
	}
	h := g.srv.Healthz(&server.HealthzOptions{Details: true})
	for _, e := range h.Errors {
		if e.Type == server.HealthzErrorStream && strings.Contains(e.Error, "write error") {
			return fmt.Errorf("%w: stream %s: %s", ErrStorageFailed, e.Stream, cause(e.Error))
		}
	}
	return nil
}

// cause is the last part of a nats-server error text ("... write
// /path/1.blk: no space left on device" gives "no space left on device"),
// which names the condition without the data directory's paths.
func cause(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// set records the state, logging and signalling its changes.
func (g *guard) set(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err != nil && g.err == nil:
		g.log.Error("JetStream cannot write to its store; puts are refused until it can", "err", err, "store_dir", g.dir)
		close(g.failing)
	case err == nil && g.err != nil:
		g.log.Info("JetStream store writable again", "was", g.err)
		g.failing = make(chan struct{})
		g.healthy = time.Now()
		g.waitFree = false
	}
	g.err = err
}

// restart stops JetStream, if it runs, and starts it again through a
// reload of the unchanged options.
func (g *guard) restart() {
	g.log.Warn("restarting JetStream to clear its write errors")
	start := time.Now()
	if g.srv.JetStreamEnabled() {
		if err := g.srv.ShutdownJetStream(); err != nil {
			g.log.Error("stop JetStream", "err", err)
		}
	}
	opts := g.opts.Clone()
	if err := g.srv.ReloadOptions(opts); err != nil {
		g.log.Error("start JetStream again", "err", err)
		return
	}
	g.opts = opts
	if g.afterReload != nil {
		g.afterReload()
	}
	g.log.Info("JetStream restarted", "took", time.Since(start).Round(time.Millisecond), "enabled", g.srv.JetStreamEnabled())
}

// StorageErr is nil while JetStream's store takes writes; otherwise it
// wraps ErrStorageFailed and says why. A store that reached its size limit
// (Config.MaxStore) is not failed: JetStream answers each publish with
// "insufficient resources" at once, and takes writes again when there is
// room.
func (s *Server) StorageErr() error {
	err, _ := s.guard.state()
	return err
}

// StorageFailing returns a channel that is closed when the store fails
// (now, if it has failed). A publish whose answer never comes because of
// the failure can stop waiting when it closes.
func (s *Server) StorageFailing() <-chan struct{} {
	_, ch := s.guard.state()
	return ch
}

// CheckStorage checks the store now rather than at the next tick and, if
// it has failed and there is room again, restarts JetStream; it returns
// what StorageErr then says. It may take as long as a JetStream restart,
// or until ctx ends (the check then goes on in the background).
func (s *Server) CheckStorage(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.guard.check() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StoreUsed is how many bytes JetStream's file store holds now (0 while
// JetStream is not running).
func (s *Server) StoreUsed() int64 {
	info, err := s.srv.Jsz(&server.JSzOptions{})
	if err != nil || info == nil {
		return 0
	}
	return int64(info.Store)
}
