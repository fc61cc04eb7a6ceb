package host

import (
	"net/http"

	"github.com/sluice-io/sluice/host/auth"
)

// guard puts the API mux and /metrics behind host/auth's signature and
// permission checks when keys are configured, and logs loudly when they
// are not. The guards sit inside the request limiters, so the bodies they
// read count against the cap on requests in flight.
func (s *Server) guard(api *http.ServeMux, metrics http.Handler) (http.Handler, http.Handler, error) {
	sec := s.cfg.Security
	if sec.Keys.Len() == 0 {
		s.log.Warn("authentication is off: no access keys are configured (sluice serve --credentials FILE, or SLUICE_ACCESS_KEY_ID and SLUICE_SECRET_ACCESS_KEY), so every client that can reach the listeners can do everything",
			"http", s.cfg.HTTPAddr, "nats", orNone(s.cfg.NATSListen), "insecure_no_auth", sec.InsecureNoAuth)
		return api, metrics, nil
	}
	g, err := auth.New(auth.Config{
		Keys:           sec.Keys,
		Region:         s.cfg.Region,
		AccountID:      s.cfg.AccountID,
		ModuleMaxBytes: s.modules.MaxSize(),
		Logger:         s.log.With("component", "auth"),
	})
	if err != nil {
		return nil, nil, err
	}
	if !sec.MetricsNoAuth {
		metrics = g.Metrics(metrics)
	}
	s.log.Info("authentication is on: every API request must carry a valid SigV4 signature",
		"keys", sec.Keys.Len(), "region", s.cfg.Region, "metrics_signed", !sec.MetricsNoAuth)
	return g.API(api), metrics, nil
}
