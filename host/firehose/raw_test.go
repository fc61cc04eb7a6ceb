package firehose

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/awsjson"
)

// call posts a raw JSON body for op, as a client with no validation of
// its own would, and returns the error type ("" on success) and message.
func (e *env) call(t *testing.T, op, body string) (typ, msg string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", TargetPrefix+"."+op)
	req.Header.Set("Content-Type", awsjson.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		return "", string(b)
	}
	var out struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: status %d, body %q", op, resp.StatusCode, b)
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("%s: status %d: %s", op, resp.StatusCode, b)
	}
	return out.Type, out.Message
}
