package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestKinesisDestinationToAnotherServer: an edge server's delivery stream,
// from a pipeline file, forwards to a data stream on a hub server; every
// record put with the CLI is read back from the hub once; describe shows
// where it goes and never the secret.
func TestKinesisDestinationToAnotherServer(t *testing.T) {
	hub, edge := startServer(t), startServer(t)
	mustSluice(t, hub, "", "stream", "create", "home", "--shards", "2")
	file := writeFile(t, "edge.yaml", fmt.Sprintf(`deliveryStreams:
  - name: site
    buffering: {intervalSeconds: 0}
    destination:
      kind: kinesis
      kinesis:
        endpoint: %s
        stream: home
        accessKeyId: AKIDEDGE
        secretAccessKey: edge-secret-1234
        errorStore: {kind: folder, folder: {path: %q}}
`, hub, t.TempDir()))
	mustSluice(t, edge, "", "apply", "-f", file)
	const n = 300
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, `{"n":%d}`+"\n", i)
	}
	mustSluice(t, edge, in.String(), "put", "--delivery", "site")
	seen := map[string]int{}
	deadline := time.Now().Add(time.Minute)
	for {
		seen = map[string]int{}
		for _, l := range strings.Split(strings.TrimSpace(mustSluice(t, hub, "", "get", "home")), "\n") {
			if parts := strings.SplitN(l, "  ", 4); len(parts) == 4 {
				seen[parts[3]]++
			}
		}
		if len(seen) >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := range n {
		if c := seen[fmt.Sprintf(`{"n":%d}`, i)]; c != 1 {
			t.Fatalf("record %d read from the hub %d times (%d distinct)", i, c, len(seen))
		}
	}
	desc := mustSluice(t, edge, "", "delivery", "describe", "site")
	if !strings.Contains(desc, "kinesis home at "+hub) || strings.Contains(desc, "edge-secret-1234") {
		t.Fatalf("describe:\n%s", desc)
	}
	if j := mustSluice(t, edge, "", "-o", "json", "delivery", "describe", "site"); strings.Contains(j, "edge-secret-1234") || strings.Contains(j, "AKIDEDGE") {
		t.Fatalf("json describe shows a secret:\n%s", j)
	}
}
