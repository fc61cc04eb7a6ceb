package natsd

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sluice-io/sluice/host/jsretry"
)

// streamCreated is the advisory JetStream publishes, in the stream's
// account, when a stream is created; the last token is its name.
const streamCreated = "$JS.EVENT.ADVISORY.STREAM.CREATED.*"

// shareTimeout bounds listing the streams when sharing starts again.
const shareTimeout = 10 * time.Second

// sharer gives the data account read access to each data stream: for a
// stream S (one Config.IsDataStream accepts) it imports, from the Sluice
// account, $JS.API.DIRECT.GET.S, $JS.API.DIRECT.GET.S.>,
// $JS.API.STREAM.INFO.S and $JS.API.STREAM.MSG.GET.S. NATS permissions and
// exports match whole subject tokens only, and "KDS_…" is part of one, so
// the imports name each stream: they are added for the streams that exist
// at start and for each stream JetStream announces as created. A deleted
// stream's imports stay (nothing answers them; a new stream of the same
// name is a data stream again).
//
// A reload of the server's options (the storage guard's JetStream
// restart) rebuilds every account's imports from the configuration, so
// reset shares every data stream again after one.
type sharer struct {
	sluice, data *server.Account
	hub          *server.Account // nil without a leaf connection
	nc           *nats.Conn      // an internal connection (AccountSluice)
	isData       func(string) bool
	log          *slog.Logger

	mu     sync.Mutex
	shared map[string]struct{}
	sub    *nats.Subscription
}

func newSharer(srv *server.Server, nc *nats.Conn, isData func(string) bool, hub bool, log *slog.Logger) (*sharer, error) {
	sluice, err := srv.LookupAccount(AccountSluice)
	if err != nil {
		return nil, fmt.Errorf("natsd: account %s: %w", AccountSluice, err)
	}
	data, err := srv.LookupAccount(AccountData)
	if err != nil {
		return nil, fmt.Errorf("natsd: account %s: %w", AccountData, err)
	}
	sh := &sharer{sluice: sluice, data: data, nc: nc, isData: isData, log: log, shared: make(map[string]struct{})}
	if hub {
		if sh.hub, err = srv.LookupAccount(AccountHub); err != nil {
			return nil, fmt.Errorf("natsd: account %s: %w", AccountHub, err)
		}
	}
	return sh, nil
}

// start shares the data streams that exist and those created from now on.
func (sh *sharer) start(ctx context.Context) error {
	sub, err := sh.nc.Subscribe(streamCreated, func(m *nats.Msg) {
		name := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
		if err := sh.share(name); err != nil {
			sh.log.Error("share data stream with data users", "jetstream_stream", name, "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("natsd: %w", err)
	}
	if err := sh.nc.Flush(); err != nil {
		return fmt.Errorf("natsd: %w", err)
	}
	sh.mu.Lock()
	sh.sub = sub
	sh.mu.Unlock()
	// On a cluster the first listing can go unanswered while the meta
	// leader settles: ask again.
	return jsretry.Do(ctx, sh.shareAll)
}

// reset forgets what was shared (a reload dropped it) and shares every
// data stream again.
func (sh *sharer) reset() {
	sh.mu.Lock()
	clear(sh.shared)
	sh.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), shareTimeout)
	defer cancel()
	if err := sh.shareAll(ctx); err != nil {
		sh.log.Error("share data streams with data users again after a reload", "err", err)
	}
}

func (sh *sharer) shareAll(ctx context.Context) error {
	js, err := jetstream.New(sh.nc)
	if err != nil {
		return fmt.Errorf("natsd: %w", err)
	}
	names := js.StreamNames(ctx)
	for name := range names.Name() {
		if err := sh.share(name); err != nil {
			return err
		}
	}
	if err := names.Err(); err != nil {
		return fmt.Errorf("natsd: list streams: %w", err)
	}
	return nil
}

// share adds stream's imports to the data account, once.
func (sh *sharer) share(stream string) error {
	if sh.isData == nil || !sh.isData(stream) {
		return nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.shared[stream]; ok {
		return nil
	}
	for _, subj := range []string{
		"$JS.API.DIRECT.GET." + stream,
		"$JS.API.DIRECT.GET." + stream + ".>",
		"$JS.API.STREAM.INFO." + stream,
		"$JS.API.STREAM.MSG.GET." + stream, // what `nats stream get` asks
	} {
		if err := sh.add(sh.data, AccountData, subj); err != nil {
			return err
		}
	}
	if sh.hub != nil {
		// A hub's mirror or source of the stream: its consumer (created
		// with or without a filter in the subject) and the flow-control
		// replies of that consumer, in nats-server's two forms
		// ($JS.FC.<stream>.… and $JS.FC.<domain>.<account>.<stream>.…).
		for _, subj := range []string{
			"$JS.API.CONSUMER.CREATE." + stream,
			"$JS.API.CONSUMER.CREATE." + stream + ".>",
			"$JS.FC." + stream + ".>",
			"$JS.FC.*.*." + stream + ".>",
			"$JS.API.STREAM.INFO." + stream,
		} {
			if err := sh.add(sh.hub, AccountHub, subj); err != nil {
				return err
			}
		}
	}
	sh.shared[stream] = struct{}{}
	sh.log.Debug("data stream readable by data users", "jetstream_stream", stream)
	return nil
}

// add imports subj from the Sluice account into acc.
func (sh *sharer) add(acc *server.Account, name, subj string) error {
	// A duplicate is an import added since the last reload that a reset
	// did not know of: it is there, which is what we want.
	if err := acc.AddServiceImport(sh.sluice, subj, ""); err != nil && !strings.Contains(err.Error(), "duplicate service import") {
		return fmt.Errorf("natsd: share %s with account %s: %w", subj, name, err)
	}
	return nil
}

func (sh *sharer) close() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.sub != nil {
		_ = sh.sub.Unsubscribe()
		sh.sub = nil
	}
}
