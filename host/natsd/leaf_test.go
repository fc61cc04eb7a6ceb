package natsd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/hubtest"
	"github.com/sluice-io/sluice/internal/tlstest"
)

// waitFor polls cond until it holds or a generous deadline (ending a
// hang, not timing anything) passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// the stand-ins of what the streams engine keeps (this package does not
// import it): a data stream and a definitions bucket.
const (
	testDataStream = "KDS_orders"
	testDefsGet    = "$JS.API.DIRECT.GET.KV_defs.$KV.defs.streams.>"
)

func startEdge(t *testing.T, hub *hubtest.Hub, leaf Leaf, log *slog.Logger) *Server {
	t.Helper()
	s, err := Start(Config{DataDir: t.TempDir(), JetStreamDomain: leaf.User, Leaf: leaf, Logger: log,
		DataSubjects: "kds.>", IsDataStream: func(n string) bool { return strings.HasPrefix(n, "KDS_") },
		HubDirectGets: []string{testDefsGet}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func edgeLeaf(hub *hubtest.Hub) Leaf {
	return Leaf{URLs: []string{hub.LeafURL()}, User: "edge1", PasswordFile: hub.PasswordFile("edge1")}
}

func jsOf(t *testing.T, nc *nats.Conn, domain string) jetstream.JetStream {
	t.Helper()
	var js jetstream.JetStream
	var err error
	if domain == "" {
		js, err = jetstream.New(nc)
	} else {
		js, err = jetstream.NewWithDomain(nc, domain)
	}
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestLeafMirror: an edge leaf node in its own domain; the hub mirrors a
// data stream of the edge's Sluice account through the hub account's
// imports, with the edge's sequence numbers, and reads a definition by
// direct get.
func TestLeafMirror(t *testing.T) {
	hub := hubtest.Start(t, "edge1")
	edge := startEdge(t, hub, edgeLeaf(hub), nil)
	waitFor(t, "the leaf connection", edge.LeafConnected)
	if edge.JetStreamDomain() != "edge1" {
		t.Fatalf("domain %q", edge.JetStreamDomain())
	}
	enc, err := edge.Connect("edge")
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	ejs := jsOf(t, enc, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := ejs.CreateStream(ctx, jetstream.StreamConfig{Name: testDataStream, Subjects: []string{"kds.orders.>"}}); err != nil {
		t.Fatal(err)
	}
	kv, err := ejs.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "defs"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "streams.orders", []byte(`{"name":"orders"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "secrets.key", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := ejs.Publish(ctx, fmt.Sprintf("kds.orders.s%d", i%2), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	hnc := hub.Connect("hub")
	hjs := jsOf(t, hnc, "")
	mirror, err := hjs.CreateStream(ctx, jetstream.StreamConfig{Name: "edge1_orders", Mirror: &jetstream.StreamSource{
		Name: testDataStream, Domain: "edge1",
		SubjectTransforms: []jetstream.SubjectTransformConfig{{Source: "kds.orders.>", Destination: "kds.edge1~orders.>"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "10 records at the hub", func() bool {
		info, err := mirror.Info(ctx)
		return err == nil && info.State.Msgs == 10
	})
	for seq := uint64(1); seq <= 10; seq++ {
		m, err := mirror.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("kds.edge1~orders.s%d", (seq-1)%2); m.Subject != want || !bytes.Equal(m.Data, []byte{byte(seq - 1)}) {
			t.Fatalf("seq %d: %s %v, want %s %v", seq, m.Subject, m.Data, want, []byte{byte(seq - 1)})
		}
	}
	// The definition is readable by direct get; a secret in the same
	// bucket is not.
	m, err := hnc.Request("$JS.edge1.API.DIRECT.GET.KV_defs.$KV.defs.streams.orders", nil, 10*time.Second)
	if err != nil {
		t.Fatalf("definition: %v", err)
	}
	if string(m.Data) != `{"name":"orders"}` {
		t.Fatalf("definition: %q %v", m.Data, m.Header)
	}
	if m, err := hnc.Request("$JS.edge1.API.DIRECT.GET.KV_defs.$KV.defs.secrets.key", nil, time.Second); err == nil {
		t.Fatalf("the hub read a secret: %q", m.Data)
	}
}

// TestLeafConfinesTheHub: over the leaf connection the hub reaches only
// what a mirror needs; the edge's JetStream stays in its own domain.
func TestLeafConfinesTheHub(t *testing.T) {
	hub := hubtest.Start(t, "edge1")
	edge := startEdge(t, hub, edgeLeaf(hub), nil)
	waitFor(t, "the leaf connection", edge.LeafConnected)
	enc, err := edge.Connect("edge")
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ejs := jsOf(t, enc, "")
	st, err := ejs.CreateStream(ctx, jetstream.StreamConfig{Name: testDataStream, Subjects: []string{"kds.orders.>"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ejs.CreateStream(ctx, jetstream.StreamConfig{Name: "PRIVATE", Subjects: []string{"private.>"}}); err != nil {
		t.Fatal(err)
	}
	hnc := hub.Connect("hub")
	hjs := jsOf(t, hnc, "")
	if _, err := hjs.CreateStream(ctx, jetstream.StreamConfig{Name: "HUBONLY", Subjects: []string{"hub.>"}}); err != nil {
		t.Fatal(err)
	}
	// Edge side: the local JetStream is edge1's and knows nothing of the hub's.
	info, err := ejs.AccountInfo(ctx)
	if err != nil || info.Domain != "edge1" || info.Streams != 2 {
		t.Fatalf("edge account info: %+v %v", info, err)
	}
	if _, err := ejs.Stream(ctx, "HUBONLY"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("the edge sees the hub's stream: %v", err)
	}
	if _, err := enc.Request("$JS.hub.API.INFO", nil, time.Second); err == nil {
		t.Fatal("the edge's Sluice account reaches the hub's JetStream")
	}
	// Hub side: the edge's JetStream only through the domain prefix, and
	// then only the data stream's info; no management, no other stream.
	edgeJS := jsOf(t, hnc, "edge1")
	if s, err := edgeJS.Stream(ctx, testDataStream); err != nil || s.CachedInfo().Config.Name != testDataStream {
		t.Fatalf("stream info of the data stream from the hub: %v", err)
	}
	for _, subj := range []string{
		"$JS.edge1.API.STREAM.INFO.PRIVATE",
		"$JS.edge1.API.STREAM.NAMES",
		"$JS.edge1.API.STREAM.DELETE." + testDataStream,
		"$JS.edge1.API.STREAM.PURGE." + testDataStream,
		"$JS.edge1.API.CONSUMER.CREATE.PRIVATE",
		"$JS.edge1.API.DIRECT.GET." + testDataStream,
		"$JS.API.STREAM.INFO." + testDataStream,
	} {
		m, err := hnc.Request(subj, []byte(`{}`), time.Second)
		if err == nil && !strings.Contains(string(m.Data), `"error"`) {
			t.Errorf("%s answered from the hub: %s", subj, m.Data)
		}
	}
	// Publishing a shard subject at the hub stores nothing at the edge.
	if err := hnc.Publish("kds.orders.s0", []byte("forged")); err != nil {
		t.Fatal(err)
	}
	_ = hnc.Flush()
	time.Sleep(200 * time.Millisecond)
	if i, err := st.Info(ctx); err != nil || i.State.Msgs != 0 {
		t.Fatalf("edge stream after a hub publish: %+v %v", i.State, err)
	}
	if _, err := jsOf(t, hnc, "").Stream(ctx, testDataStream); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("the hub's own JetStream has the edge's stream: %v", err)
	}
}

// lineLog records the log lines of a server.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r.Message)
	return nil
}
func (l *lineLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *lineLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *lineLog) WithGroup(string) slog.Handler            { return l }
func (l *lineLog) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// TestLeafWrongPassword: the hub refuses the leaf connection, the edge
// says so in its log and still serves locally.
func TestLeafWrongPassword(t *testing.T) {
	hub := hubtest.Start(t, "edge1")
	leaf := edgeLeaf(hub)
	hub.Edges["edge1"] = "another-password-entirely"
	leaf.PasswordFile = hub.PasswordFile("edge1")
	hub.Edges["edge1"] = "the-hub-knows-this-one" // what the hub takes
	hub.Stop()
	hub.Restart()
	log := &lineLog{}
	edge := startEdge(t, hub, leaf, slog.New(log))
	waitFor(t, "an authorization error in the edge's log", func() bool { return log.has("Authorization Violation") })
	if edge.LeafConnected() || hub.LeafConnected() {
		t.Fatal("leaf connected with a wrong password")
	}
	if log.has("another-password-entirely") {
		t.Fatal("the password is in the log")
	}
	nc, err := edge.Connect("edge")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	js := jsOf(t, nc, "")
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: testDataStream, Subjects: []string{"kds.orders.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "kds.orders.s0", []byte("x")); err != nil {
		t.Fatalf("the edge does not serve locally: %v", err)
	}
}

// TestLeafConfigRefused: a leaf that could not connect or would show a
// secret fails Start with every reason.
func TestLeafConfigRefused(t *testing.T) {
	cases := []struct {
		name   string
		domain string
		l      Leaf
		want   []string
	}{
		{"no domain", "", Leaf{URLs: []string{"nats-leaf://127.0.0.1:1"}}, []string{"JetStream domain is required"}},
		{"login in url", "e", Leaf{URLs: []string{"nats-leaf://u:hunter2-secret@127.0.0.1:1"}}, []string{"carries a login"}},
		{"bad scheme", "e", Leaf{URLs: []string{"http://127.0.0.1:1"}}, []string{`scheme "http"`}},
		{"both logins", "e", Leaf{URLs: []string{"nats-leaf://h:1"}, CredentialsFile: "/nonexistent.creds", User: "u", PasswordFile: "/nonexistent"},
			[]string{"not both", "password file", "credentials file"}},
		{"user without password", "e", Leaf{URLs: []string{"nats-leaf://h:1"}, User: "u"}, []string{"both a name and a password file"}},
		{"dotted domain", "e.1", Leaf{URLs: []string{"nats-leaf://h:1"}}, []string{"dots"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Start(Config{DataDir: t.TempDir(), JetStreamDomain: c.domain, Leaf: c.l})
			if err == nil {
				s.Close()
				t.Fatal("started")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

// TestLeafTLS: the edge reaches a hub whose leaf listener is TLS only
// when it trusts the hub's CA, and refuses a hub it cannot verify.
func TestLeafTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "hub-ca")
	cert := ca.Server(t, "127.0.0.1")
	hub := hubtest.StartWith(t, hubtest.Options{LeafCertFile: cert.CertFile, LeafKeyFile: cert.KeyFile}, "edge1", "edge2")
	url := fmt.Sprintf("tls://127.0.0.1:%d", hub.LeafPort)
	trusting := startEdge(t, hub, Leaf{URLs: []string{url}, User: "edge1", PasswordFile: hub.PasswordFile("edge1"),
		TLS: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}}, nil)
	waitFor(t, "the TLS leaf connection", trusting.LeafConnected)

	log := &lineLog{}
	other := tlstest.NewCA(t, "other-ca")
	doubting := startEdge(t, hub, Leaf{URLs: []string{url}, User: "edge2", PasswordFile: hub.PasswordFile("edge2"),
		TLS: &tls.Config{RootCAs: other.Pool(), MinVersion: tls.VersionTLS12}}, slog.New(log))
	waitFor(t, "a certificate error in the edge's log", func() bool { return log.has("certificate signed by unknown authority") })
	if doubting.LeafConnected() {
		t.Fatal("the edge connected to a hub it cannot verify")
	}
}

// TestLeafTwoEdges: two edges (embedded servers alone, each in its own
// domain) stay connected to one hub at once; neither takes the other for
// a stale duplicate of itself.
func TestLeafTwoEdges(t *testing.T) {
	hub := hubtest.Start(t, "edge1", "edge2")
	e1 := startEdge(t, hub, Leaf{URLs: []string{hub.LeafURL()}, User: "edge1", PasswordFile: hub.PasswordFile("edge1")}, nil)
	e2 := startEdge(t, hub, Leaf{URLs: []string{hub.LeafURL()}, User: "edge2", PasswordFile: hub.PasswordFile("edge2")}, nil)
	both := func() bool { return hub.Server.NumLeafNodes() == 2 && e1.LeafConnected() && e2.LeafConnected() }
	waitFor(t, "two leaf connections", both)
	// Stays so: a duplicate would be dropped at once, and redial.
	for range 20 {
		if !both() {
			t.Fatalf("%d leaf connections at the hub; edge1 connected %v, edge2 %v", hub.Server.NumLeafNodes(), e1.LeafConnected(), e2.LeafConnected())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
