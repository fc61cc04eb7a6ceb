package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-io/sluice/internal/awsfront"
	"github.com/sluice-io/sluice/sinks/format"
	"github.com/sluice-io/sluice/sinks/keys"
)

// kinesisDef is a direct-put delivery stream forwarding to the Kinesis
// stream on endpoint, its error output in errDir, with a 0 s interval.
func kinesisDef(name, endpoint, stream, errDir string) Definition {
	return Definition{
		Name:      name,
		Buffering: Buffering{IntervalSeconds: intp(0)},
		Destination: Destination{Kind: DestKinesis, Kinesis: &StreamDest{
			Endpoint: endpoint, Stream: stream, AccessKeyID: "AKIDEDGE", SecretAccessKey: "edge-secret-0042",
			ErrorStore: &Destination{Kind: DestFolder, Folder: &FolderDest{Path: errDir}},
		}},
	}
}

// forwardSetup is an edge (e) forwarding to a target Sluice through a
// front that can fail.
type forwardSetup struct {
	e      *env
	target *awsfront.Target
	front  *awsfront.Front
	errDir string
}

func newForward(t *testing.T, shards int) *forwardSetup {
	t.Helper()
	f := &forwardSetup{e: newEnv(t), target: awsfront.StartTarget(t), errDir: t.TempDir()}
	f.target.CreateStream("home", shards)
	f.front = awsfront.Start(t, f.target.URL)
	return f
}

