package delivery

import (
	"context"
	"fmt"

	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/folder"
)

// openStore opens the object store of a folder or S3 destination.
func openStore(ctx context.Context, d *Destination) (sinks.ObjectStore, error) {
	switch d.Kind {
	case DestFolder:
		return folder.New(d.Folder.Path)
	case DestS3:
		return openS3(ctx, d.S3)
	}
	return nil, fmt.Errorf("destination kind %q has no object store", d.Kind)
}

// label names the destination in metrics: the data destination, or the
// store of the error output and backups.
func (st *stages) label(data bool) string {
	if !data && st.def.Destination.Kind == DestHTTP {
		return st.def.Destination.HTTP.ErrorStore.Kind
	}
	return st.def.Destination.Kind
}

// write makes a processed batch durable: the backup, the data objects (or
// the HTTP request), then the error output. A folder or S3 store that
// fails is retried with backoff until it works or ctx ends (the records
// wait in JetStream meanwhile); an HTTP endpoint is retried for its retry
// duration, then its records go to the error output.
func (st *stages) write(ctx context.Context, o *output) error {
	if o.backup != nil {
		if err := st.put(ctx, st.errs, *o.backup, false); err != nil {
			return err
		}
	}
	for _, obj := range o.data {
		if err := st.put(ctx, st.data, obj, true); err != nil {
			return err
		}
	}
	if o.http != nil {
		if err := st.sendHTTP(ctx, o); err != nil {
			return err
		}
	}
	errObjs, err := st.errorObjects(o)
	if err != nil {
		return err
	}
	for _, obj := range errObjs {
		if err := st.put(ctx, st.errs, obj, false); err != nil {
			return err
		}
	}
	name := st.def.Name
	for i := range o.errors {
		st.p.m.met.errorRecords.WithLabelValues(name, o.errors[i].kind).Inc()
	}
	return nil
}

// put writes one object, retrying with exponential backoff for as long as
// ctx lasts.
func (st *stages) put(ctx context.Context, store sinks.ObjectStore, p pending, data bool) error {
	met := st.p.m.met
	name, dest := st.def.Name, st.label(data)
	for attempt := 0; ; attempt++ {
		err := store.Put(ctx, p.obj)
		if err == nil {
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
		st.p.failed(fmt.Errorf("write %s to %s: %w", p.obj.Key, store, err))
		if !sleep(ctx, st.p.m.cfg.backoff(attempt)) {
			return ctx.Err()
		}
		met.deliveryRetries.WithLabelValues(name, dest).Inc()
	}
}
