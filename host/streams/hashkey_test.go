package streams

import (
	"crypto/md5"
	"math/big"
	"testing"
)

func TestSplitHashRangeMatchesKinesis(t *testing.T) {
	// Ranges as Kinesis reports them for new streams of N shards.
	const max = "340282366920938463463374607431768211455"
	cases := map[int][][2]string{
		1: {{"0", max}},
		2: {{"0", "170141183460469231731687303715884105727"}, {"170141183460469231731687303715884105728", max}},
		3: {{"0", "113427455640312821154458202477256070484"},
			{"113427455640312821154458202477256070485", "226854911280625642308916404954512140969"},
			{"226854911280625642308916404954512140970", max}},
		4: {{"0", "85070591730234615865843651857942052863"},
			{"85070591730234615865843651857942052864", "170141183460469231731687303715884105727"},
			{"170141183460469231731687303715884105728", "255211775190703847597530955573826158591"},
			{"255211775190703847597530955573826158592", max}},
	}
	for n, want := range cases {
		got := SplitHashRange(n)
		if len(got) != n {
			t.Fatalf("n=%d: %d ranges", n, len(got))
		}
		for i, r := range got {
			if r.Start.String() != want[i][0] || r.End.String() != want[i][1] {
				t.Errorf("n=%d shard %d: %s..%s, want %s..%s", n, i, r.Start, r.End, want[i][0], want[i][1])
			}
		}
	}
}

func TestSplitHashRangeRule(t *testing.T) {
	two128 := new(big.Int).Lsh(big.NewInt(1), 128)
	for _, n := range []int{1, 2, 3, 4, 7, 10, 13, 500} {
		step := new(big.Int).Div(two128, big.NewInt(int64(n)))
		rs := SplitHashRange(n)
		for i, r := range rs {
			wantStart := new(big.Int).Mul(step, big.NewInt(int64(i)))
			if r.Start.big().Cmp(wantStart) != 0 {
				t.Fatalf("n=%d shard %d starts %s, want %s", n, i, r.Start, wantStart)
			}
			if i > 0 {
				prevEnd := rs[i-1].End.big()
				if new(big.Int).Add(prevEnd, big.NewInt(1)).Cmp(r.Start.big()) != 0 {
					t.Fatalf("n=%d: gap or overlap before shard %d", n, i)
				}
			}
		}
		if rs[n-1].End != MaxHashKey {
			t.Fatalf("n=%d: last range ends at %s", n, rs[n-1].End)
		}
	}
	if SplitHashRange(0) != nil {
		t.Fatal("n=0 gave ranges")
	}
}

func TestPartitionHashIsMD5BigEndian(t *testing.T) {
	for _, key := range []string{"a", "partition-1", "ключ", ""} {
		sum := md5.Sum([]byte(key))
		want := new(big.Int).SetBytes(sum[:])
		if got := PartitionHash(key); got.big().Cmp(want) != 0 {
			t.Errorf("%q: %s, want %s", key, got, want)
		}
	}
}

func TestParseHashKey(t *testing.T) {
	const max = "340282366920938463463374607431768211455"
	for _, ok := range []string{"0", "1", "85070591730234615865843651857942052864", max} {
		k, err := ParseHashKey(ok)
		if err != nil || k.String() != ok {
			t.Errorf("%q: %v %v", ok, k, err)
		}
	}
	for _, bad := range []string{"", "-1", "+1", " 1", "1 ", "01", "1.5", "abc", "340282366920938463463374607431768211456", "9999999999999999999999999999999999999999"} {
		if _, err := ParseHashKey(bad); !isKind(err, ErrInvalidArgument) {
			t.Errorf("%q: err %v, want invalid argument", bad, err)
		}
	}
}

func TestRouterBoundaries(t *testing.T) {
	s := &Stream{}
	for i, r := range SplitHashRange(4) {
		s.Shards = append(s.Shards, Shard{ID: ShardID(i), StartingHashKey: r.Start.String(), EndingHashKey: r.End.String()})
	}
	// A closed shard must never receive records.
	s.Shards = append(s.Shards, Shard{ID: ShardID(99), StartingHashKey: "0", EndingHashKey: MaxHashKey.String(), EndingSequence: 5, Closed: true})
	rt, err := newRouter(s)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key, shard string
	}{
		{"0", "shardId-000000000000"},
		{"85070591730234615865843651857942052863", "shardId-000000000000"},
		{"85070591730234615865843651857942052864", "shardId-000000000001"},
		{"170141183460469231731687303715884105727", "shardId-000000000001"},
		{"170141183460469231731687303715884105728", "shardId-000000000002"},
		{"255211775190703847597530955573826158592", "shardId-000000000003"},
		{"340282366920938463463374607431768211455", "shardId-000000000003"},
	}
	for _, c := range cases {
		k, _ := ParseHashKey(c.key)
		if got, _ := rt.route(k); got != c.shard {
			t.Errorf("%s routed to %s, want %s", c.key, got, c.shard)
		}
	}
}

func TestSequenceFormat(t *testing.T) {
	cases := map[uint64]string{
		0:              "00000000000000000000",
		1:              "00000000000000000001",
		1234567:        "00000000000001234567",
		^uint64(0):     "18446744073709551615",
		10000000000000: "00000010000000000000",
	}
	for v, want := range cases {
		got := FormatSequence(v)
		if got != want {
			t.Errorf("%d: %q, want %q", v, got, want)
		}
		back, err := ParseSequence("x", got)
		if err != nil || back != v {
			t.Errorf("parse %q: %d %v", got, back, err)
		}
	}
	// Text order is numeric order.
	if !(FormatSequence(9) < FormatSequence(10) && FormatSequence(99999) < FormatSequence(100000)) {
		t.Error("sequence numbers do not sort as text")
	}
	for _, bad := range []string{"", "abc", "-1", "1.0", "18446744073709551616", " 1"} {
		if _, err := ParseSequence("x", bad); !isKind(err, ErrInvalidArgument) {
			t.Errorf("%q: err %v, want invalid argument", bad, err)
		}
	}
}

func TestPartitionKeyEscaping(t *testing.T) {
	for _, k := range []string{"plain", "with space", "100%", "new\r\nline", "ключ", "tab\there", "%41", " lead", "trail "} {
		enc := escapeKey(k)
		for i := 0; i < len(enc); i++ {
			if enc[i] <= 0x20 || enc[i] >= 0x7f {
				t.Errorf("%q escaped to %q, which has byte %#x", k, enc, enc[i])
			}
		}
		if got := unescapeKey(enc); got != k {
			t.Errorf("%q -> %q -> %q", k, enc, got)
		}
	}
}