// errorRecords reads the error output of type kind.
func errorRecords(t *testing.T, dir, kind string) []errorRecord {
	t.Helper()
	var out []errorRecord
	for key, body := range objects(t, dir) {
		if !strings.Contains(key, "/"+kind+"/") {
			continue
		}
		for _, l := range lines(body) {
			var r errorRecord
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
	}
	return out
}

// TestKinesisDestination: records put to the edge's delivery stream arrive
// in the target stream once each, read back with GetRecords, with keys
// derived from their source positions (the same on a replay, spread over
// the shards).
func TestKinesisDestination(t *testing.T) {
	f := newForward(t, 4)
	f.e.create(kinesisDef("home", f.front.URL(), "home", f.errDir))
	recs := numbered(1200, `{"n":%d}`)
	f.e.waitCheckpoint("home", lastID(t, f.e.put("home", recs)))
	got := f.target.ReadAll("home")
	count, shards := map[string]int{}, map[string]bool{}
	hexKey := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, g := range got {
		count[g.Data]++
		shards[g.ShardID] = true
		if !hexKey.MatchString(g.PartitionKey) {
			t.Fatalf("partition key %q: want one derived from the source position", g.PartitionKey)
		}
	}
	checkOnce(t, count, recs)
	if len(shards) != 4 {
		t.Fatalf("records on %d shards of 4", len(shards))
	}
	if st := f.e.status("home"); st.DeliveredRecords != 1200 || st.ErrorRecords != 0 || st.State != StatusActive {
		t.Fatalf("status %+v", st)
	}
	if v := f.e.metric("sluice_delivery_delivered_records_total", map[string]string{"destination": DestKinesis}); v != 1200 {
		t.Fatalf("delivered records metric %v", v)
	}
}

// TestKinesisDestinationKeepsSourceKeys: from a data stream, each record
// keeps its partition key; a fixed key replaces them all.
func TestKinesisDestinationKeepsSourceKeys(t *testing.T) {
	f := newForward(t, 2)
	ctx := context.Background()
	if err := f.e.eng.CreateStream(ctx, "edge", 2); err != nil {
		t.Fatal(err)
	}
	src := Source{Kind: SourceDataStream, Stream: "edge", StartingPosition: "TRIM_HORIZON"}
	def := kinesisDef("keep", f.front.URL(), "home", f.errDir)
	def.Source = src
	f.e.create(def)
	f.target.CreateStream("fixed", 2)
	fixed := kinesisDef("fixed", f.front.URL(), "fixed", f.errDir)
	fixed.Source = src
	fixed.Destination.Kinesis.PartitionKey = "site-7"
	f.e.create(fixed)
	recs := numbered(300, `{"n":%d}`)
	last := f.e.putStream("edge", recs)
	f.e.waitCheckpoint("keep", last)
	f.e.waitCheckpoint("fixed", last)
	for _, g := range f.target.ReadAll("home") {
		var n int
		fmt.Sscanf(g.Data, `{"n":%d}`, &n)
		if want := fmt.Sprint(n % 500); g.PartitionKey != want { // putStream keys records by their index in a put
			t.Fatalf("record %s has key %q, want the source's %q", g.Data, g.PartitionKey, want)
		}
	}
	for _, g := range f.target.ReadAll("fixed") {
		if g.PartitionKey != "site-7" {
			t.Fatalf("record %s has key %q, want the fixed key", g.Data, g.PartitionKey)
		}
	}
	checkOnce(t, f.target.Count("fixed"), recs)
}

// TestKinesisDestinationOutage: while the target cannot be reached the
// records wait in JetStream (the checkpoint stays, the state is
// RETRYING, nothing goes to the error output, however long the outage
// lasts past the retry duration); the edge restarts in the middle; once
// the target is back every record arrives: none lost, and each at least
// once (exactly once here, since no put was answered while it was down).
func TestKinesisDestinationOutage(t *testing.T) {
	f := newForward(t, 2)
	def := kinesisDef("home", f.front.URL(), "home", f.errDir)
	def.Destination.Kinesis.RetrySeconds = intp(0) // an outage is not throttling
	f.e.create(def)
	first := numbered(100, `{"before":%d}`)
	f.e.waitCheckpoint("home", lastID(t, f.e.put("home", first)))

	f.front.Down()
	during := numbered(500, `{"during":%d}`)
	ids := f.e.put("home", during)
	st := f.e.waitState("home", StatusRetrying)
	if st.Checkpoint >= lastID(t, ids) {
		t.Fatalf("checkpoint %d moved past records the target never got", st.Checkpoint)
	}
	if !strings.Contains(st.LastError, "kinesis stream home") {
		t.Fatalf("last error %q does not name the destination", st.LastError)
	}
	f.e.restart() // the batch in flight is replayed from its intent
	f.e.waitState("home", StatusRetrying)
	after := numbered(50, `{"after":%d}`)
	ids = f.e.put("home", after)
	f.front.Up()
	f.e.waitCheckpoint("home", lastID(t, ids))
	all := append(append(first, during...), after...)
	checkOnce(t, f.target.Count("home"), all)
	if errs := errorRecords(t, f.errDir, keys.DeliveryFailed); len(errs) != 0 {
		t.Fatalf("%d records in the error output after an outage", len(errs))
	}
	f.e.waitState("home", StatusActive)
}

// TestKinesisDestinationReplayAtLeastOnce: a batch cut short after some of
// its records were accepted (the edge restarted while the rest were being
// retried) is sent again in full: every record arrives at least once.
func TestKinesisDestinationReplayAtLeastOnce(t *testing.T) {
	f := newForward(t, 1)
	def := kinesisDef("home", f.front.URL(), "home", f.errDir)
	def.Buffering.IntervalSeconds = intp(1) // the 40 records in one batch
	f.e.create(def)
	// Odd records are throttled until the edge has restarted.
	var mu sync.Mutex
	throttle := true
	f.front.FailRecords(func(_ string, data []byte) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		var n int
		fmt.Sscanf(string(data), `{"n":%d}`, &n)
		return "ProvisionedThroughputExceededException", throttle && n%2 == 1
	})
	recs := numbered(40, `{"n":%d}`)
	ids := f.e.put("home", recs)
	f.e.waitState("home", StatusRetrying)
	f.e.restart()
	mu.Lock()
	throttle = false
	mu.Unlock()
	f.e.waitCheckpoint("home", lastID(t, ids))
	got := f.target.Count("home")
	dups := 0
	for i, r := range recs {
		switch n := got[string(r)]; {
		case n == 0:
			t.Fatalf("record %s lost", r)
		case n > 1 && i%2 == 1:
			t.Fatalf("throttled record %s arrived %d times", r, n)
		case n > 1:
			dups++
		}
	}
	if dups == 0 {
		t.Fatal("the replay sent none of the accepted records again; expected at-least-once duplicates (if this changed, update the README)")
	}
}

