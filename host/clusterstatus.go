package host

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-io/sluice/host/natsclient"
	"github.com/sluice-io/sluice/host/rest"
)

// clusterStatusTimeout bounds the JetStream requests of one status.
const clusterStatusTimeout = 10 * time.Second

// ClusterStatus is GET /v1/cluster: this host, the NATS servers and where
// each of Sluice's JetStream streams is kept.
func (s *Server) ClusterStatus(ctx context.Context) (*rest.ClusterStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, clusterStatusTimeout)
	defer cancel()
	st := &rest.ClusterStatus{
		Host: rest.HostStatus{
			ID:              s.hostID,
			NATS:            s.natsMode(),
			Cluster:         s.nc.ConnectedClusterName(),
			ConnectedServer: s.nc.ConnectedServerName(),
			Replicas:        s.cfg.Replicas,
		},
		Streams: []rest.StreamPlacement{},
	}
	if s.nats != nil {
		st.Meta = metaStatus(s.nats.Jsz())
	} else {
		st.Servers = natsclient.RedactURLs(s.nc.Servers())
	}
	js, err := jetstream.New(s.nc)
	if err != nil {
		return nil, err
	}
	lister := js.ListStreams(ctx)
	for info := range lister.Info() {
		p := rest.StreamPlacement{Name: info.Config.Name, Kind: streamKind(info.Config.Name),
			Messages: info.State.Msgs, Bytes: info.State.Bytes}
		if c := info.Cluster; c != nil {
			p.Leader = c.Leader
			if c.Leader != "" {
				p.Replicas = append(p.Replicas, rest.PeerStatus{Name: c.Leader, Current: true})
			}
			for _, r := range c.Replicas {
				p.Replicas = append(p.Replicas, rest.PeerStatus{Name: r.Name, Current: r.Current, Offline: r.Offline, Lag: r.Lag, Active: r.Active})
			}
		}
		st.Streams = append(st.Streams, p)
	}
	if err := lister.Err(); err != nil {
		return nil, fmt.Errorf("list JetStream streams: %w", err)
	}
	// The stream list leaves out a stream whose leader did not answer in
	// time; the names come from the meta layer, which knows them all.
	var jsNames []string
	nl := js.StreamNames(ctx)
	for n := range nl.Name() {
		jsNames = append(jsNames, n)
	}
	if err := nl.Err(); err != nil {
		return nil, fmt.Errorf("list JetStream stream names: %w", err)
	}
	st.Streams = withUnanswered(st.Streams, jsNames)
	names, err := s.delivery.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list delivery streams: %w", err)
	}
	st.Delivery = []rest.DeliveryWork{}
	for _, name := range names {
		_, ds, err := s.delivery.Describe(ctx, name)
		if err != nil {
			continue // deleted meanwhile
		}
		st.Delivery = append(st.Delivery, rest.DeliveryWork{Name: name, Host: ds.Host, State: ds.State, OldestUndeliveredAge: ds.OldestUndeliveredAge})
	}
	return st, nil
}

// withUnanswered adds to the placements listed one marked Unanswered for
// each stream of names the list left out, and sorts them by name.
func withUnanswered(listed []rest.StreamPlacement, names []string) []rest.StreamPlacement {
	seen := make(map[string]bool, len(listed))
	for _, p := range listed {
		seen[p.Name] = true
	}
	for _, n := range names {
		if !seen[n] {
			listed = append(listed, rest.StreamPlacement{Name: n, Kind: streamKind(n), Unanswered: true})
			seen[n] = true
		}
	}
	slices.SortFunc(listed, func(a, b rest.StreamPlacement) int { return strings.Compare(a.Name, b.Name) })
	return listed
}

func (s *Server) natsMode() string {
	switch {
	case s.nats == nil:
		return "external"
	case s.cfg.Cluster.Enabled():
		return "embedded-cluster"
	}
	return "embedded"
}

// streamKind names what a JetStream stream of Sluice's holds, by the
// prefix its owner gives it.
func streamKind(name string) string {
	for _, k := range []struct{ prefix, kind string }{
		{"KDS_", "data-stream"}, {"FH_", "direct-put"}, {"KV_", "bucket"}, {"OBJ_", "object-store"},
	} {
		if strings.HasPrefix(name, k.prefix) {
			return k.kind
		}
	}
	return "other"
}

func metaStatus(info *server.JSInfo) *rest.MetaStatus {
	if info == nil || info.Meta == nil {
		return nil
	}
	m := &rest.MetaStatus{Leader: info.Meta.Leader, Size: info.Meta.Size}
	if m.Leader != "" {
		m.Peers = append(m.Peers, rest.PeerStatus{Name: m.Leader, Current: true})
	}
	for _, p := range info.Meta.Replicas {
		m.Peers = append(m.Peers, rest.PeerStatus{Name: p.Name, Current: p.Current, Offline: p.Offline, Lag: p.Lag, Active: p.Active})
	}
	return m
}

// hostInfo is sluice_host_info: 1, labelled with how the host runs, so a
// dashboard over several hosts can tell them apart and group them.
func (s *Server) hostInfo() prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "sluice_host_info",
		Help: "Always 1; labels say which host this is (host: its ID among the hosts sharing the JetStream) and how it runs: nats (embedded, embedded-cluster or external), the NATS server it is connected to (node), the cluster's name, and the replication it uses.",
		ConstLabels: prometheus.Labels{
			"host":     s.hostID,
			"nats":     s.natsMode(),
			"node":     s.nc.ConnectedServerName(),
			"cluster":  s.nc.ConnectedClusterName(),
			"replicas": strconv.Itoa(s.cfg.Replicas),
		},
	})
	g.Set(1)
	return g
}
