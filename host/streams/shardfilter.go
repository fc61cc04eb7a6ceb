package streams

import "time"

// ShardFilter types of ListShards, as Kinesis names them.
const (
	FilterAfterShardID    = "AFTER_SHARD_ID"
	FilterAtTrimHorizon   = "AT_TRIM_HORIZON"
	FilterFromTrimHorizon = "FROM_TRIM_HORIZON"
	FilterAtLatest        = "AT_LATEST"
	FilterAtTimestamp     = "AT_TIMESTAMP"
	FilterFromTimestamp   = "FROM_TIMESTAMP"
)

// ShardFilter selects shards by their life span, as ListShards' ShardFilter
// does. The zero value selects every shard.
type ShardFilter struct {
	Type string
	// ShardID is required for AFTER_SHARD_ID.
	ShardID string
	// Timestamp is required for AT_TIMESTAMP and FROM_TIMESTAMP.
	Timestamp *time.Time
}

// FilterShards returns the shards of s that f selects, in id order:
//
//   - AT_LATEST: the open shards;
//   - AT_TIMESTAMP: the shards open at the time;
//   - FROM_TIMESTAMP: those, and every shard created after the time;
//   - AT_TRIM_HORIZON and FROM_TRIM_HORIZON: the same, at the trim
//     horizon (now minus the retention period);
//   - AFTER_SHARD_ID: shards with a greater id.
//
// A shard the stream was created with counts as open since the beginning
// of time, so the trim horizon of a young stream still finds it.
func (e *Engine) FilterShards(s *Stream, f ShardFilter) ([]Shard, error) {
	var at time.Time
	switch f.Type {
	case "":
		return s.Shards, nil
	case FilterAfterShardID:
		if f.ShardID == "" {
			return nil, errorf(ErrInvalidArgument, "ShardId is required for ShardFilter type AFTER_SHARD_ID.")
		}
		var out []Shard
		for _, sh := range s.Shards {
			if sh.ID > f.ShardID {
				out = append(out, sh)
			}
		}
		return out, nil
	case FilterAtLatest:
		var out []Shard
		for _, sh := range s.Shards {
			if sh.Open() {
				out = append(out, sh)
			}
		}
		return out, nil
	case FilterAtTrimHorizon, FilterFromTrimHorizon:
		at = e.now().Add(-time.Duration(s.RetentionHours) * time.Hour)
	case FilterAtTimestamp, FilterFromTimestamp:
		if f.Timestamp == nil {
			return nil, errorf(ErrInvalidArgument, "Timestamp is required for ShardFilter type %s.", f.Type)
		}
		at = *f.Timestamp
	default:
		return nil, validationf(f.Type, "shardFilter.type", "Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]")
	}
	from := f.Type == FilterFromTimestamp || f.Type == FilterFromTrimHorizon
	var out []Shard
	for _, sh := range s.Shards {
		if openAt(sh, at) || from && sh.CreatedAt.After(at) {
			out = append(out, sh)
		}
	}
	return out, nil
}

// openAt reports whether the shard took records at time t.
func openAt(sh Shard, t time.Time) bool {
	created := sh.CreatedAt.IsZero() || !sh.CreatedAt.After(t)
	return created && (sh.Open() || sh.ClosedAt.After(t))
}