// TestKinesisDestinationPartialFailures: records a PutRecords answer says
// failed are sent again, alone, until accepted: each arrives once.
func TestKinesisDestinationPartialFailures(t *testing.T) {
	f := newForward(t, 2)
	f.e.create(kinesisDef("home", f.front.URL(), "home", f.errDir))
	var mu sync.Mutex
	seen := map[string]int{}
	f.front.FailRecords(func(_ string, data []byte) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		seen[string(data)]++
		var n int
		fmt.Sscanf(string(data), `{"n":%d}`, &n)
		return "ProvisionedThroughputExceededException", n%4 == 0 && seen[string(data)] == 1
	})
	recs := numbered(400, `{"n":%d}`)
	f.e.waitCheckpoint("home", lastID(t, f.e.put("home", recs)))
	checkOnce(t, f.target.Count("home"), recs)
	sent := 0
	for _, c := range f.front.Calls() {
		sent += c.Records
	}
	if sent != 500 {
		t.Fatalf("%d records sent for 400 with 100 failing once: only failed records are sent again", sent)
	}
	if f.e.metric("sluice_delivery_delivery_retries_total", map[string]string{"destination": DestKinesis}) < 1 {
		t.Fatal("no retries counted")
	}
}

// TestKinesisDestinationRefusal: records the target refuses for good (its
// stream gone, access denied) go to the error output with the code and
// the reason, once, and the delivery stream goes on with the next batch.
func TestKinesisDestinationRefusal(t *testing.T) {
	f := newForward(t, 1)
	f.e.create(kinesisDef("home", f.front.URL(), "home", f.errDir))
	f.front.AddAnswer(awsfront.Answer{Op: "PutRecords", Status: 400, Type: "AccessDeniedException",
		Msg: "User is not authorized to perform kinesis:PutRecords", Times: -1})
	refused := numbered(20, `{"refused":%d}`)
	f.e.waitCheckpoint("home", lastID(t, f.e.put("home", refused)))
	refusals := len(f.front.Calls())
	f.front.ClearAnswers()
	later := numbered(30, `{"later":%d}`)
	f.e.waitCheckpoint("home", lastID(t, f.e.put("home", later)))
	checkOnce(t, f.target.Count("home"), later)
	errs := errorRecords(t, f.errDir, keys.DeliveryFailed)
	if len(errs) != len(refused) {
		t.Fatalf("%d records in the error output, want %d", len(errs), len(refused))
	}
	got := map[string]int{}
	for _, r := range errs {
		got[string(r.RawData)]++
		if r.ErrorCode != "Kinesis.AccessDeniedException" || !strings.Contains(r.ErrorMessage, "not authorized to perform kinesis:PutRecords") || r.AttemptsMade != 1 {
			t.Fatalf("error record %+v", r)
		}
	}
	checkOnce(t, got, refused)
	sent := 0
	for _, c := range f.front.Calls()[:refusals] {
		sent += c.Records
	}
	if sent != len(refused) {
		t.Fatalf("%d records sent for %d refused: a refusal is not retried", sent, len(refused))
	}
	st := f.e.status("home")
	if st.ErrorRecords != 20 || st.DeliveredRecords != 30 || st.State != StatusActive {
		t.Fatalf("status %+v", st)
	}
	// The target's stream deleted: ResourceNotFoundException.
	if err := f.target.Engine.DeleteStream(context.Background(), "home"); err != nil {
		t.Fatal(err)
	}
	gone := numbered(5, `{"gone":%d}`)
	f.e.waitCheckpoint("home", lastID(t, f.e.put("home", gone)))
	n := 0
	for _, r := range errorRecords(t, f.errDir, keys.DeliveryFailed) {
		if r.ErrorCode == "Kinesis.ResourceNotFoundException" {
			n++
		}
	}
	if n != len(gone) {
		t.Fatalf("%d records in the error output as ResourceNotFoundException, want %d", n, len(gone))
	}
}

