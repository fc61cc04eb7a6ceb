package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/format"
	"github.com/sluice-io/sluice/sinks/keys"
)

// MaxActivePartitions is the most partitions (distinct partition key sets)
// one batch delivers, Firehose's default active-partition limit: records
// that would open more go to the error output.
const MaxActivePartitions = 500

// outRecord is a record after the processor: its data and the partition
// keys the processor gave it.
type outRecord struct {
	src  *record
	data []byte
	keys map[string]string
}

// process turns a batch into what must be written: the backup, the
// transformed records encoded into one object per partition (or the
// records for an HTTP, Kinesis or Firehose destination), and the error output, all named by
// the intent (its range, version and time). It fails only when ctx ends
// (or on an internal error); a record that cannot be transformed,
// partitioned, named or converted goes to the error output instead, and
// the rest of the batch is delivered.
func (st *stages) process(ctx context.Context, b *batch, in intent) (*output, error) {
	names := st.names
	if in.Version != names.version {
		cp := *names
		cp.version = in.Version
		names = &cp
	}
	o := &output{names: names, span: span{first: in.First, last: in.Last, oldest: in.At, gen: b.sourceGen, part: st.p.part}, version: in.Version}
	for _, g := range b.gaps {
		o.errors = append(o.errors, st.gapError(g))
	}
	o.dropped += b.dropped
	for i := range b.failed {
		f := &b.failed[i]
		e := st.newError(&f.rec, f.kind, f.code, f.msg, 1, f.rec.data)
		e.LambdaArn = "" // a record processor's failure, not the transform's
		o.errors = append(o.errors, e)
	}
	if len(b.recs) == 0 {
		return o, nil
	}
	if st.def.Backup != nil {
		bk, err := st.backupObject(b.recs, o)
		if err != nil {
			return nil, err
		}
		o.backup = bk
	}
	recs, err := st.transform(ctx, b.items, o)
	if err != nil {
		return nil, err
	}
	if st.http != nil || st.forward != nil {
		for _, r := range recs {
			o.recs = append(o.recs, r.data)
			o.recSrc = append(o.recSrc, r.src)
		}
		o.delivered = len(o.recs)
		return o, nil
	}
	for _, g := range st.partition(recs, o) {
		if err := st.encode(g, o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// group is the records of one partition.
type group struct {
	query, lambda map[string]string
	recs          []outRecord
}

// partition splits records by the partition keys the prefix uses; without
// dynamic partitioning there is one group. A record whose keys cannot be
// found, or that would open a partition beyond MaxActivePartitions, goes
// to the error output as partitioning-failed.
func (st *stages) partition(recs []outRecord, o *output) []*group {
	prefix := st.names.data
	if !prefix.Partitioned() {
		return []*group{{recs: recs}}
	}
	qkeys, lkeys := prefix.QueryKeys(), prefix.LambdaKeys()
	byKey := map[string]*group{}
	var order []*group
	for _, r := range recs {
		g := &group{}
		var id strings.Builder
		err := func() error {
			if len(qkeys) > 0 {
				var doc any
				if err := json.Unmarshal(r.data, &doc); err != nil {
					return fmt.Errorf("record is not JSON: %v", err)
				}
				g.query = map[string]string{}
				for _, k := range qkeys {
					v, err := st.query(k, doc)
					if err != nil {
						return err
					}
					g.query[k] = v
					id.WriteString(v + "\x00")
				}
			}
			if len(lkeys) > 0 {
				g.lambda = map[string]string{}
				for _, k := range lkeys {
					v := r.keys[k]
					if v == "" {
						return fmt.Errorf("the processor gave no partition key %q", k)
					}
					g.lambda[k] = v
					id.WriteString(v + "\x00")
				}
			}
			return nil
		}()
		if err != nil {
			o.errors = append(o.errors, st.newError(r.src, keys.PartitioningFailed, codePartitioningFailed, err.Error(), 1, r.data))
			continue
		}
		if have, ok := byKey[id.String()]; ok {
			g = have
		} else if len(order) >= MaxActivePartitions {
			o.errors = append(o.errors, st.newError(r.src, keys.PartitioningFailed, codeActivePartitions,
				fmt.Sprintf("the batch already has %d active partitions, the most a batch may have", MaxActivePartitions), 1, r.data))
			continue
		} else {
			byKey[id.String()] = g
			order = append(order, g)
		}
		g.recs = append(g.recs, r)
	}
	return order
}

// query runs the partition query of key k over a decoded JSON record.
func (st *stages) query(k string, doc any) (string, error) {
	it := st.queries[k].Run(doc)
	v, ok := it.Next()
	if !ok {
		return "", fmt.Errorf("partition query %s gave no value", k)
	}
	if err, isErr := v.(error); isErr {
		return "", fmt.Errorf("partition query %s: %v", k, err)
	}
	var s string
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("partition query %s gave null", k)
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		s = strconv.Itoa(x)
	case bool:
		s = strconv.FormatBool(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return "", fmt.Errorf("partition query %s: %v", k, err)
		}
		s = string(b)
	}
	if s == "" {
		return "", fmt.Errorf("partition query %s gave an empty value", k)
	}
	return s, nil
}

// encode writes one partition's records into an object. The object's key
// is made (and checked against the store) first: when the partition's
// values make a key no object can have (a prefix longer than 512 bytes, a
// name the file system refuses), its records go to the error output as
// partitioning-failed. Records that do not fit the format go there as
// format-conversion-failed.
func (st *stages) encode(g *group, o *output) error {
	if len(g.recs) == 0 {
		return nil
	}
	oldest := g.recs[0].src.arrival
	for _, r := range g.recs {
		if r.src.arrival.Before(oldest) {
			oldest = r.src.arrival
		}
	}
	s := o.span
	s.oldest = oldest
	key, err := o.names.dataKey(s, g.query, g.lambda, st.enc.Extension())
	if err == nil {
		if kc, ok := st.data.(sinks.KeyChecker); ok {
			err = kc.CheckKey(key)
		}
	}
	if err != nil {
		msg := fmt.Sprintf("the partition's object cannot be named: %v", err)
		for _, r := range g.recs {
			o.errors = append(o.errors, st.newError(r.src, keys.PartitioningFailed, codeInvalidPrefix, msg, 1, r.data))
		}
		return nil
	}
	obj := st.enc.NewObject()
	var added []outRecord
	for _, r := range g.recs {
		if err := obj.Add(r.data); err != nil {
			code := codeConversionWrite
			var ce *format.ConversionError
			if errors.As(err, &ce) {
				code = codeSchemaMismatch
				if !json.Valid(r.data) {
					code = codeMalformedData
				}
			}
			o.errors = append(o.errors, st.newError(r.src, keys.FormatConversionFailed, code, err.Error(), 1, r.data))
			st.p.m.met.conversionFailed.WithLabelValues(st.def.Name).Inc()
			continue
		}
		added = append(added, r)
	}
	n := obj.Len()
	body, err := obj.Finish()
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if n == 0 {
		return nil
	}
	o.data = append(o.data, pending{
		obj:     sinks.Object{Key: key, Body: body, ContentType: st.enc.ContentType(), ContentEncoding: st.enc.ContentEncoding()},
		records: n,
		recs:    added,
	})
	o.delivered += n
	return nil
}

// gapError is the error output record of a gap: no data (it is gone),
// the range and the count.
func (st *stages) gapError(g gap) errorRecord {
	e := errorRecord{
		AttemptsMade:           1,
		ArrivalTimestamp:       g.at.UnixMilli(),
		ErrorCode:              g.code,
		ErrorMessage:           g.msg,
		AttemptEndingTimestamp: st.p.m.cfg.Now().UnixMilli(),
		RawData:                []byte{},
		FirstSequenceNumber:    recordID(g.first),
		kind:                   keys.SourceGap,
		arrival:                g.at,
	}
	if !g.unknown {
		e.LastSequenceNumber = recordID(g.last)
		n := g.count()
		e.LostRecords = &n
	}
	if st.def.Source.Kind == SourceDataStream {
		e.SourceStream = st.def.Source.Stream
	}
	return e
}
