package kinesis

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/streams"
)

// producer writes per-key counters ("key:n") without pause until stopped.
type producer struct {
	keys []string
	next map[string]int
	err  error
}

func (p *producer) run(ctx context.Context, e *env, stream string, stop <-chan struct{}) {
	p.next = map[string]int{}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		in := &awskinesis.PutRecordsInput{StreamName: aws.String(stream)}
		for j := range 20 {
			k := p.keys[(i*20+j)%len(p.keys)]
			in.Records = append(in.Records, types.PutRecordsRequestEntry{
				PartitionKey: aws.String(k), Data: fmt.Appendf(nil, "%s:%d", k, p.next[k]),
			})
			p.next[k]++
		}
		out, err := e.client.PutRecords(ctx, in)
		if err != nil {
			p.err = err
			return
		}
		if n := aws.ToInt32(out.FailedRecordCount); n != 0 {
			p.err = fmt.Errorf("%d records failed: %s", n, aws.ToString(out.Records[0].ErrorMessage))
			return
		}
	}
}

// readLineage reads every shard of a stream through GetRecords, each shard
// only after all its parents were read to their end, and returns the
// records in the order read. It checks that a closed shard ends with no
// next iterator and names its children.
func (e *env) readLineage(t *testing.T, stream string) []types.Record {
	t.Helper()
	shards := e.shardsOf(t, stream)
	byID := map[string]types.Shard{}
	for _, s := range shards {
		byID[*s.ShardId] = s
	}
	done := map[string]bool{}
	var out []types.Record
	for len(done) < len(shards) {
		progress := false
		for _, s := range shards {
			id := *s.ShardId
			if done[id] || !parentsDone(s, done) {
				continue
			}
			closed := s.SequenceNumberRange.EndingSequenceNumber != nil
			iter := e.iterator(t, stream, id, types.ShardIteratorTypeTrimHorizon, nil, nil)
			for {
				res, err := e.client.GetRecords(context.Background(), &awskinesis.GetRecordsInput{ShardIterator: aws.String(iter), Limit: aws.Int32(1000)})
				if err != nil {
					t.Fatalf("get records %s: %v", id, err)
				}
				out = append(out, res.Records...)
				if res.NextShardIterator == nil {
					if !closed {
						t.Fatalf("open shard %s ended", id)
					}
					checkChildren(t, s, res.ChildShards, shards)
					break
				}
				if len(res.ChildShards) != 0 {
					t.Fatalf("shard %s: child shards with a next iterator", id)
				}
				iter = *res.NextShardIterator
				if !closed && len(res.Records) == 0 && aws.ToInt64(res.MillisBehindLatest) == 0 {
					break
				}
			}
			done[id], progress = true, true
		}
		if !progress {
			t.Fatalf("lineage has a cycle or a missing parent: %d of %d shards read", len(done), len(shards))
		}
	}
	return out
}

func parentsDone(s types.Shard, done map[string]bool) bool {
	for _, p := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
		if p != nil && !done[*p] {
			return false
		}
	}
	return true
}

// checkChildren compares a closed shard's ChildShards with the lineage
// ListShards reports.
func checkChildren(t *testing.T, parent types.Shard, got []types.ChildShard, all []types.Shard) {
	t.Helper()
	var want []string
	for _, s := range all {
		if aws.ToString(s.ParentShardId) == *parent.ShardId || aws.ToString(s.AdjacentParentShardId) == *parent.ShardId {
			want = append(want, *s.ShardId)
		}
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, *c.ShardId)
		found := false
		for _, p := range c.ParentShards {
			found = found || p == *parent.ShardId
		}
		if !found {
			t.Errorf("child %s of %s does not name it: %v", *c.ShardId, *parent.ShardId, c.ParentShards)
		}
	}
	if fmt.Sprint(ids) != fmt.Sprint(want) || len(want) == 0 {
		t.Errorf("shard %s ChildShards %v, lineage says %v", *parent.ShardId, ids, want)
	}
}

// checkCounters checks that every key's counters appear as 0, 1, 2, ...
// with none lost and none twice.
func checkCounters(t *testing.T, how string, data [][]byte, want map[string]int) {
	t.Helper()
	next := map[string]int{}
	for _, d := range data {
		k, n, _ := strings.Cut(string(d), ":")
		c, _ := strconv.Atoi(n)
		if c != next[k] {
			t.Fatalf("%s: key %s got %d, want %d", how, k, c, next[k])
		}
		next[k]++
	}
	for k, n := range want {
		if next[k] != n {
			t.Errorf("%s: key %s has %d records, want %d", how, k, next[k], n)
		}
	}
}

