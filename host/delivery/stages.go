package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/itchyny/gojq"

	"github.com/sluice-io/sluice/runtime"
	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/format"
)

// stages is what one run of a pipeline works with: the loaded processor,
// the encoder, the object names, the partition queries and the stores.
// It is built when a run starts and closed when it ends.
type stages struct {
	p       *pipeline
	def     *Definition
	module  *runtime.Module
	lambda  string // the processor as a Lambda ARN, for the error output
	enc     *format.Encoder
	names   *naming
	queries map[string]*gojq.Code
	data    sinks.ObjectStore // nil for an HTTP destination
	errs    sinks.ObjectStore // error output and backups
	http    *httpDestination  // for an HTTP destination
}

func newStages(ctx context.Context, p *pipeline) (*stages, error) {
	def := &p.def
	st := &stages{p: p, def: def, queries: map[string]*gojq.Code{}}
	var err error
	if st.enc, err = newEncoder(def.Format); err != nil {
		return nil, err
	}
	if st.names, err = newNaming(def); err != nil {
		return nil, err
	}
	for _, k := range st.names.data.QueryKeys() {
		if st.queries[k], err = compileQuery(def.Destination.PartitionQueries[k]); err != nil {
			return nil, fmt.Errorf("partition query %s: %w", k, err)
		}
	}
	dest := &def.Destination
	if dest.Kind == DestHTTP {
		if st.http, err = newHTTPDestination(p); err != nil {
			return nil, err
		}
		if st.errs, err = openStore(ctx, dest.HTTP.ErrorStore); err != nil {
			return nil, err
		}
	} else {
		if st.data, err = openStore(ctx, dest); err != nil {
			return nil, err
		}
		st.errs = st.data
	}
	if def.Processor != nil {
		if err := st.load(ctx); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// load resolves and loads the processor module with the limits and
// grants of the definition.
func (st *stages) load(ctx context.Context) error {
	proc := st.def.Processor
	m := st.p.m
	if m.deps.Modules == nil {
		return fmt.Errorf("processor %s: this server has no module registry", proc.Module)
	}
	ref, wasm, err := m.deps.Modules.Resolve(ctx, proc.Module)
	if err != nil {
		return fmt.Errorf("processor %s: %w", proc.Module, err)
	}
	mod, err := m.deps.Runtime.Load(ctx, ref, wasm, moduleConfig(proc))
	if err != nil {
		return fmt.Errorf("processor %s: %w", proc.Module, err)
	}
	st.module = mod
	st.lambda = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s:%d", m.cfg.Region, m.cfg.AccountID, ref.Name, ref.Version)
	return nil
}

func (st *stages) close() {
	if st.module != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := st.module.Close(ctx); err != nil {
			st.p.log.Warn("closing the processor module", "error", err)
		}
	}
}

// newEncoder builds the encoder of a format spec.
func newEncoder(spec format.Spec) (*format.Encoder, error) { return format.New(spec) }
