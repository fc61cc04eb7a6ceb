package keys

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var when = time.Date(2024, 3, 7, 9, 5, 2, 0, time.FixedZone("CET", 3600)) // 08:05:02 UTC

func TestParsePrefixRender(t *testing.T) {
	vals := Values{
		Time:       when,
		QueryKeys:  map[string]string{"customer": "acme", "evil": "../../etc", "slash": "a/b"},
		LambdaKeys: map[string]string{"region": "eu-west", "dot": "."},
		Random:     "046b6c7f-0b",
	}
	tests := []struct {
		name, expr, want string
	}{
		{"default", "", "2024/03/07/08/"},
		{"explicit default", "!{timestamp:yyyy/MM/dd/HH}/", "2024/03/07/08/"},
		{"literal gets time appended", "logs/", "logs/2024/03/07/08/"},
		{"literal without slash appended as AWS does", "logs", "logs2024/03/07/08/"},
		{"hive style with quotes", "dt=!{timestamp:yyyy'-'MM'-'dd}/h=!{timestamp:HH}/", "dt=2024-03-07/h=08/"},
		{"unquoted punctuation is literal", "!{timestamp:yyyy-MM-dd_HH.mm.ss}/", "2024-03-07_08.05.02/"},
		{"short fields", "!{timestamp:yy/M/d/H/m/s}/", "24/3/7/8/5/2/"},
		{"quoted letters", "!{timestamp:'year='yyyy}/", "year=2024/"},
		{"escaped quote", "!{timestamp:yyyy''MM}/", "2024'03/"},
		{"query key, no time appended", "c=!{partitionKeyFromQuery:customer}/", "c=acme/"},
		{"lambda key", "!{partitionKeyFromLambda:region}/!{timestamp:yyyy}/", "eu-west/2024/"},
		{"key escapes climbing", "!{partitionKeyFromQuery:evil}/", "..%2F..%2Fetc/"},
		{"key escapes slash", "!{partitionKeyFromQuery:slash}/", "a%2Fb/"},
		{"key dot escaped", "!{partitionKeyFromLambda:dot}/", "%2E/"},
		{"random string", "r/!{firehose:random-string}/", "r/046b6c7f-0b/2024/03/07/08/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePrefix(tt.expr)
			if err != nil {
				t.Fatalf("ParsePrefix(%q): %v", tt.expr, err)
			}
			got, err := p.Render(vals)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tt.want {
				t.Fatalf("Render(%q) = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestParseErrorPrefixRender(t *testing.T) {
	vals := Values{Time: when, ErrorType: FormatConversionFailed}
	tests := []struct{ name, expr, want string }{
		{"default", "", "errors/format-conversion-failed/2024/03/07/08/"},
		{"literal gets type and time", "failed/", "failed/format-conversion-failed/2024/03/07/08/"},
		{"custom", "err/!{firehose:error-output-type}/!{timestamp:yyyy}/", "err/format-conversion-failed/2024/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseErrorPrefix(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Render(vals)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePrefixErrors(t *testing.T) {
	tests := []struct {
		name, expr string
		isError    bool
		wantMsg    string
	}{
		{"unknown letter", "!{timestamp:yyyy/QQ}/", false, "unsupported letter 'Q'"},
		{"week year hint", "!{timestamp:YYYY}/", false, "use yyyy"},
		{"too many letters", "!{timestamp:MMM}/", false, "too many 'M'"},
		{"unterminated quote", "!{timestamp:yyyy'x}/", false, "unterminated quote"},
		{"empty pattern", "!{timestamp:}/", false, "not !{namespace:value}"},
		{"unterminated expression", "a/!{timestamp:yyyy", false, "unterminated"},
		{"unknown namespace", "!{foo:bar}/", false, "unknown namespace"},
		{"unknown firehose value", "!{firehose:uuid}/", false, "unknown !{firehose:uuid}"},
		{"error type in data prefix", "!{firehose:error-output-type}/", false, "only in an error prefix"},
		{"partition key in error prefix", "!{firehose:error-output-type}/!{partitionKeyFromQuery:k}/", true, "not allowed in an error prefix"},
		{"error prefix without type", "err/!{timestamp:yyyy}/", true, "not !{firehose:error-output-type}"},
		{"absolute", "/data/", false, "starts with /"},
		{"climbing literal", "a/../b/", false, `".." segment`},
		{"too long", strings.Repeat("a", 600) + "/", false, "more than 512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := ParsePrefix
			if tt.isError {
				parse = ParseErrorPrefix
			}
			_, err := parse(tt.expr)
			if !errors.Is(err, ErrBadPrefix) {
				t.Fatalf("err = %v, want ErrBadPrefix", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestRenderMissingValues(t *testing.T) {
	tests := []struct {
		name, expr string
		isError    bool
		vals       Values
	}{
		{"query key", "!{partitionKeyFromQuery:k}/", false, Values{QueryKeys: map[string]string{"other": "x"}}},
		{"empty query key", "!{partitionKeyFromQuery:k}/", false, Values{QueryKeys: map[string]string{"k": ""}}},
		{"lambda key from query map", "!{partitionKeyFromLambda:k}/", false, Values{QueryKeys: map[string]string{"k": "x"}}},
		{"random", "!{firehose:random-string}/", false, Values{}},
		{"error type", "", true, Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := ParsePrefix
			if tt.isError {
				parse = ParseErrorPrefix
			}
			p, err := parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Render(tt.vals); !errors.Is(err, ErrMissingValue) {
				t.Fatalf("Render = %v, want ErrMissingValue", err)
			}
		})
	}
}

func TestPrefixIntrospection(t *testing.T) {
	p, err := ParsePrefix("!{partitionKeyFromQuery:b}/!{partitionKeyFromQuery:a}/!{partitionKeyFromLambda:c}/!{partitionKeyFromQuery:a}/")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.QueryKeys(), ","); got != "a,b" {
		t.Fatalf("QueryKeys = %s", got)
	}
	if got := strings.Join(p.LambdaKeys(), ","); got != "c" {
		t.Fatalf("LambdaKeys = %s", got)
	}
	if !p.Partitioned() || p.UsesRandom() {
		t.Fatalf("Partitioned=%v UsesRandom=%v", p.Partitioned(), p.UsesRandom())
	}
	d, _ := ParsePrefix("")
	if d.Partitioned() || d.String() != DefaultPrefix {
		t.Fatalf("default prefix: %v %q", d.Partitioned(), d.String())
	}
}
