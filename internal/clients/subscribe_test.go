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
// sees the consumer DELETING once deregistered. The handler is
// NodeHttpHandler (HTTP/1.1); subscribe.mjs also takes "default" and
// "http2" for NodeHttp2Handler.
func TestJavaScriptSDKSubscribe(t *testing.T) {
	ep := startHost(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is missing: %v", err)
	}
	tool(t, filepath.Join("js", "node_modules", "@aws-sdk", "client-kinesis", "package.json"))
	for _, handler := range []string{"http1"} {
		t.Run(handler, func(t *testing.T) {
			got := runScript(t, "js", node, "subscribe.mjs", ep, admin.AccessKeyID, admin.SecretAccessKey, handler, "efo-"+handler)
			for _, step := range []string{"create", "register", "put", "subscribe", "second subscription", "resume", "deregister"} {
				if r, ok := got[step]; !ok || r != "" {
					t.Errorf("%s: %q", step, r)
				}
			}
		})
	}
}
