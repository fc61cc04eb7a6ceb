package e2e

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sent is one record a producer made (key, counter) and everything the
// producer learned about it: the acknowledgement (rec.acked, rec.seq,
// rec.shard) and the PutRecords calls whose answer was lost, each of
// which may have stored a copy, as on AWS.
type sent struct {
	*rec
	refused int      // answers that refused it with an ErrorCode: not stored
	lostIn  []string // ids of the calls with it whose answer was lost
}

// ledger is every record the producers made: ledger[key][n].
type ledger map[string][]*sent

func (l ledger) lookup(key string, n int) *sent {
	recs := l[key]
	if n < 0 || n >= len(recs) {
		return nil
	}
	return recs[n]
}

// storedRecord is one record as GetRecords returned it.
type storedRecord struct {
	shard string
	seq   uint64
	pkey  string // partition key
	data  []byte
	key   string // parsed from data
	n     int
}

// counterOf parses the key and counter out of a record's data.
func counterOf(data []byte) (string, int, bool) {
	var v struct {
		Key *string `json:"key"`
		N   *int    `json:"n"`
	}
	if json.Unmarshal(data, &v) != nil || v.Key == nil || v.N == nil {
		return "", 0, false
	}
	return *v.Key, *v.N, true
}

// storeStats are what checkStored counted.
type storeStats struct {
	made, acked, stored int
	duplicates          int // stored copies beyond one per record
	lostCalls           int // calls whose answer was lost
	lostRecords         int // records sent in them
}

// checkStored checks what GetRecords returned against the ledger: every
// acknowledged record is there at its sequence number and shard, with its
// data; nothing else is there but copies of records sent in a call whose
// answer was lost (at most one copy per such call); each key's counters
// never go down in sequence order. It returns each key's records in
// sequence order, the reference the outputs are held to.
func checkStored(l ledger, recs []storedRecord, p *problems) (map[string][]storedRecord, storeStats) {
	var st storeStats
	bySeq := make(map[uint64]*storedRecord, len(recs))
	byKey := map[string][]storedRecord{}
	for i := range recs {
		r := &recs[i]
		key, n, ok := counterOf(r.data)
		s := l.lookup(key, n)
		switch {
		case !ok || s == nil:
			p.add("GetRecords: %s seq %d holds a record no producer made: %.120q", r.shard, r.seq, r.data)
			continue
		case string(r.data) != string(s.data):
			p.add("GetRecords: %s seq %d: key %s counter %d holds %.120q, the producer sent %.120q", r.shard, r.seq, key, n, r.data, s.data)
			continue
		case r.pkey != key:
			p.add("GetRecords: %s seq %d: key %s counter %d has partition key %q", r.shard, r.seq, key, n, r.pkey)
		}
		if bySeq[r.seq] != nil {
			p.add("GetRecords: seq %d returned twice (%s and %s)", r.seq, bySeq[r.seq].shard, r.shard)
			continue
		}
		r.key, r.n = key, n
		bySeq[r.seq] = r
		byKey[key] = append(byKey[key], *r)
		st.stored++
	}
	lostCalls := map[string]bool{}
	for key, recs := range l {
		for n, s := range recs {
			st.made++
			for _, id := range s.lostIn {
				lostCalls[id] = true
			}
			st.lostRecords += len(s.lostIn)
			if !s.acked {
				p.add("key %s counter %d: never acknowledged (the producer gave up on it)", key, n)
				continue
			}
			st.acked++
			r := bySeq[s.seq]
			switch {
			case r == nil:
				p.add("key %s counter %d: LOST: acknowledged as %s seq %d, GetRecords does not return it", key, n, s.shard, s.seq)
			case r.key != key || r.n != n:
				p.add("key %s counter %d: acknowledged as %s seq %d, GetRecords has key %s counter %d there", key, n, s.shard, s.seq, r.key, r.n)
			case r.shard != s.shard:
				p.add("key %s counter %d: acknowledged on %s seq %d, GetRecords returns it from %s", key, n, s.shard, s.seq, r.shard)
			}
		}
	}
	st.lostCalls = len(lostCalls)
	for key, recs := range byKey {
		slices.SortFunc(recs, func(a, b storedRecord) int { return cmp.Compare(a.seq, b.seq) })
		copies := map[int][]uint64{}
		for i, r := range recs {
			copies[r.n] = append(copies[r.n], r.seq)
			if i > 0 && r.n < recs[i-1].n {
				p.add("GetRecords: key %s: counter %d (%s seq %d) is stored after counter %d (seq %d): per-key order lost",
					key, r.n, r.shard, r.seq, recs[i-1].n, recs[i-1].seq)
			}
		}
		for n, seqs := range copies {
			st.duplicates += len(seqs) - 1
			s := l.lookup(key, n)
			allowed := len(s.lostIn)
			if s.acked {
				allowed++
			}
			if len(seqs) > allowed {
				p.add("GetRecords: key %s counter %d: DUPLICATED: stored %d times (seqs %v); acknowledged %v, in %d calls whose answer was lost %v, refused %d times",
					key, n, len(seqs), seqs, s.acked, len(s.lostIn), s.lostIn, s.refused)
			}
		}
	}
	return byKey, st
}

// outRec is one record found in a delivery stream's output.
type outRec struct {
	n           int
	object      string
	line        int // line or row within the object, from 1
	first, last uint64
}

// dataObject is a data object and the source positions in its name.
type dataObject struct {
	key         string
	first, last uint64
}

