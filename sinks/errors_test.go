package sinks

import (
	"errors"
	"fmt"
	"testing"
)

type classified bool

func (c classified) Error() string   { return "classified" }
func (c classified) Retryable() bool { return bool(c) }

func TestRetryable(t *testing.T) {
	base := errors.New("boom")
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"unclassified", base, true},
		{"permanent", Permanent(base), false},
		{"wrapped permanent", fmt.Errorf("put: %w", Permanent(base)), false},
		{"says retryable", classified(true), true},
		{"says not retryable", fmt.Errorf("x: %w", classified(false)), false},
	} {
		if got := Retryable(tt.err); got != tt.want {
			t.Errorf("%s: Retryable = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !errors.Is(Permanent(base), base) {
		t.Error("Permanent does not unwrap to its error")
	}
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
}
