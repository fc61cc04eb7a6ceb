package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/chromedp/chromedp"

	"github.com/sluice-io/sluice/host/auth"
)

// chromiumPath finds Debian's chromium (scripts/install-toolchains.sh
// installs it). The test skips only when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH: run scripts/install-toolchains.sh (apt-get install chromium) for the console's browser test")
	return ""
}

// browser starts one headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.WindowSize(1360, 900),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*hangLimit)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx1, cancel := context.WithTimeout(ctx, hangLimit)
	defer cancel()
	if err := chromedp.Do(ctx1, actions...); err != nil {
		failure(t, ctx)
		t.Fatalf("%s: %v", what, err)
	}
}

// failure logs the page the browser shows, for a failed step.
func failure(t *testing.T, ctx context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	html, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
	if len(html) > 4000 {
		html = html[:4000]
	}
	t.Logf("the browser is at %s:\n%s", loc, html)
}

// value runs one action that returns a value.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// text is the text of the first element sel matches on the page.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(value(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// count is how many elements sel matches.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	return value(t, ctx, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
}

// until reloads url until the text of sel satisfies ok (the pages are
// rendered on the server), failing after hangLimit.
func until(t *testing.T, ctx context.Context, url, sel string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(hangLimit)
	for {
		var s string
		err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
		if err == nil {
			s, err = chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf("(document.querySelector(%q) || {textContent: ''}).textContent", sel)))
		}
		s = strings.TrimSpace(s)
		if err == nil && ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s: %q (error %v), not as wanted within %s", url, sel, s, err, hangLimit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func is(want string) func(string) bool { return func(s string) bool { return s == want } }

