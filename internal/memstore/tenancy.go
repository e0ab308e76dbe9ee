package memstore

import (
	"context"
	"slices"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Tenants implements ownership.Store: the tenants with a directory written
// or a reference kept.
func (s *Store) Tenants(ctx context.Context) ([]ownership.TenantID, error) {
	if err := ctx.Err(); err != nil {
		return nil, ownership.Unavailable(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ownership.TenantID
	for id, t := range s.tenants {
		if t.dir.Version > 0 || len(t.refs) > 0 || len(t.audit) > 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// PurgeTenant implements ownership.Store.
func (s *Store) PurgeTenant(ctx context.Context, id ownership.TenantID, p ownership.Purge) error {
	if err := begin(ctx, id); err != nil {
		return err
	}
	s.updateMu.Lock()
	defer s.updateMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tenants, id)
	p.Tenant = id
	s.purges = append(s.purges, p)
	if len(s.purges) > ownership.MaxPurges {
		s.purges = slices.Clone(s.purges[len(s.purges)-ownership.MaxPurges:])
	}
	return nil
}

// Purges implements ownership.Store.
func (s *Store) Purges(ctx context.Context, limit int) ([]ownership.Purge, error) {
	if err := ctx.Err(); err != nil {
		return nil, ownership.Unavailable(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ownership.Purge
	for i := len(s.purges) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.purges[i])
	}
	return out, nil
}
