package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/runtime"
	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/folder"
	"github.com/sluice-io/sluice/sinks/httpdest"
	"github.com/sluice-io/sluice/sinks/kinesisdest"
)

// ProbeTimeout bounds each destination probe of check. A destination that
// has not answered by then is a warning, never a refusal.
const ProbeTimeout = 5 * time.Second

// check runs the rules that need the host, in the order of their cost: the
// source stream exists; the processor module loads, as the pipeline will
// load it, with the definition's limits and grants; and each destination
// is probed. A rule the definition breaks is ErrInvalid, and a pipeline
// that could never run is never created. What may clear by itself (a
// destination that cannot be reached now) is returned as a warning: the
// delivery stream is created and its records wait in JetStream meanwhile.
func (m *Manager) check(ctx context.Context, def *Definition) (warnings []string, err error) {
	if err := refuseMasked(def); err != nil {
		return nil, err
	}
	if err := m.checkReach(ctx, def); err != nil {
		return nil, err
	}
	if def.Source.Kind == SourceDataStream {
		if m.deps.Streams == nil {
			return nil, invalidf("this server has no data streams")
		}
		s, err := m.deps.Streams.DescribeStream(ctx, def.Source.Stream)
		if errors.Is(err, streams.ErrNotFound) || (err == nil && s.Status == streams.StatusDeleting) {
			return nil, invalidf("source stream %s does not exist", def.Source.Stream)
		}
		if err != nil {
			return nil, fmt.Errorf("check source stream %s: %w", def.Source.Stream, err)
		}
	}
	if def.Processor != nil {
		if err := m.checkProcessor(ctx, def.Processor); err != nil {
			return nil, err
		}
	}
	warnings, err = m.probe(ctx, def)
	for _, w := range warnings {
		m.log.Warn("delivery stream applied with a warning", "delivery", def.Name, "warning", w)
	}
	return warnings, err
}

// moduleConfig is what a processor allows its module: the definition's
// limits and grants. The pipeline loads the module with it, and so does
// check.
func moduleConfig(p *Processor) runtime.ModuleConfig {
	return runtime.ModuleConfig{
		Limits: runtime.Limits{
			MemoryBytes: uint64(p.MemoryMiB) * mib,
			Timeout:     time.Duration(p.TimeoutSeconds) * time.Second,
		},
		Grants: runtime.Grants{Log: true, KVBuckets: p.KVBuckets, Env: p.Parameters},
	}
}

// checkProcessor resolves the processor's module and loads it with
// moduleConfig, then closes it: a memory limit over the runtime's ceiling,
// a module that does not compile, has no ABI this host knows or needs more
// memory to start than its limit is refused here, instead of failing every
// start of the pipeline. The module runs no code: Load compiles it (once
// per distinct module, through the runtime's cache) and checks its ABI.
func (m *Manager) checkProcessor(ctx context.Context, p *Processor) error {
	if m.deps.Modules == nil {
		return invalidf("this server has no module registry")
	}
	if err := memoryLimit(m.memoryCeiling()).checkInt(p.MemoryMiB); err != nil {
		return err
	}
	ref, wasm, err := m.deps.Modules.Resolve(ctx, p.Module)
	if errors.Is(err, modules.ErrNotFound) || errors.Is(err, modules.ErrInvalidRef) || errors.Is(err, modules.ErrInvalidName) {
		return invalidf("processor module %s: %v", p.Module, err)
	}
	if err != nil {
		return fmt.Errorf("processor module %s: %w", p.Module, err)
	}
	mod, err := m.deps.Runtime.Load(ctx, ref, wasm, moduleConfig(p))
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, runtime.ErrClosed) {
			return fmt.Errorf("processor module %s: %w", ref, err)
		}
		return invalidf("processor module %s does not load: %v", ref, err)
	}
	if err := mod.Close(context.WithoutCancel(ctx)); err != nil {
		m.log.Warn("closing a module loaded to check it", "module", ref.String(), "error", err)
	}
	return nil
}

// prober is a destination that can be checked before anything is
// delivered to it; see sinks.ProbeError.
type prober interface {
	Probe(ctx context.Context) error
}

// probe checks def's destinations: its folder or S3 store, or its HTTP
// endpoint (a connection only) or Kinesis or Firehose stream (described:
// only "no such stream" and an unknown key refuse) and its error store. A
// destination that answered that it cannot take objects (access denied, no
// such bucket, a directory that cannot be written) refuses def with
// ErrInvalid. Any other failure, a timeout after ProbeTimeout included,
// is a warning.
func (m *Manager) probe(ctx context.Context, def *Definition) ([]string, error) {
	d := &def.Destination
	stores := []*Destination{d}
	var targets []prober
	switch d.Kind {
	case DestHTTP:
		c, err := httpdest.New(httpdest.Config{URL: d.HTTP.URL}, httpdest.WithHTTPClient(m.client))
		if err != nil {
			return nil, invalidf("destination: %v", err)
		}
		targets = append(targets, c)
		stores = []*Destination{d.HTTP.ErrorStore}
	case DestKinesis, DestFirehose:
		c, err := m.streamClient(d, "destination")
		if err != nil {
			if errors.Is(err, ErrInvalid) {
				return nil, err
			}
			return nil, invalidf("destination: %v", err)
		}
		targets = append(targets, c)
		stores = []*Destination{d.stream().ErrorStore}
	}
	for _, s := range stores {
		p, err := m.storeProber(ctx, s)
		if err != nil {
			if errors.Is(err, ErrInvalid) {
				return nil, err
			}
			return nil, invalidf("destination: %v", err)
		}
		if p != nil {
			targets = append(targets, p)
		}
	}
	var warnings []string
	for _, t := range targets {
		pctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
		err := t.Probe(pctx)
		timedOut := pctx.Err() != nil
		cancel()
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var pe *sinks.ProbeError
		if errors.As(err, &pe) && pe.Permanent && !timedOut {
			return nil, invalidf("destination %v", err)
		}
		msg := err.Error()
		if timedOut {
			msg = fmt.Sprintf("%s: no answer within %s", destName(t), ProbeTimeout)
		}
		warnings = append(warnings, "destination "+msg+"; the delivery stream is created and its records wait until the destination can be reached")
	}
	return warnings, nil
}

