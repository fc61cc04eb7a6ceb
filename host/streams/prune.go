package streams

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// expired reports whether every record of a closed shard is past the
// stream's retention at now: the shard took its last record before it
// closed, so ClosedAt plus the retention period is when the last of them
// expires (JetStream's MaxAge is the same period).
func expired(sh Shard, retention time.Duration, now time.Time) bool {
	return sh.Closed && !sh.ClosedAt.IsZero() && now.Sub(sh.ClosedAt) > retention
}

// pruneExpired removes from s the closed shards whose records are all
// past retention at now, as Kinesis drops them from ListShards and
// DescribeStream, and reports how many it removed. The shards left may
// name a pruned shard as their parent, as on AWS. Shard ids are not
// reused: NextShard keeps counting.
func pruneExpired(s *Stream, now time.Time) int {
	retention := time.Duration(s.RetentionHours) * time.Hour
	kept := s.Shards[:0:0]
	for _, sh := range s.Shards {
		if !expired(sh, retention, now) {
			kept = append(kept, sh)
		}
	}
	n := len(s.Shards) - len(kept)
	if n > 0 {
		s.NextShard = s.nextShardIndex()
		s.Shards = kept
	}
	return n
}

// PruneShards removes, from every ACTIVE stream, the closed shards whose
// records are all past retention (a compare-and-set of each definition
// that has any). The engine's background loop calls it every
// ScaleInterval; a reshard prunes the stream it commits too. It returns
// the first error and goes on with the other streams.
func (e *Engine) PruneShards(ctx context.Context) error {
	all, err := e.streams(ctx)
	if err != nil {
		return err
	}
	var first error
	now := e.now()
	for _, s := range all {
		if s.Status != StatusActive || !hasExpired(s, now) {
			continue
		}
		n := 0
		_, err := e.update(ctx, s.Name, func(cur *Stream) error {
			if cur.ID != s.ID || cur.Status != StatusActive {
				return errNothingToPrune
			}
			if n = pruneExpired(cur, now); n == 0 {
				return errNothingToPrune
			}
			return nil
		})
		switch {
		case err == nil:
			e.log.Info("pruned expired shards", "stream", s.Name, "shards", n)
		case errors.Is(err, errNothingToPrune) || errors.Is(err, ErrNotFound):
		case first == nil:
			first = fmt.Errorf("prune %s: %w", s.Name, err)
		}
	}
	return first
}

var errNothingToPrune = errors.New("nothing to prune")

func hasExpired(s *Stream, now time.Time) bool {
	retention := time.Duration(s.RetentionHours) * time.Hour
	for _, sh := range s.Shards {
		if expired(sh, retention, now) {
			return true
		}
	}
	return false
}
