package transforms

import "testing"

const projectWasm = "project/project.wasm"

func TestProject(t *testing.T) {
	runSuites(t, "project", projectWasm, []suite{
		{
			name: "fields and rename",
			env:  map[string]string{"FIELDS": "id,temp,sensor.site", "RENAME": "sensor.site:site"},
			recs: []rec{
				// The README's example, byte for byte: keys come out sorted.
				{name: "readme example", data: `{"id":1,"temp":20,"sensor":{"site":"b","serial":"s"},"x":0}`,
					want: okText(`{"id":1,"site":"b","temp":20}`)},
				{name: "missing fields skipped", data: `{"id":2,"x":{"y":1}}`, want: okJSON(`{"id":2}`)},
				{name: "numbers as written", data: `{"id":1.50,"temp":-2e3,"x":1}`, want: okJSON(`{"id":1.50,"temp":-2e3}`)},
				{name: "object emptied by rename removed", data: `{"sensor":{"site":"a"}}`, want: okJSON(`{"site":"a"}`)},
				{name: "nested values kept whole", data: `{"id":{"a":[1,{"b":null}]},"temp":true}`,
					want: okJSON(`{"id":{"a":[1,{"b":null}]},"temp":true}`)},
				{name: "html characters not escaped", data: `{"id":"<a&b>"}`, want: okText(`{"id":"<a&b>"}`)},
				{name: "empty object", data: `{}`, want: okJSON(`{}`)},
				{name: "array is not an object", data: `[1,2]`, want: failed("record is not a JSON object…")},
				{name: "not JSON", data: `id=1`, want: failed("record is not a JSON object…")},
				{name: "data after the object", data: `{"id":1} {"id":2}`, want: failed("record is not a JSON object: data after the JSON value")},
			},
		},
		{
			name: "no parameters keep every field",
			recs: []rec{
				{name: "object", data: `{"b":{"c":1},"a":"x"}`, want: okJSON(`{"a":"x","b":{"c":1}}`)},
				{name: "string", data: `"hello"`, want: failed("record is not a JSON object…")},
			},
		},
		{
			name: "rename kept without FIELDS",
			env:  map[string]string{"FIELDS": "id", "RENAME": "t:temp"},
			recs: []rec{
				{name: "old name kept", data: `{"id":1,"t":3,"u":4}`, want: okJSON(`{"id":1,"temp":3}`)},
			},
		},
		{
			name: "rename into a non-object",
			env:  map[string]string{"RENAME": "x:a.b"},
			recs: []rec{
				{name: "fails the record", data: `{"x":1,"a":5}`, want: failed("cannot set a.b: a is not an object")},
				{name: "creates the object", data: `{"x":1}`, want: okJSON(`{"a":{"b":1}}`)},
			},
		},
		{
			name:     "rename not old:new",
			env:      map[string]string{"RENAME": "oops"},
			batchErr: `transform project@1: guest error: RENAME: "oops" is not old:new`,
		},
		{
			name:     "empty path part",
			env:      map[string]string{"FIELDS": "a..b"},
			batchErr: `transform project@1: guest error: FIELDS: field path "a..b" has an empty part`,
		},
	})
}