// storeProber returns what probes an object store destination, nil when
// the store cannot be probed.
func (m *Manager) storeProber(ctx context.Context, d *Destination) (prober, error) {
	switch d.Kind {
	case DestFolder:
		dir, root, err := m.folderPath(d.Folder.Path)
		if err != nil {
			return nil, err
		}
		return folderProber{dir: dir, root: root}, nil
	case DestS3:
		st, err := m.openS3(ctx, d.S3, "destination")
		if err != nil {
			return nil, err
		}
		p, _ := st.(prober)
		return p, nil
	}
	return nil, fmt.Errorf("kind %q has no object store", d.Kind)
}

// folderProber probes a folder destination (the folder is created, as the
// pipeline would create it, inside the output root).
type folderProber struct{ dir, root string }

func (f folderProber) Probe(ctx context.Context) error {
	return folder.Probe(ctx, f.dir, folder.WithRoot(f.root))
}
func (f folderProber) String() string { return "folder " + f.dir }

// checkReach refuses a definition whose destinations the server may not
// reach: a folder outside the output root, an endpoint the egress policy
// refuses (its host, or an address it resolves to now), or a secret
// reference that does not resolve now (an unset variable, a missing file).
func (m *Manager) checkReach(ctx context.Context, def *Definition) error {
	check := func(d *Destination, at string) error {
		switch d.Kind {
		case DestFolder:
			_, _, err := m.folderPath(d.Folder.Path)
			return err
		case DestS3:
			s := d.S3
			endpoint := s.Endpoint
			if endpoint == "" {
				endpoint = awsS3Endpoint(s)
			}
			if err := m.cfg.Egress.CheckURL(ctx, endpoint); err != nil {
				return invalidf("%s: S3 endpoint: %v", at, err)
			}
			if _, err := m.secret(s.AccessKeyID, s.AccessKeyIDFrom, at+".s3.accessKeyId"); err != nil {
				return err
			}
			_, err := m.secret(s.SecretAccessKey, s.SecretAccessKeyFrom, at+".s3.secretAccessKey")
			return err
		case DestHTTP:
			h := d.HTTP
			if err := m.cfg.Egress.CheckURL(ctx, h.URL); err != nil {
				return invalidf("%s: HTTP endpoint: %v", at, err)
			}
			_, err := m.secret(h.AccessKey, h.AccessKeyFrom, at+".http.accessKey")
			return err
		case DestKinesis, DestFirehose:
			s := d.stream()
			region := s.Region
			if _, r, err := kinesisdest.ParseStream(kinesisdest.Kind(d.Kind), s.Stream); err == nil && region == "" {
				region = r
			}
			if err := m.cfg.Egress.CheckURL(ctx, kinesisdest.EndpointURL(kinesisdest.Kind(d.Kind), s.Endpoint, region)); err != nil {
				return invalidf("%s: %s endpoint: %v", at, d.Kind, err)
			}
			at += "." + d.Kind
			if _, err := m.secret(s.AccessKeyID, s.AccessKeyIDFrom, at+".accessKeyId"); err != nil {
				return err
			}
			_, err := m.secret(s.SecretAccessKey, s.SecretAccessKeyFrom, at+".secretAccessKey")
			return err
		}
		return nil
	}
	d := &def.Destination
	if err := check(d, "destination"); err != nil {
		return err
	}
	switch d.Kind {
	case DestHTTP:
		return check(d.HTTP.ErrorStore, "destination.http.errorStore")
	case DestKinesis, DestFirehose:
		return check(d.stream().ErrorStore, "destination."+d.Kind+".errorStore")
	}
	return nil
}

// awsS3Endpoint is the AWS endpoint an S3 destination without one
// connects to: the bucket's virtual host, or the regional host with path
// style.
func awsS3Endpoint(s *S3Dest) string {
	region := s.Region
	if region == "" {
		region = DefaultRegion
	}
	if s.PathStyle {
		return "https://s3." + region + ".amazonaws.com"
	}
	return "https://" + s.Bucket + ".s3." + region + ".amazonaws.com"
}

// destName names a probed destination in a warning.
func destName(p prober) string {
	if s, ok := p.(fmt.Stringer); ok {
		return s.String()
	}
	return "destination"
}
