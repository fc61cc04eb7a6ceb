package clients

import (
	"bytes"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
	"kinesis describe limits":             "2/1000000",                // sensors-1 and api-1; Sluice has no account limit
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

// TestAWSCLIAPI runs the AWS CLI v2 through the same operations, one
// command each, as a shell script would.
func TestAWSCLIAPI(t *testing.T) {
	ep := startHost(t)
	bin := tool(t, "/usr/bin/aws")
	home := t.TempDir()
	// aws runs one command and returns its text output, or the AWS error
	// code it printed.
	aws := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--endpoint-url="+ep, "--output", "text")...)
		cmd.Env = cleanEnv(home, modelsPath(t), "AWS_ACCESS_KEY_ID="+admin.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+admin.SecretAccessKey,
			"AWS_MAX_ATTEMPTS=1", "AWS_DEFAULT_REGION=us-east-1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err == nil {
			return strings.TrimSpace(string(out))
		}
		m := cliError.FindSubmatch(stderr.Bytes())
		if m == nil {
			t.Fatalf("aws %v: %v\n%s%s", args, err, out, stderr.Bytes())
		}
		return string(m[1])
	}
	aws("kinesis", "create-stream", "--stream-name", "cli-1", "--shard-count", "1")
	aws("kinesis", "wait", "stream-exists", "--stream-name", "cli-1")
	arn := aws("kinesis", "describe-stream-summary", "--stream-name", "cli-1", "--query", "StreamDescriptionSummary.StreamARN")
	got := map[string]string{}
	got["kinesis tag resource"] = aws("kinesis", "tag-resource", "--resource-arn", arn, "--tags", `{"team":"plant-7","env":""}`)
	got["kinesis list tags for resource"] = aws("kinesis", "list-tags-for-resource", "--resource-arn", arn, "--query", "join(',', sort_by(Tags, &Key)[].join('=', [Key, Value]))")
	got["kinesis describe limits"] = aws("kinesis", "describe-limits", "--query", "join('/', [to_string(OpenShardCount), to_string(ShardLimit)])")
	got["kinesis update max record size"] = aws("kinesis", "update-max-record-size", "--stream-arn", arn, "--max-record-size-in-ki-b", "10240")
	got["kinesis max record size"] = aws("kinesis", "describe-stream-summary", "--stream-name", "cli-1", "--query", "StreamDescriptionSummary.MaxRecordSizeInKiB")
	got["kinesis enable enhanced monitoring"] = aws("kinesis", "enable-enhanced-monitoring", "--stream-name", "cli-1", "--shard-level-metrics", "IncomingBytes", "OutgoingRecords", "--query", "join(',', DesiredShardLevelMetrics)")

	aws("firehose", "create-delivery-stream", "--delivery-stream-name", "cli-d", "--tags", "Key=team,Value=plant-7",
		"--extended-s3-destination-configuration", `{"BucketARN":"arn:aws:s3:::lake","RoleARN":"arn:aws:iam::123456789012:role/f"}`)
	got["firehose tag delivery stream"] = aws("firehose", "tag-delivery-stream", "--delivery-stream-name", "cli-d", "--tags", "Key=cost,Value=42", "Key=team,Value=plant-8")
	got["firehose list tags"] = aws("firehose", "list-tags-for-delivery-stream", "--delivery-stream-name", "cli-d", "--query", "join(',', Tags[].join('=', [Key, Value]))")
	got["firehose list tags page"] = aws("firehose", "list-tags-for-delivery-stream", "--delivery-stream-name", "cli-d", "--limit", "1", "--query", "join(' more=', [join(',', Tags[].join('=', [Key, Value])), to_string(HasMoreTags)])")
	version, dest, _ := strings.Cut(aws("firehose", "describe-delivery-stream", "--delivery-stream-name", "cli-d", "--query",
		"join(' ', [DeliveryStreamDescription.VersionId, DeliveryStreamDescription.Destinations[0].DestinationId])"), " ")
	got["firehose update destination"] = aws("firehose", "update-destination", "--delivery-stream-name", "cli-d", "--current-delivery-stream-version-id", version,
		"--destination-id", dest, "--extended-s3-destination-update", `{"Prefix":"v2/"}`)
	got["firehose version and prefix"] = aws("firehose", "describe-delivery-stream", "--delivery-stream-name", "cli-d", "--query",
		"join(' ', [DeliveryStreamDescription.VersionId, DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription.Prefix])")
	got["firehose stale update"] = aws("firehose", "update-destination", "--delivery-stream-name", "cli-d", "--current-delivery-stream-version-id", version,
		"--destination-id", dest, "--extended-s3-destination-update", `{"Prefix":"v3/"}`)
	want := map[string]string{"firehose list tags page": "cost=42 more=true"}
	for _, c := range slices.Sorted(maps.Keys(got)) {
		w, ok := want[c]
		if !ok {
			w = wantAPI[c]
		}
		if c == "kinesis describe limits" {
			w = "2/1000000"
		}
		if got[c] != w {
			t.Errorf("%s: got %q, want %q", c, got[c], w)
		}
	}
	// The README's shard groups command, as printed: a tag any Kinesis
	// client can give spreads the stream over 4 JetStream streams, and its
	// sequence numbers are the 35-digit grouped form.
	aws("kinesis", "create-stream", "--stream-name", "wide", "--shard-count", "8", "--tags", "sluice:shard-groups=4")
	aws("kinesis", "wait", "stream-exists", "--stream-name", "wide")
	if seq := aws("kinesis", "put-record", "--stream-name", "wide", "--partition-key", "k", "--data", "aGk=", "--query", "SequenceNumber"); len(seq) != 35 || seq[0] != '1' {
		t.Errorf("put-record on a grouped stream: sequence number %q, want 35 digits", seq)
	}
}
