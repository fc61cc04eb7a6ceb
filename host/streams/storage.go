package streams

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrStorageFull: JetStream cannot store records now, because its store
// limit is reached or the disk is full or failing. Nothing was changed by
// the failed call (a record answered with it may still have been stored,
// as after any error of a put). Retry once space is free: puts are taken
// again without a restart.
var ErrStorageFull = errors.New("storage full")

// Storage says whether JetStream's store takes writes. *natsd.Server is
// one; with none (Config.Storage nil) only JetStream's answers tell.
type Storage interface {
	// StorageErr is nil while the store takes writes, else why not.
	StorageErr() error
	// StorageFailing returns a channel closed when the store fails.
	StorageFailing() <-chan struct{}
	// CheckStorage checks now, restarting JetStream if that clears a
	// failure, and returns what StorageErr then says.
	CheckStorage(ctx context.Context) error
}

// JetStream error codes that mean its store is full (nats-server
// jetstream_errors_generated.go).
const (
	// jsInsufficientResources: the server's store limit is reached
	// (JSInsufficientResourcesErr, answered by processJetStreamMsg when
	// js.limitsExceeded).
	jsInsufficientResources = 10023
	// jsStorageResourcesExceeded: a stream's reservation does not fit
	// (JSStorageResourcesExceededErr).
	jsStorageResourcesExceeded = 10047
	// jsStoreFailed: storing failed (JSStreamStoreFailedF); a storage
	// error only when it says the disk is full.
	jsStoreFailed = 10077
)

// Messages of storage errors, for the API caller.
const (
	msgStoreLimit = "The store is full: JetStream's size limit (sluice serve --max-store) is reached. " +
		"Delete data streams or delivery streams to free space, or restart with a larger --max-store; " +
		"records are accepted again as soon as there is room."
	msgStoreFailed = "The store cannot take writes (%s). Free space on the data directory's file system; " +
		"Sluice resumes writes by itself once there is room."
)

// StorageError returns an error wrapping ErrStorageFull, with a message
// for the API caller, when err is JetStream saying its store is full;
// otherwise nil.
func StorageError(err error) error {
	var api *jetstream.APIError
	if !errors.As(err, &api) {
		if err != nil && strings.Contains(err.Error(), "no space left") {
			return errorf(ErrStorageFull, msgStoreFailed, "no space left on device")
		}
		return nil
	}
	switch api.ErrorCode {
	case jsInsufficientResources, jsStorageResourcesExceeded:
		return &Error{Kind: ErrStorageFull, Msg: msgStoreLimit}
	case jsStoreFailed:
		if strings.Contains(api.Description, "no space left") {
			return errorf(ErrStorageFull, msgStoreFailed, "no space left on device")
		}
	}
	return nil
}

// StorageFailed is the caller's error for a store that cannot write
// (cause is Storage.StorageErr; nil gives a generic one).
func StorageFailed(cause error) error {
	text := "a write failed"
	if cause != nil {
		// The last part names the condition ("no space left on device")
		// without stream names or the data directory's paths.
		text = cause.Error()
		if i := strings.LastIndex(text, ": "); i >= 0 {
			text = text[i+2:]
		}
	}
	return errorf(ErrStorageFull, msgStoreFailed, text)
}

// AwaitAck waits for a publish's acknowledgement. It ends early when ctx
// ends or failing closes: a publish that hit a write error is never
// answered by JetStream, so without failing it would wait for the whole
// publish timeout. An acknowledgement that came in already wins.
func AwaitAck(ctx context.Context, f jetstream.PubAckFuture, failing <-chan struct{}, storage func() error) (*jetstream.PubAck, error) {
	select {
	case ack := <-f.Ok():
		return ack, nil
	case err := <-f.Err():
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-failing:
		select {
		case ack := <-f.Ok():
			return ack, nil
		default:
			return nil, StorageFailed(storage())
		}
	}
}

// WaitWritable asks st to check the store until it takes writes again,
// for at most DefaultRequestTimeout or until ctx ends, and returns its last
// answer. It is for a delete on a full store: JetStream removes a deleted
// stream's files in the background (filestore.go Delete renames the
// directory, then removeAllWithRetry in a goroutine), so the space comes
// back a moment after the delete returns.
func WaitWritable(ctx context.Context, st Storage) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	for {
		err := st.CheckStorage(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(waitWritablePoll):
		}
	}
}

// waitWritablePoll is how often WaitWritable checks.
const waitWritablePoll = 50 * time.Millisecond

// storageState is the store's current error as the caller's error, and
// the channel that closes when it fails; both are empty without Storage.
func (e *Engine) storageState() (error, <-chan struct{}) {
	if e.cfg.Storage == nil {
		return nil, nil
	}
	failing := e.cfg.Storage.StorageFailing()
	if err := e.cfg.Storage.StorageErr(); err != nil {
		return StorageFailed(err), failing
	}
	return nil, failing
}

// storageFailure is the caller's error for err, an error of JetStream met
// while the store is failing (JetStream may be restarting and answer
// nothing); nil when the store is fine or err is the caller's (an *Error).
func (e *Engine) storageFailure(err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return nil
	}
	if serr := e.storageErr(); serr != nil {
		return StorageFailed(serr)
	}
	return nil
}

// orStorage is storageFailure(err), or err when that is nil.
func (e *Engine) orStorage(err error) error {
	if serr := e.storageFailure(err); serr != nil {
		return serr
	}
	return err
}

// refuseAll is the results of n records all refused with err.
func refuseAll(n int, err error) []PutResult {
	res := make([]PutResult, n)
	for i := range res {
		res[i].Err = err
	}
	return res
}

// storageErr is the store's current error (nil without Storage).
func (e *Engine) storageErr() error {
	if e.cfg.Storage == nil {
		return nil
	}
	return e.cfg.Storage.StorageErr()
}
