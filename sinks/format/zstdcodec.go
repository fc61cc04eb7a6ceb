package format

import (
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/compress"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// ParquetZstdWindow is the zstd window of Parquet column pages. A page is
// compressed on its own and is about parquet-go's page buffer (256 KiB),
// so a longer window finds no more matches; zstd's default window (8 MiB,
// which parquet.Zstd uses) makes each encoder hold a 16 MiB history
// buffer, and a server holds one per core.
const ParquetZstdWindow = 1 << 20

// parquetZstd is the Parquet zstd column codec: parquet.Zstd's settings
// (default level, no empty frames' CRC) with a ParquetZstdWindow window.
type parquetZstd struct {
	enc *zstd.Encoder // EncodeAll and DecodeAll are safe for concurrent use
	dec func() (*zstd.Decoder, error)
}

var _ compress.Codec = (*parquetZstd)(nil)

func newParquetZstd() *parquetZstd {
	enc, err := zstd.NewWriter(nil,
		zstd.WithWindowSize(ParquetZstdWindow),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderCRC(false))
	if err != nil {
		panic("format: zstd options: " + err.Error()) // constant options: cannot happen
	}
	return &parquetZstd{enc: enc, dec: sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	})}
}

func (*parquetZstd) String() string { return "ZSTD" }

func (*parquetZstd) CompressionCodec() pqformat.CompressionCodec { return pqformat.Zstd }

func (c *parquetZstd) Encode(dst, src []byte) ([]byte, error) {
	return c.enc.EncodeAll(src, dst[:0]), nil
}

func (c *parquetZstd) Decode(dst, src []byte) ([]byte, error) {
	d, err := c.dec()
	if err != nil {
		return nil, err
	}
	return d.DecodeAll(src, dst[:0])
}
