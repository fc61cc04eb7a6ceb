package streams

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func isKind(err, kind error) bool { return err != nil && errors.Is(err, kind) }

func TestIteratorRoundTrip(t *testing.T) {
	issued := time.UnixMilli(1_700_000_000_123)
	cases := []iterator{
		{Stream: "s", StreamID: 1, Shard: "shardId-000000000000", Kind: posSeq, Seq: 1, Issued: issued},
		{Stream: strings.Repeat("a.b-", 32), StreamID: ^uint64(0), Shard: "shardId-000000000007", Kind: posSeq, Seq: ^uint64(0), Issued: issued},
		{Stream: "t", StreamID: 42, Shard: "shardId-000000000001", Kind: posTime, At: time.Unix(1_700_000_000, 123_456_789), Issued: issued},
	}
	for _, it := range cases {
		tok := it.encode()
		if len(tok) > 512 {
			t.Errorf("token of %d chars exceeds Kinesis's 512", len(tok))
		}
		got, err := decodeIterator(tok)
		if err != nil {
			t.Fatalf("decode %+v: %v", it, err)
		}
		if got.Stream != it.Stream || got.StreamID != it.StreamID || got.Shard != it.Shard || got.Kind != it.Kind ||
			got.Seq != it.Seq || !got.At.Equal(it.At) || !got.Issued.Equal(it.Issued) {
			t.Errorf("round trip: %+v, want %+v", got, it)
		}
	}
}

func TestIteratorGarbled(t *testing.T) {
	tok := iterator{Stream: "s", StreamID: 7, Shard: "shardId-000000000000", Kind: posSeq, Seq: 9, Issued: time.Now()}.encode()
	raw, _ := base64.StdEncoding.DecodeString(tok)
	var bad []string
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x10
		bad = append(bad, base64.StdEncoding.EncodeToString(b))
	}
	bad = append(bad, "", "not base64!", tok[:len(tok)-4], base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), tok+"AAAA")
	for _, b := range bad {
		if _, err := decodeIterator(b); err == nil {
			t.Errorf("garbled token %q decoded", b)
		}
	}
}
