package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/s3test"
	"github.com/sluice-io/sluice/runtime"
)

// natsToken reads the generated token of role r.
func natsToken(t *testing.T, srv *Server, r natsd.Role) string {
	t.Helper()
	b, err := os.ReadFile(srv.nats.GeneratedTokenFile(r))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func dialNATS(t *testing.T, srv *Server, opts ...nats.Option) (*nats.Conn, error) {
	t.Helper()
	nc, err := nats.Connect(srv.NATSURL(), append([]nats.Option{nats.MaxReconnects(0)}, opts...)...)
	if err == nil {
		t.Cleanup(nc.Close)
	}
	return nc, err
}

// TestNATSAccess runs a whole server with its NATS listener and what a
// user sets up (a data stream with records, a delivery stream to S3 with
// its secret, a direct-put delivery stream, a module) and checks what
// native NATS clients can do: nothing without a login; as a data user,
// read the data stream and nothing else of Sluice's, with the S3 secret
// in no answer; as a key-value user, fill a bucket that a module then
// reads.
func TestNATSAccess(t *testing.T) {
	s3 := s3test.Start(t)
	srv, kc := open(t, Config{NATSListen: "127.0.0.1:0"})
	ctx := context.Background()

	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("sensors"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("sensors"), PartitionKey: aws.String("k"), Data: []byte(`{"t":21}`)}); err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(filepath.Join("..", "runtime", "testdata", "c_enrich.wasm"))
	if err != nil {
		t.Fatalf("runtime/testdata/c_enrich.wasm is missing (%v): run scripts/build-wasm.sh", err)
	}
	if _, err := srv.modules.Push(ctx, "enrich", wasm); err != nil {
		t.Fatal(err)
	}
	zero := 0
	if _, err := srv.delivery.Create(ctx, delivery.Definition{
		Name: "to-s3", Buffering: delivery.Buffering{IntervalSeconds: &zero},
		Destination: delivery.Destination{Kind: delivery.DestS3, S3: &delivery.S3Dest{
			Endpoint: s3.Endpoint, Bucket: s3.Bucket, Region: s3.Region, PathStyle: true,
			AccessKeyID: s3.AccessKey, SecretAccessKey: s3.SecretKey,
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.delivery.Put(ctx, "to-s3", [][]byte{[]byte("direct-put-record")}); err != nil {
		t.Fatal(err)
	}

	// No login, no entry.
	if _, err := dialNATS(t, srv); !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("anonymous client: %v, want an authorization violation", err)
	}

	// A data user reads the data stream.
	data, err := dialNATS(t, srv, nats.Token(natsToken(t, srv, natsd.RoleData)))
	if err != nil {
		t.Fatal(err)
	}
	djs, _ := jetstream.New(data)
	var st jetstream.Stream
	eventually(t, "data user reads KDS_sensors", func() bool {
		st, err = djs.Stream(ctx, "KDS_sensors")
		return err == nil
	})
	m, err := st.GetMsg(ctx, 1)
	if err != nil || string(m.Data) != `{"t":21}` {
		t.Fatalf("record: %v %v", m, err)
	}

	// Nothing else Sluice keeps answers the data user, and no answer
	// holds the secret.
	in, _ := jetstream.New(srv.nc)
	var internal []string
	for name := range in.StreamNames(ctx).Name() {
		if !streams.IsDataStream(name) {
			internal = append(internal, name)
		}
	}
	for _, want := range []string{"KV_sluice_delivery", "KV_sluice_kinesis", "OBJ_sluice-modules", "FH_to-s3"} {
		if !strings.Contains(strings.Join(internal, " "), want) {
			t.Fatalf("no stream %s among %v", want, internal)
		}
	}
	inbox := data.NewRespInbox()
	answers, err := data.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range internal {
		for _, subj := range []string{"$JS.API.STREAM.INFO." + name, "$JS.API.DIRECT.GET." + name} {
			if err := data.PublishRequest(subj, inbox, []byte(`{"seq":1,"batch":1000}`)); err != nil {
				t.Fatal(err)
			}
		}
		// Every bucket Sluice keeps for itself is one no module can be
		// granted.
		if bucket, ok := strings.CutPrefix(name, "KV_"); ok && !runtime.IsReservedBucket(bucket) {
			t.Errorf("Sluice's bucket %s is not reserved", bucket)
		}
		if bucket, ok := strings.CutPrefix(name, "OBJ_"); ok && !runtime.IsReservedBucket(bucket) {
			t.Errorf("Sluice's object store %s is not reserved", bucket)
		}
	}
	// A data stream answers on the same inbox: once it has, every answer
	// to the requests above has come.
	if err := data.PublishRequest("$JS.API.DIRECT.GET.KDS_sensors", inbox, []byte(`{"seq":1}`)); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := answers.NextMsg(hangLimit)
		if errors.Is(err, nats.ErrNoResponders) {
			continue // what Sluice's own streams answer
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(m.Data, []byte(s3.SecretKey)) || bytes.Contains(m.Data, []byte("direct-put-record")) || bytes.Contains(m.Data, []byte("asm")) {
			t.Fatalf("data user got Sluice's own data: %q", m.Data)
		}
		if m.Header.Get("Nats-Stream") == "KDS_sensors" {
			break
		}
		t.Errorf("answer %v %q", m.Header, m.Data)
	}
	if kv, err := djs.KeyValue(ctx, "sluice_delivery"); err == nil {
		t.Fatalf("data user opened the delivery definitions: %v", kv)
	}

	// A KV user fills a table; a module granted it reads it through the
	// server's runtime; Sluice's own buckets are neither visible there nor
	// grantable.
	kvc, err := dialNATS(t, srv, nats.Token(natsToken(t, srv, natsd.RoleKV)))
	if err != nil {
		t.Fatal(err)
	}
	kjs, _ := jetstream.New(kvc)
	devices, err := kjs.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "devices"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := devices.PutString(ctx, "d1", "berlin"); err != nil {
		t.Fatal(err)
	}
	if _, err := kjs.KeyValue(ctx, "sluice_delivery"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("KV user opens sluice_delivery: %v", err)
	}
	mod, err := srv.rt.Load(ctx, runtime.Ref{Name: "enrich", Version: 1}, wasm, runtime.ModuleConfig{Grants: runtime.Grants{KVBuckets: []string{"devices"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(ctx)
	resp, err := mod.Transform(ctx, &runtime.Batch{InvocationID: "i", Records: []runtime.Record{{RecordID: "a", Data: []byte("devices/d1")}}})
	if err != nil || len(resp.Records) != 1 || string(resp.Records[0].Data) != "berlin" {
		b, _ := json.Marshal(resp)
		t.Fatalf("module read the KV user's table: %s %v", b, err)
	}
	if _, err := srv.rt.Load(ctx, runtime.Ref{Name: "enrich", Version: 1}, wasm, runtime.ModuleConfig{Grants: runtime.Grants{KVBuckets: []string{"sluice_delivery"}}}); !errors.Is(err, runtime.ErrBucketGrant) {
		t.Fatalf("grant of sluice_delivery: %v", err)
	}
}
