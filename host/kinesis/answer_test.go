package kinesis

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// The wire shape of GetRecords' answer, as encoding/json writes it:
// recordsAnswer must write the same bytes.
type record struct {
	SequenceNumber              string       `json:"SequenceNumber"`
	ApproximateArrivalTimestamp awsjson.Time `json:"ApproximateArrivalTimestamp"`
	Data                        []byte       `json:"Data"`
	PartitionKey                string       `json:"PartitionKey"`
	EncryptionType              string       `json:"EncryptionType,omitempty"`
}

type getRecordsOutput struct {
	Records            []record     `json:"Records"`
	NextShardIterator  *string      `json:"NextShardIterator,omitempty"`
	MillisBehindLatest int64        `json:"MillisBehindLatest"`
	ChildShards        []childShard `json:"ChildShards,omitempty"`
}

func TestRecordsAnswerIsGetRecordsJSON(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	big := bytes.Repeat([]byte{0xff, 0x00, 'a'}, 100_001)
	cases := []*streams.ReadResult{
		{},
		{NextIterator: "AAA+/=", MillisBehindLatest: 42},
		{
			Records: []streams.StoredRecord{
				{SequenceNumber: "00000000000000000001", Arrival: at, Data: []byte("x"), PartitionKey: "k"},
				{SequenceNumber: "00000000000000000002", Arrival: at.Add(-time.Hour), Data: big, PartitionKey: "<&>\"\\\u2028é\x01"},
				{SequenceNumber: "00000000000000000003", Arrival: at, Data: []byte{1, 2}, PartitionKey: strings.Repeat("z", 256)},
			},
			NextIterator: "tok",
		},
		{
			Records: []streams.StoredRecord{{SequenceNumber: "00000000000000000009", Arrival: at, Data: []byte("last"), PartitionKey: "p"}},
			ChildShards: []streams.Shard{
				{ID: "shardId-000000000002", ParentShardID: "shardId-000000000000", StartingHashKey: "0", EndingHashKey: "99"},
				{ID: "shardId-000000000003", ParentShardID: "shardId-000000000000", AdjacentParentShardID: "shardId-000000000001", StartingHashKey: "100", EndingHashKey: "200"},
			},
		},
	}
	for i, res := range cases {
		for _, enc := range []string{"", "KMS"} {
			checkRecordsAnswer(t, i, res, enc)
		}
	}
}

// checkRecordsAnswer compares recordsAnswer's bytes with encoding/json's
// for one answer, its records' EncryptionType enc ("" leaves it out).
func checkRecordsAnswer(t *testing.T, i int, res *streams.ReadResult, enc string) {
	t.Helper()
	{
		want := getRecordsOutput{Records: make([]record, len(res.Records)), MillisBehindLatest: res.MillisBehindLatest, ChildShards: childShards(res.ChildShards)}
		for j, r := range res.Records {
			want.Records[j] = record{r.SequenceNumber, awsjson.Time{Time: r.Arrival}, r.Data, r.PartitionKey, enc}
		}
		if res.NextIterator != "" {
			want.NextShardIterator = &res.NextIterator
		}
		wantJSON, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := (&recordsAnswer{res: res, encryption: enc}).StreamJSON(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), wantJSON) {
			t.Fatalf("case %d (encryption %q):\ngot  %.400s\nwant %.400s", i, enc, got.Bytes(), wantJSON)
		}
	}
}
