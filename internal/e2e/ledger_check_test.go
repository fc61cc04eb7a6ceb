package e2e

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/sinks/keys"
)

// crashFixture is a small history the crash test's checks are run on,
// delivered in two JSON lines objects.
type crashFixture struct {
	l      ledger
	stored []storedRecord
	// objects are the JSON output: positions in the name, and the
	// records (by seq; 0 for one nobody sent) as lines.
	objects []fixtureObject
}

type fixtureObject struct {
	first, last uint64
	seqs        []uint64
}

// newCrashFixture makes the history of records stored in the given order
// ("k0:0 k1:0 ..."), on one shard from seq 1. A record stored twice was
// first sent in a call whose answer was lost; the second copy is the
// acknowledged one.
func newCrashFixture(t *testing.T, order string) *crashFixture {
	f := &crashFixture{l: ledger{}}
	var seqs []uint64
	for i, kn := range strings.Fields(order) {
		key, ns, _ := strings.Cut(kn, ":")
		n, err := strconv.Atoi(ns)
		mustf(t, err, "fixture %q", kn)
		seq := uint64(i + 1)
		if n == len(f.l[key]) {
			f.l[key] = append(f.l[key], &sent{rec: goodRecord(key, n, n*2)})
		}
		s := f.l[key][n]
		if s.acked {
			s.lostIn = append(s.lostIn, "p0#"+ns)
		}
		s.acked, s.seq, s.shard = true, seq, "shardId-000000000000"
		f.stored = append(f.stored, storedRecord{shard: s.shard, seq: seq, pkey: key, data: s.data})
		seqs = append(seqs, seq)
	}
	half := len(seqs) / 2
	f.objects = []fixtureObject{{seqs[0], seqs[half-1], seqs[:half]}, {seqs[half], seqs[len(seqs)-1], seqs[half:]}}
	return f
}

// record is the stored record at seq.
func (f *crashFixture) record(seq uint64) storedRecord {
	for _, r := range f.stored {
		if r.seq == seq {
			return r
		}
	}
	panic(seq)
}

func (f *crashFixture) check(t *testing.T) *problems {
	var p problems
	byKey, _ := checkStored(f.l, f.stored, &p)
	objs := map[string][]byte{}
	for _, o := range f.objects {
		name, err := keys.ObjectName(keys.Name{Stream: soakJSON, Version: 1, Time: time.Unix(0, 0),
			First: strconv.FormatUint(o.first, 10), Last: strconv.FormatUint(o.last, 10), Ext: ".jsonl"})
		mustf(t, err, "object name")
		var body bytes.Buffer
		for _, seq := range o.seqs {
			if seq == 0 {
				body.WriteString(`{"key":"k9","n":0}` + "\n")
				continue
			}
			body.Write(f.record(seq).data)
			body.WriteByte('\n')
		}
		objs["2026/01/01/00/"+name] = body.Bytes()
	}
	got, _ := jsonOutput(t, soakJSON, f.l, objs, &p)
	checkOutput(soakJSON, byKey, got, &p)
	return &p
}

// TestCrashChecks proves the crash test's checks fail when a record is
// lost, duplicated beyond a re-send, or out of order, in GetRecords or in
// an output, and pass on a copy a lost answer explains.
func TestCrashChecks(t *testing.T) {
	const history = "k0:0 k1:0 k0:1 k1:1 k0:2 k1:2 k0:3 k1:3"
	cases := []struct {
		name    string
		history string
		corrupt func(f *crashFixture)
		want    string // "" when the history is right
	}{
		{"intact", history, func(*crashFixture) {}, ""},
		{"copies left by lost answers", "k0:0 k1:0 k0:0 k0:1 k1:1 k1:1 k1:1 k0:2", func(*crashFixture) {}, ""},
		{"acknowledged record not stored", history, func(f *crashFixture) {
			f.stored = f.stored[1:]
			f.objects[0].seqs = f.objects[0].seqs[1:]
		}, "key k0 counter 0: LOST: acknowledged as shardId-000000000000 seq 1, GetRecords does not return it"},
		{"stored twice without a lost answer", "k0:0 k1:0 k0:0 k0:1", func(f *crashFixture) {
			f.l["k0"][0].lostIn = nil
		}, "GetRecords: key k0 counter 0: DUPLICATED: stored 2 times (seqs [1 3]); acknowledged true, in 0 calls whose answer was lost"},
		{"stored out of order", history, func(f *crashFixture) {
			f.stored[0].seq, f.stored[2].seq = 3, 1
			f.l["k0"][0].seq, f.l["k0"][1].seq = 3, 1
		}, "GetRecords: key k0: counter 0 (shardId-000000000000 seq 3) is stored after counter 1 (seq 1): per-key order lost"},
		{"output lost a record", history, func(f *crashFixture) {
			f.objects[1].seqs = []uint64{5, 6, 8}
		}, "soak-json: key k0 counter 3: LOST: stored 1 times (seqs [7]), delivered 0 times"},
		{"output lost a copy", "k0:0 k1:0 k0:0 k0:1", func(f *crashFixture) {
			f.objects[0].seqs = []uint64{2}
		}, "soak-json: key k0 counter 0: LOST: stored 2 times (seqs [1 3]), delivered 1 times"},
		{"output holds a record twice", history, func(f *crashFixture) {
			f.objects = append(f.objects, fixtureObject{9, 9, []uint64{6}}) // a replay under another name
		}, "soak-json: key k1 counter 2: DUPLICATED: stored 1 times (seqs [6]), delivered 2 times"},
		{"output out of order", history, func(f *crashFixture) {
			f.objects[0].seqs = []uint64{3, 2, 1, 4}
		}, "soak-json: key k0: counter 1 (2026/01/01/00/soak-json-1-1970-01-01-00-00-00-00000000000000000001-00000000000000000004.jsonl:1) is delivered where counter 0 (seq 1) belongs: per-key order lost"},
		{"output record outside its object's positions", history, func(f *crashFixture) {
			f.objects[0].last = 3
		}, "soak-json: key k1 counter 1 (seq 4) is in 2026/01/01/00/soak-json-1-1970-01-01-00-00-00-00000000000000000001-00000000000000000003.jsonl, named for positions 1..3"},
		{"output record nobody sent", history, func(f *crashFixture) {
			f.objects[1].seqs = append(f.objects[1].seqs, 0)
		}, `line 5 is not a record any producer made: "{\"key\":\"k9\",\"n\":0}"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newCrashFixture(t, c.history)
			c.corrupt(f)
			p := f.check(t)
			all := strings.Join(p.lines, "\n")
			switch {
			case c.want == "" && p.n > 0:
				t.Fatalf("a right history fails the checks:\n%s", all)
			case c.want != "" && !strings.Contains(all, c.want):
				t.Fatalf("the checks say\n%s\nwant a line with %q", all, c.want)
			}
			if p.n > 0 {
				t.Logf("the checks say:\n%s", all)
			}
		})
	}
}
