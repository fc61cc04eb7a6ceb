package main

import (
	"encoding/json"
	"time"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/host/streams"
)

// The shapes --output json prints. One style for every command: the member
// names of AWS's shape where the command has one (Kinesis and Firehose,
// as the AWS CLI prints them: PascalCase, absent members left out), and
// for Sluice's own objects (modules, delivery stream status, mirrors, the
// cluster) the PascalCase names below, which the README lists. Two kinds
// of document keep their own names inside that: a delivery stream's
// Definition is written as a pipeline file writes it (the names `sluice
// apply -f` takes), and `module test` prints Firehose's data
// transformation response (records, recordId, result, data), as AWS
// defines it. Times are RFC 3339 strings, durations whole milliseconds
// in a member whose name ends in Millis (as Kinesis's MillisBehindLatest).

// awsShape is v (a response or type of the AWS SDK for Go) as the AWS CLI
// prints it: absent (nil) members and the SDK's ResultMetadata left out.
func awsShape(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var tree any
	if json.Unmarshal(b, &tree) != nil {
		return v
	}
	return prune(tree)
}

func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil || k == "ResultMetadata" {
				delete(t, k)
				continue
			}
			t[k] = prune(e)
		}
	case []any:
		for i, e := range t {
			t[i] = prune(e)
		}
	}
	return v
}

func millis(d time.Duration) int64 { return d.Milliseconds() }

// timeOrNil leaves a zero time out.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

type moduleVersionJSON struct {
	Name     string
	Version  int
	SHA256   string
	Size     int64
	ABI      string
	Uploaded time.Time
}

func moduleVersionOut(v rest.ModuleVersion) moduleVersionJSON {
	return moduleVersionJSON{Name: v.Name, Version: v.Version, SHA256: v.SHA256, Size: v.Size, ABI: v.ABI, Uploaded: v.Uploaded}
}

type moduleSummaryJSON struct {
	Name     string
	Versions int
	Latest   moduleVersionJSON
}

func moduleListOut(l rest.ModuleList) any {
	out := struct{ Modules []moduleSummaryJSON }{Modules: []moduleSummaryJSON{}}
	for _, m := range l.Modules {
		out.Modules = append(out.Modules, moduleSummaryJSON{Name: m.Name, Versions: m.Versions, Latest: moduleVersionOut(m.Latest)})
	}
	return out
}

func moduleDescriptionOut(d rest.ModuleDescription) any {
	out := struct {
		Name     string
		Versions []moduleVersionJSON
	}{Name: d.Name, Versions: []moduleVersionJSON{}}
	for _, v := range d.Versions {
		out.Versions = append(out.Versions, moduleVersionOut(v))
	}
	return out
}

type moduleRefJSON struct {
	Name    string
	Version int
}

func moduleRemovedOut(r rest.Removed) any {
	out := struct{ Removed []moduleRefJSON }{Removed: []moduleRefJSON{}}
	for _, ref := range r.Removed {
		out.Removed = append(out.Removed, moduleRefJSON(ref))
	}
	return out
}

// deliveryStatusJSON is delivery.Status for --output json.
type deliveryStatusJSON struct {
	State                      string
	IncomingRecords            int64
	IncomingBytes              int64
	DeliveredRecords           int64
	DeliveredObjects           int64
	DroppedRecords             int64
	ErrorRecords               int64
	DeaggregatedRecords        int64
	LostRecords                int64
	Checkpoint                 uint64
	PartCheckpoints            []uint64 `json:",omitempty"`
	OldestUndeliveredAgeMillis int64
	LastError                  string     `json:",omitempty"`
	LastErrorAt                *time.Time `json:",omitempty"`
	FailingSince               *time.Time `json:",omitempty"`
	Host                       string     `json:",omitempty"`
	ReportedAt                 *time.Time `json:",omitempty"`
}

type deliveryStreamJSON struct {
	// Definition is written as a pipeline file writes it.
	Definition delivery.Definition
	Status     deliveryStatusJSON
}

func deliveryStreamOut(d rest.DeliveryStream) deliveryStreamJSON {
	s := d.Status
	return deliveryStreamJSON{Definition: d.Definition, Status: deliveryStatusJSON{
		State: s.State, IncomingRecords: s.IncomingRecords, IncomingBytes: s.IncomingBytes,
		DeliveredRecords: s.DeliveredRecords, DeliveredObjects: s.DeliveredObjects, DroppedRecords: s.DroppedRecords,
		ErrorRecords: s.ErrorRecords, DeaggregatedRecords: s.DeaggregatedRecords, LostRecords: s.LostRecords,
		Checkpoint: s.Checkpoint, PartCheckpoints: s.PartCheckpoints, OldestUndeliveredAgeMillis: millis(s.OldestUndeliveredAge),
		LastError: s.LastError, LastErrorAt: timeOrNil(s.LastErrorAt), FailingSince: timeOrNil(s.FailingSince),
		Host: s.Host, ReportedAt: timeOrNil(s.ReportedAt),
	}}
}

