package streams

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Shard groups: a data stream's shards spread over several JetStream
// streams, so that its writes go through several RAFT leaders on a
// cluster (RATIONALE.md, "Shard groups").
//
// A stream made with Groups G > 1 has G JetStream streams, its parts:
// part 0 is named as a one-part stream is ("KDS_<token>"), part g > 0
// "KDS_<token>=g<g>" ('=' is in no stream name, so no other stream's
// name is a part's). Shard i lives in part i mod G, for good: its subject
// is the same as in a one-part stream, taken by its part only. Each part
// has its own barrier subject, so a reshard fences each part it touches
// and takes a barrier in each.
//
// Each part counts its own sequence, so a grouped stream's sequence
// numbers carry the shard's generation (the reshard that made it, 0 for
// the first shards) and part above the part's sequence: "1", then the
// generation in 10 digits, the part in 4 and the sequence in 20 (35
// digits, all the same width, so they sort as text too). Within a shard
// they grow (its part's sequence does), and a child's are above its
// parents' (its generation is higher), as Kinesis promises. A one-part
// stream keeps the 20-digit numbers it always had.

const (
	// ShardGroupsTag, given to CreateStream, chooses the stream's number
	// of shard groups ("1" to MaxShardGroups), so that any Kinesis client
	// can; the stream keeps it as a tag, and its layout for good.
	ShardGroupsTag = "sluice:shard-groups"
	// MaxShardGroups caps the parts of one stream.
	MaxShardGroups = 64
	// groupedDigits is the width of a grouped stream's sequence number.
	groupedDigits = 1 + 10 + 4 + sequenceDigits
)

// parts is the number of JetStream streams holding s's records.
func (s *Stream) parts() int { return max(1, s.Groups) }

// Grouped reports whether s spreads over several JetStream streams.
func (s *Stream) Grouped() bool { return s.Groups > 1 }

// partOf is the part holding the shard with id.
func (s *Stream) partOf(id string) int {
	if !s.Grouped() {
		return 0
	}
	i, err := strconv.Atoi(strings.TrimPrefix(id, "shardId-"))
	if err != nil || i < 0 {
		return 0
	}
	return i % s.Groups
}

// partJS is the JetStream stream name of part g of the data stream name.
func partJS(name string, g int) string {
	if g == 0 {
		return jsName(name)
	}
	return jsName(name) + "=g" + strconv.Itoa(g)
}

// partFence is the barrier subject of part g.
func partFence(name string, g int) string {
	if g == 0 {
		return fenceSubject(name)
	}
	return fenceSubject(name) + ".g" + strconv.Itoa(g)
}

// jsOf is the JetStream stream holding the shard with id.
func (s *Stream) jsOf(id string) string { return partJS(s.Name, s.partOf(id)) }

// SequenceNumber is the Kinesis sequence number of the record at
// sequence seq of sh's part.
func (s *Stream) SequenceNumber(sh Shard, seq uint64) string {
	return s.formatSeq(sh.ID, sh.Gen, seq)
}

// formatSeq is SequenceNumber for the shard with id and Gen gen.
func (s *Stream) formatSeq(id string, gen, seq uint64) string {
	if !s.Grouped() {
		return FormatSequence(seq)
	}
	return fmt.Sprintf("1%010d%04d%s", gen, s.partOf(id), FormatSequence(seq))
}

// parseSequenceIn reads a sequence number given for shard sh: the part's
// sequence, and whether the number could belong to sh at all (a grouped
// number names its shard's generation and part).
func (s *Stream) parseSequenceIn(field, text string, sh Shard) (uint64, bool, error) {
	if !s.Grouped() {
		seq, err := ParseSequence(field, text)
		return seq, true, err
	}
	if len(text) == 0 || len(text) > 128 || strings.Trim(text, "0123456789") != "" {
		return 0, false, errorf(ErrInvalidArgument, "%s %q is not a valid sequence number", field, text)
	}
	if len(text) != groupedDigits || text[0] != '1' {
		return 0, false, nil // a number, but none this stream gives out
	}
	gen, err1 := strconv.ParseUint(text[1:11], 10, 64)
	part, err2 := strconv.Atoi(text[11:15])
	seq, err3 := ParseSequence(field, text[15:])
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, false, errorf(ErrInvalidArgument, "%s %q is not a valid sequence number", field, text)
	}
	return seq, gen == sh.Gen && part == s.partOf(sh.ID), nil
}

// partInfo is the JetStream state of part g of the stream name.
func (e *Engine) partInfo(ctx context.Context, name string, g int) (*jetstream.StreamInfo, error) {
	return e.jsInfo(ctx, name, partJS(name, g))
}

// partsState sums the state of s's parts. The summed LastSeq grows by
// one for each record stored in any part (and each barrier), which is
// what the on-demand meter counts.
func (e *Engine) partsState(ctx context.Context, s *Stream) (jetstream.StreamState, error) {
	var sum jetstream.StreamState
	for g := range s.parts() {
		info, err := e.partInfo(ctx, s.Name, g)
		if err != nil {
			return sum, err
		}
		sum.Msgs += info.State.Msgs
		sum.Bytes += info.State.Bytes
		sum.LastSeq += info.State.LastSeq
	}
	return sum, nil
}

// Parts is the number of JetStream streams holding s's records: 1 unless
// s is grouped. A delivery stream reads each part on its own.
func (s *Stream) Parts() int { return s.parts() }

// PartOf is the part holding the shard with id (0 unless s is grouped).
func (s *Stream) PartOf(id string) int { return s.partOf(id) }

// PartSource is what a reader of part g of the data stream name consumes
// in the part's order: its JetStream stream and the subjects of its
// records and of its reshard barriers (SourceStream and SourceSubjects
// for part 0). Every sequence of the part it is not sent is one the part
// does not hold.
func PartSource(name string, g int) (stream string, subjects []string) {
	_, filter := SourceStream(name)
	return partJS(name, g), []string{filter, partFence(name, g)}
}

// LastInShard is the part sequence of the newest record s holds of the
// shard with id; false when it holds none (none was put, or all aged
// out). A closed shard's answer does not change but by ageing out.
func (e *Engine) LastInShard(ctx context.Context, s *Stream, id string) (uint64, bool, error) {
	st, err := e.js.Stream(ctx, s.jsOf(id))
	if err != nil {
		return 0, false, fmt.Errorf("shard %s of %s: %w", id, s.Name, err)
	}
	m, err := st.GetLastMsgForSubject(ctx, shardSubject(s.Name, id))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("shard %s of %s: %w", id, s.Name, err)
	}
	return m.Sequence, true, nil
}
