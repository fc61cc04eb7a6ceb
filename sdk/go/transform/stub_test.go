//go:build !wasip1

// Tests of the host stubs: Log writing to standard error, KVGet without a host.

package transform

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
)

func TestLogger(t *testing.T) {
	var out bytes.Buffer
	saved := stubLogOutput
	stubLogOutput = &out
	t.Cleanup(func() { stubLogOutput = saved })

	log := Logger().With("module", "enrich")
	log.Info("looked up", "key", "dev 1", "found", true)
	log.WithGroup("kv").Warn("slow", "ms", 12)
	log.Debug("plain")
	log.Log(t.Context(), slog.LevelError+4, "worse than error")
	Log(LevelWarn, "direct")

	want := "transform INFO: looked up module=enrich key=\"dev 1\" found=true\n" +
		"transform WARN: slow module=enrich kv.ms=12\n" +
		"transform DEBUG: plain module=enrich\n" +
		"transform ERROR: worse than error module=enrich\n" +
		"transform WARN: direct\n"
	if out.String() != want {
		t.Errorf("log =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestKVGetOutsideSluice(t *testing.T) {
	_, _, err := KVGet("b", "k")
	if !errors.Is(err, ErrNoHost) {
		t.Errorf("err = %v, want ErrNoHost", err)
	}
}
