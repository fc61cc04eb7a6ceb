package host

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-io/sluice/host/console"
)

// console builds the web console (host/console) on the server's engines,
// with a sampler of reg for its charts, behind the same keys as the APIs:
// a login with an access key when keys are configured, open otherwise
// (the server then listens on loopback only, unless --insecure-no-auth).
func (s *Server) console(reg *prometheus.Registry) (http.Handler, error) {
	sm, err := console.NewSampler(reg, console.SamplerConfig{Every: s.cfg.ConsoleSampleEvery, Logger: s.log.With("component", "console")})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.sampler = cancel
	go sm.Run(ctx)
	return console.New(console.Config{
		Streams:   s.streams,
		Delivery:  s.delivery,
		Modules:   s.modules,
		Invoker:   s.rest,
		Sampler:   sm,
		Keys:      s.cfg.Security.Keys,
		Region:    s.cfg.Region,
		AccountID: s.cfg.AccountID,
		TLS:       s.tls.Config() != nil,
		Logger:    s.log.With("component", "console"),
		Now:       time.Now,
	})
}

// registerOnce registers c unless the registry has it already.
func registerOnce(reg *prometheus.Registry, c prometheus.Collector) error {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		return nil
	}
	return err
}
