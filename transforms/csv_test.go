package transforms

import "testing"

const csvWasm = "csv/csv.wasm"

func TestCSV(t *testing.T) {
	typed := map[string]string{"COLUMNS": "id,name,temp", "TYPES": "int,string,float"}
	runSuites(t, "csv", csvWasm, []suite{
		{
			name: "typed columns",
			env:  typed,
			recs: []rec{
				{name: "readme example", data: `1,"Smith, Jo",21.5`, want: okText(`{"id":1,"name":"Smith, Jo","temp":21.5}`)},
				{name: "doubled quotes and CRLF", data: "2,\"say \"\"hi\"\"\",-3.5e2\r\n", want: okJSON(`{"id":2,"name":"say \"hi\"","temp":-3.5e2}`)},
				{name: "newline inside quotes", data: "3,\"two\nlines\",0", want: okJSON(`{"id":3,"name":"two\nlines","temp":0}`)},
				{name: "padded numbers, empty ones null", data: " 4 ,, ", want: okJSON(`{"id":4,"name":"","temp":null}`)},
				{name: "escaped string", data: "5,back\\slash\ttab,1", want: okJSON(`{"id":5,"name":"back\\slash\ttab","temp":1}`)},
				{name: "utf-8 kept", data: "6,Grüße,1e3", want: okJSON(`{"id":6,"name":"Grüße","temp":1e3}`)},
				{name: "too few columns", data: "1,2", want: failed("expected 3 columns, got 2")},
				{name: "too many columns", data: "1,a,2,3", want: failed("expected 3 columns, got 4")},
				{name: "leading zero is not an int", data: "007,a,1", want: failed(`column "id": "007" is not an int`)},
				{name: "fraction is not an int", data: "1.5,a,1", want: failed(`column "id": "1.5" is not an int`)},
				{name: "NaN is not a float", data: "1,a,NaN", want: failed(`column "temp": "NaN" is not a float`)},
				{name: "quote inside unquoted field", data: `1,a"b,2`, want: failed("field 2: quote inside an unquoted field at byte 3")},
				{name: "text after closing quote", data: `1,"a"b,2`, want: failed("field 2: unexpected character after the closing quote at byte 5")},
				{name: "unclosed quote", data: `1,"ab,2`, want: failed("field 2: quoted field not closed (opened at byte 2)")},
				{name: "not UTF-8", data: "1,\xff,2", want: failed("record is not UTF-8 text")},
			},
		},
		{
			name: "strings by default",
			env:  map[string]string{"COLUMNS": " a , b "},
			recs: []rec{
				{name: "numbers stay strings", data: "1,2", want: okJSON(`{"a":"1","b":"2"}`)},
			},
		},
		{
			name:     "no COLUMNS",
			batchErr: "transform csv@1: guest error: parameter COLUMNS is required (for example COLUMNS=id,name,temp)",
		},
		{
			name:     "TYPES count",
			env:      map[string]string{"COLUMNS": "a,b", "TYPES": "int"},
			batchErr: "transform csv@1: guest error: TYPES has 1 entries but COLUMNS has 2",
		},
		{
			name:     "unknown type",
			env:      map[string]string{"COLUMNS": "a", "TYPES": "bool"},
			batchErr: `transform csv@1: guest error: TYPES: unknown type "bool" (use string, int or float)`,
		},
		{
			name:     "repeated column",
			env:      map[string]string{"COLUMNS": "a,b,a"},
			batchErr: `transform csv@1: guest error: COLUMNS: column name "a" appears twice`,
		},
	})
}
