package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// tombPrefix starts the key of a deleted stream's tombstone.
	tombPrefix = "deleted."
	// TombstoneTTL is how long a deleted stream's tombstone is kept: a
	// reader (a delivery stream) that finds its source deleted within it
	// learns exactly which records went with the stream.
	TombstoneTTL = 7 * 24 * time.Hour
)

// Tombstone is what is kept of a deleted stream: its identity and the
// sequences of the records it held when it was deleted.
type Tombstone struct {
	Name    string    `json:"name"`
	ID      uint64    `json:"id"`
	Created time.Time `json:"created"`
	// FirstSeq and LastSeq are the stream's oldest and newest record
	// sequences at deletion (FirstSeq > LastSeq: it held none).
	FirstSeq  uint64    `json:"firstSeq"`
	LastSeq   uint64    `json:"lastSeq"`
	DeletedAt time.Time `json:"deletedAt"`
	// Parts are the same of each part of a grouped stream (Stream.Parts),
	// part 0's first; nil for a stream of one part, whose state is
	// FirstSeq and LastSeq.
	Parts []PartState `json:"parts,omitempty"`
}

// PartState is one part's oldest and newest record sequences.
type PartState struct {
	FirstSeq uint64 `json:"firstSeq"`
	LastSeq  uint64 `json:"lastSeq"`
}

// Part is the state of part g at deletion: ok is false when the
// tombstone does not know it (a part the stream did not have, or a
// tombstone written before parts were kept).
func (t *Tombstone) Part(g int) (first, last uint64, ok bool) {
	if len(t.Parts) == 0 {
		return t.FirstSeq, t.LastSeq, g == 0
	}
	if g < 0 || g >= len(t.Parts) {
		return 0, 0, false
	}
	return t.Parts[g].FirstSeq, t.Parts[g].LastSeq, true
}

func tombKey(name string) string { return tombPrefix + strings.ReplaceAll(name, ".", "=") }

// writeTombstone records s as deleted, with the state of its records. It
// is best effort: a delete goes on without it (a reader then learns that
// records were lost, not how many).
func (e *Engine) writeTombstone(ctx context.Context, s *Stream) {
	t := Tombstone{Name: s.Name, ID: s.ID, Created: s.Created, DeletedAt: e.now().UTC()}
	js, err := e.js.Stream(ctx, jsName(s.Name))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return // deleted already: a tombstone, if any, was written then
	}
	if err == nil {
		st := js.CachedInfo().State
		t.FirstSeq, t.LastSeq = st.FirstSeq, st.LastSeq
		for g := 0; s.Grouped() && g < s.parts() && err == nil; g++ {
			var info *jetstream.StreamInfo
			if info, err = e.partInfo(ctx, s.Name, g); err == nil {
				t.Parts = append(t.Parts, PartState{FirstSeq: info.State.FirstSeq, LastSeq: info.State.LastSeq})
			}
		}
	}
	if err == nil {
		var b []byte
		if b, err = json.Marshal(t); err == nil {
			_, err = e.kv.Put(ctx, tombKey(s.Name), b)
		}
	}
	if err != nil {
		e.log.Warn("keeping the tombstone of a deleted stream", "stream", s.Name, "err", err)
	}
}

// Deleted returns the tombstone of the last stream of that name deleted
// within TombstoneTTL; ErrNotFound when there is none.
func (e *Engine) Deleted(ctx context.Context, name string) (*Tombstone, error) {
	entry, err := e.kv.Get(ctx, tombKey(name))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, errorf(ErrNotFound, "No deleted stream %s is remembered.", name)
	}
	if err != nil {
		return nil, fmt.Errorf("tombstone of %s: %w", name, err)
	}
	var t Tombstone
	if err := json.Unmarshal(entry.Value(), &t); err != nil {
		return nil, fmt.Errorf("tombstone of %s: %w", name, err)
	}
	if e.now().Sub(t.DeletedAt) > TombstoneTTL {
		return nil, errorf(ErrNotFound, "No deleted stream %s is remembered.", name)
	}
	return &t, nil
}

// pruneTombstones drops tombstones older than TombstoneTTL.
func (e *Engine) pruneTombstones(ctx context.Context) error {
	lister, err := e.kv.ListKeysFiltered(ctx, tombPrefix+">")
	if err != nil {
		return err
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		entry, err := e.kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var t Tombstone
		if json.Unmarshal(entry.Value(), &t) == nil && e.now().Sub(t.DeletedAt) <= TombstoneTTL {
			continue
		}
		if err := e.kv.Purge(ctx, k); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return err
		}
	}
	return nil
}
