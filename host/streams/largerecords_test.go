package streams

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/sluice-io/sluice/internal/jstest"
)

// TestLargeRecordReadGrants reads a stream of 6 MiB records: every read
// is granted at least what JetStream hands it (a batch holds the record
// that crosses its byte limit, which is up to 10 MiB on such a stream:
// here the second record of a batch of 10 MiB), so the read budget counts
// what is really in memory, also after the record size was lowered.
func TestLargeRecordReadGrants(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	var mu sync.Mutex
	var under []int64
	e.readHook = func(held, granted int64) {
		if held > granted {
			mu.Lock()
			under = append(under, held-granted)
			mu.Unlock()
		}
	}
	if err := e.CreateStream(ctx, "l", 1); err != nil {
		t.Fatal(err)
	}
	if err := e.SetMaxRecordSize(ctx, "l", MaxRecordSizeKiB); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("d"), 6<<20)
	for range 4 {
		if _, err := e.PutRecord(ctx, "l", Record{Data: data, PartitionKey: "k"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	it, err := e.GetShardIterator(ctx, "l", ShardID(0), IteratorRequest{Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for n < 4 {
		res, err := e.GetRecords(ctx, it, MaxGetLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Records {
			if !bytes.Equal(r.Data, data) {
				t.Fatal("record changed")
			}
		}
		n += len(res.Records)
		it = res.NextIterator
		res.Release()
	}
	if len(under) > 0 {
		t.Fatalf("reads held more than they were granted, by %v bytes", under)
	}
	// Lowered, the stream's stored records are still read within their
	// grants.
	if err := e.SetMaxRecordSize(ctx, "l", MinRecordSizeKiB); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PutRecord(ctx, "l", Record{Data: data[:MaxRecordData+1], PartitionKey: "k"}, ""); !errors.Is(err, ErrValidation) {
		t.Fatalf("a record over the lowered size: %v", err)
	}
	it, _ = e.GetShardIterator(ctx, "l", ShardID(0), IteratorRequest{Type: TrimHorizon})
	res, err := e.GetRecords(ctx, it, MaxGetLimit)
	if err != nil || len(res.Records) == 0 {
		t.Fatalf("read after lowering: %v", err)
	}
	res.Release()
	if len(under) > 0 {
		t.Fatalf("reads after lowering held more than they were granted, by %v bytes", under)
	}
}
