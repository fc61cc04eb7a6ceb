package streams

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

// FuzzDecodeIterator decodes arbitrary tokens: no panic, and what decodes
// names a valid stream and shard.
func FuzzDecodeIterator(f *testing.F) {
	e := keyed(1)
	f.Add(e.encodeIterator(iterator{Stream: "s", StreamID: 7, Shard: ShardID(0), Kind: posSeq, Seq: 9, Issued: time.Now()}))
	f.Add(v1Token(iterator{StreamID: 7, Shard: ShardID(0), Kind: posSeq, Seq: 1, Issued: time.Now()}))
	f.Add("AQAAAAAAAAABgOCezOXuAQEBABRzaGFyZElkLTAwMDAwMDAwMDAwMMZc6FQ=")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		it, err := e.decodeIterator(tok)
		if err != nil {
			return
		}
		if ValidateName(it.Stream) != nil || ValidateShardID(it.Shard) != nil {
			t.Fatalf("decoded %+v with invalid names", it)
		}
	})
}

// FuzzSignedIterator reads with iterators that carry a valid MAC but any
// content, as a holder of the key (or a bug in the engine) could make
// them: GetRecords answers records or an engine error of a known kind,
// never an internal failure.
func FuzzSignedIterator(f *testing.F) {
	ctx := context.Background()
	e, err := Open(ctx, jstest.Start(f, "").Conn, Config{ScaleInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	if err := e.CreateStream(ctx, "s", 2); err != nil {
		f.Fatal(err)
	}
	for i := range 4 {
		if _, err := e.PutRecord(ctx, "s", Record{Data: []byte{byte(i)}, PartitionKey: "k", ExplicitHashKey: "0"}, ""); err != nil {
			f.Fatal(err)
		}
	}
	if err := e.SplitShard(ctx, "s", ShardID(0), "1000"); err != nil {
		f.Fatal(err)
	}
	s, _ := e.DescribeStream(ctx, "s")
	f.Add("s", s.ID, ShardID(0), byte(posSeq), uint64(1), int64(0), int64(0))
	f.Add("s", s.ID, ShardID(2), byte(posTime), uint64(0), int64(-1<<62), int64(0))
	f.Add("s", s.ID, ShardID(1), byte(posSeq), ^uint64(0), int64(0), int64(-1000))
	f.Add("", uint64(1), "", byte(posSeq), uint64(1), int64(0), int64(0))
	f.Add("a b", uint64(1), "x.>", byte(3), uint64(1), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, stream string, id uint64, shard string, kind byte, seq uint64, at, ageMillis int64) {
		if len(stream) > 255 || len(shard) > 255 {
			return // the token holds names of up to 255 bytes
		}
		tok := e.encodeIterator(iterator{Stream: stream, StreamID: id, Shard: shard, Kind: kind, Seq: seq,
			At: time.Unix(0, at), Issued: e.now().Add(-time.Duration(ageMillis) * time.Millisecond)})
		if len(tok) > MaxIteratorLen {
			return
		}
		_, err := e.GetRecords(ctx, tok, 100)
		var se *Error
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("GetRecords(%q, %d, %q, kind %d, seq %d): %v", stream, id, shard, kind, seq, err)
		}
	})
}
