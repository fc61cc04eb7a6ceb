package delivery

import (
	"slices"
	"time"
)

// Failure is a delivery stream that is not delivering: what /readyz and the
// operator's views report.
type Failure struct {
	// Name of the delivery stream.
	Name string
	// State is its state (see Status.State).
	State string
	// Reason is the last error, as Describe's LastError.
	Reason string
	// Since is when the failing began (Status.FailingSince).
	Since time.Time
}

// Failing lists the delivery streams of this host that are RETRYING or
// FAILED, sorted by name.
func (m *Manager) Failing() []Failure {
	m.mu.Lock()
	ps := make([]*pipeline, 0, len(m.pipelines))
	for _, p := range m.pipelines {
		ps = append(ps, p)
	}
	m.mu.Unlock()
	var out []Failure
	for _, p := range ps {
		var s Status
		p.status(&s)
		if s.Failing() {
			out = append(out, Failure{Name: p.def.Name, State: s.State, Reason: s.LastError, Since: s.FailingSince})
		}
	}
	slices.SortFunc(out, func(a, b Failure) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}
