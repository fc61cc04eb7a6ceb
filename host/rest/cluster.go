package rest

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// ClusterReporter is what the cluster route needs of the host.
type ClusterReporter interface {
	ClusterStatus(ctx context.Context) (*ClusterStatus, error)
}

// ClusterStatus is the answer of GET /v1/cluster: this host, the NATS
// servers it runs on and where JetStream keeps each stream.
type ClusterStatus struct {
	Host HostStatus `json:"host"`
	// Meta is the JetStream meta group (known to an embedded server; an
	// external cluster shows it only to its system account).
	Meta *MetaStatus `json:"meta,omitempty"`
	// Servers are the client URLs of the external NATS servers the host
	// knows of (an embedded server's peers are in Meta).
	Servers []string          `json:"servers,omitempty"`
	Streams []StreamPlacement `json:"streams"`
	// Delivery is who runs each delivery stream.
	Delivery []DeliveryWork `json:"delivery"`
}

// DeliveryWork is the host running a delivery stream ("" when none does:
// State UNASSIGNED), its state and how far behind its source it is.
type DeliveryWork struct {
	Name                 string        `json:"name"`
	Host                 string        `json:"host"`
	State                string        `json:"state"`
	OldestUndeliveredAge time.Duration `json:"oldestUndeliveredAgeNanos"`
}

// HostStatus describes the host that answered.
type HostStatus struct {
	// ID is the host's name among the hosts sharing the JetStream (its
	// node name, or the one kept in its data directory).
	ID string `json:"id"`
	// NATS is "embedded" (alone), "embedded-cluster" or "external".
	NATS            string `json:"nats"`
	Cluster         string `json:"cluster,omitempty"`
	ConnectedServer string `json:"connectedServer"`
	Replicas        int    `json:"replicas"`
}

// MetaStatus is the JetStream meta group: its leader and its peers.
type MetaStatus struct {
	Leader string       `json:"leader"`
	Size   int          `json:"size"`
	Peers  []PeerStatus `json:"peers"`
}

// StreamPlacement is one JetStream stream of Sluice's: what it holds,
// its leader and its replicas.
type StreamPlacement struct {
	// Name is the JetStream stream's name; Kind says what it holds:
	// "data-stream", "direct-put", "bucket", "object-store" or "other".
	Name     string       `json:"name"`
	Kind     string       `json:"kind"`
	Leader   string       `json:"leader,omitempty"`
	Replicas []PeerStatus `json:"replicas,omitempty"`
	Messages uint64       `json:"messages"`
	Bytes    uint64       `json:"bytes"`
	// Unanswered: JetStream knows the stream but its leader did not
	// answer in time (a node catching up, a leader just lost): its
	// placement and figures are not known now.
	Unanswered bool `json:"unanswered,omitempty"`
}

// PeerStatus is one replica (or meta peer): whether it is current, how
// many operations it trails by and when it was last heard from.
type PeerStatus struct {
	Name    string        `json:"name"`
	Current bool          `json:"current"`
	Offline bool          `json:"offline,omitempty"`
	Lag     uint64        `json:"lag,omitempty"`
	Active  time.Duration `json:"activeNanos,omitempty"`
}

// Cluster serves GET /v1/cluster.
type Cluster struct {
	rep ClusterReporter
	log *slog.Logger
}

// NewCluster returns the cluster route over rep.
func NewCluster(rep ClusterReporter, opts ...Option) (*Cluster, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &Cluster{rep: rep, log: o.logger}, nil
}

// Register adds the route to mux.
func (c *Cluster) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/cluster", c.get)
}

func (c *Cluster) get(w http.ResponseWriter, r *http.Request) {
	st, err := c.rep.ClusterStatus(r.Context())
	if err != nil { // JetStream cannot say now: no quorum, no leader

		c.log.Warn("cluster status", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: ErrorDetail{Code: CodeUnavailable, Message: err.Error()}})
		return
	}
	writeJSON(w, http.StatusOK, st)
}
