package delivery

import (
	"strconv"

	"github.com/sluice-io/sluice/host/kpl"
)

// failedRecord is a record a record processor could not handle: it goes to
// the error output with data, what that processor was given.
type failedRecord struct {
	rec             record
	kind, code, msg string
}

// expand puts source record r into the batch as the transform will see
// it: a KPL aggregate read from a data stream becomes its user records
// (each with its own partition key and a subsequence number), then the
// definition's record processors run on each. The batch holds both the
// user records (for the backup) and what the processors made of them,
// failed or dropped; expand never fails.
//
// Everything here is a pure function of the record and the definition, so
// a batch replayed after a crash (under the definition version that made
// it) is made of the same records again, with the same ids.
func (st *stages) expand(b *batch, r record) {
	b.begin(&r)
	if st.def.Source.Kind != SourceDataStream {
		st.addUser(b, r)
		return
	}
	users, ok := kpl.Deaggregate(r.data)
	if !ok {
		st.addUser(b, r) // not an aggregate (or a broken one): a plain record, as the KCL reads it
		return
	}
	if len(users) == 0 {
		b.dropped++ // a container of nothing: counted, so every source record is accounted for
		return
	}
	for _, u := range users {
		ur := r
		ur.data, ur.partitionKey, ur.explicitHashKey = u.Data, u.PartitionKey, u.ExplicitHashKey
		ur.aggregated, ur.sub = true, u.SubsequenceNumber
		b.size += len(u.Data) // copied out of the container
		st.addUser(b, ur)
	}
}

// addUser adds a user record to the batch and runs the record processors
// on it.
func (st *stages) addUser(b *batch, r record) {
	if !r.aggregated {
		b.size += len(r.data)
	}
	b.recs = append(b.recs, r)
	if st.procs.none() {
		b.items = append(b.items, r)
		return
	}
	st.procs.run(b, r)
}

// id is the record id the transform gets: the source sequence, then
// ".<subsequence>" for a user record of an aggregate, then "/<part>" for
// a record the processors split out. It is unique in a batch and the same
// on a replay.
func (r *record) id() string {
	id := strconv.FormatUint(r.seq, 10)
	if r.aggregated {
		id += "." + strconv.FormatInt(r.sub, 10)
	}
	if r.split {
		id += "/" + strconv.Itoa(r.part)
	}
	return id
}

// itemCount counts what a delivered batch's records came to after
// de-aggregation and the record processors: each is delivered, dropped or
// in the error output.
func (b *batch) itemCount() int { return len(b.items) + len(b.failed) + b.dropped }
