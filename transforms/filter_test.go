package transforms

import "testing"

const filterWasm = "filter/filter.wasm"

func TestFilter(t *testing.T) {
	runSuites(t, "filter", filterWasm, []suite{
		{
			name: "temp gt 20",
			env:  map[string]string{"FIELD": "temp", "OP": "gt", "VALUE": "20"},
			recs: []rec{
				{name: "greater kept unchanged", data: `{"temp":21.5, "id":"a"}`, want: okText(`{"temp":21.5, "id":"a"}`)},
				{name: "smaller dropped", data: `{"temp":3}`, want: dropped()},
				{name: "equal dropped", data: `{"temp":2e1}`, want: dropped()},
				{name: "missing dropped", data: `{"t":30}`, want: dropped()},
				{name: "string compared as string", data: `{"temp":"3"}`, want: okText(`{"temp":"3"}`)},
				{name: "bool never ordered", data: `{"temp":true}`, want: dropped()},
				{name: "not JSON", data: `{"temp":`, want: failed("record is not JSON: unexpected end of input at byte 8")},
				{name: "not JSON at all", data: `temp=30`, want: failed("record is not JSON: unexpected character at byte 0")},
			},
		},
		{
			name: "nested eq",
			env:  map[string]string{"FIELD": "meta.site", "OP": "eq", "VALUE": "berlin"},
			recs: []rec{
				{name: "equal", data: `{"meta":{"site":"berlin"}}`, want: okText(`{"meta":{"site":"berlin"}}`)},
				{name: "escaped equal", data: `{"meta":{"site":"berl\u0069n"}}`, want: okText(`{"meta":{"site":"berl\u0069n"}}`)},
				{name: "other", data: `{"meta":{"site":"paris"}}`, want: dropped()},
				{name: "meta not an object", data: `{"meta":"berlin"}`, want: dropped()},
			},
		},
		{
			name: "ne drops missing",
			env:  map[string]string{"FIELD": "items.0.id", "OP": "ne", "VALUE": "7"},
			recs: []rec{
				{name: "different", data: `{"items":[{"id":8}]}`, want: okText(`{"items":[{"id":8}]}`)},
				{name: "numerically equal", data: `{"items":[{"id":7.0}]}`, want: dropped()},
				{name: "missing", data: `{"items":[]}`, want: dropped()},
			},
		},
		{
			name: "exists",
			env:  map[string]string{"FIELD": "x", "OP": "exists"},
			recs: []rec{
				{name: "null exists", data: `{"x":null}`, want: okText(`{"x":null}`)},
				{name: "absent", data: `{"y":1}`, want: dropped()},
			},
		},
		{
			name: "contains",
			env:  map[string]string{"FIELD": "tags", "OP": "contains", "VALUE": "hot"},
			recs: []rec{
				{name: "array element", data: `{"tags":["cold","hot"]}`, want: okText(`{"tags":["cold","hot"]}`)},
				{name: "substring", data: `{"tags":"a hot day"}`, want: okText(`{"tags":"a hot day"}`)},
				{name: "object member", data: `{"tags":{"hot":1}}`, want: okText(`{"tags":{"hot":1}}`)},
				{name: "absent from array", data: `{"tags":["cold"]}`, want: dropped()},
			},
		},
		{
			name:     "no FIELD",
			env:      map[string]string{"OP": "eq", "VALUE": "1"},
			batchErr: "transform filter@1: guest error: filter: parameter FIELD is not set (a dotted path such as meta.site)",
		},
		{
			name:     "bad OP",
			env:      map[string]string{"FIELD": "a", "OP": "like", "VALUE": "1"},
			batchErr: `transform filter@1: guest error: filter: parameter OP is "like"; want one of eq, ne, lt, le, gt, ge, exists, contains`,
		},
		{
			name:     "no VALUE",
			env:      map[string]string{"FIELD": "a", "OP": "lt"},
			batchErr: "transform filter@1: guest error: filter: parameter VALUE is not set (needed by OP=lt)",
		},
	})
}
