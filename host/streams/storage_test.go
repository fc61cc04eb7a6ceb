package streams

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// TestStorageError: JetStream's answers that mean a full store become
// ErrStorageFull with a message for the caller; other errors do not.
func TestStorageError(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string // "" means not a storage error
	}{
		{"store limit", &jetstream.APIError{Code: 503, ErrorCode: 10023, Description: "insufficient resources"}, "--max-store"},
		{"store limit, wrapped", fmt.Errorf("update stream x: %w", &jetstream.APIError{Code: 503, ErrorCode: 10023}), "--max-store"},
		{"reservation", &jetstream.APIError{Code: 500, ErrorCode: 10047, Description: "insufficient storage resources available"}, "--max-store"},
		{"store failed, disk full", &jetstream.APIError{Code: 503, ErrorCode: 10077, Description: "write /d/1.blk: no space left on device"}, "no space left on device"},
		{"store failed, other", &jetstream.APIError{Code: 503, ErrorCode: 10077, Description: "maximum bytes exceeded"}, ""},
		{"wrong last sequence", &jetstream.APIError{Code: 400, ErrorCode: 10071}, ""},
		{"timeout", jetstream.ErrAsyncPublishTimeout, ""},
		{"plain ENOSPC", errors.New("write x: no space left on device"), "no space left on device"},
		{"nil", nil, ""},
	} {
		got := StorageError(c.err)
		if c.want == "" {
			if got != nil {
				t.Errorf("%s: %v, want no storage error", c.name, got)
			}
			continue
		}
		if !errors.Is(got, ErrStorageFull) || !strings.Contains(got.Error(), c.want) {
			t.Errorf("%s: %v, want ErrStorageFull saying %q", c.name, got, c.want)
		}
	}
	// The guard's cause, without stream names or paths.
	err := StorageFailed(errors.New("jetstream storage failed: stream KDS_x: no space left on device"))
	if !errors.Is(err, ErrStorageFull) || strings.Contains(err.Error(), "KDS_x") || !strings.Contains(err.Error(), "(no space left on device)") {
		t.Errorf("StorageFailed: %v", err)
	}
}
