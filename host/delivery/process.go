package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/format"
	"github.com/sluice-io/sluice/sinks/keys"
)

// outRecord is a record after the processor: its data and the partition
// keys the processor gave it.
type outRecord struct {
	src  *record
	data []byte
	keys map[string]string
}

// process turns a batch into what must be written: the backup, the
// transformed records encoded into one object per partition (or the
// records for an HTTP destination), and the error output. It fails only
// when ctx ends (or on an internal error); records that fail go to the
// error output instead.
func (st *stages) process(ctx context.Context, batch []record, version int) (*output, error) {
	names := st.names
	if version != names.version {
		cp := *names
		cp.version = version
		names = &cp
	}
	o := &output{names: names, span: span{first: batch[0].seq, last: batch[len(batch)-1].seq, oldest: oldestOf(batch)}}
	if st.def.Backup != nil {
		b, err := st.backupObject(batch, o)
		if err != nil {
			return nil, err
		}
		o.backup = b
	}
	recs, err := st.transform(ctx, batch, o)
	if err != nil {
		return nil, err
	}
	if st.http != nil {
		for _, r := range recs {
			o.http = append(o.http, r.data)
			o.httpSrc = append(o.httpSrc, r.src)
		}
		o.delivered = len(o.http)
		return o, nil
	}
	groups := st.partition(recs, o)
	for _, g := range groups {
		if err := st.encode(g, o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func oldestOf(batch []record) time.Time {
	t := batch[0].arrival
	for i := range batch {
		if batch[i].arrival.Before(t) {
			t = batch[i].arrival
		}
	}
	return t
}

// group is the records of one partition.
type group struct {
	query, lambda map[string]string
	recs          []outRecord
}

// partition splits records by the partition keys the prefix uses; without
// dynamic partitioning there is one group. A record whose keys cannot be
// found goes to the error output as partitioning-failed.
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

// encode writes one partition's records into an object; records that do
// not fit the format go to the error output as format-conversion-failed.
func (st *stages) encode(g *group, o *output) error {
	obj := st.enc.NewObject()
	oldest := time.Time{}
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
		if oldest.IsZero() || r.src.arrival.Before(oldest) {
			oldest = r.src.arrival
		}
	}
	n := obj.Len()
	body, err := obj.Finish()
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if n == 0 {
		return nil
	}
	s := o.span
	s.oldest = oldest
	key, err := o.names.dataKey(s, g.query, g.lambda, st.enc.Extension())
	if err != nil {
		return fmt.Errorf("name object: %w", err)
	}
	o.data = append(o.data, pending{
		obj:     sinks.Object{Key: key, Body: body, ContentType: st.enc.ContentType(), ContentEncoding: st.enc.ContentEncoding()},
		records: n,
	})
	o.delivered += n
	return nil
}