// TestKinesisDestinationThrottledPastRetryDuration: records the target
// keeps throttling go to the error output once the retry duration has
// passed; the others are delivered.
func TestKinesisDestinationThrottledPastRetryDuration(t *testing.T) {
	f := newForward(t, 1)
	def := kinesisDef("home", f.front.URL(), "home", f.errDir)
	def.Destination.Kinesis.RetrySeconds = intp(1)
	f.e.create(def)
	f.front.FailRecords(func(_ string, data []byte) (string, bool) {
		return "ProvisionedThroughputExceededException", strings.Contains(string(data), "hot")
	})
	f.e.waitCheckpoint("home", lastID(t, f.e.put("home", [][]byte{[]byte(`{"hot":1}`), []byte(`{"cool":1}`)})))
	checkOnce(t, f.target.Count("home"), [][]byte{[]byte(`{"cool":1}`)})
	errs := errorRecords(t, f.errDir, keys.DeliveryFailed)
	if len(errs) != 1 || string(errs[0].RawData) != `{"hot":1}` || errs[0].ErrorCode != "Kinesis.ProvisionedThroughputExceededException" || errs[0].AttemptsMade < 2 {
		t.Fatalf("error output %+v", errs)
	}
}

// TestForwardSecretNeverShown: a secret given inline or in a secret file
// is used to sign (the target sees the key id's signature), shown masked
// by Describe, and in no error, status or error record, even when the
// target refuses the key.
func TestForwardSecretNeverShown(t *testing.T) {
	secrets := t.TempDir()
	if err := os.WriteFile(filepath.Join(secrets, "hub-key"), []byte("file-secret-9876\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, func(c *Config) { c.SecretsDir = secrets })
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 1)
	front := awsfront.Start(t, target.URL)
	errDir := t.TempDir()
	inline := kinesisDef("inline", front.URL(), "home", errDir)
	fromFile := kinesisDef("file", front.URL(), "home", errDir)
	fromFile.Destination.Kinesis.SecretAccessKey = ""
	fromFile.Destination.Kinesis.SecretAccessKeyFrom = &SecretRef{File: "hub-key"}
	for _, def := range []Definition{inline, fromFile} {
		out := e.create(def)
		got, _, err := e.m.Describe(context.Background(), def.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []*Definition{out, got} {
			if k := d.Destination.Kinesis; k.AccessKeyID != Mask || (k.SecretAccessKey != Mask && k.SecretAccessKeyFrom == nil) {
				t.Fatalf("%s shows %+v", def.Name, k)
			}
			b, _ := json.Marshal(d)
			if strings.Contains(string(b), "edge-secret-0042") || strings.Contains(string(b), "file-secret-9876") || strings.Contains(string(b), "AKIDEDGE") {
				t.Fatalf("%s shows a secret: %s", def.Name, b)
			}
		}
	}
	// The described definition applied again keeps the secret; sent to
	// another endpoint, the mask is refused.
	described, _, err := e.m.Describe(context.Background(), "inline")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Apply(context.Background(), *described); err != nil {
		t.Fatalf("apply the described definition: %v", err)
	}
	described.Destination.Kinesis.Endpoint = "http://127.0.0.1:1"
	if _, _, err := e.m.Apply(context.Background(), *described); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "destination changed") {
		t.Fatalf("apply with the mask to another endpoint: %v", err)
	}
	front.AddAnswer(awsfront.Answer{Status: 400, Type: "UnrecognizedClientException", Msg: "The security token included in the request is invalid.", Times: -1})
	e.waitCheckpoint("inline", lastID(t, e.put("inline", numbered(3, `{"n":%d}`))))
	e.waitCheckpoint("file", lastID(t, e.put("file", numbered(3, `{"n":%d}`))))
	front.ClearAnswers()
	for _, c := range front.Calls() {
		if !strings.Contains(c.Auth, "Credential=AKIDEDGE/") {
			t.Fatalf("call not signed by the access key: %q", c.Auth)
		}
	}
	var texts []string
	for _, b := range objects(t, errDir) {
		texts = append(texts, string(b))
	}
	for _, name := range []string{"inline", "file"} {
		st := e.status(name)
		texts = append(texts, st.LastError)
	}
	for _, s := range texts {
		for _, secret := range []string{"edge-secret-0042", "file-secret-9876"} {
			if strings.Contains(s, secret) {
				t.Fatalf("a secret in %q", s)
			}
		}
	}
	if n := len(errorRecords(t, errDir, keys.DeliveryFailed)); n != 6 {
		t.Fatalf("%d records refused for the unknown key, want 6", n)
	}
}

// TestForwardDefinitionRules: what a Kinesis or Firehose destination must
// say, refused before anything runs.
func TestForwardDefinitionRules(t *testing.T) {
	e := newEnv(t)
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 1)
	errDir := t.TempDir()
	base := func() Definition { return kinesisDef("rules", target.URL, "home", errDir) }
	for _, tc := range []struct {
		name string
		edit func(*Definition)
		want string
	}{
		{"no stream", func(d *Definition) { d.Destination.Kinesis.Stream = "" }, "needs a stream"},
		{"bad name", func(d *Definition) { d.Destination.Kinesis.Stream = "a b" }, "must match"},
		{"firehose ARN for kinesis", func(d *Definition) {
			d.Destination.Kinesis.Stream = "arn:aws:firehose:us-east-1:1:deliverystream/x"
		}, "not a kinesis ARN"},
		{"no member", func(d *Definition) { d.Destination.Kinesis = nil }, "needs a stream"},
		{"no credentials", func(d *Definition) {
			d.Destination.Kinesis.AccessKeyID, d.Destination.Kinesis.SecretAccessKey = "", ""
		}, "has no credentials"},
		{"half the keys", func(d *Definition) { d.Destination.Kinesis.SecretAccessKey = "" }, "needs both"},
		{"credentials in the URL", func(d *Definition) { d.Destination.Kinesis.Endpoint = "http://u:p@127.0.0.1:1" }, "holds credentials"},
		{"no error store", func(d *Definition) { d.Destination.Kinesis.ErrorStore = nil }, "needs an errorStore"},
		{"error store kinesis", func(d *Definition) {
			d.Destination.Kinesis.ErrorStore = &Destination{Kind: DestKinesis, Kinesis: &StreamDest{Stream: "x"}}
		}, "must be a folder or S3"},
		{"long partition key", func(d *Definition) { d.Destination.Kinesis.PartitionKey = strings.Repeat("k", 257) }, "partitionKey"},
		{"firehose partition key", func(d *Definition) {
			d.Destination.Kind, d.Destination.Firehose, d.Destination.Kinesis = DestFirehose, d.Destination.Kinesis, nil
			d.Destination.Firehose.PartitionKey = "k"
		}, "takes no partitionKey"},
		{"both members", func(d *Definition) { d.Destination.Firehose = &StreamDest{Stream: "x"} }, "kinesis member only"},
		{"parquet", func(d *Definition) {
			d.Format.Type = "parquet"
			d.Format.Schema = []format.Field{{Name: "a", Type: "string"}}
		}, "takes records as they are"},
		{"gzip", func(d *Definition) { d.Format.Compression = "gzip" }, "takes records as they are"},
		{"retry too long", func(d *Definition) { d.Destination.Kinesis.RetrySeconds = intp(7201) }, "throttling retry duration"},
		{"no such stream", func(d *Definition) { d.Destination.Kinesis.Stream = "nowhere" }, "ResourceNotFoundException"},
		{"metadata address", func(d *Definition) { d.Destination.Kinesis.Endpoint = "http://169.254.169.254/" }, "endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			tc.edit(&d)
			_, err := e.m.Create(context.Background(), d)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("create: %v; want ErrInvalid with %q", err, tc.want)
			}
			if strings.Contains(fmt.Sprint(err), "edge-secret-0042") {
				t.Fatalf("the error shows the secret: %v", err)
			}
		})
	}
	// A target that cannot be reached now is a warning, not a refusal.
	d := base()
	d.Destination.Kinesis.Endpoint = closedURL(t)
	out := e.create(d)
	if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "not reachable now") {
		t.Fatalf("warnings %q", out.Warnings)
	}
}