// shot writes a screenshot of the whole page to dir/name.png.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleInBrowser drives the console in a real headless Chromium:
// records go into a data stream, a delivery stream with a transform
// delivers the JSON ones and sends the others to the error output, and
// each page shows those numbers. A screenshot of each main page goes to
// $SLUICE_ARTEFACTS/console (or testdata/screenshots).
func TestConsoleInBrowser(t *testing.T) {
	ctx := browser(t)
	wasm := jsonguard(t)
	keys, err := auth.NewKeys(adminKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := server(t, keys)
	base := "http://" + srv.HTTPAddr()
	dir := screenshots(t)
	bg := context.Background()

	// A data stream of two shards, with enhanced monitoring, and 120
	// records: 100 JSON objects and 20 that are not JSON.
	kc := kinesisClient(srv, adminKey)
	if _, err := kc.CreateStream(bg, &kinesis.CreateStreamInput{StreamName: aws.String("sensors"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.EnableEnhancedMonitoring(bg, &kinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("sensors"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}}); err != nil {
		t.Fatal(err)
	}
	desc, err := kc.DescribeStreamSummary(bg, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("sensors")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.RegisterStreamConsumer(bg, &kinesis.RegisterStreamConsumerInput{StreamARN: desc.StreamDescriptionSummary.StreamARN,
		ConsumerName: aws.String("dashboard")}); err != nil {
		t.Fatal(err)
	}
	var entries []types.PutRecordsRequestEntry
	for i := range 120 {
		data := fmt.Sprintf(`{"device":"d%d","temp":%d}`, i%7, 15+i%10)
		if i%6 == 5 {
			data = fmt.Sprintf("bad-%03d not json", i)
		}
		entries = append(entries, types.PutRecordsRequestEntry{Data: []byte(data), PartitionKey: aws.String(fmt.Sprintf("pk-%d", i))})
	}
	// In six puts a little apart, so the charts have a shape.
	perShard := map[string]int{}
	for i := 0; i < len(entries); i += 20 {
		out, err := kc.PutRecords(bg, &kinesis.PutRecordsInput{StreamName: aws.String("sensors"), Records: entries[i : i+20]})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v, %d failed", err, aws.ToInt32(out.FailedRecordCount))
		}
		for _, r := range out.Records {
			perShard[aws.ToString(r.ShardId)]++
		}
		time.Sleep(300 * time.Millisecond)
	}

	// The module and the delivery stream.
	if code, body := rest(t, srv, adminKey, http.MethodPost, "/v1/modules/jsonguard", wasm); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("push jsonguard: %d %s", code, body)
	}
	def, _ := json.Marshal(map[string]any{
		"name":        "sensors-out",
		"source":      map[string]any{"kind": "KinesisStreamAsSource", "stream": "sensors", "startingPosition": "TRIM_HORIZON"},
		"buffering":   map[string]any{"intervalSeconds": 0},
		"processor":   map[string]any{"module": "jsonguard"},
		"destination": map[string]any{"kind": "folder", "folder": map[string]any{"path": "sensors"}},
	})
	if code, body := rest(t, srv, adminKey, http.MethodPut, "/v1/delivery-streams/sensors-out", def); code/100 != 2 {
		t.Fatalf("apply sensors-out: %d %s", code, body)
	}

	// Without a session the console sends the browser to the login form;
	// a wrong secret is refused there.
	run(t, ctx, "open the console", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	loc := value(t, ctx, "location", chromedp.Location())
	if !strings.Contains(loc, "/console/login") {
		t.Fatalf("the console without a session is at %s, want the login form", loc)
	}
	run(t, ctx, "log in wrongly",
		chromedp.SendKeys(chromedp.CSS("#accessKeyId"), adminKey.AccessKeyID),
		chromedp.SendKeys(chromedp.CSS("#secretAccessKey"), "not-the-secret-0123456789"),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#error")))
	if s := text(t, ctx, "#error"); !strings.Contains(s, "wrong secret") {
		t.Errorf("login error: %q", s)
	}
	shot(t, ctx, dir, "login")
	run(t, ctx, "log in",
		chromedp.SendKeys(chromedp.CSS("#secretAccessKey"), adminKey.SecretAccessKey),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#streams")))
	if s := text(t, ctx, "#user"); s != "admin" {
		t.Errorf("logged in as %q, want admin", s)
	}

	// Data streams: the records counted by the metrics the sampler keeps.
	row := `#streams tr[data-stream="sensors"]`
	until(t, ctx, base+"/console/streams", row+" .records", is("120"))
	if s := text(t, ctx, row+" .open-shards"); s != "2" {
		t.Errorf("open shards: %q, want 2", s)
	}
	shot(t, ctx, dir, "streams")

	// A stream: its shards with their records, and the delivery stream
	// reading it.
	until(t, ctx, base+"/console/streams/sensors", "#consumers td a", is("sensors-out"))
	if n := count(t, ctx, "#shards tbody tr"); n != 2 {
		t.Errorf("shards listed: %d, want 2", n)
	}
	for id, n := range perShard {
		if s := text(t, ctx, fmt.Sprintf(`#shards tr[data-shard=%q] .records`, id)); s != strconv.Itoa(n) {
			t.Errorf("shard %s records: %q, want %d", id, s, n)
		}
	}
	if s := text(t, ctx, "#registered tbody td"); s != "dashboard" {
		t.Errorf("registered consumer shown: %q, want dashboard", s)
	}
	// The charts have points once the sampler has seen the records.
	if n := count(t, ctx, "svg.chart path.line"); n == 0 {
		t.Errorf("the stream page draws no chart line")
	}
	shot(t, ctx, dir, "stream")

	// Delivery streams: 100 delivered, 20 in the error output.
	until(t, ctx, base+"/console/delivery/sensors-out", "#delivered", is("100"))
	until(t, ctx, base+"/console/delivery/sensors-out", "#errorcount", is("20"))
	if s := text(t, ctx, "#state"); s != "ACTIVE" {
		t.Errorf("state %q, want ACTIVE", s)
	}
	if n := count(t, ctx, "#objects-table tbody tr td code"); n == 0 {
		t.Errorf("no recent objects listed")
	}
	if s := text(t, ctx, "#definition"); strings.Contains(s, adminKey.SecretAccessKey) || !strings.Contains(s, "jsonguard") {
		t.Errorf("definition shown: %s", s)
	}
	shot(t, ctx, dir, "delivery")
	until(t, ctx, base+"/console/delivery", `#deliveries tr[data-delivery="sensors-out"] .delivered`, is("100"))
	shot(t, ctx, dir, "deliveries")

	// The error output browser: the 20 failed records, decoded, with the
	// transform's reason.
	run(t, ctx, "open the error output", chromedp.Navigate(base+"/console/delivery/sensors-out/errors"), chromedp.WaitVisible(chromedp.CSS("#failed")))
	if n := count(t, ctx, "#failed tr.failed"); n != 20 {
		t.Errorf("failed records shown: %d, want 20", n)
	}
	if s := text(t, ctx, "#failed tr.failed .reason"); !strings.Contains(s, "not a JSON object") {
		t.Errorf("reason shown: %q", s)
	}
	if s := text(t, ctx, "#failed tr.failed pre.data"); !strings.HasPrefix(s, "bad-") {
		t.Errorf("failed record's data shown: %q, want the record decoded", s)
	}
	if s := text(t, ctx, "#error-total"); s != "20" {
		t.Errorf("error output total: %q", s)
	}
	shot(t, ctx, dir, "errors")

	// Modules: the version and ABI, and a sample run through it.
	run(t, ctx, "modules", chromedp.Navigate(base+"/console/modules"), chromedp.WaitVisible(chromedp.CSS("#modules")))
	if s := text(t, ctx, `#modules tr[data-module="jsonguard"] .abi`); s != "wasi-command" {
		t.Errorf("jsonguard ABI: %q", s)
	}
	shot(t, ctx, dir, "modules")
	run(t, ctx, "test a sample",
		chromedp.Navigate(base+"/console/modules/jsonguard"), chromedp.WaitVisible(chromedp.CSS("#sample")),
		chromedp.SetValue(chromedp.CSS("#sample"), "{\"device\":\"d9\"}\nnot json at all"),
		chromedp.Click(chromedp.CSS("#run-test")), chromedp.WaitVisible(chromedp.CSS("#test-result")))
	if s := text(t, ctx, "#test-result tbody"); !strings.Contains(s, "Ok") || !strings.Contains(s, "ProcessingFailed") ||
		!strings.Contains(s, "not a JSON object") || !strings.Contains(s, "not json at all") {
		t.Errorf("test answer: %q", s)
	}
	shot(t, ctx, dir, "module")

	// The live tail of a shard, from its oldest record: all of its
	// records, then one put now.
	var shard string
	for id := range perShard {
		shard = id
	}
	tailURL := base + "/console/streams/sensors/tail?from=TRIM_HORIZON&shard=" + shard
	run(t, ctx, "tail", chromedp.Navigate(tailURL), chromedp.WaitVisible(chromedp.CSS("#tail")))
	want := strconv.Itoa(perShard[shard])
	value(t, ctx, "tail shows the shard's records", chromedp.Poll[bool](fmt.Sprintf("document.getElementById('tail-count').textContent === %q", want),
		chromedp.WithPollingTimeout(hangLimit)))
	var hashKey string
	// An explicit hash key in the shard's range lands the new record there.
	sh, err := kc.ListShards(bg, &kinesis.ListShardsInput{StreamName: aws.String("sensors")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sh.Shards {
		if aws.ToString(s.ShardId) == shard {
			hashKey = aws.ToString(s.HashKeyRange.StartingHashKey)
		}
	}
	if _, err := kc.PutRecord(bg, &kinesis.PutRecordInput{StreamName: aws.String("sensors"), Data: []byte(`{"live":"tail"}`),
		PartitionKey: aws.String("live"), ExplicitHashKey: aws.String(hashKey)}); err != nil {
		t.Fatal(err)
	}
	value(t, ctx, "tail shows the new record", chromedp.Poll[bool](`[...document.querySelectorAll('#tail td.data')].some(td => td.textContent.includes('"live":"tail"'))`,
		chromedp.WithPollingTimeout(hangLimit)))
	shot(t, ctx, dir, "tail")

	// Charts of the whole server.
	run(t, ctx, "charts", chromedp.Navigate(base+"/console/charts"), chromedp.WaitVisible(chromedp.CSS("#charts")))
	if n := count(t, ctx, "#charts svg.chart path.line"); n < 3 {
		t.Errorf("charts with a line: %d, want at least 3 (stream in, delivery in, delivered)", n)
	}
	shot(t, ctx, dir, "charts")

	// Logging out ends the session.
	run(t, ctx, "log out", chromedp.Navigate(base+"/console/streams"), chromedp.WaitVisible(chromedp.CSS("header form button")),
		chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.Navigate(base+"/console/streams"), chromedp.WaitVisible(chromedp.CSS("#login")))
	t.Logf("screenshots in %s", dir)
}
