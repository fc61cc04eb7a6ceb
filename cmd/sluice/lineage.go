package main

import (
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// lineage schedules shard readers so that a shard is read only after every
// parent it has among the known shards was read to its end: the rule that
// keeps each partition key's records in order across a reshard. Children
// that a closed shard names when it ends join the known shards.
type lineage struct {
	mu      sync.Mutex
	from    kinesis.GetShardIteratorInput // where the first shards start
	known   map[string][]string           // shard -> its parents
	order   []string                      // known shards in discovery order
	started map[string]bool
	done    map[string]bool
	// start runs a reader for a shard from a position; set before use.
	start func(id string, from kinesis.GetShardIteratorInput)
}

func newLineage(shards []types.Shard, from kinesis.GetShardIteratorInput) *lineage {
	l := &lineage{from: from, known: map[string][]string{}, started: map[string]bool{}, done: map[string]bool{}}
	for _, s := range shards {
		var parents []string
		for _, p := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
			if p != nil && *p != "" {
				parents = append(parents, *p)
			}
		}
		l.add(aws.ToString(s.ShardId), parents)
	}
	return l
}

func (l *lineage) add(id string, parents []string) {
	if _, ok := l.known[id]; ok {
		return
	}
	l.known[id] = parents
	l.order = append(l.order, id)
}

// finished records that a shard was read to its end and starts whatever
// that made ready.
func (l *lineage) finished(id string, children []types.ChildShard) {
	l.mu.Lock()
	l.done[id] = true
	for _, c := range children {
		l.add(aws.ToString(c.ShardId), c.ParentShards)
	}
	l.mu.Unlock()
	l.startReady()
}

// startReady starts every known shard not yet started whose known parents
// are all done. The first shards start where the command asked; a child
// found later starts at its beginning (or at the asked time), since all of
// it follows what its parents held.
func (l *lineage) startReady() {
	type run struct {
		id   string
		from kinesis.GetShardIteratorInput
	}
	l.mu.Lock()
	var ready []run
	for _, id := range l.order {
		if l.started[id] || !l.parentsDone(id) {
			continue
		}
		l.started[id] = true
		ready = append(ready, run{id, l.position(id)})
	}
	l.mu.Unlock()
	for _, r := range ready {
		l.start(r.id, r.from)
	}
}

func (l *lineage) parentsDone(id string) bool {
	for _, p := range l.known[id] {
		if _, known := l.known[p]; known && !l.done[p] {
			return false
		}
	}
	return true
}

// position is where a shard's reader starts: the command's position for a
// shard that has no known parent, else the beginning of the shard (or the
// command's time, for --from TIME).
func (l *lineage) position(id string) kinesis.GetShardIteratorInput {
	for _, p := range l.known[id] {
		if _, known := l.known[p]; known {
			if l.from.ShardIteratorType == types.ShardIteratorTypeAtTimestamp {
				return l.from
			}
			return kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
		}
	}
	return l.from
}
