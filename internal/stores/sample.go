package stores

import (
	"context"
	"sync"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// sampled serves the sample teams to every tenant that has no data of its
// own, so a try-out of `serve` without Redis answers in any Slack workspace
// or Teams tenant it is installed in. The first read or change of a tenant
// copies the sample into it; from then on it is that tenant's own.
type sampled struct {
	ownership.Store
	sample *ownership.Directory
	mu     sync.Mutex
	seeded map[ownership.TenantID]bool
}

func (s *sampled) seed(ctx context.Context, t ownership.TenantID) error {
	s.mu.Lock()
	done := s.seeded[t]
	s.mu.Unlock()
	if done {
		return nil
	}
	_, changes, err := s.Store.Update(ctx, t, func(d *ownership.Directory) ([]ownership.Change, error) {
		if d.Version > 0 || len(d.Teams) > 0 {
			return nil, nil
		}
		c := s.sample.Clone()
		c.Tenant = t
		*d = *c
		return []ownership.Change{{Action: "import", New: "sample", Summary: "the sample teams were loaded"}}, nil
	})
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		// Loaded around the service, like an import: the scheduler plans
		// the tenant (reviews, the digest) on its next tick.
		if err := s.Store.ScheduleJob(ctx, ownership.Job{Tenant: t, Kind: ownership.JobPlan}, time.Now(), true); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.seeded[t] = true
	s.mu.Unlock()
	return nil
}

func (s *sampled) Directory(ctx context.Context, t ownership.TenantID) (*ownership.Directory, error) {
	if err := s.seed(ctx, t); err != nil {
		return nil, err
	}
	return s.Store.Directory(ctx, t)
}

func (s *sampled) Update(ctx context.Context, t ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	if err := s.seed(ctx, t); err != nil {
		return nil, nil, err
	}
	return s.Store.Update(ctx, t, fn, opts...)
}

func (s *sampled) ClaimDirectory(ctx context.Context, t ownership.TenantID, ttl time.Duration, keys ...string) (*ownership.Directory, bool, error) {
	if err := s.seed(ctx, t); err != nil {
		return nil, false, err
	}
	return s.Store.ClaimDirectory(ctx, t, ttl, keys...)
}
