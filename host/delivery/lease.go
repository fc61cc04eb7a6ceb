package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/jsretry"
)

// Lease defaults (Config.LeaseTTL, Config.LeaseRenew). A killed host's
// delivery streams move once its leases expire: at most LeaseTTL after
// its last renewal, plus one LeaseRenew for another host to notice, plus
// the server's expiry timer (a fraction of a second): about 5 s, half the
// KCL's default failover time of 10 s. A holder that cannot renew for
// LeaseTTL less one LeaseRenew (3 s) lets its pipelines go, before the
// server drops its leases.
const (
	DefaultLeaseBucket = "sluice_delivery_leases"
	DefaultLeaseTTL    = 4 * time.Second
	DefaultLeaseRenew  = time.Second
)

// Keys of the lease bucket: "host.<id>" says a host is there (its
// presence, renewed like a lease), "lease.<name>" says which host runs a
// delivery stream and holds that host's latest report of it.
const (
	hostPrefix  = "host."
	leasePrefix = "lease."
)

// errHeld: another host holds the lease.
var errHeld = errors.New("held by another host")

// errLost: the lease is not this host's any more (it expired, or another
// host took it).
var errLost = errors.New("lease lost")

// errFenced: a position write named a revision that is not the key's any
// more: another host took the delivery stream over (or it was deleted).
// The pipeline stops; it does not retry.
var errFenced = errors.New("fenced: another host took the delivery stream over")

// hostIDPattern is what a host ID may hold: one KV key token.
var hostIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// defaultHostID is this process's host ID when Config.HostID is empty:
// the machine's name and a random suffix, new at each start.
func defaultHostID() string {
	name, _ := os.Hostname()
	return NewHostID(name)
}

// HostIDOf is name as a host ID: the characters a KV key token cannot
// hold made '-', at most 64 of them; "" for an empty name.
func HostIDOf(name string) string {
	id := notHostIDChar.ReplaceAllString(name, "-")
	return id[:min(len(id), 64)]
}

// NewHostID is a host ID made from name (a machine's name) with a random
// suffix, so that two processes on one machine differ.
func NewHostID(name string) string {
	name = HostIDOf(name)
	if name == "" {
		name = "sluice"
	}
	return name[:min(len(name), 40)] + "-" + randomHex(4)
}

var notHostIDChar = regexp.MustCompile(`[^A-Za-z0-9_-]`)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// holder is what a lease key holds: who runs the delivery stream, and
// that host's report of it (Describe on other hosts shows it).
type holder struct {
	Host string `json:"host"`
	// Incarnation tells this process from an earlier one with the same
	// Host (restarted after a crash), whose leases it takes over at once
	// instead of waiting for them to expire: which wrote the lease.
	Incarnation string    `json:"incarnation"`
	At          time.Time `json:"at"`
	Status      *Status   `json:"status,omitempty"`
}

// leases keeps the lease bucket: a key-value bucket whose MaxAge is the
// lease TTL, so a key that is not rewritten within it is gone. It is kept
// on file, not in memory, so it outlives a restart of JetStream (the
// storage guard restarts it after a full disk). JetStream
// is the arbiter: Create takes a key only if it is not there, Update
// renews it only at the revision its holder wrote.
type leases struct {
	kv          jetstream.KeyValue
	host, incar string
	ttl         time.Duration
}

func openLeases(ctx context.Context, js jetstream.JetStream, cfg *Config) (*leases, error) {
	kv, err := jsretry.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      cfg.LeaseBucket,
		Description: "Sluice delivery work: which host runs which delivery stream, and the hosts there are",
		History:     1,
		TTL:         cfg.LeaseTTL,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("delivery: bucket %s: %w", cfg.LeaseBucket, err)
	}
	return &leases{kv: kv, host: cfg.HostID, incar: randomHex(8), ttl: cfg.LeaseTTL}, nil
}

func (l *leases) value(st *Status) []byte {
	b, _ := json.Marshal(holder{Host: l.host, Incarnation: l.incar, At: time.Now().UTC(), Status: st})
	return b
}

