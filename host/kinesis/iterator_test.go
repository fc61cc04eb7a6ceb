package kinesis

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// crcToken is a shard iterator as Sluice's first token version made it,
// with a checksum anyone can recompute: the tool of a forger.
func crcToken(streamID uint64, issued time.Time, seq uint64, stream, shard string) string {
	b := []byte{1}
	b = binary.BigEndian.AppendUint64(b, streamID)
	b = binary.AppendVarint(b, issued.UnixMilli())
	b = append(b, 1)
	b = binary.AppendUvarint(b, seq)
	b = append(b, byte(len(stream)))
	b = append(b, stream...)
	b = append(b, byte(len(shard)))
	b = append(b, shard...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(b)
}

// TestForgedIteratorsOnTheWire sends GetRecords with forged and malformed
// iterators: each is a 400 with AWS's exception name and message, and
// changes nothing.
func TestForgedIteratorsOnTheWire(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s1", 1)
	real := e.iterator(t, "s1", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil, nil)
	before := e.state(t)
	raw, _ := base64.StdEncoding.DecodeString(real)
	streamID := binary.BigEndian.Uint64(raw[1:9])
	never := time.Now().Add(100 * 365 * 24 * time.Hour)
	invalid := struct{ typ, msg string }{InvalidArgument, "Invalid ShardIterator."}
	cases := []struct {
		name, iter string
		typ, msg   string
	}{
		// The fuzzer's crashers: a valid checksum, no usable stream name.
		{"checksummed, empty stream", crcToken(1, time.Now(), 1, "", "shardId-000000000000"), invalid.typ, invalid.msg},
		{"checksummed, bad stream", crcToken(1, time.Now(), 1, "a/b c", "shardId-000000000000"), invalid.typ, invalid.msg},
		{"checksummed, bad shard", crcToken(streamID, time.Now(), 1, "s1", ""), invalid.typ, invalid.msg},
		// Issue time forged to never expire.
		{"checksummed, never expires", crcToken(streamID, never, 1, "s1", "shardId-000000000000"), invalid.typ, invalid.msg},
		{"flipped byte", base64.StdEncoding.EncodeToString(append(append([]byte(nil), raw[:10]...), append([]byte{raw[10] ^ 1}, raw[11:]...)...)), invalid.typ, invalid.msg},
		{"truncated", base64.StdEncoding.EncodeToString(raw[:len(raw)-3]), invalid.typ, invalid.msg},
		{"not base64", "*&^%", invalid.typ, invalid.msg},
		{"too long", strings.Repeat("A", 513), Validation, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := e.raw(t, target+"GetRecords", mustJSON(map[string]any{"ShardIterator": c.iter}))
			var got struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%d %s", status, body)
			}
			if status != 400 || got.Type != c.typ || c.msg != "" && got.Message != c.msg {
				t.Fatalf("%d %s, want 400 %s %q", status, body, c.typ, c.msg)
			}
		})
	}
	if after := e.state(t); after != before {
		t.Fatalf("forged iterators changed state:\nbefore %s\nafter  %s", before, after)
	}
}

// TestDeleteStreamDuringPutRecords deletes a stream while SDK producers put
// to it: every PutRecords stores all its records or answers
// ResourceNotFoundException, promptly; DeleteStream succeeds.
func TestDeleteStreamDuringPutRecords(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	for round := range 2 {
		e.createStream(t, "pd", 2)
		var wg sync.WaitGroup
		for p := range 3 {
			wg.Go(func() {
				in := &awskinesis.PutRecordsInput{StreamName: aws.String("pd")}
				for i := range 100 {
					in.Records = append(in.Records, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(p, i)), Data: []byte("x")})
				}
				for {
					out, err := e.client.PutRecords(ctx, in)
					if errorCode(err) == ResourceNotFound {
						return
					}
					if err != nil {
						t.Errorf("round %d: PutRecords: %v", round, err)
						return
					}
					if n := aws.ToInt32(out.FailedRecordCount); n > 0 {
						t.Errorf("round %d: %d records failed: %s %s", round, n, aws.ToString(out.Records[0].ErrorCode), aws.ToString(out.Records[0].ErrorMessage))
						return
					}
				}
			})
		}
		time.Sleep(100 * time.Millisecond)
		if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("pd")}); err != nil {
			t.Fatalf("round %d: DeleteStream: %v", round, err)
		}
		wg.Wait()
	}
}
