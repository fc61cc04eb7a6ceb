package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// Bucket grant rules.
const (
	// ReservedBucketPrefix starts the name of every key-value bucket and
	// object store Sluice keeps for itself (stream definitions, delivery
	// definitions and positions, modules and their version counters).
	// Matched without regard to case, and with '-' as well as '_' after
	// "sluice"; a module can never be granted such a bucket.
	ReservedBucketPrefix = "sluice_"
	// MaxBucketNameLen is the longest bucket name a grant may name.
	MaxBucketNameLen = 255
)

// ErrBucketGrant: a module was granted a key-value bucket it may not have:
// one of Sluice's own (see ReservedBucketPrefix), or a name that is not a
// bucket name.
var ErrBucketGrant = errors.New("bucket cannot be granted")

// IsReservedBucket reports whether name is, or could be, one of Sluice's own
// buckets: it starts with "sluice_" or "sluice-" (in any case), or names
// such a bucket's JetStream stream ("KV_sluice_…", "OBJ_sluice-…").
func IsReservedBucket(name string) bool {
	n := strings.ToLower(name)
	for _, stream := range []string{"kv_", "obj_"} {
		if rest, ok := strings.CutPrefix(n, stream); ok {
			n = rest
			break
		}
	}
	return n == "sluice" || strings.HasPrefix(n, "sluice_") || strings.HasPrefix(n, "sluice-")
}

// CheckBucketGrant checks that a module may be granted the key-value bucket
// name: a JetStream bucket name ([a-zA-Z0-9_-], 1 to MaxBucketNameLen
// characters) that is not reserved (IsReservedBucket). Delivery-stream
// validation and Runtime.Load both use it.
func CheckBucketGrant(name string) error {
	if len(name) == 0 || len(name) > MaxBucketNameLen {
		return fmt.Errorf("%w: bucket name %q must have 1 to %d characters", ErrBucketGrant, name, MaxBucketNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%w: bucket name %q must match [a-zA-Z0-9_-]+", ErrBucketGrant, name)
		}
	}
	if IsReservedBucket(name) {
		return fmt.Errorf("%w: %q is reserved for Sluice's own state (names starting with %q or \"sluice-\"); grant a bucket of your own", ErrBucketGrant, name, ReservedBucketPrefix)
	}
	return nil
}
