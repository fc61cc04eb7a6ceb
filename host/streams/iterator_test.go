package streams

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

func isKind(err, kind error) bool { return err != nil && errors.Is(err, kind) }

// keyed is an engine with only an iterator key: enough to encode and
// decode tokens.
func keyed(key byte) *Engine { return &Engine{iterKey: bytes.Repeat([]byte{key}, iteratorKeyLen)} }

func TestIteratorRoundTrip(t *testing.T) {
	e := keyed(1)
	issued := time.UnixMilli(1_700_000_000_123)
	cases := []iterator{
		{Stream: "s", StreamID: 1, Shard: "shardId-000000000000", Kind: posSeq, Seq: 1, Issued: issued},
		{Stream: strings.Repeat("a.b-", 32), StreamID: ^uint64(0), Shard: "shardId-000000000007", Kind: posSeq, Seq: ^uint64(0), Issued: issued},
		{Stream: "t", StreamID: 42, Shard: "shardId-000000000001", Kind: posTime, At: time.Unix(1_700_000_000, 123_456_789), Issued: issued},
	}
	for _, it := range cases {
		tok := e.encodeIterator(it)
		if len(tok) > MaxIteratorLen {
			t.Errorf("token of %d chars exceeds Kinesis's %d", len(tok), MaxIteratorLen)
		}
		got, err := e.decodeIterator(tok)
		if err != nil {
			t.Fatalf("decode %+v: %v", it, err)
		}
		if got.Stream != it.Stream || got.StreamID != it.StreamID || got.Shard != it.Shard || got.Kind != it.Kind ||
			got.Seq != it.Seq || !got.At.Equal(it.At) || !got.Issued.Equal(it.Issued) {
			t.Errorf("round trip: %+v, want %+v", got, it)
		}
	}
}

// v1Token encodes an iterator as version 1 did: the same fields with a
// CRC-32 that anyone can recompute.
func v1Token(it iterator) string {
	b := []byte{1}
	b = binary.BigEndian.AppendUint64(b, it.StreamID)
	b = binary.AppendVarint(b, it.Issued.UnixMilli())
	b = append(b, it.Kind)
	b = binary.AppendUvarint(b, it.Seq)
	b = append(b, byte(len(it.Stream)))
	b = append(b, it.Stream...)
	b = append(b, byte(len(it.Shard)))
	b = append(b, it.Shard...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(b)
}

// resign puts a valid MAC under key on a changed token body, as only a
// holder of the key can.
func resign(e *Engine, body []byte) string {
	return base64.StdEncoding.EncodeToString(append(body, iteratorMAC(e.iterKey, body)...))
}

func TestIteratorForgeriesAreRefused(t *testing.T) {
	e := keyed(1)
	it := iterator{Stream: "s", StreamID: 7, Shard: "shardId-000000000000", Kind: posSeq, Seq: 9, Issued: time.Now()}
	tok := e.encodeIterator(it)
	raw, _ := base64.StdEncoding.DecodeString(tok)
	body := raw[:len(raw)-iteratorMACLen]

	far := it
	far.Issued = time.Now().Add(100 * 365 * 24 * time.Hour) // never expires
	lateBody := append([]byte(nil), body[:9]...)
	lateBody = binary.AppendVarint(lateBody, far.Issued.UnixMilli())
	lateBody = append(lateBody, body[9+binary.PutVarint(make([]byte, 10), it.Issued.UnixMilli()):]...)

	cases := map[string]string{
		"version 1 with a forged issue time": v1Token(far),
		"version 1 with an empty stream":     v1Token(iterator{StreamID: 7, Shard: "shardId-000000000000", Kind: posSeq, Seq: 1, Issued: time.Now()}),
		"forged issue time, old MAC":         base64.StdEncoding.EncodeToString(append(lateBody, raw[len(raw)-iteratorMACLen:]...)),
		"another server's key":               keyed(2).encodeIterator(far),
		"truncated MAC":                      base64.StdEncoding.EncodeToString(raw[:len(raw)-1]),
		"MAC only":                           base64.StdEncoding.EncodeToString(raw[len(raw)-iteratorMACLen:]),
		"extra bytes":                        base64.StdEncoding.EncodeToString(append(append([]byte(nil), raw...), 0)),
		"empty":                              "",
		"not base64":                         "not base64!",
		"too long":                           strings.Repeat("A", MaxIteratorLen+4),
		// Signed with the right key but naming nothing valid: refused by
		// the names' own rules, never passed on to the store.
		"signed, empty stream":   e.encodeIterator(iterator{StreamID: 7, Shard: "shardId-000000000000", Kind: posSeq, Issued: time.Now()}),
		"signed, bad stream":     e.encodeIterator(iterator{Stream: "a b>*", StreamID: 7, Shard: "shardId-000000000000", Kind: posSeq, Issued: time.Now()}),
		"signed, empty shard":    e.encodeIterator(iterator{Stream: "s", StreamID: 7, Kind: posSeq, Issued: time.Now()}),
		"signed, bad shard":      e.encodeIterator(iterator{Stream: "s", StreamID: 7, Shard: "x.>", Kind: posSeq, Issued: time.Now()}),
		"signed, bad kind":       resign(e, append(append([]byte(nil), body[:9+binary.PutVarint(make([]byte, 10), it.Issued.UnixMilli())]...), 9, 1, 1, 's', 1, 'x')),
		"signed, trailing bytes": resign(e, append(append([]byte(nil), body...), 0)),
	}
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x10
		cases["flipped byte "+string(rune('A'+i%26))+string(rune('0'+i/26))] = base64.StdEncoding.EncodeToString(b)
	}
	for name, tok := range cases {
		if got, err := e.decodeIterator(tok); err == nil {
			t.Errorf("%s: decoded %+v", name, got)
		}
	}
	if _, err := e.decodeIterator(resign(e, lateBody)); err != nil {
		t.Fatalf("the test's forgery is malformed: re-signed, it does not decode: %v", err)
	}
}

