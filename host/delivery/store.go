package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Lifecycle states of a delivery stream, as Firehose names them.
const (
	StatusCreating = "CREATING"
	StatusActive   = "ACTIVE"
	StatusDeleting = "DELETING"
)

// Keys in the bucket: "def.<name>" holds a stored definition, "pos.<name>"
// its position, "ppos.<g>.<name>" its position in part g > 0 of a source
// with shard groups (each part is read on its own), and
// "ver.<name>.<version>" each version of the definition a pending batch
// may still have to be replayed under, <name> as keyName writes it.
const (
	defPrefix     = "def."
	posPrefix     = "pos."
	partPosPrefix = "ppos."
	verPrefix     = "ver."
)

// posKey is the key of name's position in part g of its source.
func posKey(name string, g int) string {
	if g == 0 {
		return posPrefix + keyName(name)
	}
	return partPosPrefix + strconv.Itoa(g) + "." + keyName(name)
}

// partsKept returns the parts above 0 that name has a position in.
func (s *store) partsKept(ctx context.Context, name string) ([]int, error) {
	lister, err := s.kv.ListKeysFiltered(ctx, partPosPrefix+"*."+keyName(name))
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list positions of %s: %w", name, err)
	}
	var parts []int
	for k := range lister.Keys() {
		g, ok := strings.CutPrefix(k, partPosPrefix)
		g, _, ok2 := strings.Cut(g, ".")
		if n, err := strconv.Atoi(g); ok && ok2 && err == nil && n > 0 {
			parts = append(parts, n)
		}
	}
	return parts, nil
}

// dropPos removes name's position in part g (a part its source no longer
// has, accounted for).
func (s *store) dropPos(ctx context.Context, name string, g int) error {
	if err := s.kv.Purge(ctx, posKey(name, g)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("delete position of %s: %w", name, err)
	}
	return nil
}

// keyName is a delivery stream name as it is in keys. A name is its own
// key unless it would make an empty key token (a leading or trailing dot,
// two dots in a row: "..", ".x", "a..b", which Firehose allows and a KV
// key does not); then its dots are '=', which no name holds, so the two
// forms never meet.
func keyName(name string) string {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return strings.ReplaceAll(name, ".", "=")
	}
	return name
}

// nameOfKey undoes keyName.
func nameOfKey(k string) string { return strings.ReplaceAll(k, "=", ".") }

// stored is a definition with its lifecycle state, as kept in the bucket.
type stored struct {
	Def    Definition `json:"definition"`
	Status string     `json:"status"`
	// Tags are the delivery stream's tags (Firehose's TagDeliveryStream):
	// kept beside the definition, not in it, so tagging neither makes a
	// new version nor restarts the pipeline.
	Tags map[string]string `json:"tags,omitempty"`
}

// position is how far a delivery stream has delivered its source.
//
// Checkpoint is the last source sequence whose batch is durably delivered
// (or skipped on purpose: for LATEST, the source's last sequence at
// creation; or recorded as lost in the error output). Intent, when set, is
// a batch being delivered: its exact range, the definition version and the
// module version that made it. A restart delivers exactly that range again
// under that definition and module (same records, same keys: the objects
// are overwritten, not duplicated) before it reads on, even when the
// definition changed in between.
//
// SourceID is the identity of the data stream the checkpoint is a position
// in (streams.Stream.ID): a stream deleted and created again under the same
// name has another, and its sequence numbers start again, so the
// checkpoint is void. 0 for direct put.
//
// SourceGen counts the source streams the delivery stream has read: it
// grows each time the source was found deleted, and names the objects of
// later streams apart from earlier ones, whose sequences they reuse.
type position struct {
	Checkpoint uint64  `json:"checkpoint"`
	Intent     *intent `json:"intent,omitempty"`
	SourceID   uint64  `json:"sourceId,omitempty"`
	SourceGen  int     `json:"sourceGen,omitempty"`
}

type intent struct {
	First   uint64 `json:"first"`
	Last    uint64 `json:"last"`
	Version int    `json:"version"`
	// Module is the processor module version that ran ("name@3"), empty
	// without a processor.
	Module string `json:"module,omitempty"`
	// At is the time the batch's error and backup objects are named by,
	// so a replay names them alike even when records aged out meanwhile.
	At time.Time `json:"at,omitzero"`
}

// store keeps definitions and positions in a JetStream key-value bucket.
type store struct {
	kv jetstream.KeyValue
}

