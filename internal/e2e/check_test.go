package e2e

import (
	"cmp"
	"encoding/json"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/streams"
)

// errorLine is one record of the error output (Firehose's fields).
type errorLine struct {
	AttemptsMade     int    `json:"attemptsMade"`
	ArrivalTimestamp int64  `json:"arrivalTimestamp"`
	ErrorCode        string `json:"errorCode"`
	ErrorMessage     string `json:"errorMessage"`
	RawData          []byte `json:"rawData"`
	LambdaArn        string `json:"lambdaArn"`
	SequenceNumber   string `json:"sequenceNumber"`
	ShardID          string `json:"shardId"`
}

// badWant is what the error output must say about a bad record.
type badWant struct {
	errType string // error output type, the folder under errors/
	code    string // errorCode
	message string // a part of errorMessage
	raw     []byte // rawData, compared as JSON when it is JSON
}

// delivered describes what one delivery stream must have written.
type delivered struct {
	name    string
	objects map[string][]byte
	recs    []*rec
	// row is the Parquet row a good record must become.
	row func(r *rec) map[string]any
	// bad is what the error output says about a bad record.
	bad func(r *rec) badWant
	// partitioned: data keys start with "site=<site>/".
	partitioned bool
}

// span parses the source positions out of an object's name,
// "<stream>-<version>-<time>-<first>-<last><ext>".
func span(t testing.TB, key string) (first, last uint64) {
	t.Helper()
	base := path.Base(key)
	base = base[:strings.IndexByte(base, '.')]
	if len(base) < 41 || base[len(base)-21] != '-' {
		t.Fatalf("object %s: name has no source positions", key)
	}
	f, err1 := strconv.ParseUint(base[len(base)-41:len(base)-21], 10, 64)
	l, err2 := strconv.ParseUint(base[len(base)-20:], 10, 64)
	if err1 != nil || err2 != nil || f > l {
		t.Fatalf("object %s: bad source positions", key)
	}
	return f, l
}

