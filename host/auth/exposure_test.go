package auth

import (
	"context"
	"errors"
	"testing"
)

func TestCheckExposure(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		addr               string
		keys, insecure, ok bool
	}{
		{"127.0.0.1:4566", false, false, true},
		{"[::1]:4566", false, false, true},
		{"localhost:4566", false, false, true},
		{"", false, false, true},
		{"0.0.0.0:4566", false, false, false},
		{"[::]:4566", false, false, false},
		{":4566", false, false, false},
		{"0.0.0.0:4566", true, false, true},
		{"0.0.0.0:4566", false, true, true},
	}
	for _, c := range cases {
		err := CheckExposure(ctx, c.keys, c.insecure, Listener{Flag: "--http", Addr: c.addr})
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrExposed)) {
			t.Errorf("%q keys=%v insecure=%v: %v", c.addr, c.keys, c.insecure, err)
		}
	}
}