func TestIteratorKeyIsSharedOnOneJetStream(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	// Engines starting together agree on one key (kv.Create decides).
	keys := make([][]byte, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			e, err := Open(ctx, srv.Conn, Config{ScaleInterval: -1})
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = e.iterKey
			_ = e.Close()
		})
	}
	wg.Wait()
	for _, k := range keys {
		if len(k) != iteratorKeyLen || !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys differ: %x", keys)
		}
	}

	a, b := openEngine(t, srv), openEngine(t, srv)
	if err := a.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	putN(t, a, "s", 3)
	tok, err := a.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := b.GetRecords(ctx, tok, 10); err != nil || len(res.Records) != 3 {
		t.Fatalf("another engine on the same JetStream: %v, %v", res, err)
	}
	// A server on another JetStream has its own key.
	other := openEngine(t, jstest.Start(t, ""))
	if err := other.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetRecords(ctx, tok, 10); !isKind(err, ErrInvalidArgument) || err.Error() != "Invalid ShardIterator." {
		t.Fatalf("another server's iterator: %v, want Invalid ShardIterator.", err)
	}
}

// TestTimestampIteratorsAtTheEdges reads AT_TIMESTAMP iterators at times
// the token's nanosecond count cannot hold: far in the past reads from
// the trim horizon, far in the future reads nothing yet.
func TestTimestampIteratorsAtTheEdges(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t, jstest.Start(t, ""))
	if err := e.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	putN(t, e, "s", 3)
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), 3},
		{time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), 3},
		{time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), 0},
	} {
		tok, err := e.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: AtTimestamp, Timestamp: &c.at})
		if err != nil {
			t.Fatalf("%s: %v", c.at, err)
		}
		res, err := e.GetRecords(ctx, tok, 10)
		if err != nil || len(res.Records) != c.want {
			t.Fatalf("%s: %v records, %v; want %d", c.at, res, err, c.want)
		}
	}
}
