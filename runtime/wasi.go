package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/tetratelabs/wazero/sys"
)

// transformWASI runs one batch through a WASI command: a fresh instance,
// the Firehose event JSON on stdin, the response JSON read from stdout,
// stderr logged line by line.
func (m *Module) transformWASI(ctx context.Context, b *Batch) (*Response, error) {
	var scratch indexScratch
	if err := scratch.reset(b); err != nil {
		return nil, fmt.Errorf("transform %s: %w: %v", m.ref, ErrInvalidBatch, err)
	}
	event, err := EncodeEvent(b)
	if err != nil {
		return nil, fmt.Errorf("transform %s: %w: %v", m.ref, ErrInvalidBatch, err)
	}
	wctx, stop := m.stoppable(ctx)
	err = m.pool.acquireSlot(wctx)
	stop()
	if err != nil {
		return nil, m.failCall(ctx, nil, err)
	}
	defer m.pool.releaseSlot()

	st := &callState{m: m}
	stdout := &cappedBuffer{cap: m.cfg.Limits.MaxOutputBytes}
	stderr := newLineLogger(m.logger, "stderr", &st.logs)
	cfg := m.sandbox().
		WithArgs(m.ref.Name).
		WithStdin(bytes.NewReader(event)).
		WithStdout(stdout).
		WithStderr(stderr) // the start function stays _start
	cctx, cancel := m.instantiateContext(ctx, st)
	defer cancel()
	m.r.met.created.WithLabelValues(m.ref.Name, strconv.Itoa(m.ref.Version)).Inc()
	mod, err := m.r.wz.InstantiateModule(cctx, m.c.cm, cfg)
	if mod != nil {
		_ = mod.Close(ctx)
	}
	stderr.Flush()
	st.logs.finish(m.logger)
	if stdout.overflow {
		return nil, m.fail(ErrOutputTooLarge, fmt.Sprintf("output of more than %d bytes exceeds the cap of %d bytes",
			stdout.cap, stdout.cap), errOutputCap)
	}
	if err != nil {
		var exit *sys.ExitError
		if errors.As(err, &exit) && exit.ExitCode() != sys.ExitCodeDeadlineExceeded &&
			exit.ExitCode() != sys.ExitCodeContextCanceled && cctx.Err() == nil {
			reason := fmt.Sprintf("exit status %d", exit.ExitCode())
			if last := stderr.Last(); last != "" {
				reason += ": " + last
			}
			return nil, m.fail(ErrExit, reason, err)
		}
		return nil, m.failCall(ctx, st, err)
	}
	resp, err := DecodeResponse(stdout.buf.Bytes())
	if err != nil {
		return nil, m.fail(ErrMalformedOutput, err.Error(), err)
	}
	scratch.matchAnswers(resp) // also shares the batch's id strings
	if err := validate(resp, &scratch); err != nil {
		return nil, m.fail(ErrBadAnswer, err.Error(), nil)
	}
	return resp, nil
}