// acquire takes the lease of a delivery stream and returns its revision:
// errHeld when another host holds it. A lease this host holds already (a
// renewal that timed out but was written) or that an earlier process of
// this host left (same Host, another Incarnation) is taken over at once.
func (l *leases) acquire(ctx context.Context, name string, st *Status) (uint64, error) {
	key := leasePrefix + keyName(name)
	rev, err := l.kv.Create(ctx, key, l.value(st))
	if err == nil {
		return rev, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("lease %s: %w", name, err)
	}
	h, hrev, err := l.get(ctx, name)
	if err != nil {
		return 0, err
	}
	if h == nil || h.Host != l.host {
		return 0, errHeld
	}
	rev, err = l.kv.Update(ctx, key, l.value(st), hrev)
	if err != nil {
		return 0, errHeld
	}
	return rev, nil
}

// renew rewrites a held lease (with the latest report) at its revision.
func (l *leases) renew(ctx context.Context, name string, rev uint64, st *Status) (uint64, error) {
	next, err := l.kv.Update(ctx, leasePrefix+keyName(name), l.value(st), rev)
	if err != nil {
		if isCASConflict(err) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return 0, errLost
		}
		return 0, fmt.Errorf("renew lease %s: %w", name, err)
	}
	return next, nil
}

// release gives a lease up, if it is still at rev (still this host's).
func (l *leases) release(ctx context.Context, name string, rev uint64) error {
	err := l.kv.Delete(ctx, leasePrefix+keyName(name), jetstream.LastRevision(rev))
	if err != nil && !isCASConflict(err) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// get reads a lease: nil when no host holds it.
func (l *leases) get(ctx context.Context, name string) (*holder, uint64, error) {
	e, err := l.kv.Get(ctx, leasePrefix+keyName(name))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("lease %s: %w", name, err)
	}
	var h holder
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		return nil, 0, fmt.Errorf("lease %s: %w", name, err)
	}
	return &h, e.Revision(), nil
}

// present says this host is there, for ttl.
func (l *leases) present(ctx context.Context) error {
	_, err := l.kv.Put(ctx, hostPrefix+l.host, l.value(nil))
	return err
}

// leave says this host is gone.
func (l *leases) leave(ctx context.Context) error {
	return l.kv.Delete(ctx, hostPrefix+l.host)
}

// view is what a host has seen of the lease bucket (kept by its watcher):
// when each key was last written, by local clock, so clocks of hosts need
// not agree. An entry older than the TTL is as good as expired (the
// server removes it about then; Create says for sure).
type view struct {
	hosts  map[string]time.Time
	leases map[string]leaseSeen
}

type leaseSeen struct {
	host string
	at   time.Time
	// released: the key was deleted at at (kept, so a lease let go a
	// moment ago can be told from one never taken).
	released bool
}

func newView() *view {
	return &view{hosts: map[string]time.Time{}, leases: map[string]leaseSeen{}}
}

// apply takes one watched entry into the view.
func (v *view) apply(e jetstream.KeyValueEntry, now time.Time) {
	k := e.Key()
	del := e.Operation() != jetstream.KeyValuePut
	if id, ok := strings.CutPrefix(k, hostPrefix); ok {
		if del {
			delete(v.hosts, id)
		} else {
			v.hosts[id] = now
		}
		return
	}
	name, ok := strings.CutPrefix(k, leasePrefix)
	if !ok {
		return
	}
	name = nameOfKey(name)
	if del {
		v.leases[name] = leaseSeen{at: now, released: true}
		return
	}
	var h holder
	_ = json.Unmarshal(e.Value(), &h)
	v.leases[name] = leaseSeen{host: h.Host, at: now}
}

// liveHosts counts the hosts seen within ttl (at least 1: this one).
func (v *view) liveHosts(now time.Time, ttl time.Duration) int {
	n := 0
	for _, at := range v.hosts {
		if now.Sub(at) < ttl {
			n++
		}
	}
	return max(n, 1)
}

// free reports whether no host seems to hold name's lease.
func (v *view) free(name string, now time.Time, ttl time.Duration) bool {
	return v.freeFor(name, now, ttl, 0)
}

// freeFor is free, but a lease released (not expired) counts as free
// only d after its release.
func (v *view) freeFor(name string, now time.Time, ttl, d time.Duration) bool {
	l, ok := v.leases[name]
	switch {
	case !ok:
		return true
	case l.released:
		return now.Sub(l.at) >= d
	}
	return now.Sub(l.at) >= ttl
}

// forget drops what the view holds of a deleted delivery stream.
func (v *view) forget(name string) { delete(v.leases, name) }
