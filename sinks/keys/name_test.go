package keys

import (
	"errors"
	"strings"
	"testing"
)

func TestObjectName(t *testing.T) {
	tests := []struct {
		name string
		n    Name
		want string
	}{
		{"sequence numbers padded", Name{Stream: "clicks", Version: 3, Time: when, First: "17", Last: "942", Ext: ".parquet"},
			"clicks-3-2024-03-07-08-05-02-00000000000000000017-00000000000000000942.parquet"},
		{"already padded", Name{Stream: "s", Version: 1, Time: when, First: "00000000000000000001", Last: "00000000000000000002"},
			"s-1-2024-03-07-08-05-02-00000000000000000001-00000000000000000002"},
		{"non-decimal positions escaped", Name{Stream: "s", Version: 1, Time: when, First: "shard/1:5", Last: "shard/1:9", Ext: ".json.gz"},
			"s-1-2024-03-07-08-05-02-shard%2F1:5-shard%2F1:9.json.gz"},
		{"a later source generation", Name{Stream: "s", Version: 2, Time: when, First: "1", Last: "30", Generation: 2, Ext: ".jsonl"},
			"s-2-2024-03-07-08-05-02-00000000000000000001-00000000000000000030-s2.jsonl"},
		{"a part of a grouped source", Name{Stream: "s", Version: 1, Time: when, First: "1", Last: "30", Part: 3, Ext: ".jsonl"},
			"s-1-2024-03-07-08-05-02-00000000000000000001-00000000000000000030-p3.jsonl"},
		{"a part of a later generation", Name{Stream: "s", Version: 1, Time: when, First: "1", Last: "30", Part: 1, Generation: 2},
			"s-1-2024-03-07-08-05-02-00000000000000000001-00000000000000000030-p1-s2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ObjectName(tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %q\nwant %q", got, tt.want)
			}
			again, _ := ObjectName(tt.n)
			if again != got {
				t.Fatalf("not deterministic: %q then %q", got, again)
			}
		})
	}
}

func TestObjectNameErrors(t *testing.T) {
	for _, n := range []Name{
		{First: "1", Last: "2"},
		{Stream: "s", Last: "2"},
		{Stream: "s", First: "1", Last: "2", Ext: "/x"},
		{Stream: "s", First: "1", Last: "2", Generation: -1},
		{Stream: "s", First: "1", Last: "2", Part: -1},
	} {
		if _, err := ObjectName(n); !errors.Is(err, ErrBadKey) {
			t.Errorf("ObjectName(%+v) = %v, want ErrBadKey", n, err)
		}
	}
}

func TestKey(t *testing.T) {
	p, err := ParsePrefix("")
	if err != nil {
		t.Fatal(err)
	}
	pre, err := p.Render(Values{Time: when})
	if err != nil {
		t.Fatal(err)
	}
	k, err := Key(pre, Name{Stream: "s", Version: 1, Time: when, First: "1", Last: "9", Ext: ".json"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "2024/03/07/08/s-1-2024-03-07-08-05-02-00000000000000000001-00000000000000000009.json"; k != want {
		t.Fatalf("Key = %q, want %q", k, want)
	}
}

func TestRandom(t *testing.T) {
	a, b := RandomString(), RandomString()
	if len(a) != RandomLen || a == b || a[8] != '-' {
		t.Fatalf("RandomString: %q %q", a, b)
	}
	x, y := RandomFrom("seq-1"), RandomFrom("seq-1")
	if len(x) != RandomLen || x != y || x == RandomFrom("seq-2") {
		t.Fatalf("RandomFrom: %q %q %q", x, y, RandomFrom("seq-2"))
	}
}

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"plain":   "plain",
		"a/b":     "a%2Fb",
		"..":      "%2E%2E",
		".":       "%2E",
		"...":     "...",
		`a\b`:     "a%5Cb",
		"50%":     "50%25",
		"x\ny":    "x%0Ay",
		"Zürich":  "Zürich",
		"a..b/..": "a..b%2F..",
	}
	for in, want := range tests {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(Escape(in), "/") {
			t.Errorf("Escape(%q) keeps a slash", in)
		}
	}
}