// check verifies the objects of a delivery stream: every acknowledged good
// record exactly once as a Parquet row with the right fields, inside the
// positions its object's name states, in source order within each shard
// and each key; every bad record exactly once in the error output with
// its reason; nothing else.
func (d *delivered) check(t testing.TB) {
	t.Helper()
	byID := map[string]*rec{}
	byRaw := map[string]*rec{}
	inOrder := map[string]bool{} // the key's records were acknowledged in counter order
	lastN := map[string]int{}
	for _, r := range d.recs {
		if !r.acked && !r.uncertain {
			continue
		}
		switch r.kind {
		case good:
			byID[r.id] = r
			if _, ok := inOrder[r.key]; !ok {
				inOrder[r.key], lastN[r.key] = true, -1
			}
		default:
			byRaw[canonical(d.bad(r).raw)] = r
		}
	}
	{
		byKey := map[string][]*rec{}
		for _, r := range byID {
			if r.acked {
				byKey[r.key] = append(byKey[r.key], r)
			}
		}
		for k, rs := range byKey {
			slices.SortFunc(rs, func(a, b *rec) int { return cmp.Compare(a.seq, b.seq) })
			for i := 1; i < len(rs); i++ {
				if rs[i].n < rs[i-1].n {
					t.Logf("%s: key %s: n=%d was stored after n=%d (resent): its counter order is not checked", d.name, k, rs[i].n, rs[i-1].n)
					inOrder[k] = false
					break
				}
			}
		}
	}

	type object struct {
		key         string
		first, last uint64
	}
	var data []object
	var errKeys []string
	for k := range d.objects {
		if strings.HasPrefix(k, "errors/") {
			errKeys = append(errKeys, k)
			continue
		}
		if !strings.HasSuffix(k, ".parquet") || !strings.HasPrefix(path.Base(k), d.name+"-") {
			t.Fatalf("%s: unexpected object %s", d.name, k)
		}
		f, l := span(t, k)
		data = append(data, object{k, f, l})
	}
	slices.SortFunc(data, func(a, b object) int {
		return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.key, b.key))
	})

	seen := map[string]bool{}
	shardLast := map[string]uint64{}
	keySeq := map[string]uint64{}
	rows := 0
	for _, o := range data {
		got, codecs := arrowRows(t, o.key, d.objects[o.key])
		for _, c := range codecs {
			if c != "ZSTD" {
				t.Fatalf("%s: object %s has a %s column chunk, want ZSTD", d.name, o.key, c)
			}
		}
		if len(got) == 0 {
			t.Fatalf("%s: object %s has no rows", d.name, o.key)
		}
		for _, row := range got {
			rows++
			id, _ := row["id"].(string)
			r := byID[id]
			if r == nil {
				t.Fatalf("%s: object %s holds a row nobody sent (or not acknowledged): %v", d.name, o.key, row)
			}
			if seen[id] && r.twice {
				t.Logf("%s: record %s, whose first put timed out unacknowledged, was stored by both puts (again in %s)", d.name, id, o.key)
				continue
			}
			if seen[id] {
				t.Fatalf("%s: record %s delivered twice (again in %s)", d.name, id, o.key)
			}
			seen[id] = true
			if want := d.row(r); !reflect.DeepEqual(row, want) {
				t.Fatalf("%s: record %s in %s:\n got %v\nwant %v", d.name, id, o.key, row, want)
			}
			if d.partitioned && !strings.HasPrefix(o.key, "site="+siteOf(r.key)+"/") {
				t.Fatalf("%s: record %s of %s is in %s", d.name, id, siteOf(r.key), o.key)
			}
			if inOrder[r.key] && r.n <= lastN[r.key] {
				t.Fatalf("%s: key %s: n=%d comes after n=%d: order within the key is lost", d.name, r.key, r.n, lastN[r.key])
			}
			lastN[r.key] = r.n
			if r.uncertain || r.twice {
				continue // its position is unknown (which copy is this?)
			}
			if r.seq < o.first || r.seq > o.last {
				t.Fatalf("%s: record %s at position %d is in %s, named for %d..%d", d.name, id, r.seq, o.key, o.first, o.last)
			}
			// Order holds within a shard, and with dynamic partitioning
			// within each partition of it.
			part := r.shard
			if d.partitioned {
				part += " " + siteOf(r.key)
			}
			if r.seq <= shardLast[part] || r.seq <= keySeq[r.key] {
				t.Fatalf("%s: record %s (position %d) comes after position %d of shard %q or %d of key %s",
					d.name, id, r.seq, shardLast[part], part, keySeq[r.key], r.key)
			}
			shardLast[part], keySeq[r.key] = r.seq, r.seq
		}
	}
	uncertain := 0
	for id, r := range byID {
		switch {
		case r.uncertain && seen[id]:
			uncertain++
		case !r.uncertain && !seen[id]:
			t.Fatalf("%s: %d of %d records delivered; acknowledged record %s is missing", d.name, len(seen), len(byID), id)
		}
	}

	errSeen := map[*rec]bool{}
	for _, k := range errKeys {
		errType := strings.Split(k, "/")[1]
		for _, l := range strings.Split(strings.TrimSuffix(string(d.objects[k]), "\n"), "\n") {
			var e errorLine
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatalf("%s: error object %s: line %q: %v", d.name, k, l, err)
			}
			r := byRaw[canonical(e.RawData)]
			if r == nil {
				t.Fatalf("%s: error output %s holds a record nobody sent: %+v (%q)", d.name, k, e, e.RawData)
			}
			if r.uncertain {
				t.Fatalf("%s: unacknowledged record %q in the error output", d.name, r.data)
			}
			if errSeen[r] {
				t.Fatalf("%s: bad record %q in the error output twice", d.name, r.data)
			}
			errSeen[r] = true
			w := d.bad(r)
			if errType != w.errType || e.ErrorCode != w.code || !strings.Contains(e.ErrorMessage, w.message) {
				t.Fatalf("%s: bad record %q: %s %s %q; want %s %s and a message with %q", d.name, r.data, errType, e.ErrorCode, e.ErrorMessage, w.errType, w.code, w.message)
			}
			if r.shard != "" && (e.ShardID != r.shard || e.SequenceNumber != streams.FormatSequence(r.seq)) {
				t.Fatalf("%s: bad record %q: shard %s sequence %s, want %s %s", d.name, r.data, e.ShardID, e.SequenceNumber, r.shard, streams.FormatSequence(r.seq))
			}
		}
	}
	if len(errSeen) != len(byRaw) {
		t.Fatalf("%s: %d of %d bad records in the error output", d.name, len(errSeen), len(byRaw))
	}
	t.Logf("%s: %d rows (%d of them sent without an acknowledgement) in %d Parquet objects, %d bad records in %d error objects: all checked",
		d.name, rows, uncertain, len(data), len(errSeen), len(errKeys))
}

// canonical re-encodes JSON with sorted keys, so records are compared by
// meaning; anything else is returned as it is.
func canonical(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
