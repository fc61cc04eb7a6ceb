package streams

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Mirror says that a data stream is a read-only copy of a data stream in
// another JetStream domain (an edge's, reached over a leaf connection):
// JetStream's own mirror, which keeps the source's sequence numbers, so
// sequence numbers, shards and iterators mean the same at both ends.
type Mirror struct {
	// Domain is the source's JetStream domain and Stream its name there.
	Domain string `json:"domain"`
	Stream string `json:"stream"`
	// SourceID is the source's creation identity (Stream.ID there): a
	// stream created again under the name is another stream.
	SourceID uint64 `json:"sourceId"`
	// Revision is the source definition's KV revision last taken.
	Revision uint64 `json:"revision"`
	// SourceDeleted is set while the source's definition is found gone
	// (cleared if it is found again), SourceReplaced once it belongs to
	// a stream created again under the name (whose sequence numbers
	// start over): the mirror keeps what it has and takes no more shards
	// from it.
	SourceDeleted  bool `json:"sourceDeleted,omitempty"`
	SourceReplaced bool `json:"sourceReplaced,omitempty"`
}

// DefaultMirrorSync is how often Config.MirrorSync reads the sources'
// definitions when it is 0.
const DefaultMirrorSync = 10 * time.Second

// DefinitionDirectGets are the JetStream direct-get subjects of every
// stream definition in the definitions bucket: an edge's embedded server
// lets its hub ask them (natsd.Config.HubDirectGets) and nothing else of
// the bucket, which also holds the iterator key.
func DefinitionDirectGets() []string {
	return []string{"$JS.API.DIRECT.GET." + definitionsStream + ".$KV." + kvBucket + "." + kvPrefix + ">"}
}

// definitionsStream is the JetStream stream of the definitions bucket.
const definitionsStream = "KV_" + kvBucket

// MirrorOptions name the source of a mirror and the mirror.
type MirrorOptions struct {
	// Domain is the source's JetStream domain (the edge's), Stream the
	// source data stream's name there.
	Domain, Stream string
	// Name is the mirror's name here; empty means "<Domain>.<Stream>",
	// so that the streams of several edges never collide at one hub.
	Name string
}

// MirrorName is the default name of the mirror of stream in domain.
func MirrorName(domain, stream string) string { return domain + "." + stream }

// ValidateDomain checks a JetStream domain: one subject token of
// [a-zA-Z0-9_-], as nats-server requires ("$JS.<domain>.API").
func ValidateDomain(d string) error {
	ok := d != ""
	for i := 0; i < len(d) && ok; i++ {
		c := d[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
	}
	if !ok {
		return validationf(d, "domain", "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+")
	}
	return nil
}

// CreateMirror creates a data stream that mirrors a data stream of
// another JetStream domain: it reads the source's definition (its shards,
// hash ranges and lineage) over the leaf connection, creates the
// definition here with the source's retention, and a JetStream mirror
// that copies every record with its sequence number, storing shard
// subjects under the mirror's own name. Records flow whenever the link is
// up; reads work as on any stream, puts and reshards are refused
// (ErrInUse). The source must be reachable at creation (ErrNotFound
// otherwise); SyncMirrors follows its reshards later.
func (e *Engine) CreateMirror(ctx context.Context, opts MirrorOptions) (*Stream, error) {
	if err := ValidateDomain(opts.Domain); err != nil {
		return nil, err
	}
	if err := validateNameField(opts.Stream, "stream"); err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = MirrorName(opts.Domain, opts.Stream)
	}
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	src, rev, err := e.fetchSource(ctx, opts.Domain, opts.Stream)
	if err != nil {
		return nil, err
	}
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return nil, fmt.Errorf("mirror %s: %w", name, err)
	}
	s := &Stream{
		Name:           name,
		ID:             binary.BigEndian.Uint64(idb[:]) | 1,
		Status:         StatusCreating,
		Created:        e.now().UTC().Truncate(time.Millisecond),
		RetentionHours: src.RetentionHours,
		Mirror:         &Mirror{Domain: opts.Domain, Stream: opts.Stream, SourceID: src.ID, Revision: rev},
		// A grouped source is mirrored part by part (one JetStream mirror
		// each), so shards, sequence numbers and parts stay the source's.
		Groups: src.Groups,
	}
	adoptShards(s, src, e.now())
	if len(s.Shards) > e.cfg.MaxShards {
		return nil, e.shardLimit()
	}
	data, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("mirror %s: %w", name, err)
	}
	if err := e.storageErr(); err != nil {
		return nil, StorageFailed(err)
	}
	if _, err := e.kv.Create(ctx, kvKey(name), data); err != nil {
		if isCASConflict(err) {
			return nil, errorf(ErrInUse, "Stream %s under account %s already exists.", name, e.cfg.AccountID)
		}
		if serr := StorageError(err); serr != nil {
			return nil, serr
		}
		return nil, fmt.Errorf("mirror %s: %w", name, err)
	}
	if err := e.finishCreate(ctx, s); err != nil {
		return nil, err
	}
	e.log.Info("mirror created", "stream", name, "domain", opts.Domain, "source", opts.Stream)
	s.Status = StatusActive
	return s, nil
}

