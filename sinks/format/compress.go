package format

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// wholeCompressor compresses a whole JSON lines object. One serves every
// Object of an Encoder concurrently.
type wholeCompressor struct {
	codec string
	gzips sync.Pool // *gzip.Writer
	snaps sync.Pool // *s2.Writer in snappy-compatible mode
	zstd  *zstd.Encoder
}

func newWholeCompressor(codec string) (*wholeCompressor, error) {
	c := &wholeCompressor{codec: codec}
	if codec == Zstd {
		// A zstd encoder without a writer is only used through EncodeAll,
		// which is safe for concurrent use and starts no goroutine.
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd encoder: %w", err)
		}
		c.zstd = enc
	}
	return c, nil
}

// compress returns src compressed as a whole.
func (c *wholeCompressor) compress(src []byte) ([]byte, error) {
	switch c.codec {
	case Gzip:
		var out bytes.Buffer
		out.Grow(len(src)/4 + 64)
		w, _ := c.gzips.Get().(*gzip.Writer)
		if w == nil {
			w = gzip.NewWriter(&out)
		} else {
			w.Reset(&out)
		}
		defer c.gzips.Put(w)
		if _, err := w.Write(src); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return out.Bytes(), nil
	case Snappy:
		var out bytes.Buffer
		out.Grow(len(src)/2 + 64)
		w, _ := c.snaps.Get().(*s2.Writer)
		if w == nil {
			w = s2.NewWriter(&out, s2.WriterSnappyCompat(), s2.WriterConcurrency(1))
		} else {
			w.Reset(&out)
		}
		defer c.snaps.Put(w)
		if _, err := w.Write(src); err != nil {
			return nil, fmt.Errorf("snappy: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("snappy: %w", err)
		}
		return out.Bytes(), nil
	case Zstd:
		return c.zstd.EncodeAll(src, make([]byte, 0, len(src)/4+64)), nil
	}
	return src, nil
}
