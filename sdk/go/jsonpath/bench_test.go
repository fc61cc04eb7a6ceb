package jsonpath

import "testing"

var benchDoc = []byte(`{"id":1,"level":"info","status":200,"ms":12.5,"host":"edge-node-04","msg":"aaaaaaaaaaaaaaaaaaaaaaa"}`)

// BenchmarkParserParseObject times a warm Parser on a 100-byte record
// (build for wasip1 to see a guest's cost: there a call, a branch or an
// allocation costs many times what it does natively).
func BenchmarkParserParseObject(b *testing.B) {
	var p Parser
	b.ReportAllocs()
	for b.Loop() {
		p.Reset()
		if _, err := p.ParseObject(benchDoc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeObject is the same record through encoding/json.
func BenchmarkDecodeObject(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeObject(benchDoc); err != nil {
			b.Fatal(err)
		}
	}
}
