package host

import (
	"reflect"
	"testing"

	"github.com/sluice-io/sluice/host/rest"
)

// A stream JetStream's stream list left out (its leader did not answer in
// time) is still in the cluster status, marked unanswered, not dropped
// silently; the list comes sorted by name.
func TestClusterStatusKeepsUnansweredStreams(t *testing.T) {
	listed := []rest.StreamPlacement{
		{Name: "KV_sluice_delivery", Kind: "bucket", Leader: "n2", Messages: 3},
		{Name: "FH_orders", Kind: "direct-put", Leader: "n1"},
	}
	got := withUnanswered(listed, []string{"FH_orders", "KDS_orders", "KV_sluice_delivery"})
	want := []rest.StreamPlacement{
		{Name: "FH_orders", Kind: "direct-put", Leader: "n1"},
		{Name: "KDS_orders", Kind: "data-stream", Unanswered: true},
		{Name: "KV_sluice_delivery", Kind: "bucket", Leader: "n2", Messages: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}
