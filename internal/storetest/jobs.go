package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// jobCases are the contract of the schedule (ownership.Jobs).
var jobCases = []struct {
	name string
	fn   func(*testing.T, func(*testing.T) ownership.Store)
}{
	{"JobsClaimDueEarliestFirst", testJobsClaimDue},
	{"JobsClaimedExactlyOnceAcrossReplicas", testJobsExactlyOnce},
	{"JobsLeaseRunsOut", testJobsLeaseExpiry},
	{"JobsFinishReschedulesOrRemoves", testJobsFinish},
	{"JobsScheduleAnewEndsTheLease", testJobsReschedule},
	{"JobsIfAbsentKeepsTheTime", testJobsIfAbsent},
	{"JobsCancel", testJobsCancel},
	{"JobsAnyCharacters", testJobsCharacters},
}

// jobBase is the schedule's clock in these tests: callers pass their time.
var jobBase = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func job(tenant, kind, key string) ownership.Job {
	return ownership.Job{Tenant: ownership.TenantID(tenant), Kind: kind, Key: key}
}

func mustSchedule(t *testing.T, s ownership.Store, j ownership.Job, due time.Time, ifAbsent bool) {
	t.Helper()
	if err := s.ScheduleJob(context.Background(), j, due, ifAbsent); err != nil {
		t.Fatalf("ScheduleJob(%v): %v", j, err)
	}
}

func mustClaim(t *testing.T, s ownership.Store, now time.Time, lease time.Duration, limit int) []ownership.Lease {
	t.Helper()
	ls, err := s.ClaimJobs(context.Background(), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimJobs: %v", err)
	}
	return ls
}

func mustFinish(t *testing.T, s ownership.Store, l ownership.Lease, next time.Time) bool {
	t.Helper()
	ok, err := s.FinishJob(context.Background(), l, next)
	if err != nil {
		t.Fatalf("FinishJob: %v", err)
	}
	return ok
}

