package transform

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

// goldenBatch is a batch of two records written byte by byte from
// sdk/ABI.md: one direct-put record and one with kinesis metadata.
var goldenBatch = []byte{
	'S', 'L', 'B', '1', // magic 0x31424C53, little-endian
	3, 0, 0, 0, 'i', 'n', 'v', // invocation_id
	2, 0, 0, 0, 'd', 's', // delivery_stream_arn
	9, 0, 0, 0, 'u', 's', '-', 'e', 'a', 's', 't', '-', '1', // region
	2, 0, 0, 0, 'k', 's', // source_stream_arn
	2, 0, 0, 0, // record_count
	// record 0: direct put
	1, 0, 0, 0, 'a', // record_id
	0x00, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00, // 1700000000000 ms
	0,                         // flags
	3, 0, 0, 0, 'o', 'n', 'e', // data
	// record 1: from a data stream
	1, 0, 0, 0, 'b', // record_id
	0xe8, 0x6b, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00, // 1700000001000 ms
	1,                              // flags: kinesis metadata follows
	4, 0, 0, 0, 's', 'h', 'd', '0', // shard_id
	2, 0, 0, 0, 'p', 'k', // partition_key
	2, 0, 0, 0, '4', '2', // sequence_number
	0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // subsequence_number -2
	0x18, 0x64, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00, // 1699999999000 ms
	0, 0, 0, 0, // data: empty
}

func TestDecodeGoldenBatch(t *testing.T) {
	var b Batch
	if _, err := decodeBatch(goldenBatch, &b, nil); err != nil {
		t.Fatal(err)
	}
	if b.InvocationID != "inv" || b.DeliveryStreamARN != "ds" || b.Region != "us-east-1" || b.SourceStreamARN != "ks" {
		t.Errorf("batch header = %q %q %q %q", b.InvocationID, b.DeliveryStreamARN, b.Region, b.SourceStreamARN)
	}
	if len(b.Records) != 2 {
		t.Fatalf("%d records, want 2", len(b.Records))
	}
	r0, r1 := b.Records[0], b.Records[1]
	if r0.ID != "a" || !r0.ArrivalTime.Equal(time.UnixMilli(1700000000000)) || string(r0.Data) != "one" || r0.Kinesis != nil {
		t.Errorf("record 0 = %+v", r0)
	}
	if r1.ID != "b" || !r1.ArrivalTime.Equal(time.UnixMilli(1700000001000)) || len(r1.Data) != 0 || r1.Kinesis == nil {
		t.Fatalf("record 1 = %+v", r1)
	}
	want := KinesisMetadata{ShardID: "shd0", PartitionKey: "pk", SequenceNumber: "42", SubsequenceNumber: -2, ArrivalTime: time.UnixMilli(1699999999000)}
	if got := *r1.Kinesis; got.ShardID != want.ShardID || got.PartitionKey != want.PartitionKey ||
		got.SequenceNumber != want.SequenceNumber || got.SubsequenceNumber != want.SubsequenceNumber || !got.ArrivalTime.Equal(want.ArrivalTime) {
		t.Errorf("kinesis metadata = %+v, want %+v", got, want)
	}
}