// adoptShards takes the source's shards (and what goes with them) into
// the mirror s, keeping the closed shards the source has pruned whose
// records are still within the mirror's retention: the mirror may keep
// records longer than its source.
func adoptShards(s, src *Stream, now time.Time) {
	retention := time.Duration(s.RetentionHours) * time.Hour
	have := make(map[string]bool, len(src.Shards))
	shards := make([]Shard, 0, len(src.Shards))
	for _, sh := range src.Shards {
		if !expired(sh, retention, now) {
			shards = append(shards, sh)
			have[sh.ID] = true
		}
	}
	var kept []Shard
	for _, sh := range s.Shards {
		if !have[sh.ID] && !expired(sh, retention, now) {
			kept = append(kept, sh)
		}
	}
	// Shard ids are zero-padded indexes: the pruned ones came first.
	s.Shards = append(kept, shards...)
	s.NextShard = max(s.NextShard, src.nextShardIndex())
	s.Generation, s.LastReshard = src.Generation, src.LastReshard
	s.Mode, s.MaxRecordKiB, s.PeakRecordKiB = src.Mode, src.MaxRecordKiB, max(s.PeakRecordKiB, src.PeakRecordKiB)
}

// mirrorConfig is the JetStream mirror of part g of a mirror definition:
// the source's JetStream stream (that part of it) through its domain's API
// prefix, its shard subjects renamed to the mirror's.
func mirrorConfig(m *Mirror, name string, g int) *jetstream.StreamSource {
	return &jetstream.StreamSource{
		Name:     partJS(m.Stream, g),
		External: &jetstream.ExternalStream{APIPrefix: apiPrefix(m.Domain)},
		// The shards' subjects and the barriers', renamed for the mirror:
		// without the barriers a mirror would hold a hole at each reshard,
		// and count it as missed.
		SubjectTransforms: []jetstream.SubjectTransformConfig{{
			Source:      subjectPrefix + token(m.Stream) + ".>",
			Destination: subjectPrefix + token(name) + ".>",
		}, {
			Source:      partFence(m.Stream, g),
			Destination: partFence(name, g),
		}},
	}
}

func apiPrefix(domain string) string { return "$JS." + domain + ".API" }

// readOnly is the error of a change a mirror cannot take.
func (e *Engine) readOnly(s *Stream) error {
	return errorf(ErrInUse, "Stream %s under account %s is a read-only mirror of stream %s in JetStream domain %s; put records to and reshard the source stream.",
		s.Name, e.cfg.AccountID, s.Mirror.Stream, s.Mirror.Domain)
}

// errUnreachable: the source's domain did not answer.
var errUnreachable = errors.New("unreachable")