func TestReshardKeepsOrderPerKey(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "scaled", 2)

	var producers [2]producer
	for i := range producers {
		for k := range 16 {
			producers[i].keys = append(producers[i].keys, fmt.Sprintf("p%d-key-%d", i, k))
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range producers {
		wg.Add(1)
		go func() { defer wg.Done(); producers[i].run(ctx, e, "scaled", stop) }()
	}

	open := func() []types.Shard {
		out, err := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String("scaled"),
			ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Shards
	}
	middle := func(s types.Shard) string {
		lo, _ := new(big.Int).SetString(*s.HashKeyRange.StartingHashKey, 10)
		hi, _ := new(big.Int).SetString(*s.HashKeyRange.EndingHashKey, 10)
		return new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1).String()
	}
	steps := []struct {
		name string
		do   func() error
		open int
	}{
		{"split", func() error {
			s := open()[0]
			_, err := e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: aws.String("scaled"), ShardToSplit: s.ShardId, NewStartingHashKey: aws.String(middle(s))})
			return err
		}, 3},
		{"scale to 6", func() error { return e.scale(ctx, "scaled", 6) }, 6},
		{"scale to 8", func() error { return e.scale(ctx, "scaled", 8) }, 8},
		{"merge", func() error {
			o := open()
			_, err := e.client.MergeShards(ctx, &awskinesis.MergeShardsInput{StreamName: aws.String("scaled"), ShardToMerge: o[3].ShardId, AdjacentShardToMerge: o[4].ShardId})
			return err
		}, 7},
		{"scale to 4", func() error { return e.scale(ctx, "scaled", 4) }, 4},
		{"scale to 3", func() error { return e.scale(ctx, "scaled", 3) }, 3},
	}
	for _, st := range steps {
		time.Sleep(20 * time.Millisecond) // let the producers write between steps
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if n := len(open()); n != st.open {
			t.Fatalf("after %s: %d open shards, want %d", st.name, n, st.open)
		}
		sum, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("scaled")})
		if err != nil || sum.StreamDescriptionSummary.StreamStatus != types.StreamStatusActive {
			t.Fatalf("after %s: %v, %v", st.name, sum, err)
		}
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	want := map[string]int{}
	total := 0
	for i := range producers {
		if producers[i].err != nil {
			t.Fatalf("producer %d: %v", i, producers[i].err)
		}
		for k, n := range producers[i].next {
			want[k] = n
			total += n
		}
	}
	t.Logf("%d records by 2 producers across 6 reshards", total)

	// Through GetRecords, parents before children.
	recs := e.readLineage(t, "scaled")
	data := make([][]byte, len(recs))
	for i, r := range recs {
		data[i] = r.Data
	}
	checkCounters(t, "GetRecords", data, want)

	// The uniform end state.
	final := open()
	for i, r := range streams.SplitHashRange(3) {
		if *final[i].HashKeyRange.StartingHashKey != r.Start.String() || *final[i].HashKeyRange.EndingHashKey != r.End.String() {
			t.Errorf("open shard %d range %s..%s, want %s..%s", i, *final[i].HashKeyRange.StartingHashKey, *final[i].HashKeyRange.EndingHashKey, r.Start, r.End)
		}
	}

	// As a delivery stream reads a data stream: the JetStream stream in
	// stream order over every shard subject.
	stream, filter := streams.SourceStream("scaled")
	cons, err := e.js.JS.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		t.Fatal(err)
	}
	data = data[:0]
	for len(data) < total {
		batch, err := cons.Fetch(min(1000, total-len(data)), jetstream.FetchMaxWait(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := len(data)
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			src := streams.DecodeSource(m.Subject(), m.Headers(), meta.Sequence.Stream)
			if !strings.HasPrefix(string(m.Data()), src.PartitionKey+":") {
				t.Fatalf("record %s decoded with key %s", m.Data(), src.PartitionKey)
			}
			data = append(data, m.Data())
		}
		if batch.Error() != nil || len(data) == n {
			t.Fatalf("stream order read stalled at %d of %d: %v", len(data), total, batch.Error())
		}
	}
	checkCounters(t, "stream order", data, want)
}

func (e *env) scale(ctx context.Context, stream string, n int32) error {
	_, err := e.client.UpdateShardCount(ctx, &awskinesis.UpdateShardCountInput{StreamName: aws.String(stream), TargetShardCount: aws.Int32(n), ScalingType: types.ScalingTypeUniformScaling})
	return err
}
