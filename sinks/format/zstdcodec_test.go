package format

import (
	"bytes"
	"runtime"
	"testing"
)

// TestParquetZstdMemory: the zstd codec Parquet objects use holds a
// history of about its window, not zstd's default 16 MiB, and what it
// writes decodes back. parquet.Zstd allocates over 16 MiB here.
func TestParquetZstdMemory(t *testing.T) {
	codec := parquetCodecs[Zstd]
	page := bytes.Repeat([]byte(`{"id":"r1","pad":"xxxxxxxxxxxxxxxx"},`), (256<<10)/37)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, err := codec.Encode(nil, page)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4*ParquetZstdWindow {
		t.Errorf("compressing a 256 KiB page allocated %d bytes, want at most %d (a history of about the %d-byte window)",
			got, 4*ParquetZstdWindow, ParquetZstdWindow)
	}
	back, err := codec.Decode(nil, out)
	if err != nil || !bytes.Equal(back, page) {
		t.Fatalf("decode: %v, %d bytes back of %d", err, len(back), len(page))
	}
	if len(out) >= len(page)/10 {
		t.Errorf("a repetitive page compressed to %d of %d bytes", len(out), len(page))
	}
}
