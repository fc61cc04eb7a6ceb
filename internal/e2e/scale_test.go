package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/internal/s3test"
)

// TestEndToEnd100k sends 100,000 records by direct put and 100,000 by a
// 4-shard data stream through the AWS SDK clients into a whole server;
// WASM transforms from transforms/ (project, partition) shape them;
// they land as Parquet with zstd in S3 (versitygw) and in a folder. Every
// record must be there exactly once, field by field as Arrow reads it, in
// source order within each shard and key; the bad records (not JSON,
// not fitting the schema) in the error output with their reasons.
func TestEndToEnd100k(t *testing.T) {
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 20_000
		t.Logf("-short or -race: %d records per source instead of 100,000", n)
	}
	s3 := s3test.Start(t)
	ep := startHost(t)
	pushModule(t, ep, "project", projectWasm)
	pushModule(t, ep, "partition", partitionWasm)

	ctx := context.Background()
	kc := kinesisClient(ep)
	_, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("readings"), ShardCount: aws.Int32(4)})
	mustf(t, err, "CreateStream")

	s3dest := func(prefix string) delivery.Destination {
		return delivery.Destination{
			Kind: delivery.DestS3,
			S3: &delivery.S3Dest{Endpoint: s3.Endpoint, Bucket: s3.Bucket, Region: s3.Region,
				AccessKeyID: s3.AccessKey, SecretAccessKey: s3.SecretKey, PathStyle: true},
			Prefix:      prefix + "!{timestamp:yyyy/MM/dd/HH}/",
			ErrorPrefix: prefix + "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/",
		}
	}
	fromStream := delivery.Source{Kind: delivery.SourceDataStream, Stream: "readings", StartingPosition: "TRIM_HORIZON"}
	folder := t.TempDir()
	for _, def := range []delivery.Definition{{
		Name:        "dp-s3",
		Source:      delivery.Source{Kind: delivery.SourceDirectPut},
		Buffering:   buffering(),
		Processor:   projectProcessor(),
		Format:      projectFormat(),
		Destination: s3dest("direct/"),
	}, {
		Name:      "ds-folder",
		Source:    fromStream,
		Buffering: buffering(),
		Processor: partitionProcessor(),
		Format:    partitionFormat(),
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: folder},
			Prefix: partitionPrefix},
	}, {
		Name:        "ds-s3",
		Source:      fromStream,
		Buffering:   buffering(),
		Processor:   projectProcessor(),
		Format:      projectFormat(),
		Destination: s3dest("stream/"),
	}} {
		applyDefinition(t, ep, def)
	}

	direct := makeRecords(n, 32, n/10)
	stream := makeRecords(n, 32, n/10)
	start := time.Now()
	putAll(t, directSender(firehoseClient(ep), "dp-s3"), direct)
	putAll(t, streamSender(kc, "readings"), stream)
	t.Logf("put %d + %d records in %s", len(direct), len(stream), time.Since(start).Round(time.Millisecond))
	shards := map[string]int{}
	for _, r := range stream {
		shards[r.shard]++
	}
	if len(shards) != 4 {
		t.Fatalf("the data stream's records went to %d shards, want 4: %v", len(shards), shards)
	}

	for _, w := range []struct {
		name string
		recs []*rec
	}{{"dp-s3", direct}, {"ds-folder", stream}, {"ds-s3", stream}} {
		st := waitDelivered(t, ep, w.name, lastSeq(w.recs))
		t.Logf("%s: delivered %s after the first put", w.name, time.Since(start).Round(time.Millisecond))
		var goods, bads int64
		for _, r := range w.recs {
			if r.kind == good {
				goods++
			} else {
				bads++
			}
		}
		if st.DeliveredRecords != goods || st.ErrorRecords != bads || st.DroppedRecords != 0 {
			t.Errorf("%s: status says %d delivered, %d errors, %d dropped; want %d, %d, 0",
				w.name, st.DeliveredRecords, st.ErrorRecords, st.DroppedRecords, goods, bads)
		}
	}
	t.Logf("delivered everything %s after the first put", time.Since(start).Round(time.Millisecond))

	checks := []delivered{
		{name: "dp-s3", objects: trimKeys(s3Objects(t, s3, "direct/"), "direct/"), recs: direct, row: projectRow, bad: projectBad},
		{name: "ds-folder", objects: folderObjects(t, folder), recs: stream, row: partitionRow, bad: partitionBad, partitioned: true},
		{name: "ds-s3", objects: trimKeys(s3Objects(t, s3, "stream/"), "stream/"), recs: stream, row: projectRow, bad: projectBad},
	}
	for i := range checks {
		checks[i].check(t)
	}
}

// trimKeys removes prefix from every key of objs.
func trimKeys(objs map[string][]byte, prefix string) map[string][]byte {
	out := make(map[string][]byte, len(objs))
	for k, v := range objs {
		out[strings.TrimPrefix(k, prefix)] = v
	}
	return out
}
