package clients

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestJavaScriptSDKSubscribe: the AWS SDK for JavaScript v3's Kinesis
// client registers a consumer and waits for ACTIVE, reads a
// SubscribeToShard event stream with its own decoder (records,
// ContinuationSequenceNumber, MillisBehindLatest, a record pushed while
// subscribed), is refused a second subscription of the consumer to the
// shard with ResourceInUseException, resumes from the continuation, and
// sees the consumer DELETING once deregistered: with the client as it
// ships (NodeHttp2Handler, h2c to an http:// endpoint, which a forwarder
// in front of the server checks) and with NodeHttpHandler (HTTP/1.1).
func TestJavaScriptSDKSubscribe(t *testing.T) {
	ep := startHost(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is missing: %v", err)
	}
	tool(t, filepath.Join("js", "node_modules", "@aws-sdk", "client-kinesis", "package.json"))
	for handler, proto := range map[string]string{"default": "h2c", "http1": "HTTP/1.1"} {
		t.Run(handler, func(t *testing.T) {
			sn := newSniffer(t, ep[len("http://"):])
			got := runScript(t, "js", node, "subscribe.mjs", "http://"+sn.ln.Addr().String(), admin.AccessKeyID, admin.SecretAccessKey, handler, "efo-"+handler)
			for _, step := range []string{"create", "register", "put", "subscribe", "second subscription", "resume", "deregister"} {
				if r, ok := got[step]; !ok || r != "" {
					t.Errorf("%s: %q", step, r)
				}
			}
			if p := sn.protocols(); p != proto {
				t.Errorf("connections over %s, want %s", p, proto)
			}
		})
	}
}
