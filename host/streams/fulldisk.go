package streams

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// fullStoreDelete reports whether a DeleteStream whose first step (marking
// the definition DELETING) failed with err should go on by deleting the
// records first: the store is full, or has failed, so no write can
// succeed before space is freed.
func (e *Engine) fullStoreDelete(err error) bool {
	return StorageError(err) != nil || e.storageErr() != nil
}

// deleteWhenFull deletes a stream whose definition cannot be written
// because the store is full. A normal delete writes DELETING first, so that
// a crash midway is finished at the next start; here that write is what
// fails (a key-value write is a JetStream write like a record). So the
// records go first, which frees their space whether the store hit its
// size limit (JetStream takes writes again at once) or the disk is full
// (the storage guard restarts JetStream once the space is free, which
// WaitWritable asks for now), and then the definition is removed.
//
// If the definition still cannot be removed, the records are gone and the
// stream stays listed; the error says so, and DeleteStream called again
// finishes (its JetStream stream is already missing, which finishDelete
// accepts).
func (e *Engine) deleteWhenFull(ctx context.Context, name string) error {
	s, _, err := e.load(ctx, name)
	if err != nil {
		return err
	}
	if s.Status == StatusCreating {
		return errorf(ErrInUse, "Stream %s under account %s is being created.", name, e.cfg.AccountID)
	}
	e.log.Warn("store full: deleting the stream's records before its definition", "stream", name)
	for g := range s.parts() {
		if err := e.js.DeleteStream(ctx, partJS(name, g)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("delete %s: %w", name, err)
		}
	}
	if e.cfg.Storage != nil {
		if err := WaitWritable(ctx, e.cfg.Storage); err != nil {
			return errorf(ErrStorageFull, "The records of stream %s are deleted, but the store still cannot take writes, so its definition stays; free space and call DeleteStream again.", name)
		}
	}
	_, rev, _ := e.load(ctx, name)
	if err := e.kv.Purge(ctx, kvKey(name)); err != nil {
		if e.fullStoreDelete(err) {
			return errorf(ErrStorageFull, "The records of stream %s are deleted, but the store is still full, so its definition stays; free space and call DeleteStream again.", name)
		}
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if rev > 0 {
		e.defs.forget(name, rev) // the cache learns of the delete now, as finishDelete's
	}
	e.log.Info("stream deleted", "stream", name)
	return nil
}
