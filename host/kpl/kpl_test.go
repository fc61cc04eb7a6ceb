package kpl

import (
	"bytes"
	"crypto/md5"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// frame puts the magic and the MD5 of msg around msg.
func frame(msg []byte) []byte {
	sum := md5.Sum(msg)
	return append(append(append([]byte{}, Magic...), msg...), sum[:]...)
}

func mustEncode(t *testing.T, ar *AggregatedRecord, partial bool) []byte {
	t.Helper()
	msg, err := proto.MarshalOptions{AllowPartial: partial}.Marshal(ar)
	if err != nil {
		t.Fatal(err)
	}
	return frame(msg)
}

func TestDeaggregate(t *testing.T) {
	users := []UserRecord{
		{PartitionKey: "alpha", Data: []byte(`{"n":0}`)},
		{PartitionKey: "beta", ExplicitHashKey: "170141183460469231731687303715884105728", Data: []byte(`{"n":1}`)},
		{PartitionKey: "alpha", Data: []byte{}},
		{PartitionKey: "gamma", ExplicitHashKey: "1", Data: []byte{0, 1, 2, 0xF3}},
	}
	good, err := Aggregate(users)
	if err != nil {
		t.Fatal(err)
	}
	badMD5 := bytes.Clone(good)
	badMD5[len(badMD5)-1] ^= 0xFF
	badBody := bytes.Clone(good)
	badBody[len(Magic)+1] ^= 0xFF // the digest no longer matches
	noData := mustEncode(t, &AggregatedRecord{PartitionKeyTable: []string{"k"},
		Records: []*Record{{PartitionKeyIndex: proto.Uint64(0)}}}, true) // data is required
	outOfTable := mustEncode(t, &AggregatedRecord{PartitionKeyTable: []string{"k"},
		Records: []*Record{{PartitionKeyIndex: proto.Uint64(0), Data: []byte("a")}, {PartitionKeyIndex: proto.Uint64(1), Data: []byte("b")}}}, false)
	ehOutOfTable := mustEncode(t, &AggregatedRecord{PartitionKeyTable: []string{"k"},
		Records: []*Record{{PartitionKeyIndex: proto.Uint64(0), ExplicitHashKeyIndex: proto.Uint64(0), Data: []byte("a")}}}, false)
	notProto := frame([]byte{0xFF, 0xFF, 0xFF})
	noRecords := mustEncode(t, &AggregatedRecord{PartitionKeyTable: []string{"k"}}, false)

	tests := []struct {
		name string
		data []byte
		want []UserRecord // nil with ok false: a plain record
		ok   bool
	}{
		{"container", good, []UserRecord{
			{PartitionKey: "alpha", Data: []byte(`{"n":0}`), SubsequenceNumber: 0},
			{PartitionKey: "beta", ExplicitHashKey: "170141183460469231731687303715884105728", Data: []byte(`{"n":1}`), SubsequenceNumber: 1},
			{PartitionKey: "alpha", Data: []byte{}, SubsequenceNumber: 2},
			{PartitionKey: "gamma", ExplicitHashKey: "1", Data: []byte{0, 1, 2, 0xF3}, SubsequenceNumber: 3},
		}, true},
		{"no records", noRecords, []UserRecord{}, true},
		{"plain JSON", []byte(`{"n":1}`), nil, false},
		{"empty", nil, nil, false},
		{"magic only", Magic, nil, false},
		{"magic and a digest, no message", frame(nil), nil, false},
		{"truncated", good[:len(good)-5], nil, false},
		{"corrupt MD5", badMD5, nil, false},
		{"corrupt message", badBody, nil, false},
		{"not protobuf", notProto, nil, false},
		{"required data missing", noData, nil, false},
		{"partition key index outside the table", outOfTable, nil, false},
		{"explicit hash key index outside the table", ehOutOfTable, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Deaggregate(tt.data)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d records, want %d: %+v", len(got), len(tt.want), got)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.PartitionKey != w.PartitionKey || g.ExplicitHashKey != w.ExplicitHashKey ||
					!bytes.Equal(g.Data, w.Data) || g.SubsequenceNumber != w.SubsequenceNumber || g.Data == nil {
					t.Errorf("record %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

// The generated message reads the wire format the KPL's
// aggregation-format.md documents, field by field, written here with
// protowire rather than the generated code.
func TestWireFormat(t *testing.T) {
	var rec []byte
	rec = protowire.AppendTag(rec, 1, protowire.VarintType) // partition_key_index
	rec = protowire.AppendVarint(rec, 1)
	rec = protowire.AppendTag(rec, 2, protowire.VarintType) // explicit_hash_key_index
	rec = protowire.AppendVarint(rec, 0)
	rec = protowire.AppendTag(rec, 3, protowire.BytesType) // data
	rec = protowire.AppendBytes(rec, []byte("hello"))
	var tag []byte
	tag = protowire.AppendTag(tag, 1, protowire.BytesType) // key
	tag = protowire.AppendString(tag, "k")
	rec = protowire.AppendTag(rec, 4, protowire.BytesType) // tags
	rec = protowire.AppendBytes(rec, tag)
	var msg []byte
	for _, pk := range []string{"first", "second"} {
		msg = protowire.AppendTag(msg, 1, protowire.BytesType) // partition_key_table
		msg = protowire.AppendString(msg, pk)
	}
	msg = protowire.AppendTag(msg, 2, protowire.BytesType) // explicit_hash_key_table
	msg = protowire.AppendString(msg, "42")
	msg = protowire.AppendTag(msg, 3, protowire.BytesType) // records
	msg = protowire.AppendBytes(msg, rec)
	got, ok := Deaggregate(frame(msg))
	if !ok || len(got) != 1 {
		t.Fatalf("Deaggregate = %+v, %v", got, ok)
	}
	if g := got[0]; g.PartitionKey != "second" || g.ExplicitHashKey != "42" || string(g.Data) != "hello" || g.SubsequenceNumber != 0 {
		t.Fatalf("record = %+v", g)
	}
}

func TestAggregateNeedsPartitionKey(t *testing.T) {
	if _, err := Aggregate([]UserRecord{{Data: []byte("x")}}); err != ErrNoPartitionKey {
		t.Fatalf("err = %v", err)
	}
}