func (s *store) getDef(ctx context.Context, name string) (*stored, uint64, error) {
	e, err := s.kv.Get(ctx, defPrefix+keyName(name))
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
	if _, err := s.kv.Create(ctx, defPrefix+keyName(st.Def.Name), b); err != nil {
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
	if _, err := s.kv.Update(ctx, defPrefix+keyName(st.Def.Name), b, rev); err != nil {
		return fmt.Errorf("store %s: %w", st.Def.Name, err)
	}
	return nil
}

func (s *store) deleteAll(ctx context.Context, name string) error {
	if err := s.pruneVersions(ctx, name, math.MaxInt); err != nil {
		return err
	}
	parts, err := s.partsKept(ctx, name)
	if err != nil {
		return err
	}
	for _, g := range append(parts, 0) {
		if err := s.dropPos(ctx, name, g); err != nil {
			return err
		}
	}
	if err := s.kv.Purge(ctx, defPrefix+keyName(name)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
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
			name = nameOfKey(name)
			names = append(names, name)
		}
	}
	return names, nil
}

func (s *store) getPos(ctx context.Context, name string) (position, error) {
	p, _, err := s.loadPos(ctx, name)
	return p, err
}

// loadPos reads a position with its revision, the fence a pipeline's
// next write must name (0 when there is no position yet).
func (s *store) loadPos(ctx context.Context, name string) (position, uint64, error) {
	return s.loadPartPos(ctx, name, 0)
}

// loadPartPos is loadPos for the position in part g of the source.
func (s *store) loadPartPos(ctx context.Context, name string, g int) (position, uint64, error) {
	var p position
	e, err := s.kv.Get(ctx, posKey(name, g))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return p, 0, nil
	}
	if err != nil {
		return p, 0, fmt.Errorf("load position of %s: %w", name, err)
	}
	if err := json.Unmarshal(e.Value(), &p); err != nil {
		return p, 0, fmt.Errorf("load position of %s: %w", name, err)
	}
	return p, e.Revision(), nil
}

// casPos writes a position only if the key is still at revision rev (0:
// only if there is none), and returns its new revision. Every position
// write is one: a writer that lost its delivery stream to another host
// (whose first act was to rewrite the position, see pipeline.fence) fails
// with errFenced and cannot move the checkpoint or write an intent.
func (s *store) casPos(ctx context.Context, name string, p position, rev uint64) (uint64, error) {
	return s.casPartPos(ctx, name, 0, p, rev)
}

// casPartPos is casPos for the position in part g of the source.
func (s *store) casPartPos(ctx context.Context, name string, g int, p position, rev uint64) (uint64, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	key := posKey(name, g)
	var next uint64
	if rev == 0 {
		next, err = s.kv.Create(ctx, key, b)
	} else {
		next, err = s.kv.Update(ctx, key, b, rev)
	}
	if err != nil {
		if isCASConflict(err) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return 0, fmt.Errorf("store position of %s: %w", name, errFenced)
		}
		return 0, fmt.Errorf("store position of %s: %w", name, err)
	}
	return next, nil
}

func versionKey(name string, version int) string {
	return verPrefix + keyName(name) + "." + strconv.Itoa(version)
}

// putVersion keeps a copy of def under its version, for replaying a batch
// under the definition that made it after the definition changed.
func (s *store) putVersion(ctx context.Context, def *Definition) error {
	b, err := json.Marshal(def)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, versionKey(def.Name, def.Version), b); err != nil {
		return fmt.Errorf("store version %d of %s: %w", def.Version, def.Name, err)
	}
	return nil
}

// getVersion reads a version kept by putVersion; ErrNotFound when it is
// not kept.
func (s *store) getVersion(ctx context.Context, name string, version int) (*Definition, error) {
	e, err := s.kv.Get(ctx, versionKey(name, version))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: version %d of %s", ErrNotFound, version, name)
	}
	if err != nil {
		return nil, fmt.Errorf("load version %d of %s: %w", version, name, err)
	}
	var def Definition
	if err := json.Unmarshal(e.Value(), &def); err != nil {
		return nil, fmt.Errorf("load version %d of %s: %w", version, name, err)
	}
	return &def, nil
}

// pruneVersions drops the kept versions of name below keep: no pending
// batch can need them any more.
func (s *store) pruneVersions(ctx context.Context, name string, keep int) error {
	lister, err := s.kv.ListKeysFiltered(ctx, verPrefix+keyName(name)+".*")
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list versions of %s: %w", name, err)
	}
	var old []string
	for k := range lister.Keys() {
		v, err := strconv.Atoi(strings.TrimPrefix(k, verPrefix+keyName(name)+"."))
		if err == nil && v < keep {
			old = append(old, k)
		}
	}
	for _, k := range old {
		if err := s.kv.Purge(ctx, k); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("drop %s: %w", k, err)
		}
	}
	return nil
}

// isCASConflict reports whether a KV update failed because the key moved
// past the revision it was made against.
func isCASConflict(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	return errors.Is(err, jetstream.ErrKeyExists)
}
