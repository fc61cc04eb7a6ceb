package transform

import (
	"encoding/binary"
	"maps"
	"slices"
)

func appendU32(dst []byte, v uint32) []byte {
	return binary.LittleEndian.AppendUint32(dst, v)
}

func appendBytes(dst, b []byte) []byte {
	dst = appendU32(dst, uint32(len(b)))
	return append(dst, b...)
}

func appendString(dst []byte, s string) []byte {
	dst = appendU32(dst, uint32(len(s)))
	return append(dst, s...)
}

// appendResponse encodes the answers to records (results[i] answers
// records[i]) as an ABI response and appends it to dst. Partition keys are
// written in sorted order so the encoding is deterministic. Results must
// already be normalized (see normalize).
func appendResponse(dst []byte, records []Record, results []Result) []byte {
	size := 8
	for i := range results {
		size += 4 + len(records[i].ID) + 1 + 4 + len(results[i].Data) + 4 + 4
	}
	dst = slices.Grow(dst, size)
	dst = appendU32(dst, responseMagic)
	dst = appendU32(dst, uint32(len(results)))
	for i := range results {
		res := &results[i]
		if res.Status == StatusOk && len(res.PartitionKeys) == 0 {
			// The common answer: Ok, no keys, no error message.
			dst = appendString(dst, records[i].ID)
			dst = append(dst, byte(StatusOk))
			dst = appendBytes(dst, res.Data)
			dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
			continue
		}
		dst = appendString(dst, records[i].ID)
		dst = append(dst, byte(res.Status))
		if res.Status == StatusOk {
			dst = appendBytes(dst, res.Data)
			dst = appendU32(dst, uint32(len(res.PartitionKeys)))
			if len(res.PartitionKeys) == 1 {
				for k, v := range res.PartitionKeys {
					dst = appendString(dst, k)
					dst = appendString(dst, v)
				}
			} else if len(res.PartitionKeys) > 1 {
				for _, k := range slices.Sorted(maps.Keys(res.PartitionKeys)) {
					dst = appendString(dst, k)
					dst = appendString(dst, res.PartitionKeys[k])
				}
			}
		} else {
			dst = appendBytes(dst, nil)
			dst = appendU32(dst, 0)
		}
		if res.Status == StatusProcessingFailed {
			dst = appendString(dst, res.Error)
		} else {
			dst = appendString(dst, "")
		}
	}
	return dst
}
