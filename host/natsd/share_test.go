package natsd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// fixture is a server with what Sluice keeps in its account: a data
// stream with records, a definitions bucket holding an S3 secret, an
// object store and a direct-put buffer; and a data user connected to it.
type fixture struct {
	t    *testing.T
	s    *Server
	js   jetstream.JetStream // internal
	data *nats.Conn
	djs  jetstream.JetStream

	mu      sync.Mutex
	refused map[string]bool // subjects the data user was refused to publish to
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := startListening(t, t.TempDir())
	in, err := s.Connect("internal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	js, _ := jetstream.New(in)
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(js.CreateStream(ctx, jetstream.StreamConfig{Name: "KDS_sensors", Subjects: []string{"kds.sensors.>"}, AllowDirect: true}))
	for _, r := range []string{"r1", "r2", "r3"} {
		must(js.Publish(ctx, "kds.sensors.shardId-000000000000", []byte(r)))
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "sluice_delivery"})
	must(kv, err)
	must(kv.Put(ctx, "def.s3", []byte(`{"destination":{"s3":{"secretAccessKey":"`+secret+`"}}}`)))
	kin, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "sluice_kinesis"})
	must(kin, err)
	must(kin.Put(ctx, "streams.sensors", []byte(`{"shards":1}`)))
	obj, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "sluice-modules"})
	must(obj, err)
	must(obj.PutBytes(ctx, "enrich@1", []byte("\x00asm module bytes")))
	must(js.CreateStream(ctx, jetstream.StreamConfig{Name: "FH_orders", Subjects: []string{"fh.orders"}, AllowDirect: true}))
	must(js.Publish(ctx, "fh.orders", []byte("order-1")))

	f := &fixture{t: t, s: s, js: js, refused: map[string]bool{}}
	data, err := dial(t, s, nats.Token(readToken(t, s.GeneratedTokenFile(RoleData))),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			const pre = "Permissions Violation for Publish to "
			if i := strings.Index(err.Error(), pre); i >= 0 {
				f.mu.Lock()
				f.refused[strings.Trim(err.Error()[i+len(pre):], `"`)] = true
				f.mu.Unlock()
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	f.data = data
	f.djs, _ = jetstream.New(data)
	f.waitReadable("KDS_sensors")
	return f
}

// waitReadable polls until the data user can get the stream's info (the
// stream is shared when JetStream announces it).
func (f *fixture) waitReadable(stream string) jetstream.Stream {
	f.t.Helper()
	deadline := time.Now().Add(hang)
	for {
		st, err := f.djs.Stream(context.Background(), stream)
		if err == nil {
			return st
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("data user cannot read %s: %v", stream, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRefused waits until the server has refused the data user a publish
// to subj, and says so (it answers a permission violation at once; the
// client's call may only time out).
func (f *fixture) waitRefused(subj string) {
	f.t.Helper()
	deadline := time.Now().Add(hang)
	for {
		f.mu.Lock()
		ok := f.refused[subj]
		f.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the server did not refuse the data user a publish to %s", subj)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fixture) msgs(stream string) uint64 {
	f.t.Helper()
	st, err := f.js.Stream(context.Background(), stream)
	if err != nil {
		f.t.Fatalf("%s: %v", stream, err)
	}
	return st.CachedInfo().State.Msgs
}

// request sends a raw request as the data user and returns every answer
// that arrives within a short while (none: refused).
func (f *fixture) request(subj string, body []byte) []*nats.Msg {
	f.t.Helper()
	inbox := f.data.NewRespInbox()
	sub, err := f.data.SubscribeSync(inbox)
	if err != nil {
		f.t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := f.data.PublishRequest(subj, inbox, body); err != nil {
		return nil // refused by the data user's permissions
	}
	var out []*nats.Msg
	for {
		m, err := sub.NextMsg(300 * time.Millisecond)
		if err != nil { // nats.ErrNoResponders: nothing answers that subject
			return out
		}
		out = append(out, m)
	}
}

// TestDataUserReadsDataStreams: a data user reads a data stream's records
// with the JetStream client (stream info, direct get, last by subject, a
// batch) and live on its subjects.
func TestDataUserReadsDataStreams(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st := f.waitReadable("KDS_sensors")
	if n := st.CachedInfo().State.Msgs; n != 3 {
		t.Fatalf("stream info says %d records, want 3", n)
	}
	m, err := st.GetMsg(ctx, 2)
	if err != nil || string(m.Data) != "r2" {
		t.Fatalf("direct get: %v %v", m, err)
	}
	if m, err := st.GetLastMsgForSubject(ctx, "kds.sensors.shardId-000000000000"); err != nil || string(m.Data) != "r3" {
		t.Fatalf("last by subject: %v %v", m, err)
	}
	// The JetStream API's message get, which `nats stream get` uses.
	if got := f.request("$JS.API.STREAM.MSG.GET.KDS_sensors", []byte(`{"seq":1}`)); len(got) != 1 || !bytes.Contains(got[0].Data, []byte(`"data":"cjE="`)) {
		t.Fatalf("message get: %v", got)
	}
	req, _ := json.Marshal(map[string]any{"seq": 1, "batch": 10})
	var got []string
	for _, m := range f.request("$JS.API.DIRECT.GET.KDS_sensors", req) {
		if len(m.Data) > 0 {
			got = append(got, string(m.Data))
		}
	}
	if strings.Join(got, ",") != "r1,r2,r3" {
		t.Fatalf("batch direct get: %q", got)
	}
	live, err := f.data.SubscribeSync("kds.sensors.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.data.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.js.Publish(ctx, "kds.sensors.shardId-000000000000", []byte("r4")); err != nil {
		t.Fatal(err)
	}
	if m, err := live.NextMsg(hang); err != nil || string(m.Data) != "r4" {
		t.Fatalf("live record: %v %v", m, err)
	}
	// A data stream created later is readable too.
	if _, err := f.js.CreateStream(ctx, jetstream.StreamConfig{Name: "KDS_later", Subjects: []string{"kds.later.>"}, AllowDirect: true}); err != nil {
		t.Fatal(err)
	}
	f.waitReadable("KDS_later")
}

// TestDataUserReachesNothingElse: a data user cannot read Sluice's own
// buckets and streams (the S3 secret, stream definitions, modules, the
// direct-put buffer), nor write to a data stream by any way: publishing
// to a shard subject, having a JetStream answer sent there, or managing
// streams and consumers.
func TestDataUserReachesNothingElse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	seq1, _ := json.Marshal(map[string]any{"seq": 1, "batch": 100})
	for _, c := range []struct{ subj, body string }{
		{"$JS.API.STREAM.INFO.KV_sluice_delivery", ""},
		{"$JS.API.DIRECT.GET.KV_sluice_delivery", string(seq1)},
		{"$JS.API.DIRECT.GET.KV_sluice_delivery.$KV.sluice_delivery.def.s3", ""},
		{"$JS.API.STREAM.MSG.GET.KV_sluice_delivery", `{"seq":1}`},
		{"$KV.sluice_delivery.def.s3", ""},
		{"$JS.API.DIRECT.GET.KV_sluice_kinesis", string(seq1)},
		{"$JS.API.DIRECT.GET.OBJ_sluice-modules", string(seq1)},
		{"$JS.API.DIRECT.GET.FH_orders", string(seq1)},
		{"$JS.API.STREAM.LIST", ""},
		{"$JS.API.STREAM.NAMES", ""},
		{"$JS.API.CONSUMER.CREATE.KV_sluice_delivery", `{"config":{"deliver_policy":"all","ack_policy":"none"}}`},
	} {
		for _, m := range f.request(c.subj, []byte(c.body)) {
			if bytes.Contains(m.Data, []byte(secret)) || bytes.Contains(m.Data, []byte("module bytes")) || bytes.Contains(m.Data, []byte("order-1")) {
				t.Errorf("%s answered with Sluice's own data: %q", c.subj, m.Data)
			} else if len(m.Data) > 0 && !bytes.Contains(m.Data, []byte(`"error"`)) {
				t.Errorf("%s answered %q", c.subj, m.Data)
			}
		}
	}
	for _, bucket := range []string{"sluice_delivery", "sluice_kinesis"} {
		if kv, err := f.djs.KeyValue(ctx, bucket); err == nil {
			e, err := kv.Get(ctx, "def.s3")
			t.Errorf("data user opened bucket %s: %v %v", bucket, e, err)
		}
	}
	if _, err := f.djs.ObjectStore(ctx, "sluice-modules"); err == nil {
		t.Error("data user opened the module store")
	}

	// Writes: each is refused by the server, and none lands.
	before := f.msgs("KDS_sensors")
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second) // refused at once; the client only learns by timing out
		t.Cleanup(cancel)
		return c
	}
	if err := f.data.Publish("kds.sensors.shardId-000000000000", []byte("injected")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.djs.Publish(short(), "kds.sensors.shardId-000000000000", []byte("injected")); err == nil {
		t.Error("a JetStream publish to a shard subject was acknowledged")
	}
	f.waitRefused("kds.sensors.shardId-000000000000")
	for _, c := range []struct {
		subj string
		do   func() error
	}{
		{"$JS.API.STREAM.CREATE.evil", func() error {
			_, err := f.djs.CreateStream(short(), jetstream.StreamConfig{Name: "evil", Subjects: []string{"evil.>"}})
			return err
		}},
		{"$JS.API.STREAM.CREATE.KDS_evil", func() error {
			_, err := f.djs.CreateStream(short(), jetstream.StreamConfig{Name: "KDS_evil", Subjects: []string{"kds.evil.>"}})
			return err
		}},
		{"$JS.API.STREAM.DELETE.KDS_sensors", func() error { return f.djs.DeleteStream(short(), "KDS_sensors") }},
		{"$JS.API.STREAM.PURGE.KDS_sensors", func() error { return f.waitReadable("KDS_sensors").Purge(short()) }},
		{"$JS.API.STREAM.MSG.DELETE.KDS_sensors", func() error { return f.waitReadable("KDS_sensors").DeleteMsg(short(), 1) }},
		{"$JS.API.STREAM.UPDATE.KDS_sensors", func() error {
			_, err := f.djs.UpdateStream(short(), jetstream.StreamConfig{Name: "KDS_sensors", Subjects: []string{"kds.sensors.>", "evil"}, AllowDirect: true})
			return err
		}},
		{"$JS.API.CONSUMER.CREATE.KDS_sensors.c1", func() error {
			_, err := f.waitReadable("KDS_sensors").CreateOrUpdateConsumer(short(), jetstream.ConsumerConfig{Name: "c1", DeliverPolicy: jetstream.DeliverAllPolicy})
			return err
		}},
		{"$JS.API.CONSUMER.DURABLE.CREATE.KDS_sensors.d1", func() error {
			_, err := f.data.Request("$JS.API.CONSUMER.DURABLE.CREATE.KDS_sensors.d1", []byte(`{"stream_name":"KDS_sensors","config":{"durable_name":"d1","deliver_subject":"kds.sensors.x"}}`), time.Second)
			return err
		}},
	} {
		if err := c.do(); err == nil {
			t.Errorf("%s: done", c.subj)
		}
		f.waitRefused(c.subj)
	}
	// A request whose reply subject is a shard subject: JetStream's answer
	// would be stored as a record if it were sent in the Sluice account.
	// It is sent to the data account's subject, where nothing stores it.
	for _, subj := range []string{"$JS.API.DIRECT.GET.KDS_sensors", "$JS.API.STREAM.INFO.KDS_sensors"} {
		if err := f.data.PublishRequest(subj, "kds.sensors.shardId-000000000000", []byte(`{"seq":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	// Proof that the answers were sent: a request with a real inbox after
	// them is answered, and answers come in order.
	if got := f.request("$JS.API.DIRECT.GET.KDS_sensors", []byte(`{"seq":1}`)); len(got) != 1 {
		t.Fatalf("%d answers", len(got))
	}
	if after := f.msgs("KDS_sensors"); after != before {
		t.Fatalf("data stream went from %d to %d records", before, after)
	}
	for _, name := range []string{"evil", "KDS_evil"} {
		if _, err := f.js.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("stream %s: %v", name, err)
		}
	}
	if info, err := f.js.Stream(ctx, "KDS_sensors"); err != nil || len(info.CachedInfo().Config.Subjects) != 1 || info.CachedInfo().State.Consumers != 0 {
		t.Fatalf("data stream changed: %+v %v", info, err)
	}
}

// TestSharingSurvivesJetStreamRestart: the storage guard's restart of
// JetStream (a reload of the options, which rebuilds every account's
// imports) leaves the data streams readable and the rest unreachable.
func TestSharingSurvivesJetStreamRestart(t *testing.T) {
	f := newFixture(t)
	f.s.guard.checkMu.Lock()
	f.s.guard.restart()
	f.s.guard.checkMu.Unlock()
	st := f.waitReadable("KDS_sensors")
	if m, err := st.GetMsg(context.Background(), 1); err != nil || string(m.Data) != "r1" {
		t.Fatalf("after a restart: %v %v", m, err)
	}
	if got := f.request("$JS.API.DIRECT.GET.KV_sluice_delivery", []byte(`{"seq":1}`)); len(got) != 0 {
		t.Fatalf("after a restart the definitions answer: %q", got[0].Data)
	}
	// Sharing again after the reload adds no second import (which would
	// answer every request twice).
	if got := f.request("$JS.API.DIRECT.GET.KDS_sensors", []byte(`{"seq":1}`)); len(got) != 1 {
		t.Fatalf("%d answers to one direct get", len(got))
	}
}

// TestKVAccount: a KV user makes and writes a bucket that Sluice reads
// through ConnectKV; neither sees Sluice's own buckets.
func TestKVAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	kvc, err := dial(t, f.s, nats.Token(readToken(t, f.s.GeneratedTokenFile(RoleKV))))
	if err != nil {
		t.Fatal(err)
	}
	kjs, _ := jetstream.New(kvc)
	devices, err := kjs.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "devices"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := devices.Put(ctx, "d1", []byte(`{"site":"berlin"}`)); err != nil {
		t.Fatal(err)
	}
	in, err := f.s.ConnectKV("runtime")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rjs, _ := jetstream.New(in)
	kv, err := rjs.KeyValue(ctx, "devices")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "d1"); err != nil || string(e.Value()) != `{"site":"berlin"}` {
		t.Fatalf("Sluice reads %v %v", e, err)
	}
	for _, js := range []jetstream.JetStream{kjs, rjs} {
		if _, err := js.KeyValue(ctx, "sluice_delivery"); !errors.Is(err, jetstream.ErrBucketNotFound) {
			t.Errorf("the KV account sees sluice_delivery: %v", err)
		}
	}
	// The user bucket is not in the Sluice account either.
	if _, err := f.js.KeyValue(ctx, "devices"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Errorf("the Sluice account sees devices: %v", err)
	}
}