func testJobsClaimDue(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	a, b, c := job("t1", "review", "checkout/po"), job("t2", "digest", ""), job("t1", "cover.end", "checkout/pm")
	mustSchedule(t, s, c, jobBase.Add(2*time.Minute), false)
	mustSchedule(t, s, b, jobBase.Add(time.Minute), false)
	mustSchedule(t, s, a, jobBase, false)
	if got := mustClaim(t, s, jobBase.Add(-time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatalf("nothing is due yet, claimed %v", got)
	}
	got := mustClaim(t, s, jobBase.Add(time.Minute), time.Minute, 10)
	if len(got) != 2 || got[0].Job != a || got[1].Job != b {
		t.Fatalf("claimed %+v, want %v then %v", got, a, b)
	}
	if !got[0].Due.Equal(jobBase) || !got[1].Due.Equal(jobBase.Add(time.Minute)) {
		t.Errorf("due times %v, %v; want %v, %v", got[0].Due, got[1].Due, jobBase, jobBase.Add(time.Minute))
	}
	if want := jobBase.Add(2 * time.Minute); !got[0].Until.Equal(want) || got[0].Token == "" || got[0].Token == got[1].Token {
		t.Errorf("lease until %v token %q/%q; want until %v and distinct tokens", got[0].Until, got[0].Token, got[1].Token, want)
	}
	if again := mustClaim(t, s, jobBase.Add(time.Minute), time.Minute, 10); len(again) != 0 {
		t.Fatalf("leased jobs were claimed again: %v", again)
	}
	if due, ok, err := s.JobDue(context.Background(), a); err != nil || !ok || !due.Equal(jobBase.Add(2*time.Minute)) {
		t.Errorf("JobDue of a leased job = %v %v %v; want the lease's end", due, ok, err)
	}
	// The limit takes the earliest.
	mustSchedule(t, s, job("t3", "x", "1"), jobBase.Add(-time.Hour), false)
	mustSchedule(t, s, job("t3", "x", "2"), jobBase.Add(-2*time.Hour), false)
	if got := mustClaim(t, s, jobBase, time.Minute, 1); len(got) != 1 || got[0].Job.Key != "2" {
		t.Errorf("limit 1 claimed %v, want the earliest (key 2)", got)
	}
	for _, bad := range []struct {
		lease time.Duration
		limit int
	}{{0, 1}, {time.Minute, 0}} {
		_, err := s.ClaimJobs(context.Background(), jobBase, bad.lease, bad.limit)
		wantCode(t, fmt.Sprintf("ClaimJobs(lease %v, limit %d)", bad.lease, bad.limit), err, ownership.ErrInvalid)
	}
}

func testJobsExactlyOnce(t *testing.T, open func(*testing.T) ownership.Store) {
	const jobs, replicas = 40, 6
	first := open(t)
	for i := range jobs {
		mustSchedule(t, first, job("t1", "review", fmt.Sprint(i)), jobBase.Add(time.Duration(i)*time.Millisecond), false)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range replicas {
		s := open(t)
		wg.Go(func() {
			for {
				ls, err := s.ClaimJobs(context.Background(), jobBase.Add(time.Second), time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ls) == 0 {
					return
				}
				mu.Lock()
				for _, l := range ls {
					seen[l.Job.Key]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != jobs {
		t.Errorf("%d of %d jobs claimed", len(seen), jobs)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("job %s claimed %d times", k, n)
		}
	}
}

func testJobsLeaseExpiry(t *testing.T, open func(*testing.T) ownership.Store) {
	a, b := open(t), open(t)
	j := job("t1", "review", "checkout/po")
	mustSchedule(t, a, j, jobBase, false)
	dead := mustClaim(t, a, jobBase, time.Minute, 10) // this replica dies with the lease
	if len(dead) != 1 {
		t.Fatalf("claimed %v", dead)
	}
	if got := mustClaim(t, b, jobBase.Add(59*time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed within the lease: %v", got)
	}
	got := mustClaim(t, b, jobBase.Add(time.Minute), time.Minute, 10)
	if len(got) != 1 || got[0].Job != j {
		t.Fatalf("after the lease, claimed %v; want %v", got, j)
	}
	if !got[0].Due.Equal(jobBase) {
		t.Errorf("a job claimed again is due %v; want its first due time %v", got[0].Due, jobBase)
	}
	if mustFinish(t, a, dead[0], time.Time{}) {
		t.Error("a lease that ran out and was claimed again still finished")
	}
	if !mustFinish(t, b, got[0], time.Time{}) {
		t.Error("the live lease did not finish")
	}
	if _, ok, _ := a.JobDue(context.Background(), j); ok {
		t.Error("a finished job is still scheduled")
	}
}

func testJobsFinish(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	j := job("t1", "digest", "")
	mustSchedule(t, s, j, jobBase, false)
	l := mustClaim(t, s, jobBase, time.Minute, 10)
	next := jobBase.Add(7 * 24 * time.Hour)
	if len(l) != 1 || !mustFinish(t, s, l[0], next) {
		t.Fatalf("claim/finish failed: %v", l)
	}
	if due, ok, _ := s.JobDue(context.Background(), j); !ok || !due.Equal(next) {
		t.Errorf("after finishing with a next time the job is due %v (%v); want %v", due, ok, next)
	}
	if got := mustClaim(t, s, next.Add(-time.Millisecond), time.Minute, 10); len(got) != 0 {
		t.Errorf("claimed before its next time: %v", got)
	}
	l = mustClaim(t, s, next, time.Minute, 10)
	if len(l) != 1 || !l[0].Due.Equal(next) {
		t.Fatalf("next occurrence: %v", l)
	}
	if mustFinish(t, s, ownership.Lease{Job: j, Due: l[0].Due, Until: l[0].Until, Token: l[0].Token + "x"}, time.Time{}) {
		t.Error("a forged token finished the lease")
	}
	if !mustFinish(t, s, l[0], time.Time{}) {
		t.Error("finish failed")
	}
	if mustFinish(t, s, l[0], time.Time{}) {
		t.Error("a lease finished twice")
	}
	if got := mustClaim(t, s, next.Add(time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("a removed job was claimed: %v", got)
	}
}

func testJobsReschedule(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	j := job("t1", "cover.end", "checkout/po")
	mustSchedule(t, s, j, jobBase, false)
	l := mustClaim(t, s, jobBase, time.Minute, 10)
	later := jobBase.Add(time.Hour)
	mustSchedule(t, s, j, later, false) // the cover was extended while its end ran
	if mustFinish(t, s, l[0], time.Time{}) {
		t.Error("the lease of a job scheduled anew still finished")
	}
	if due, ok, _ := s.JobDue(context.Background(), j); !ok || !due.Equal(later) {
		t.Errorf("due %v (%v), want the new time %v", due, ok, later)
	}
	got := mustClaim(t, s, later, time.Minute, 10)
	if len(got) != 1 || !got[0].Due.Equal(later) {
		t.Errorf("the new occurrence claimed as %v; want due %v", got, later)
	}
}

func testJobsIfAbsent(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	j := job("t1", "digest", "")
	mustSchedule(t, s, j, jobBase, true)
	mustSchedule(t, s, j, jobBase.Add(time.Hour), true)
	if due, ok, _ := s.JobDue(context.Background(), j); !ok || !due.Equal(jobBase) {
		t.Errorf("ifAbsent moved the job to %v", due)
	}
	l := mustClaim(t, s, jobBase, time.Minute, 10)
	mustSchedule(t, s, j, jobBase.Add(-time.Hour), true)
	if !mustFinish(t, s, l[0], jobBase.Add(time.Hour)) {
		t.Error("ifAbsent on a leased job ended the lease")
	}
	mustSchedule(t, s, j, jobBase, false)
	if due, _, _ := s.JobDue(context.Background(), j); !due.Equal(jobBase) {
		t.Errorf("replace kept %v", due)
	}
}

func testJobsCancel(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	j := job("t1", "review", "a")
	mustSchedule(t, s, j, jobBase, false)
	if err := s.CancelJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelJob(context.Background(), j); err != nil {
		t.Fatalf("cancelling an unscheduled job: %v", err)
	}
	if got := mustClaim(t, s, jobBase.Add(time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("a cancelled job was claimed: %v", got)
	}
}

func testJobsCharacters(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	j := job("teams:72f988bf-86f1-41af-91ab-2d7cd011db47", "review", "zahlungs verkehr/ü_rolle/with|bars% and {braces}")
	mustSchedule(t, s, j, jobBase, false)
	got := mustClaim(t, s, jobBase, time.Minute, 10)
	if len(got) != 1 || got[0].Job != j {
		t.Fatalf("round trip: %+v, want %+v", got, j)
	}
	for _, bad := range []ownership.Job{{Kind: "review"}, {Tenant: "t1"}} {
		wantCode(t, fmt.Sprintf("ScheduleJob(%+v)", bad), s.ScheduleJob(context.Background(), bad, jobBase, false), ownership.ErrInvalid)
	}
}