// fetchSource reads the definition of stream in domain, and its KV
// revision, by a direct get through the domain's API prefix.
func (e *Engine) fetchSource(ctx context.Context, domain, stream string) (*Stream, uint64, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	subj := apiPrefix(domain) + ".DIRECT.GET." + definitionsStream + ".$KV." + kvBucket + "." + kvKey(stream)
	m, err := e.nc.RequestWithContext(ctx, subj, nil)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
			return nil, 0, fmt.Errorf("%w: %w", errorf(ErrNotFound, "JetStream domain %s does not answer (is its leaf connection up?): %v", domain, err), errUnreachable)
		}
		return nil, 0, fmt.Errorf("read stream %s in domain %s: %w", stream, domain, err)
	}
	notFound := errorf(ErrNotFound, "Stream %s not found in JetStream domain %s.", stream, domain)
	if st := m.Header.Get("Status"); st != "" {
		if st == "404" {
			return nil, 0, notFound
		}
		return nil, 0, fmt.Errorf("read stream %s in domain %s: status %s %s", stream, domain, st, m.Header.Get("Description"))
	}
	if op := m.Header.Get("KV-Operation"); op != "" && op != "PUT" {
		return nil, 0, notFound // deleted or purged
	}
	var rev uint64
	if _, err := fmt.Sscan(m.Header.Get(jetstream.SequenceHeader), &rev); err != nil {
		return nil, 0, fmt.Errorf("read stream %s in domain %s: no revision: %w", stream, domain, err)
	}
	s, err := decodeStream(m.Data)
	if err != nil {
		return nil, 0, fmt.Errorf("read stream %s in domain %s: %w", stream, domain, err)
	}
	return s, rev, nil
}

// SyncMirrors reads the source definition of every mirror and takes its
// reshards (new shards, closed parents) into the mirror's definition; a
// source found deleted or created again is marked so and logged. The
// engine's background loop calls it every Config.MirrorSync; each
// outcome is in MirrorStatus. It returns the first error and goes on
// with the other mirrors; an unreachable source is not an error.
func (e *Engine) SyncMirrors(ctx context.Context) error {
	all, err := e.streams(ctx)
	if err != nil {
		return err
	}
	var first error
	mirrors := map[string]bool{}
	defer func() { e.contacts.keep(mirrors) }()
	for _, s := range all {
		if s.Mirror == nil {
			continue
		}
		mirrors[s.Name] = true
		if s.Status != StatusActive || s.Mirror.SourceReplaced {
			continue
		}
		if err := e.syncMirror(ctx, s); err != nil && first == nil && !errors.Is(err, errUnreachable) {
			first = fmt.Errorf("sync mirror %s: %w", s.Name, err)
		}
	}
	return first
}

func (e *Engine) syncMirror(ctx context.Context, s *Stream) error {
	m := s.Mirror
	src, rev, err := e.fetchSource(ctx, m.Domain, m.Stream)
	e.contacts.record(s.Name, e.now(), err)
	var deleted, replaced, back bool
	switch {
	case errors.Is(err, ErrNotFound) && !errors.Is(err, errUnreachable):
		if m.SourceDeleted {
			return nil
		}
		deleted = true
	case err != nil:
		return err
	case src.ID != m.SourceID:
		replaced = true
	case m.SourceDeleted:
		// Found again (a source still starting answers "not found"
		// for a moment): the same stream, so follow it again.
		back = true
	case rev <= m.Revision:
		return nil
	}
	_, err = e.update(ctx, s.Name, func(cur *Stream) error {
		if cur.ID != s.ID || cur.Mirror == nil || cur.Status != StatusActive {
			return errNothingToPrune
		}
		switch {
		case deleted:
			cur.Mirror.SourceDeleted = true
		case replaced:
			cur.Mirror.SourceReplaced, cur.Mirror.SourceDeleted = true, false
		case back || rev > cur.Mirror.Revision:
			cur.Mirror.SourceDeleted = false
			if rev > cur.Mirror.Revision {
				adoptShards(cur, src, e.now())
				cur.Mirror.Revision = rev
			}
		default:
			return errNothingToPrune
		}
		return nil
	})
	switch {
	case errors.Is(err, errNothingToPrune) || errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case deleted:
		e.log.Warn("the source of a mirror was deleted; the mirror keeps its records", "stream", s.Name, "domain", m.Domain, "source", m.Stream)
	case replaced:
		e.log.Warn("the source of a mirror was created again (its sequence numbers start over); the mirror takes nothing more from it: delete the mirror and create it again", "stream", s.Name, "domain", m.Domain, "source", m.Stream)
	default:
		e.log.Info("mirror took its source's shards", "stream", s.Name, "domain", m.Domain, "source", m.Stream, "revision", rev)
	}
	return nil
}

// mirrorLoop runs SyncMirrors every interval until ctx ends.
func (e *Engine) mirrorLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.SyncMirrors(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("mirror definitions", "err", err)
			}
		}
	}
}
