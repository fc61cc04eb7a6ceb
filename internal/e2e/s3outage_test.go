package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/internal/s3test"
)

// TestS3DestinationOutage stops the S3 server (versitygw) under a running
// delivery stream for a while (SLUICE_SOAK_S3_OUTAGE: 25 s in `make
// test`, minutes in `make soak`) while records keep arriving by direct
// put, then starts it again on the same port and directory. Every record
// must be delivered, exactly once, in order, as Parquet.
func TestS3DestinationOutage(t *testing.T) {
	cfg := loadSoakConfig(t)
	bin := sluiceBinary(t)
	s3 := s3test.Start(t)
	_, ep := serveProcess(t, bin, t.TempDir())
	const name = "s3-outage"
	applyDefinition(t, ep, delivery.Definition{
		Name:      name,
		Source:    delivery.Source{Kind: delivery.SourceDirectPut},
		Buffering: buffering(),
		Format:    partitionFormat(),
		Destination: delivery.Destination{Kind: delivery.DestS3, S3: &delivery.S3Dest{
			Endpoint: s3.Endpoint, Bucket: s3.Bucket, Region: s3.Region,
			AccessKeyID: s3.AccessKey, SecretAccessKey: s3.SecretKey, PathStyle: true,
		}},
	})

	tk := newTicker(directSender(firehoseClient(ep), name), 16, 100, 100*time.Millisecond)
	first, err := tk.put(context.Background(), 1000)
	mustf(t, err, "put")
	waitDelivered(t, ep, name, lastSeq(first))
	before := len(s3.List(""))

	s3.Stop()
	down := time.Now()
	tk.phase.Store(1)
	tk.start()
	time.Sleep(cfg.s3Outage)
	d := describeDelivery(t, ep, name)
	t.Logf("S3 down for %v: %d objects before, checkpoint %d, last error %.160q",
		time.Since(down).Round(time.Second), before, d.Status.Checkpoint, d.Status.LastError)
	s3.Restart()
	back := time.Now()
	tk.phase.Store(2)
	time.Sleep(2 * time.Second) // puts go on after the restart too
	recs := tk.halt(t)
	waitCaughtUp(t, ep, name, lastSeq(recs))
	st := describeDelivery(t, ep, name).Status
	t.Logf("%d records put, %d during the outage; caught up %v after S3 came back",
		len(recs), countPhase(tk, recs, 1), time.Since(back).Round(100*time.Millisecond))
	if st.DeliveredRecords != int64(len(recs)) || st.ErrorRecords != 0 {
		t.Errorf("status says %d delivered, %d errors; want %d, 0", st.DeliveredRecords, st.ErrorRecords, len(recs))
	}
	dl := delivered{name: name, objects: s3Objects(t, s3, ""), recs: recs, row: partitionRow, bad: partitionBad}
	dl.check(t)
}
