package e2e

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/internal/proctest"
)

// TestEncryptionAtRest runs the real binary with --encryption-key-file: a
// marker written as a data stream record, as a direct-put record and as a
// credential in a delivery stream definition (a KV value) is in no file
// under the data directory; DescribeStream says KMS and the encryption
// operations answer by it; the server restarts with the key and reads it
// all back; with a wrong key, or none, it refuses to start and says why.
// A server without a key says NONE.
func TestEncryptionAtRest(t *testing.T) {
	ctx := context.Background()
	bin := sluiceBinary(t)
	dataDir, keys := t.TempDir(), t.TempDir()
	const marker = "MARKER-at-rest-5d1e0c77"
	keyFile := filepath.Join(keys, "key")
	wrongFile := filepath.Join(keys, "wrong")
	for f, k := range map[string]string{keyFile: "2b7e151628aed2a6abf7158809cf4f3c-the-right-key\n", wrongFile: "00000000000000000000000000000000-a-wrong-key\n"} {
		if err := os.WriteFile(f, []byte(k), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	serve := func(extra ...string) (*exec.Cmd, string) {
		return proctest.Serve(t, bin, "", append([]string{"--data-dir", dataDir}, extra...)...)
	}

	srv, ep := serve("--encryption-key-file", keyFile)
	kc := kinesisClient(ep)
	_, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("secret-data"), ShardCount: aws.Int32(1)})
	mustf(t, err, "CreateStream")
	put, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("secret-data"), PartitionKey: aws.String("k"), Data: []byte(marker + " in a data stream")})
	mustf(t, err, "PutRecord")
	if put.EncryptionType != types.EncryptionTypeKms {
		t.Errorf("PutRecord says %s, want KMS", put.EncryptionType)
	}
	checkEncryptionType(t, kc, types.EncryptionTypeKms)
	_, err = kc.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("secret-data"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")})
	mustf(t, err, "StartStreamEncryption on an encrypting server")
	if _, err := kc.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{StreamName: aws.String("secret-data"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err == nil {
		t.Error("StopStreamEncryption on an encrypting server succeeded")
	}
	// A direct-put delivery stream that holds its records (a 900 s
	// buffer) and a credential in its definition.
	applyDefinition(t, ep, delivery.Definition{
		Name:      "held",
		Buffering: delivery.Buffering{IntervalSeconds: intp(900)},
		Destination: delivery.Destination{Kind: delivery.DestHTTP, HTTP: &delivery.HTTPDest{
			URL: "http://127.0.0.1:1/", AccessKey: marker + "-access-key",
			ErrorStore: &delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: "held-errors"}},
		}},
	})
	fc := firehoseClient(ep)
	fput, err := fc.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("held"), Record: &fhtypes.Record{Data: []byte(marker + " in a direct put")}})
	mustf(t, err, "Firehose PutRecord")
	if !aws.ToBool(fput.Encrypted) {
		t.Error("Firehose PutRecord says Encrypted false on an encrypting server")
	}
	checkDeliveryEncryption(t, fc, "held", fhtypes.DeliveryStreamEncryptionStatusEnabled)
	stop(t, srv)

	if f := filesWith(t, dataDir, marker); len(f) != 0 {
		t.Fatalf("the marker is in the clear in %v", f)
	}

	// Restarted with the key: everything is there.
	srv, ep = serve("--encryption-key-file", keyFile)
	kc = kinesisClient(ep)
	if got := cli(t, bin, ep, "get", "secret-data"); !strings.Contains(got, marker+" in a data stream") {
		t.Fatalf("after a restart the data stream holds %q", got)
	}
	d := describeDelivery(t, ep, "held")
	if d.Status.IncomingRecords != 0 && d.Status.IncomingRecords != 1 {
		t.Fatalf("held: %+v", d.Status)
	}
	if d.Definition.Destination.HTTP == nil || d.Definition.Destination.HTTP.AccessKey != delivery.Mask {
		t.Fatalf("the definition after a restart: %+v", d.Definition.Destination)
	}
	checkEncryptionType(t, kc, types.EncryptionTypeKms)
	stop(t, srv)

	// A wrong key, and no key: refused at start, saying why.
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--encryption-key-file", wrongFile}, "", "could not be opened with the key given"},
		{nil, "", "no key was given"},
		{nil, "SLUICE_ENCRYPTION_KEY=00000000000000000000000000000000-a-wrong-key", "could not be opened with the key given"},
	} {
		cmd := exec.Command(bin, append([]string{"serve", "--data-dir", dataDir, "--http", "127.0.0.1:0", "--nats", ""}, tc.args...)...)
		if tc.env != "" {
			cmd.Env = append(os.Environ(), tc.env)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(out.String(), tc.want) || !strings.Contains(out.String(), "secret-data") {
				t.Errorf("serve %v: %v, output %q; want it to refuse, saying %q and naming the streams", tc.args, err, out.String(), tc.want)
			}
		case <-time.After(proctest.StartLimit):
			_ = cmd.Process.Kill()
			t.Fatalf("serve %v did not stop: %s", tc.args, out.String())
		}
	}
	// The refused starts changed nothing.
	srv, ep = serve("--encryption-key-file", keyFile)
	if got := cli(t, bin, ep, "get", "secret-data"); !strings.Contains(got, marker) {
		t.Fatalf("after the refused starts the data stream holds %q", got)
	}
	stop(t, srv)

	// A server without a key tells the truth too.
	_, plain := proctest.Serve(t, bin, "", "--data-dir", t.TempDir())
	pc := kinesisClient(plain)
	_, err = pc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("secret-data"), ShardCount: aws.Int32(1)})
	mustf(t, err, "CreateStream")
	checkEncryptionType(t, pc, types.EncryptionTypeNone)
	if _, err := pc.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("secret-data"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err == nil {
		t.Error("StartStreamEncryption on a server without encryption succeeded")
	}
	pf := firehoseClient(plain)
	_, err = pf.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("plain"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::plain"), RoleARN: aws.String("arn:aws:iam::123456789012:role/f")}})
	mustf(t, err, "CreateDeliveryStream")
	checkDeliveryEncryption(t, pf, "plain", fhtypes.DeliveryStreamEncryptionStatusDisabled)
	if _, err := pf.StartDeliveryStreamEncryption(ctx, &firehose.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("plain")}); err == nil {
		t.Error("StartDeliveryStreamEncryption on a server without encryption succeeded")
	}
}

