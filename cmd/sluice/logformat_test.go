package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeLogFormatJSON: with --log-format json every line the server
// logs is one JSON object with slog's keys; a format it does not know is
// a usage error.
func TestServeLogFormatJSON(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	args := []string{"serve", "--data-dir", filepath.Join(t.TempDir(), "data"), "--http", "127.0.0.1:0", "--nats", "", "--log-format", "json"}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, strings.NewReader(""), io.Discard, &stderr) }()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stderr.String(), `"msg":"sluice listening"`) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not log its start in JSON; log:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("log line has no %q: %s", k, line)
			}
		}
		if rec["msg"] == "sluice listening" && rec["http"] == nil {
			t.Errorf("the start line lost its attributes: %s", line)
		}
	}

	err := run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--log-format", "xml"}, strings.NewReader(""), io.Discard, io.Discard)
	var ue usageError
	if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), "--log-format must be text or json") {
		t.Fatalf("--log-format xml: %v", err)
	}
}