// dataObjects returns the data objects of a delivery stream's output in
// source order (by their first position); anything under errors/ is a
// problem, since no record of the crash test may fail.
func dataObjects(t testing.TB, name, ext string, objs map[string][]byte, p *problems) []dataObject {
	var out []dataObject
	for k := range objs {
		switch {
		case strings.HasPrefix(k, "errors/"):
			p.add("%s: error output %s: %.200q", name, k, objs[k])
		case !strings.HasSuffix(k, ext) || !strings.HasPrefix(path.Base(k), name+"-"):
			p.add("%s: unexpected object %s", name, k)
		default:
			f, l := span(t, k)
			out = append(out, dataObject{k, f, l})
		}
	}
	slices.SortFunc(out, func(a, b dataObject) int {
		return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.key, b.key))
	})
	return out
}

// jsonOutput reads a JSON lines output: every line must be a record a
// producer made, byte for byte.
func jsonOutput(t testing.TB, name string, l ledger, objs map[string][]byte, p *problems) (map[string][]outRec, int) {
	out := map[string][]outRec{}
	list := dataObjects(t, name, ".jsonl", objs, p)
	for _, o := range list {
		lines := strings.Split(strings.TrimSuffix(string(objs[o.key]), "\n"), "\n")
		for i, line := range lines {
			key, n, ok := counterOf([]byte(line))
			s := l.lookup(key, n)
			if !ok || s == nil || line != string(s.data) {
				p.add("%s: %s line %d is not a record any producer made: %.120q", name, o.key, i+1, line)
				continue
			}
			out[key] = append(out[key], outRec{n, o.key, i + 1, o.first, o.last})
		}
	}
	return out, len(list)
}

// parquetOutput reads a Parquet output written through the partition
// transform: every row must be a record a producer made, as partitionRow
// says, under its site's prefix.
func parquetOutput(t testing.TB, name string, l ledger, objs map[string][]byte, p *problems) (map[string][]outRec, int) {
	out := map[string][]outRec{}
	list := dataObjects(t, name, ".parquet", objs, p)
	for _, o := range list {
		rows, _ := arrowRows(t, o.key, objs[o.key])
		for i, row := range rows {
			key, _ := row["key"].(string)
			n, _ := row["n"].(int64)
			s := l.lookup(key, int(n))
			switch {
			case s == nil:
				p.add("%s: %s row %d is not a record any producer made: %v", name, o.key, i+1, row)
				continue
			case !reflect.DeepEqual(row, partitionRow(s.rec)):
				p.add("%s: %s row %d (key %s counter %d):\n got %v\nwant %v", name, o.key, i+1, key, n, row, partitionRow(s.rec))
			case !strings.HasPrefix(o.key, "site="+siteOf(key)+"/"):
				p.add("%s: key %s counter %d (%s) is in %s", name, key, n, siteOf(key), o.key)
			}
			out[key] = append(out[key], outRec{int(n), o.key, i + 1, o.first, o.last})
		}
	}
	return out, len(list)
}

// perKey is how many lost or duplicated counters of one key a failure
// lists.
const perKey = 3

// checkOutput holds a delivery stream's output to what GetRecords
// returned: each key's counters in the same order, each stored copy once
// (a copy the producer caused by a re-send is a record of the stream, and
// Firehose delivers it), and each record inside the positions its
// object's name states. It returns the records found.
func checkOutput(name string, stored map[string][]storedRecord, got map[string][]outRec, p *problems) int {
	total := 0
	keys := map[string]bool{}
	for k := range stored {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		s, o := stored[key], got[key]
		total += len(o)
		want, have := map[int][]uint64{}, map[int][]string{}
		for _, r := range s {
			want[r.n] = append(want[r.n], r.seq)
		}
		for _, r := range o {
			have[r.n] = append(have[r.n], fmt.Sprintf("%s:%d", r.object, r.line))
		}
		var found []string // this key's lost and duplicated counters
		for _, n := range slices.Sorted(maps.Keys(want)) {
			if seqs := want[n]; len(have[n]) < len(seqs) {
				found = append(found, fmt.Sprintf("%s: key %s counter %d: LOST: stored %d times (seqs %v), delivered %d times %v", name, key, n, len(seqs), seqs, len(have[n]), have[n]))
			}
		}
		for _, n := range slices.Sorted(maps.Keys(have)) {
			if where := have[n]; len(where) > len(want[n]) {
				found = append(found, fmt.Sprintf("%s: key %s counter %d: DUPLICATED: stored %d times (seqs %v), delivered %d times %v", name, key, n, len(want[n]), want[n], len(where), where))
			}
		}
		for i, f := range found {
			if i == perKey {
				p.add("%s: key %s: %d more counters lost or duplicated", name, key, len(found)-perKey)
				break
			}
			p.add("%s", f)
		}
		same := len(found) == 0
		if !same {
			continue
		}
		for i := range o {
			if o[i].n != s[i].n {
				p.add("%s: key %s: counter %d (%s:%d) is delivered where counter %d (seq %d) belongs: per-key order lost",
					name, key, o[i].n, o[i].object, o[i].line, s[i].n, s[i].seq)
				break
			}
			if s[i].seq < o[i].first || s[i].seq > o[i].last {
				p.add("%s: key %s counter %d (seq %d) is in %s, named for positions %d..%d",
					name, key, s[i].n, s[i].seq, o[i].object, o[i].first, o[i].last)
			}
		}
	}
	return total
}