func TestEncodeGoldenResponse(t *testing.T) {
	records := []Record{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	results := []Result{
		OkWithPartitionKeys([]byte("X"), map[string]string{"z": "1", "y": "2"}),
		Drop(),
		Fail(errors.New("bad")),
	}
	want := []byte{
		'S', 'L', 'R', '1', // magic 0x31524C53
		3, 0, 0, 0, // record_count
		1, 0, 0, 0, 'a', 0, 1, 0, 0, 0, 'X', // id, Ok, data
		2, 0, 0, 0, // partition_key_count, keys in sorted order
		1, 0, 0, 0, 'y', 1, 0, 0, 0, '2',
		1, 0, 0, 0, 'z', 1, 0, 0, 0, '1',
		0, 0, 0, 0, // error_message ""
		1, 0, 0, 0, 'b', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // Dropped
		1, 0, 0, 0, 'c', 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'b', 'a', 'd', // ProcessingFailed
	}
	if got := appendResponse(nil, records, results); !bytes.Equal(got, want) {
		t.Errorf("response =\n% x\nwant\n% x", got, want)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	in := testBatch{
		invocation: "f1b2", delivery: "arn:aws:firehose:us-east-1:000000000000:deliverystream/d",
		region: "eu-west-1", source: "",
		records: []testRecord{
			{id: "0", ts: -5, data: []byte{0, 1, 2, 255}},
			{id: "49590338271490256608559692538361571095921575989136588898", ts: 1 << 50,
				kinesis: &testKinesis{shard: "shardId-000000000003", key: "k€y", seq: "1234567890123456789012", subseq: 7, ts: 1700000000123},
				data:    bytes.Repeat([]byte("x"), 70000)},
			{id: "", ts: 0, data: nil},
		},
	}
	var b Batch
	if _, err := decodeBatch(in.encode(), &b, nil); err != nil {
		t.Fatal(err)
	}
	if b.InvocationID != in.invocation || b.DeliveryStreamARN != in.delivery || b.Region != in.region || b.SourceStreamARN != in.source {
		t.Errorf("header = %+v", b)
	}
	for i, want := range in.records {
		got := b.Records[i]
		if got.ID != want.id || got.ArrivalTime.UnixMilli() != want.ts || !bytes.Equal(got.Data, want.data) {
			t.Errorf("record %d = %q %d %d bytes", i, got.ID, got.ArrivalTime.UnixMilli(), len(got.Data))
		}
		if (got.Kinesis == nil) != (want.kinesis == nil) {
			t.Fatalf("record %d kinesis = %v, want %v", i, got.Kinesis, want.kinesis)
		}
		if k := got.Kinesis; k != nil && (k.ShardID != want.kinesis.shard || k.PartitionKey != want.kinesis.key ||
			k.SequenceNumber != want.kinesis.seq || k.SubsequenceNumber != want.kinesis.subseq || k.ArrivalTime.UnixMilli() != want.kinesis.ts) {
			t.Errorf("record %d kinesis = %+v", i, *k)
		}
	}
}

func TestDecodeReusesBuffers(t *testing.T) {
	var b Batch
	var meta []KinesisMetadata
	big := testBatch{records: recordIDs(50)}
	for i := range big.records {
		big.records[i].kinesis = &testKinesis{shard: "s", seq: "1"}
	}
	var err error
	if meta, err = decodeBatch(big.encode(), &b, meta); err != nil {
		t.Fatal(err)
	}
	records, metaStore := &b.Records[0], &meta[0]
	small := testBatch{records: recordIDs(3)}
	small.records[1].kinesis = &testKinesis{shard: "t"}
	if meta, err = decodeBatch(small.encode(), &b, meta); err != nil {
		t.Fatal(err)
	}
	if &b.Records[0] != records || &meta[0] != metaStore {
		t.Error("a smaller batch allocated new record or metadata storage")
	}
	if len(b.Records) != 3 || b.Records[0].Kinesis != nil || b.Records[1].Kinesis.ShardID != "t" || b.Records[2].Kinesis != nil {
		t.Errorf("second batch decoded wrong: %+v", b.Records)
	}
}

func TestDecodeMalformed(t *testing.T) {
	valid := testBatch{invocation: "i", records: []testRecord{{id: "r", data: []byte("d")}}}.encode()
	withFlags := func(flags byte) []byte {
		b := bytes.Clone(valid)
		b[len(b)-6] = flags // flags sit before the 4-byte length and 1 data byte
		return b
	}
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"empty", nil, "malformed batch: magic past the end at byte 0"},
		{"wrong magic", append([]byte("SLR1"), valid[4:]...), "malformed batch: wrong magic 0x31524c53 at byte 0"},
		{"truncated header", valid[:10], "malformed batch: delivery_stream_arn length past the end at byte 9"},
		{"string past the end", append([]byte("SLB1"), 0xff, 0, 0, 0, 'x'), "malformed batch: invocation_id length past the end at byte 4"},
		{"count too large", testBatch{}.encode()[:20], "malformed batch: record_count past the end at byte 20"},
		{"count beyond the data", append(testBatch{}.encode()[:20], 0xff, 0xff, 0xff, 0xff), "malformed batch: record_count 4294967295 too large for the batch at byte 20"},
		{"truncated record", valid[:len(valid)-1], "malformed batch: data length past the end at byte 39"},
		{"bytes left over", append(bytes.Clone(valid), 0), "malformed batch: 1 bytes left over after the last record at byte 44"},
		{"unknown flags", withFlags(2), "malformed batch: unknown record flags 0x02 at byte 38"},
		{"kinesis flag without metadata", withFlags(1), "malformed batch: partition_key length past the end at byte 44"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Batch
			_, err := decodeBatch(tt.input, &b, nil)
			if !errors.Is(err, ErrMalformedBatch) {
				t.Fatalf("err = %v, want ErrMalformedBatch", err)
			}
			if err.Error() != tt.want {
				t.Errorf("err = %q\nwant  %q", err, tt.want)
			}
		})
	}
}

// TestDecodedStringsOutliveTheInput: record ids and Kinesis strings are
// copied out of the input buffer (which the SDK reuses for the next batch),
// so a string a function keeps does not change when the buffer is written
// over, and a larger batch spreads its strings over several arena blocks.
func TestDecodedStringsOutliveTheInput(t *testing.T) {
	in := testBatch{records: recordIDs(300)}
	for i := range in.records {
		in.records[i].id = fmt.Sprintf("record-%04d", i)
		in.records[i].kinesis = &testKinesis{shard: "shardId-000000000001", key: fmt.Sprint("pk", i), seq: fmt.Sprint(i * 1000)}
	}
	buf := in.encode()
	var b Batch
	if _, err := decodeBatch(buf, &b, nil); err != nil {
		t.Fatal(err)
	}
	kept := make([]Record, len(b.Records))
	for i, r := range b.Records {
		kept[i] = r
		k := *r.Kinesis
		kept[i].Kinesis = &k
	}
	for i := range buf {
		buf[i] = 'X'
	}
	for i, r := range kept {
		want := in.records[i]
		if r.ID != want.id || r.Kinesis.ShardID != want.kinesis.shard || r.Kinesis.PartitionKey != want.kinesis.key || r.Kinesis.SequenceNumber != want.kinesis.seq {
			t.Fatalf("record %d after the input was overwritten: id %q, kinesis %+v", i, r.ID, *r.Kinesis)
		}
	}
}
