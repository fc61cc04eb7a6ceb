package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// claimPoll is how often Create and Delete ask again for a lease another
// host is letting go of.
const claimPoll = 50 * time.Millisecond

// claim takes the lease of a delivery stream being created. A lease left
// by a delivery stream of that name deleted a moment ago (its host gone
// before it released it) expires within the TTL, so it is waited for up
// to twice that; a definition that appears meanwhile (a create of the same
// name on another host) is ErrExists.
func (m *Manager) claim(ctx context.Context, name string) error {
	deadline := time.Now().Add(2 * m.cfg.LeaseTTL)
	for {
		octx, cancel := m.opTimeout(ctx)
		rev, err := m.leases.acquire(octx, name, nil)
		cancel()
		if err == nil {
			m.mu.Lock()
			m.owned[name] = &ownedLease{rev: rev, renewed: time.Now()}
			m.mu.Unlock()
			return nil
		}
		if !errors.Is(err, errHeld) {
			return fmt.Errorf("create %s: %w", name, err)
		}
		if _, _, err := m.store.getDef(ctx, name); err == nil {
			return fmt.Errorf("%w: %s", ErrExists, name)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s is being created or deleted on another host", ErrInUse, name)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(claimPoll):
		}
	}
}

// claimForDelete waits for the host running a delivery stream being
// deleted here to stop it and release its lease (it sees the DELETING
// state through its watch), and takes the lease, so no other host
// finishes the delete meanwhile. It gives up waiting after DrainTimeout
// and two TTLs: the delete goes on, and the fence keeps a host that still
// runs the delivery stream from writing its position.
func (m *Manager) claimForDelete(ctx context.Context, name string) {
	deadline := time.Now().Add(m.cfg.DrainTimeout + 2*m.cfg.LeaseTTL)
	for {
		m.mu.Lock()
		_, mine := m.owned[name] // being let go here: wait for it
		m.mu.Unlock()
		if mine && time.Now().Before(deadline) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(claimPoll):
			}
			continue
		}
		if _, _, err := m.store.getDef(ctx, name); errors.Is(err, ErrNotFound) {
			return // another host finished the delete
		}
		octx, cancel := m.opTimeout(ctx)
		rev, err := m.leases.acquire(octx, name, nil)
		cancel()
		if err == nil {
			m.mu.Lock()
			m.owned[name] = &ownedLease{rev: rev, renewed: time.Now()}
			m.mu.Unlock()
			return
		}
		if time.Now().After(deadline) {
			m.log.Warn("the host running the delivery stream did not let it go; deleting it anyway", "delivery", name, "error", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(claimPoll):
		}
	}
}
