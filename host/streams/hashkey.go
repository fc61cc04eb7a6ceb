package streams

import (
	"crypto/md5"
	"encoding/binary"
	"math/big"
)

// HashKey is an unsigned 128-bit hash key, the space Kinesis divides among
// shards.
type HashKey struct{ Hi, Lo uint64 }

// MaxHashKey is 2^128-1, the end of the last shard's range.
var MaxHashKey = HashKey{^uint64(0), ^uint64(0)}

var (
	two128    = new(big.Int).Lsh(big.NewInt(1), 128)
	bigMaxKey = new(big.Int).Sub(two128, big.NewInt(1))
)

// PartitionHash is the hash key of a partition key: the MD5 of its UTF-8
// bytes read as a big-endian unsigned 128-bit integer.
func PartitionHash(partitionKey string) HashKey {
	sum := md5.Sum([]byte(partitionKey))
	return HashKey{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

// ParseHashKey parses a decimal hash key in 0..2^128-1. Anything else
// (signs, spaces, other digits, out of range) is ErrInvalidArgument.
func ParseHashKey(s string) (HashKey, error) {
	bad := func() (HashKey, error) {
		return HashKey{}, errorf(ErrInvalidArgument, "Invalid hash key %q: must be a decimal integer between 0 and 2^128-1", s)
	}
	if s == "" || len(s) > 39 || (len(s) > 1 && s[0] == '0') {
		return bad()
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return bad()
		}
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok || b.Cmp(bigMaxKey) > 0 {
		return bad()
	}
	return fromBig(b), nil
}

// String formats the key as a decimal string.
func (k HashKey) String() string { return k.big().String() }

// Cmp compares k and o: -1, 0 or +1.
func (k HashKey) Cmp(o HashKey) int {
	switch {
	case k.Hi < o.Hi:
		return -1
	case k.Hi > o.Hi:
		return 1
	case k.Lo < o.Lo:
		return -1
	case k.Lo > o.Lo:
		return 1
	}
	return 0
}

func (k HashKey) big() *big.Int {
	b := new(big.Int).SetUint64(k.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(k.Lo))
}

func fromBig(b *big.Int) HashKey {
	lo := new(big.Int).And(b, new(big.Int).SetUint64(^uint64(0)))
	hi := new(big.Int).Rsh(b, 64)
	return HashKey{hi.Uint64(), lo.Uint64()}
}

// HashRange is an inclusive range of hash keys.
type HashRange struct{ Start, End HashKey }

// Contains reports whether k lies in the range.
func (r HashRange) Contains(k HashKey) bool { return r.Start.Cmp(k) <= 0 && k.Cmp(r.End) <= 0 }

// SplitHashRange divides the key space among n shards exactly as Kinesis
// does at CreateStream: shard i starts at i*floor(2^128/n), each ends one
// before the next starts, and the last ends at 2^128-1.
func SplitHashRange(n int) []HashRange {
	if n < 1 {
		return nil
	}
	step := new(big.Int).Div(two128, big.NewInt(int64(n)))
	out := make([]HashRange, n)
	for i := range n {
		start := new(big.Int).Mul(step, big.NewInt(int64(i)))
		end := bigMaxKey
		if i < n-1 {
			end = new(big.Int).Sub(new(big.Int).Add(start, step), big.NewInt(1))
		}
		out[i] = HashRange{fromBig(start), fromBig(end)}
	}
	return out
}