func deliveryListOut(l rest.DeliveryList) any {
	out := struct{ DeliveryStreams []deliveryStreamJSON }{DeliveryStreams: []deliveryStreamJSON{}}
	for _, d := range l.DeliveryStreams {
		out.DeliveryStreams = append(out.DeliveryStreams, deliveryStreamOut(d))
	}
	return out
}

// streamModeOut is a stream mode answer for --output json.
func streamModeOut(name string, m rest.StreamModeRequest) any {
	return struct {
		StreamName string
		StreamMode string
		MinShards  int     `json:",omitempty"`
		MaxShards  int     `json:",omitempty"`
		ScaleUp    float64 `json:",omitempty"`
		ScaleDown  float64 `json:",omitempty"`
		Cooldown   string  `json:",omitempty"`
	}{name, m.Mode, m.MinShards, m.MaxShards, m.ScaleUp, m.ScaleDown, m.Cooldown}
}

// mirrorStatusOut is streams.MirrorStatus for --output json.
func mirrorStatusOut(st streams.MirrorStatus) any {
	out := struct {
		StreamName         string
		Domain             string
		SourceStreamName   string
		Records            uint64
		LastSequence       uint64
		Missed             uint64
		Lag                uint64
		SourceReachable    bool
		SourceLastSequence uint64
		Behind             uint64
		LastContactMillis  *int64 `json:",omitempty"` // absent: never
		Error              string `json:",omitempty"`
		DefinitionRevision uint64
		DefinitionRead     *time.Time `json:",omitempty"`
		DefinitionError    string     `json:",omitempty"`
		SourceDeleted      bool
		SourceReplaced     bool
	}{
		StreamName: st.Stream, Domain: st.Domain, SourceStreamName: st.Source, Records: st.Records, LastSequence: st.LastSequence,
		Missed: st.Missed, Lag: st.Lag, SourceReachable: st.SourceReachable, SourceLastSequence: st.SourceLastSequence,
		Behind: st.Behind, Error: st.Error, DefinitionRevision: st.DefinitionRevision, DefinitionRead: timeOrNil(st.DefinitionRead),
		DefinitionError: st.DefinitionError, SourceDeleted: st.SourceDeleted, SourceReplaced: st.SourceReplaced,
	}
	if st.LastContact >= 0 {
		ms := millis(st.LastContact)
		out.LastContactMillis = &ms
	}
	return out
}

type peerJSON struct {
	Name         string
	Current      bool
	Offline      bool   `json:",omitempty"`
	Lag          uint64 `json:",omitempty"`
	ActiveMillis int64  `json:",omitempty"`
}

func peersOut(ps []rest.PeerStatus) []peerJSON {
	out := []peerJSON{}
	for _, p := range ps {
		out = append(out, peerJSON{Name: p.Name, Current: p.Current, Offline: p.Offline, Lag: p.Lag, ActiveMillis: millis(p.Active)})
	}
	return out
}

// clusterStatusOut is rest.ClusterStatus for --output json.
func clusterStatusOut(st rest.ClusterStatus) any {
	type hostJSON struct {
		Id              string
		NATS            string
		Cluster         string `json:",omitempty"`
		ConnectedServer string
		Replicas        int
	}
	type metaJSON struct {
		Leader string
		Size   int
		Peers  []peerJSON
	}
	type streamJSON struct {
		Name     string
		Kind     string
		Leader   string `json:",omitempty"`
		Replicas []peerJSON
		Messages uint64
		Bytes    uint64
		// Unanswered: its leader did not answer in time; the figures
		// are not known now.
		Unanswered bool `json:",omitempty"`
	}
	type deliveryJSON struct {
		DeliveryStreamName         string
		Host                       string `json:",omitempty"`
		State                      string
		OldestUndeliveredAgeMillis int64
	}
	out := struct {
		Host     hostJSON
		Meta     *metaJSON `json:",omitempty"`
		Servers  []string  `json:",omitempty"`
		Streams  []streamJSON
		Delivery []deliveryJSON
	}{
		Host:     hostJSON{Id: st.Host.ID, NATS: st.Host.NATS, Cluster: st.Host.Cluster, ConnectedServer: st.Host.ConnectedServer, Replicas: st.Host.Replicas},
		Servers:  st.Servers,
		Streams:  []streamJSON{},
		Delivery: []deliveryJSON{},
	}
	if m := st.Meta; m != nil {
		out.Meta = &metaJSON{Leader: m.Leader, Size: m.Size, Peers: peersOut(m.Peers)}
	}
	for _, s := range st.Streams {
		out.Streams = append(out.Streams, streamJSON{Name: s.Name, Kind: s.Kind, Leader: s.Leader, Replicas: peersOut(s.Replicas), Messages: s.Messages, Bytes: s.Bytes, Unanswered: s.Unanswered})
	}
	for _, d := range st.Delivery {
		out.Delivery = append(out.Delivery, deliveryJSON{DeliveryStreamName: d.Name, Host: d.Host, State: d.State, OldestUndeliveredAgeMillis: millis(d.OldestUndeliveredAge)})
	}
	return out
}
