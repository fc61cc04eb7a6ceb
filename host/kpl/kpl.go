package kpl

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
)

// Magic starts every aggregated record.
var Magic = []byte{0xF3, 0x89, 0x9A, 0xC2}

// DigestLen is the length of the MD5 trailer.
const DigestLen = md5.Size

// UserRecord is one record of a container: what the producer put.
type UserRecord struct {
	PartitionKey string
	// ExplicitHashKey is empty when the record has none.
	ExplicitHashKey string
	Data            []byte
	// SubsequenceNumber is the record's index in its container.
	SubsequenceNumber int64
}

// Deaggregate returns the user records of an aggregated record and true,
// or nil and false when data is not one (it is then a plain record). The
// records' data is copied out of data. A container holding no records
// gives none, and true.
func Deaggregate(data []byte) ([]UserRecord, bool) {
	if len(data) < len(Magic) || !bytes.Equal(data[:len(Magic)], Magic) {
		return nil, false
	}
	body := data[len(Magic):]
	if len(body) <= DigestLen { // as the KCL: a message must come before the digest
		return nil, false
	}
	msg, digest := body[:len(body)-DigestLen], body[len(body)-DigestLen:]
	if sum := md5.Sum(msg); !bytes.Equal(sum[:], digest) {
		return nil, false
	}
	var ar AggregatedRecord
	if err := proto.Unmarshal(msg, &ar); err != nil {
		return nil, false
	}
	pks, ehks := ar.GetPartitionKeyTable(), ar.GetExplicitHashKeyTable()
	out := make([]UserRecord, 0, len(ar.GetRecords()))
	for i, r := range ar.GetRecords() {
		pk := r.GetPartitionKeyIndex()
		if pk >= uint64(len(pks)) {
			return nil, false
		}
		u := UserRecord{PartitionKey: pks[pk], Data: r.GetData(), SubsequenceNumber: int64(i)}
		if r.ExplicitHashKeyIndex != nil {
			eh := r.GetExplicitHashKeyIndex()
			if eh >= uint64(len(ehks)) {
				return nil, false
			}
			u.ExplicitHashKey = ehks[eh]
		}
		if u.Data == nil {
			u.Data = []byte{}
		}
		out = append(out, u)
	}
	return out, true
}

// ErrNoPartitionKey: a user record to aggregate has no partition key.
var ErrNoPartitionKey = errors.New("kpl: a record needs a partition key")

// Aggregate makes one aggregated record of recs, as the KPL does: each
// distinct partition key and explicit hash key once in its table, records
// in order. (Producers aggregate; Sluice itself only reads containers.
// Aggregate serves tools and tests.)
func Aggregate(recs []UserRecord) ([]byte, error) {
	ar := &AggregatedRecord{}
	pkIndex, ehIndex := map[string]uint64{}, map[string]uint64{}
	for _, u := range recs {
		if u.PartitionKey == "" {
			return nil, ErrNoPartitionKey
		}
		pk, ok := pkIndex[u.PartitionKey]
		if !ok {
			pk = uint64(len(ar.PartitionKeyTable))
			pkIndex[u.PartitionKey] = pk
			ar.PartitionKeyTable = append(ar.PartitionKeyTable, u.PartitionKey)
		}
		r := &Record{PartitionKeyIndex: proto.Uint64(pk), Data: u.Data}
		if r.Data == nil {
			r.Data = []byte{}
		}
		if u.ExplicitHashKey != "" {
			eh, ok := ehIndex[u.ExplicitHashKey]
			if !ok {
				eh = uint64(len(ar.ExplicitHashKeyTable))
				ehIndex[u.ExplicitHashKey] = eh
				ar.ExplicitHashKeyTable = append(ar.ExplicitHashKeyTable, u.ExplicitHashKey)
			}
			r.ExplicitHashKeyIndex = proto.Uint64(eh)
		}
		ar.Records = append(ar.Records, r)
	}
	return Encode(ar)
}

// Encode frames a message as an aggregated record: magic, protobuf, MD5.
func Encode(ar *AggregatedRecord) ([]byte, error) {
	msg, err := proto.Marshal(ar)
	if err != nil {
		return nil, fmt.Errorf("kpl: %w", err)
	}
	sum := md5.Sum(msg)
	out := make([]byte, 0, len(Magic)+len(msg)+DigestLen)
	out = append(out, Magic...)
	out = append(out, msg...)
	return append(out, sum[:]...), nil
}
