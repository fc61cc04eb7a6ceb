package transforms

import "testing"

const partitionWasm = "partition/partition.wasm"

func TestPartition(t *testing.T) {
	keys := "site:meta.site, kind : type"
	runSuites(t, "partition", partitionWasm, []suite{
		{
			name: "keys",
			env:  map[string]string{"KEYS": keys},
			recs: []rec{
				{name: "readme example", data: `{"type":"temp","meta":{"site":"berlin"}}`,
					want: okText(`{"type":"temp","meta":{"site":"berlin"}}`).withKeys("site", "berlin", "kind", "temp")},
				{name: "number as written and bool", data: `{"type":-0.5e1,"meta":{"site":true}}`,
					want: okText(`{"type":-0.5e1,"meta":{"site":true}}`).withKeys("site", "true", "kind", "-0.5e1")},
				{name: "escaped string unescaped", data: `{"type":"a\"b","meta":{"site":"k\u00f6ln"}}`,
					want: okText(`{"type":"a\"b","meta":{"site":"k\u00f6ln"}}`).withKeys("site", "köln", "kind", `a"b`)},
				{name: "missing field", data: `{"type":"temp"}`, want: failed(`partition key "site": field "meta.site" is missing`)},
				{name: "null field", data: `{"type":null,"meta":{"site":"b"}}`, want: failed(`partition key "kind": field "type" is null`)},
				{name: "object field", data: `{"type":"t","meta":{"site":{"id":1}}}`,
					want: failed(`partition key "site": field "meta.site" is an object, not a string, number or boolean`)},
				{name: "not JSON", data: `{"type":}`, want: failed("record is not JSON: unexpected character at byte 8")},
			},
		},
		{
			name: "with MISSING",
			env:  map[string]string{"KEYS": keys, "MISSING": "unknown"},
			recs: []rec{
				{name: "missing filled", data: `{"meta":{"site":"b"}}`, want: okText(`{"meta":{"site":"b"}}`).withKeys("site", "b", "kind", "unknown")},
				{name: "null filled", data: `{"type":null,"meta":{"site":"b"}}`,
					want: okText(`{"type":null,"meta":{"site":"b"}}`).withKeys("site", "b", "kind", "unknown")},
				{name: "array still fails", data: `{"type":[1],"meta":{"site":"b"}}`,
					want: failed(`partition key "kind": field "type" is an array, not a string, number or boolean`)},
			},
		},
		{
			name:     "no KEYS",
			batchErr: "transform partition@1: guest error: partition: parameter KEYS is not set (name:path,... such as site:meta.site,kind:type)",
		},
		{
			name:     "entry not name:path",
			env:      map[string]string{"KEYS": "site:meta.site,kind"},
			batchErr: `transform partition@1: guest error: partition: KEYS entry "kind" is not name:path`,
		},
		{
			name:     "name twice",
			env:      map[string]string{"KEYS": "a:x,a:y"},
			batchErr: `transform partition@1: guest error: partition: KEYS names "a" twice`,
		},
	})
}
