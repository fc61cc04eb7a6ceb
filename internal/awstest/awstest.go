package awstest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Call posts body to h with the X-Amz-Target target and returns the
// status and body of the answer.
func Call(h http.Handler, target string, body []byte) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// CheckAnswer fails t unless an answer is a success (200 and a JSON
// object) or a 4xx AWS error whose __type is in known and whose message
// is not empty. It returns the error type ("" for a success).
func CheckAnswer(t testing.TB, status int, body []byte, known map[string]bool) string {
	t.Helper()
	if status == http.StatusOK {
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("200 with a body that is not a JSON object: %v: %.300s", err, body)
		}
		return ""
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%d with a body that is not an AWS error: %.300s", status, body)
	}
	if status >= 500 || status < 400 || !known[e.Type] || e.Message == "" {
		t.Fatalf("answer %d %s %q", status, e.Type, e.Message)
	}
	return e.Type
}
