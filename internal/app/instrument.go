package app

import (
	"context"
	"time"

	"github.com/whoowns/whoowns/internal/metrics"
	"github.com/whoowns/whoowns/internal/ownership"
)

// instrumented counts store failures per operation for /metrics, so an
// operator sees Redis trouble before users report it.
type instrumented struct {
	ownership.Store
	m *metrics.Metrics
}

func instrument(s ownership.Store, m *metrics.Metrics) ownership.Store {
	return &instrumented{Store: s, m: m}
}

func (s *instrumented) count(op string, err error) {
	if code := ownership.ErrorCode(err); code == ownership.ErrUnavailable || code == ownership.ErrInternal || code == ownership.ErrConflict {
		s.m.StoreError(op)
	}
}

func (s *instrumented) Directory(ctx context.Context, t ownership.TenantID) (*ownership.Directory, error) {
	d, err := s.Store.Directory(ctx, t)
	s.count("directory", err)
	return d, err
}

func (s *instrumented) Update(ctx context.Context, t ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	var fnErr error
	d, ch, err := s.Store.Update(ctx, t, func(d *ownership.Directory) ([]ownership.Change, error) {
		c, err := fn(d)
		fnErr = err
		return c, err
	}, opts...)
	if err != nil && err != fnErr {
		s.count("update", err)
	}
	return d, ch, err
}

func (s *instrumented) History(ctx context.Context, t ownership.TenantID, team string, limit int) ([]ownership.Change, error) {
	h, err := s.Store.History(ctx, t, team, limit)
	s.count("history", err)
	return h, err
}

func (s *instrumented) AddUnanswered(ctx context.Context, t ownership.TenantID, q ownership.Unanswered) error {
	err := s.Store.AddUnanswered(ctx, t, q)
	s.count("add_unanswered", err)
	return err
}

func (s *instrumented) RemoveUnanswered(ctx context.Context, t ownership.TenantID, texts []string) ([]ownership.Unanswered, error) {
	qs, err := s.Store.RemoveUnanswered(ctx, t, texts)
	s.count("remove_unanswered", err)
	return qs, err
}

func (s *instrumented) ClearUnanswered(ctx context.Context, t ownership.TenantID) ([]ownership.Unanswered, error) {
	qs, err := s.Store.ClearUnanswered(ctx, t)
	s.count("clear_unanswered", err)
	return qs, err
}

func (s *instrumented) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.Store.Claim(ctx, key, ttl)
	s.count("claim", err)
	return ok, err
}

func (s *instrumented) ClaimAll(ctx context.Context, ttl time.Duration, keys ...string) (bool, error) {
	ok, err := s.Store.ClaimAll(ctx, ttl, keys...)
	s.count("claim", err)
	return ok, err
}

func (s *instrumented) ClaimDirectory(ctx context.Context, t ownership.TenantID, ttl time.Duration, keys ...string) (*ownership.Directory, bool, error) {
	d, first, err := s.Store.ClaimDirectory(ctx, t, ttl, keys...)
	s.count("claim_directory", err)
	return d, first, err
}

func (s *instrumented) MarkOnboarded(ctx context.Context, t ownership.TenantID, user, team string) (bool, error) {
	ok, err := s.Store.MarkOnboarded(ctx, t, user, team)
	s.count("mark_onboarded", err)
	return ok, err
}

func (s *instrumented) AddFeedback(ctx context.Context, t ownership.TenantID, intent string, helpful bool) error {
	err := s.Store.AddFeedback(ctx, t, intent, helpful)
	s.count("add_feedback", err)
	return err
}

func (s *instrumented) Release(ctx context.Context, keys ...string) error {
	err := s.Store.Release(ctx, keys...)
	s.count("release", err)
	return err
}

// Ready passes the store's readiness check through (Ping for a store
// without one).
func (s *instrumented) Ready(ctx context.Context) error {
	if r, ok := s.Store.(interface{ Ready(context.Context) error }); ok {
		return r.Ready(ctx)
	}
	return s.Store.Ping(ctx)
}

func (s *instrumented) RecordPick(ctx context.Context, t ownership.TenantID, p ownership.Pick) (ownership.Candidate, error) {
	c, err := s.Store.RecordPick(ctx, t, p)
	s.count("record_pick", err)
	return c, err
}

func (s *instrumented) Candidates(ctx context.Context, t ownership.TenantID) ([]ownership.Candidate, error) {
	cs, err := s.Store.Candidates(ctx, t)
	s.count("candidates", err)
	return cs, err
}

func (s *instrumented) DropCandidate(ctx context.Context, t ownership.TenantID, key string) error {
	err := s.Store.DropCandidate(ctx, t, key)
	s.count("drop_candidate", err)
	return err
}

func (s *instrumented) AddStats(ctx context.Context, deltas []ownership.StatsDelta) error {
	err := s.Store.AddStats(ctx, deltas)
	s.count("add_stats", err)
	return err
}

func (s *instrumented) Stats(ctx context.Context, t ownership.TenantID, from, to time.Time) (ownership.StatsReport, error) {
	r, err := s.Store.Stats(ctx, t, from, to)
	s.count("stats", err)
	return r, err
}
