package streams

import (
	"math/big"
	"sort"
)

// Reshard operations, as the API names them.
const (
	OpSplitShard       = "SplitShard"
	OpMergeShards      = "MergeShards"
	OpUpdateShardCount = "UpdateShardCount"
)

// Reshard is a planned change of a stream's shards, recorded in the
// definition (Stream.Pending) before anything changes, so that a crash at
// any point leaves enough to finish it.
//
// Every reshard, even an UpdateShardCount made of many splits and merges,
// commits at one stream sequence L: the shards in Close close with
// EndingSequence L, the shards in New open with StartingSequence L+1.
// New shards that a later step of the same plan split or merged again
// (intermediates, as AWS also creates them) are born closed and empty.
type Reshard struct {
	Op string `json:"op"`
	// Generation is the stream's generation the plan was made on.
	Generation uint64 `json:"generation"`
	// Close lists the open shards the reshard closes.
	Close []string `json:"close"`
	// New lists the shards the reshard adds, in id order, with hash
	// ranges and parent links; sequences are set at commit.
	New []Shard `json:"new"`
}

// planner builds a Reshard from a sequence of splits and merges of the
// open shards.
type planner struct {
	next  int     // index of the next shard id
	open  []Shard // open shards in hash order, as the plan leaves them
	fresh map[string]bool
	r     Reshard
}

func newPlanner(s *Stream, op string) *planner {
	p := &planner{next: s.nextShardIndex(), fresh: map[string]bool{}, r: Reshard{Op: op, Generation: s.Generation}}
	for _, sh := range s.Shards {
		if sh.Open() {
			p.open = append(p.open, sh)
		}
	}
	sort.Slice(p.open, func(i, j int) bool { return hashStart(p.open[i]).Cmp(hashStart(p.open[j])) < 0 })
	return p
}

func hashStart(sh Shard) HashKey { k, _ := ParseHashKey(sh.StartingHashKey); return k }
func hashEnd(sh Shard) HashKey   { k, _ := ParseHashKey(sh.EndingHashKey); return k }

// index finds an open shard by id (-1 if it is not open).
func (p *planner) index(id string) int {
	for i, sh := range p.open {
		if sh.ID == id {
			return i
		}
	}
	return -1
}

// retire closes a shard: an existing one at commit, a fresh one (made
// earlier in this plan) at birth.
func (p *planner) retire(sh Shard) {
	if !p.fresh[sh.ID] {
		p.r.Close = append(p.r.Close, sh.ID)
		return
	}
	for i := range p.r.New {
		if p.r.New[i].ID == sh.ID {
			p.r.New[i].Closed = true
		}
	}
}

func (p *planner) child(parent, adjacent string, start, end HashKey) Shard {
	c := Shard{ID: ShardID(p.next), ParentShardID: parent, AdjacentParentShardID: adjacent,
		StartingHashKey: start.String(), EndingHashKey: end.String()}
	p.next++
	p.fresh[c.ID] = true
	p.r.New = append(p.r.New, c)
	return c
}

// split replaces open shard i by two children: [start, at-1] and [at, end].
// The caller checks start < at <= end.
func (p *planner) split(i int, at HashKey) {
	sh := p.open[i]
	p.retire(sh)
	lo := p.child(sh.ID, "", hashStart(sh), fromBig(new(big.Int).Sub(at.big(), big.NewInt(1))))
	hi := p.child(sh.ID, "", at, hashEnd(sh))
	p.open = append(p.open[:i], append([]Shard{lo, hi}, p.open[i+1:]...)...)
}

// merge replaces open shards i and i+1 (adjacent in hash order) by one
// child; parent names the child's ParentShardId, the other shard its
// AdjacentParentShardId.
func (p *planner) merge(i int, parent string) {
	a, b := p.open[i], p.open[i+1]
	p.retire(a)
	p.retire(b)
	adj := b.ID
	if parent == b.ID {
		adj = a.ID
	}
	c := p.child(parent, adj, hashStart(a), hashEnd(b))
	p.open = append(p.open[:i], append([]Shard{c}, p.open[i+2:]...)...)
}

// uniform reshapes the open shards into n ranges as CreateStream draws
// them: first a split at every boundary that falls inside a shard, then
// merges of the pieces inside each target range, left to right.
func (p *planner) uniform(n int) {
	targets := SplitHashRange(n)
	for _, t := range targets[1:] {
		for i, sh := range p.open {
			if hashStart(sh).Cmp(t.Start) < 0 && t.Start.Cmp(hashEnd(sh)) <= 0 {
				p.split(i, t.Start)
				break
			}
		}
	}
	for _, t := range targets {
		for {
			i := 0
			for i < len(p.open) && hashStart(p.open[i]).Cmp(t.Start) != 0 {
				i++
			}
			if i+1 >= len(p.open) || hashEnd(p.open[i]).Cmp(t.End) == 0 {
				break
			}
			p.merge(i, p.open[i].ID)
		}
	}
}
