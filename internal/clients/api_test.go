package clients

import (
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// modelsPath is the data path giving Debian's clients AWS's current
// Kinesis model (models/README.md).
func modelsPath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("models")
	if err != nil {
		t.Fatal(err)
	}
	return "AWS_DATA_PATH=" + p
}

// wantAPI is what a client sees of the rest of the API (api.py's cases;
// the AWS CLI makes those it can name in one command).
var wantAPI = map[string]string{
	"kinesis tag resource":                "",
	"kinesis list tags for resource":      "env=,team=plant-7",
	"kinesis untag resource":              "",
	"kinesis tags after untag":            "team=plant-7",
	"kinesis bad tag":                     "InvalidArgumentException", // Kinesis's model has no pattern for tags
	"kinesis describe limits":             "2/1000000", // sensors-1 and api-1; Sluice has no account limit
	"kinesis 2 MiB record before":         "ValidationException",
	"kinesis update max record size":      "",
	"kinesis max record size":             "10240",
	"kinesis 2 MiB record after":          "",
	"kinesis enable enhanced monitoring":  "IncomingBytes,OutgoingRecords",
	"kinesis disable enhanced monitoring": "",
	"firehose tag delivery stream":        "",
	"firehose list tags":                  "cost=42,team=plant-8",
	"firehose list tags page":             "cost=42 more=True",
	"firehose untag delivery stream":      "",
	"firehose update destination":         "",
	"firehose version and prefix":         "2 v2/",
	"firehose stale update":               "ConcurrentModificationException",
	"firehose bad tag":                    "ValidationException",
}

// TestBoto3API runs python/api.py: the operations issue 10 added, with
// boto3.
func TestBoto3API(t *testing.T) {
	ep := startHost(t)
	py := tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Fatalf("boto3 is missing for %s (%v): run `bash scripts/install-toolchains.sh` at the repository root", py, err)
	}
	got := runScriptEnv(t, []string{modelsPath(t)}, "python", py, "api.py", ep, admin.AccessKeyID, admin.SecretAccessKey)
	for _, c := range slices.Sorted(maps.Keys(wantAPI)) {
		if g, ok := got[c]; !ok {
			t.Errorf("%s: no result", c)
		} else if g != wantAPI[c] {
			t.Errorf("%s: got %q, want %q", c, g, wantAPI[c])
		}
	}
}
