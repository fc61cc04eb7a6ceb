package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/folder"
	"github.com/sluice-io/sluice/sinks/keys"
	"github.com/sluice-io/sluice/sinks/s3"
)

// openStore opens the object store of a folder or S3 destination (at
// names it in errors: "destination", "destination.http.errorStore"). A
// folder is confined to the output root.
func (m *Manager) openStore(ctx context.Context, d *Destination, at string) (sinks.ObjectStore, error) {
	switch d.Kind {
	case DestFolder:
		dir, root, err := m.folderPath(d.Folder.Path)
		if err != nil {
			return nil, err
		}
		return folder.New(dir, folder.WithRoot(root))
	case DestS3:
		return m.openS3(ctx, d.S3, at)
	}
	return nil, fmt.Errorf("destination kind %q has no object store", d.Kind)
}

// label names the destination in metrics: the data destination, or the
// store of the error output and backups.
func (st *stages) label(data bool) string {
	if !data {
		if es := st.def.Destination.errorStore(); es != nil {
			return es.Kind
		}
	}
	return st.def.Destination.Kind
}

// refusedError is a write the store refused for good: sending the same
// object again cannot succeed (sinks.Retryable said so).
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// write makes a processed batch durable: the backup, the data objects (or
// the HTTP request, or the Kinesis or Firehose puts), then the error
// output. A store that fails in a way
// that may clear is retried with backoff until it works or ctx ends (the
// records wait in the source meanwhile: store and forward); an HTTP
// endpoint is retried for its retry duration, then its records go to the
// error output; Kinesis and Firehose destinations are in forward.go. A data object the store refuses for good has its records
// written to the error output as delivery-failed instead. When the error
// output or the backup is refused for good there is nowhere left to put
// the records: write fails as permanent (the delivery stream is FAILED,
// the batch is kept and replayed once the store takes it).
func (st *stages) write(ctx context.Context, o *output) error {
	if o.backup != nil {
		if err := st.put(ctx, st.errs, *o.backup, ObjectBackup); err != nil {
			return st.lastResort("backup", err)
		}
	}
	for _, obj := range o.data {
		err := st.put(ctx, st.data, obj, ObjectData)
		var refused *refusedError
		if errors.As(err, &refused) {
			st.divert(o, obj, refused)
			continue
		}
		if err != nil {
			return err
		}
	}
	if o.recs != nil {
		send := st.sendHTTP
		if st.forward != nil {
			send = st.sendForward
		}
		if err := send(ctx, o); err != nil {
			return err
		}
	}
	errObjs, err := st.errorObjects(o)
	if err != nil {
		return permanent(fmt.Errorf("name the error output: %w", err))
	}
	for _, obj := range errObjs {
		if err := st.put(ctx, st.errs, obj, ObjectError); err != nil {
			return st.lastResort("error output", err)
		}
	}
	st.p.noteErrors(o.errors)
	name := st.def.Name
	for i := range o.errors {
		st.p.m.met.errorRecords.WithLabelValues(name, o.errors[i].kind).Inc()
	}
	return nil
}

// lastResort turns a failed write of the backup or the error output into
// the pipeline's failure: permanent when the store refused it for good.
func (st *stages) lastResort(what string, err error) error {
	var refused *refusedError
	if errors.As(err, &refused) {
		return permanent(fmt.Errorf("the %s cannot be written, so nothing can be delivered: %w", what, refused.err))
	}
	return err
}

// divert moves the records of a data object the destination refused for
// good to the error output.
func (st *stages) divert(o *output, obj pending, refused *refusedError) {
	st.p.log.Warn("destination refused an object for good; its records go to the error output",
		"key", obj.obj.Key, "records", obj.records, "error", refused.err)
	code := destinationCode(st.def.Destination.Kind, refused.err)
	for _, r := range obj.recs {
		o.errors = append(o.errors, st.newError(r.src, keys.DeliveryFailed, code, refused.err.Error(), 1, r.data))
	}
	o.delivered -= obj.records
}

// destinationCode is the error code of a record the destination refused:
// S3's own code ("S3.AccessDenied") or the folder's.
func destinationCode(kind string, err error) string {
	var se *s3.Error
	if errors.As(err, &se) && se.Code != "" {
		return "S3." + se.Code
	}
	if kind == DestS3 {
		return "S3.PutObjectFailed"
	}
	return "Folder.WriteFailed"
}

// put writes one object, retrying with exponential backoff for as long as
// ctx lasts while the store says a retry may succeed; a refusal for good
// is a *refusedError at once.
func (st *stages) put(ctx context.Context, store sinks.ObjectStore, p pending, kind string) error {
	data := kind == ObjectData
	met := st.p.m.met
	name, dest := st.def.Name, st.label(data)
	for attempt := 0; ; attempt++ {
		err := store.Put(ctx, p.obj)
		if err == nil {
			st.p.noteObject(p.obj.Key, kind, len(p.obj.Body), p.records)
			met.deliveredObjects.WithLabelValues(name, dest).Inc()
			met.deliveredBytes.WithLabelValues(name, dest).Add(float64(len(p.obj.Body)))
			if data {
				met.deliveredRecords.WithLabelValues(name, dest).Add(float64(p.records))
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		met.deliveryFailures.WithLabelValues(name, dest).Inc()
		err = fmt.Errorf("write %s to %s: %w", p.obj.Key, store, err)
		if !sinks.Retryable(err) {
			return &refusedError{err}
		}
		st.p.failed(err)
		if !st.p.pause(ctx, st.p.m.cfg.backoff(attempt)) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return errDrained // the batch is replayed from its intent
		}
		met.deliveryRetries.WithLabelValues(name, dest).Inc()
	}
}
