package memstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sort"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// scheduled is one job of the schedule: when it is due (the lease's end
// while leased) and the token of its current lease, if any.
type scheduled struct {
	job   ownership.Job
	due   time.Time
	token string
	// first is when a leased job was due before its first claim: a claim
	// after a lease ran out keeps it (ownership.Lease.Due).
	first time.Time
}

// jobsOf returns the schedule, making it; callers hold s.mu.
func (s *Store) jobsOf() map[string]*scheduled {
	if s.jobs == nil {
		s.jobs = map[string]*scheduled{}
	}
	return s.jobs
}

func checkJob(ctx context.Context, j ownership.Job) error {
	if err := ctx.Err(); err != nil {
		return ownership.Unavailable(err)
	}
	if j.Kind == "" {
		return ownership.Errorf(ownership.ErrInvalid, "A job needs a kind.")
	}
	return checkTenant(j.Tenant)
}

// ScheduleJob implements ownership.Jobs.
func (s *Store) ScheduleJob(ctx context.Context, j ownership.Job, due time.Time, ifAbsent bool) error {
	if err := checkJob(ctx, j); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	jobs := s.jobsOf()
	if cur, ok := jobs[j.ID()]; ok {
		if !ifAbsent {
			cur.due, cur.token = due.Truncate(time.Millisecond), ""
		}
		return nil
	}
	jobs[j.ID()] = &scheduled{job: j, due: due.Truncate(time.Millisecond)}
	return nil
}

// CancelJob implements ownership.Jobs.
func (s *Store) CancelJob(ctx context.Context, j ownership.Job) error {
	if err := checkJob(ctx, j); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.jobsOf(), j.ID())
	return nil
}

// JobDue implements ownership.Jobs.
func (s *Store) JobDue(ctx context.Context, j ownership.Job) (time.Time, bool, error) {
	if err := checkJob(ctx, j); err != nil {
		return time.Time{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.jobsOf()[j.ID()]; ok {
		return cur.due, true, nil
	}
	return time.Time{}, false, nil
}

// ClaimJobs implements ownership.Jobs. The in-memory schedule serves one
// process, so it is searched in full under the lock.
func (s *Store) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ownership.Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, ownership.Unavailable(err)
	}
	if lease <= 0 || limit <= 0 {
		return nil, ownership.Errorf(ownership.ErrInvalid, "A job claim needs a positive lease and limit.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*scheduled
	for _, j := range s.jobsOf() {
		if !j.due.After(now) {
			due = append(due, j)
		}
	}
	sort.Slice(due, func(a, b int) bool {
		if !due[a].due.Equal(due[b].due) {
			return due[a].due.Before(due[b].due)
		}
		return due[a].job.ID() < due[b].job.ID()
	})
	if len(due) > limit {
		due = due[:limit]
	}
	until := now.Add(lease).Truncate(time.Millisecond)
	out := make([]ownership.Lease, 0, len(due))
	for _, j := range due {
		if j.token == "" {
			j.first = j.due
		}
		l := ownership.Lease{Job: j.job, Due: j.first, Until: until, Token: newToken()}
		j.due, j.token = until, l.Token
		out = append(out, l)
	}
	return out, nil
}

// FinishJob implements ownership.Jobs.
func (s *Store) FinishJob(ctx context.Context, l ownership.Lease, next time.Time) (bool, error) {
	if err := checkJob(ctx, l.Job); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	jobs := s.jobsOf()
	cur, ok := jobs[l.Job.ID()]
	if !ok || cur.token != l.Token {
		return false, nil
	}
	cur.token = ""
	if next.IsZero() {
		delete(jobs, l.Job.ID())
	} else {
		cur.due = next.Truncate(time.Millisecond)
	}
	return true, nil
}

// newToken returns a random lease token.
func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
