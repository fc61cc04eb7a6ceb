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
// the encoder, the object names, the partition queries and the stores,
// all of one definition version (a batch replayed after the definition
// changed gets stages of its own). It is built when a run starts and
// closed when it ends.
type stages struct {
	p         *pipeline
	def       *Definition
	procs     recordProcessors // the record processors, run as records are taken into a batch
	module    *runtime.Module
	moduleRef string // the module version loaded ("name@3"), "" without a processor
	lambda    string // the processor as a Lambda ARN, for the error output
	enc       *format.Encoder
	names     *naming
	queries   map[string]*gojq.Code
	data      sinks.ObjectStore   // nil for an HTTP destination
	errs      sinks.ObjectStore   // error output and backups
	http      *httpDestination    // for an HTTP destination
	forward   *forwardDestination // for a Kinesis or Firehose destination
}

// newStages builds the stages of def. module, when not empty, is the exact
// module version to load ("name@3", a replay's); else the definition's
// processor module is resolved.
func newStages(ctx context.Context, p *pipeline, def *Definition, module string) (*stages, error) {
	st := &stages{p: p, def: def, queries: map[string]*gojq.Code{}, procs: newRecordProcessors(def.Processors)}
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
	switch dest.Kind {
	case DestHTTP:
		if st.http, err = newHTTPDestination(p); err != nil {
			return nil, err
		}
		if st.errs, err = p.m.openStore(ctx, dest.HTTP.ErrorStore, "destination.http.errorStore"); err != nil {
			return nil, err
		}
	case DestKinesis, DestFirehose:
		if st.forward, err = newForwardDestination(p, def); err != nil {
			return nil, err
		}
		if st.errs, err = p.m.openStore(ctx, dest.stream().ErrorStore, "destination."+dest.Kind+".errorStore"); err != nil {
			return nil, err
		}
	default:
		if st.data, err = p.m.openStore(ctx, dest, "destination"); err != nil {
			return nil, err
		}
		st.errs = st.data
	}
	if def.Processor != nil {
		if module == "" {
			module = def.Processor.Module
		}
		if err := st.load(ctx, module); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// load resolves and loads the processor module (a registry reference)
// with the limits and grants of the definition.
func (st *stages) load(ctx context.Context, module string) error {
	proc := st.def.Processor
	m := st.p.m
	if m.deps.Modules == nil {
		return fmt.Errorf("processor %s: this server has no module registry", module)
	}
	ref, wasm, err := m.deps.Modules.Resolve(ctx, module)
	if err != nil {
		return fmt.Errorf("processor %s: %w", module, err)
	}
	mod, err := m.deps.Runtime.Load(ctx, ref, wasm, moduleConfig(proc))
	if err != nil {
		return fmt.Errorf("processor %s: %w", module, err)
	}
	st.module, st.moduleRef = mod, ref.String()
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
