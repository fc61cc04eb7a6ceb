package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Lifecycle states of a delivery stream, as Firehose names them.
const (
	StatusCreating = "CREATING"
	StatusActive   = "ACTIVE"
	StatusDeleting = "DELETING"
)

// Keys in the bucket: "def.<name>" holds a stored definition and
// "pos.<name>" its position. Delivery stream names ([a-zA-Z0-9_.-]) are
// valid key tokens as they are.
const (
	defPrefix = "def."
	posPrefix = "pos."
)

// stored is a definition with its lifecycle state, as kept in the bucket.
type stored struct {
	Def    Definition `json:"definition"`
	Status string     `json:"status"`
}

// position is how far a delivery stream has delivered its source.
//
// Checkpoint is the last source sequence whose batch is durably delivered
// (or skipped on purpose: for LATEST, the source's last sequence at
// creation). Intent, when set, is a batch being delivered: its exact range
// and the definition version that names its objects. A restart delivers
// exactly that range again (same records, same keys: the objects are
// overwritten, not duplicated) before it reads on.
type position struct {
	Checkpoint uint64  `json:"checkpoint"`
	Intent     *intent `json:"intent,omitempty"`
}

type intent struct {
	First   uint64 `json:"first"`
	Last    uint64 `json:"last"`
	Version int    `json:"version"`
}

// store keeps definitions and positions in a JetStream key-value bucket.
type store struct {
	kv jetstream.KeyValue
}

func (s *store) getDef(ctx context.Context, name string) (*stored, uint64, error) {
	e, err := s.kv.Get(ctx, defPrefix+name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load %s: %w", name, err)
	}
	var st stored
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return nil, 0, fmt.Errorf("load %s: %w", name, err)
	}
	return &st, e.Revision(), nil
}

// createDef stores a new definition; ErrExists when the name is taken.
func (s *store) createDef(ctx context.Context, st *stored) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := s.kv.Create(ctx, defPrefix+st.Def.Name, b); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("%w: %s", ErrExists, st.Def.Name)
		}
		return fmt.Errorf("store %s: %w", st.Def.Name, err)
	}
	return nil
}

// updateDef replaces a definition if it is still at revision rev.
func (s *store) updateDef(ctx context.Context, st *stored, rev uint64) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := s.kv.Update(ctx, defPrefix+st.Def.Name, b, rev); err != nil {
		return fmt.Errorf("store %s: %w", st.Def.Name, err)
	}
	return nil
}

func (s *store) deleteAll(ctx context.Context, name string) error {
	if err := s.kv.Purge(ctx, posPrefix+name); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("delete position of %s: %w", name, err)
	}
	if err := s.kv.Purge(ctx, defPrefix+name); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

func (s *store) names(ctx context.Context) ([]string, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for k := range lister.Keys() {
		if name, ok := strings.CutPrefix(k, defPrefix); ok {
			names = append(names, name)
		}
	}
	return names, nil
}

func (s *store) getPos(ctx context.Context, name string) (position, error) {
	var p position
	e, err := s.kv.Get(ctx, posPrefix+name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("load position of %s: %w", name, err)
	}
	if err := json.Unmarshal(e.Value(), &p); err != nil {
		return p, fmt.Errorf("load position of %s: %w", name, err)
	}
	return p, nil
}

func (s *store) putPos(ctx context.Context, name string, p position) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, posPrefix+name, b); err != nil {
		return fmt.Errorf("store position of %s: %w", name, err)
	}
	return nil
}
