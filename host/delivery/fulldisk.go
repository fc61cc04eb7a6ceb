package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/streams"
)

// storageState is the store's current error as the caller's error, and the
// channel that closes when it fails; both are empty without Deps.Storage.
func (m *Manager) storageState() (error, <-chan struct{}) {
	if m.deps.Storage == nil {
		return nil, nil
	}
	failing := m.deps.Storage.StorageFailing()
	if err := m.deps.Storage.StorageErr(); err != nil {
		return streams.StorageFailed(err), failing
	}
	return nil, failing
}

// storageErr is the store's current error (nil without Deps.Storage).
func (m *Manager) storageErr() error {
	if m.deps.Storage == nil {
		return nil
	}
	return m.deps.Storage.StorageErr()
}

// orStorage is err, or the store's failure when the store is failing (a
// publish then most likely failed because JetStream is restarting).
func (m *Manager) orStorage(err error) error {
	if errors.Is(err, ErrStorageFull) {
		return err
	}
	if serr := m.storageErr(); serr != nil {
		return streams.StorageFailed(serr)
	}
	return err
}

// fullStore reports whether err, from a write, means the store is full or
// has failed.
func (m *Manager) fullStore(err error) bool {
	return streams.StorageError(err) != nil || m.storageErr() != nil
}

// deleteWhenFull deletes a delivery stream whose definition cannot be
// written because the store is full (Delete's first step, marking it
// DELETING, is a JetStream write). A direct-put stream's records go first,
// which frees their space: JetStream takes writes again at once when it
// was at its size limit, and the storage guard restarts it once the space
// is free when the disk was full (WaitWritable asks for that now). Then
// the delete goes on as usual, DELETING first.
//
// A delivery stream that reads a data stream holds no records of its own:
// deleting it frees nothing, so on a full store it is refused with
// ErrStorageFull and keeps running.
func (m *Manager) deleteWhenFull(ctx context.Context, st *stored) error {
	name := st.Def.Name
	if st.Def.Source.Kind != SourceDirectPut {
		return fmt.Errorf("%w: the store is full, and delivery stream %s holds no records of its own, so deleting it frees no space; delete data streams or direct-put delivery streams first", ErrStorageFull, name)
	}
	m.log.Warn("store full: deleting the delivery stream's records before its definition", "delivery", name)
	m.setFlag(m.deleting, name, true)
	defer m.setFlag(m.deleting, name, false)
	m.stopPipeline(name)
	if err := m.js.DeleteStream(ctx, directStream(name)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	stays := func() error {
		// The definition stays, so does its pipeline: it shows the missing
		// records as its failure until Delete is called again.
		m.start(&st.Def)
		return fmt.Errorf("%w: the records of delivery stream %s are deleted, but the store still cannot take writes, so the delivery stream stays; free space and delete it again", ErrStorageFull, name)
	}
	if m.deps.Storage != nil {
		if err := streams.WaitWritable(ctx, m.deps.Storage); err != nil {
			return stays()
		}
	}
	cur, rev, err := m.store.getDef(ctx, name)
	if err != nil {
		return err
	}
	cur.Status = StatusDeleting
	if err := m.store.updateDef(ctx, cur, rev); err != nil {
		if m.fullStore(err) {
			return stays()
		}
		return err
	}
	if err := m.finishDelete(ctx, &cur.Def); err != nil {
		return err
	}
	m.giveBack(name)
	m.met.forget(name)
	m.log.Info("delivery stream deleted", "delivery", name)
	return nil
}