// checkDeliveryEncryption checks what DescribeDeliveryStream says of a
// delivery stream's encryption.
func checkDeliveryEncryption(t *testing.T, fc *firehose.Client, name string, want fhtypes.DeliveryStreamEncryptionStatus) {
	t.Helper()
	d, err := fc.DescribeDeliveryStream(context.Background(), &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	mustf(t, err, "DescribeDeliveryStream")
	if c := d.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration; c == nil || c.Status != want {
		t.Errorf("DescribeDeliveryStream %s says encryption %+v, want %s", name, c, want)
	}
}

func checkEncryptionType(t *testing.T, kc *kinesis.Client, want types.EncryptionType) {
	t.Helper()
	ctx := context.Background()
	d, err := kc.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("secret-data")})
	mustf(t, err, "DescribeStream")
	s, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("secret-data")})
	mustf(t, err, "DescribeStreamSummary")
	if d.StreamDescription.EncryptionType != want || s.StreamDescriptionSummary.EncryptionType != want {
		t.Errorf("DescribeStream says %s, DescribeStreamSummary %s; want %s", d.StreamDescription.EncryptionType, s.StreamDescriptionSummary.EncryptionType, want)
	}
	if want == types.EncryptionTypeKms && aws.ToString(d.StreamDescription.KeyId) == "" {
		t.Error("DescribeStream says KMS without a KeyId")
	}
}

// stop ends a server with SIGTERM and waits for it.
func stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the server did not stop on SIGTERM")
	}
}

// filesWith lists the files under dir that hold marker.
func filesWith(t *testing.T, dir, marker string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(marker)) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
