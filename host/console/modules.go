package console

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/runtime"
)

func (c *Console) modulesPage(w http.ResponseWriter, r *http.Request, se *session) {
	if !se.allowed("sluice:ListModules", c.arns.Any()) {
		c.denied(w, r, se, "sluice:ListModules", c.arns.Any())
		return
	}
	list, err := c.cfg.Modules.List(r.Context())
	if err != nil {
		c.engineError(w, r, se, err)
		return
	}
	more := len(list) > MaxListed
	c.render(w, r, se, http.StatusOK, "modules", "Modules", "modules", struct {
		Modules []modules.Module
		More    bool
	}{list[:min(len(list), MaxListed)], more})
}

// testResult is the module test form's outcome, one row per record.
type testResult struct {
	Ref     string
	Error   string
	Records []testRecord
	Raw     string
}

type testRecord struct {
	RecordID, Result, Data, Reason string
	PartitionKeys                  map[string]string
}

func (c *Console) modulePage(w http.ResponseWriter, r *http.Request, se *session) {
	c.showModule(w, r, se, `{"device":"d1","temp":21.5}`+"\n"+`{"device":"d2","temp":19}`, nil)
}

func (c *Console) showModule(w http.ResponseWriter, r *http.Request, se *session, sample string, res *testResult) {
	name := r.PathValue("name")
	arn := c.arns.Module(name)
	if !se.allowed("sluice:DescribeModule", arn) {
		c.denied(w, r, se, "sluice:DescribeModule", arn)
		return
	}
	vs, err := c.cfg.Modules.Describe(r.Context(), name)
	if err != nil {
		c.engineError(w, r, se, err)
		return
	}
	// Newest first.
	for i, j := 0, len(vs)-1; i < j; i, j = i+1, j-1 {
		vs[i], vs[j] = vs[j], vs[i]
	}
	version := ""
	if r.Method == http.MethodPost {
		version = r.PostForm.Get("version")
	}
	c.render(w, r, se, http.StatusOK, "module", "Module "+name, "modules", struct {
		Name     string
		Versions []modules.Version
		Sample   string
		Version  string
		Result   *testResult
		CanTest  bool
	}{name, vs, sample, version, res, se.allowed("sluice:InvokeModule", arn)})
}

// moduleTest runs the form's sample, one record per line, through the
// module as `sluice module test --records` does.
func (c *Console) moduleTest(w http.ResponseWriter, r *http.Request, se *session) {
	name := r.PathValue("name")
	arn := c.arns.Module(name)
	if !se.allowed("sluice:InvokeModule", arn) {
		c.denied(w, r, se, "sluice:InvokeModule", arn)
		return
	}
	sample := r.PostForm.Get("sample")
	ref := name
	if v := strings.TrimSpace(r.PostForm.Get("version")); v != "" {
		ref = name + "@" + v
	}
	res := &testResult{Ref: ref}
	event, err := c.sampleEvent(sample)
	if err == nil && int64(len(event)) > c.cfg.Invoker.MaxEventBytes() {
		err = fmt.Errorf("the sample makes an event of %d bytes; the limit is %d", len(event), c.cfg.Invoker.MaxEventBytes())
	}
	if err != nil {
		res.Error = err.Error()
		c.showModule(w, r, se, sample, res)
		return
	}
	out, ran, err := c.cfg.Invoker.Invoke(r.Context(), ref, nil, event)
	if err != nil {
		res.Error = err.Error()
		c.showModule(w, r, se, sample, res)
		return
	}
	res.Ref = ran.String()
	resp, err := runtime.DecodeResponse(out)
	if err != nil {
		res.Error = "the module's answer is not a Firehose response: " + err.Error()
		resp = &runtime.Response{}
	}
	sent := map[string][]byte{}
	if in, err := runtime.DecodeEvent(event); err == nil {
		for _, r := range in.Records {
			sent[r.RecordID] = r.Data
		}
	}
	for _, rec := range resp.Records {
		data := rec.Data
		if rec.Status == runtime.StatusProcessingFailed && len(data) == 0 {
			data = sent[rec.RecordID] // what would go to the error output
		}
		res.Records = append(res.Records, testRecord{RecordID: rec.RecordID, Result: rec.Status.String(), Data: string(data),
			PartitionKeys: rec.PartitionKeys, Reason: rec.ErrorMessage})
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") == nil {
		res.Raw = pretty.String()
	}
	c.showModule(w, r, se, sample, res)
}

// sampleEvent makes a Firehose event of one record per line of sample.
func (c *Console) sampleEvent(sample string) ([]byte, error) {
	if len(sample) > MaxSampleBytes {
		return nil, fmt.Errorf("the sample is %d bytes; the limit is %d", len(sample), MaxSampleBytes)
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	b := &runtime.Batch{
		InvocationID:      hex.EncodeToString(id[:]),
		DeliveryStreamARN: "arn:aws:firehose:" + c.cfg.Region + ":" + c.cfg.AccountID + ":deliverystream/sluice-console-test",
		Region:            c.cfg.Region,
	}
	sc := bufio.NewScanner(strings.NewReader(sample))
	sc.Buffer(make([]byte, 64<<10), MaxSampleBytes+1)
	now := time.Now()
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		b.Records = append(b.Records, runtime.Record{RecordID: fmt.Sprintf("record-%d", len(b.Records)+1), ArrivalTime: now, Data: []byte(line)})
	}
	if len(b.Records) == 0 {
		return nil, fmt.Errorf("the sample holds no records: write one record per line")
	}
	return runtime.EncodeEvent(b)
}
