package host

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/delivery"
)

// ReadyJetStreamTimeout bounds the JetStream request /readyz makes.
const ReadyJetStreamTimeout = 2 * time.Second

// Readiness is what /readyz answers (as JSON with ?format=json or
// Accept: application/json).
type Readiness struct {
	// Ready is true when JetStream answers, its store takes writes and no
	// delivery stream fails.
	Ready     bool           `json:"ready"`
	JetStream JetStreamState `json:"jetStream"`
	Storage   StorageState   `json:"storage"`
	// Failing lists the delivery streams whose last attempt failed.
	Failing []FailingDelivery `json:"failingDeliveryStreams"`
}

// JetStreamState says whether JetStream answered a request.
type JetStreamState struct {
	Ready bool   `json:"ready"`
	Error string `json:"error,omitempty"`
}

// StorageState says whether JetStream's store takes writes: a write error
// (most often a full disk) keeps it from taking any until there is room.
type StorageState struct {
	Writable bool   `json:"writable"`
	Error    string `json:"error,omitempty"`
}

// FailingDelivery is a delivery stream that is not delivering.
type FailingDelivery struct {
	Name string `json:"name"`
	// State is the delivery stream's state, when the manager reports one.
	State  string    `json:"state,omitempty"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// probes serves /healthz and /readyz.
type probes struct {
	js      jetstream.JetStream
	storage func() error
	failing func() []delivery.Failure
}

// healthz is the liveness check: the process is up and answers.
func (p *probes) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readiness asks JetStream for its account information (a real request
// through the server, bounded by ReadyJetStreamTimeout) and the delivery
// manager for its failing streams.
func (p *probes) readiness(ctx context.Context) Readiness {
	ctx, cancel := context.WithTimeout(ctx, ReadyJetStreamTimeout)
	defer cancel()
	rd := Readiness{Failing: []FailingDelivery{}}
	if _, err := p.js.AccountInfo(ctx); err != nil {
		rd.JetStream.Error = err.Error()
	} else {
		rd.JetStream.Ready = true
	}
	rd.Storage.Writable = true
	if err := p.storage(); err != nil {
		rd.Storage = StorageState{Error: err.Error()}
	}
	for _, f := range p.failing() {
		rd.Failing = append(rd.Failing, FailingDelivery{Name: f.Name, State: f.State, Reason: f.Reason, Since: f.Since.UTC()})
	}
	rd.Ready = rd.JetStream.Ready && rd.Storage.Writable && len(rd.Failing) == 0
	return rd
}

// readyz answers 200 when ready, 503 otherwise, in text or JSON.
func (p *probes) readyz(w http.ResponseWriter, r *http.Request) {
	rd := p.readiness(r.Context())
	status := http.StatusOK
	if !rd.Ready {
		status = http.StatusServiceUnavailable
	}
	if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(rd)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(rd.text()))
}

// text is the plain-text form of rd.
func (rd Readiness) text() string {
	var b strings.Builder
	if rd.Ready {
		b.WriteString("ready\n")
	} else {
		b.WriteString("not ready\n")
	}
	if rd.JetStream.Ready {
		b.WriteString("jetstream: ready\n")
	} else {
		fmt.Fprintf(&b, "jetstream: not ready: %s\n", rd.JetStream.Error)
	}
	if rd.Storage.Writable {
		b.WriteString("storage: writable\n")
	} else {
		fmt.Fprintf(&b, "storage: not writable: %s\n", rd.Storage.Error)
	}
	fmt.Fprintf(&b, "failing delivery streams: %d\n", len(rd.Failing))
	for _, f := range rd.Failing {
		state := ""
		if f.State != "" {
			state = " (" + f.State + ")"
		}
		fmt.Fprintf(&b, "  %s%s since %s: %s\n", f.Name, state, f.Since.Format(time.RFC3339), f.Reason)
	}
	return b.String()
}
