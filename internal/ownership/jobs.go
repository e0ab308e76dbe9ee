package ownership

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Kinds of scheduled job.
const (
	// JobCoverEnd runs when a cover ends: the team's channels are told.
	JobCoverEnd = "cover.end"
	// JobReview asks the holder of an assignment whether it still stands.
	JobReview = "review"
	// JobReviewLapse tells the leads that a review went unanswered.
	JobReviewLapse = "review.lapse"
	// JobDigest sends the tenant's weekly digest to its leads.
	JobDigest = "digest"
	// JobPlan brings a tenant's schedule in line with its directory (after
	// an import, or for data written before its jobs existed).
	JobPlan = "plan"
	// JobPlanSweep plans every tenant of the store's tenant index, now
	// and then: Tenant is PlanSweepTenant.
	JobPlanSweep = "plan.sweep"
	// JobRequestExpiry expires a handover or claim request no lead decided.
	JobRequestExpiry = "request.expiry"
)

// PlanSweepTenant is the tenant of the one JobPlanSweep job, which is
// about every tenant.
const PlanSweepTenant TenantID = "*"

// Job names one piece of due work of a tenant: what kind, and what it is
// about (Key, e.g. "checkout/product_owner"). A job is scheduled at most
// once at a time: scheduling it again moves its due time.
type Job struct {
	Tenant TenantID
	Kind   string
	Key    string
}

// ID is the job's identity in the store: kind, tenant and key, each
// escaped, so any of them may hold any character.
func (j Job) ID() string {
	return url.PathEscape(j.Kind) + "/" + url.PathEscape(string(j.Tenant)) + "/" + url.PathEscape(j.Key)
}

// ParseJobID reads a job back from its ID.
func ParseJobID(id string) (Job, bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 {
		return Job{}, false
	}
	var out [3]string
	for i, p := range parts {
		s, err := url.PathUnescape(p)
		if err != nil {
			return Job{}, false
		}
		out[i] = s
	}
	if out[0] == "" || out[1] == "" {
		return Job{}, false
	}
	return Job{Kind: out[0], Tenant: TenantID(out[1]), Key: out[2]}, true
}

// Lease is a job one replica claimed: it alone runs it until Until. A
// lease that ends unfinished (the replica died) makes the job due again,
// for another replica to claim.
type Lease struct {
	Job Job
	// Due is when the job was due; with the job it names this occurrence
	// (a delivery's idempotency key is built from both). A job claimed
	// again after a lease ran out keeps its Due.
	Due time.Time
	// Until is when the lease ends; Token proves the lease is still this
	// claim's when it is finished.
	Until time.Time
	Token string
}

// Jobs is the store's schedule: an index of jobs by due time that any
// number of replicas claim from, each due job going to exactly one of them
// at a time. Due work is found through the index, never by reading every
// tenant. Times are the callers' clocks, in milliseconds.
type Jobs interface {
	// ScheduleJob makes j due at due, replacing the time it was due at:
	// a new occurrence, so a lease on it ends (its FinishJob reports false
	// and leaves the new time alone). With ifAbsent a job already
	// scheduled or leased keeps its time.
	ScheduleJob(ctx context.Context, j Job, due time.Time, ifAbsent bool) error
	// CancelJob removes j from the schedule; a job not scheduled is fine.
	CancelJob(ctx context.Context, j Job) error
	// JobDue returns when j is due (or, while leased, when its lease ends),
	// and false when it is not scheduled.
	JobDue(ctx context.Context, j Job) (time.Time, bool, error)
	// ClaimJobs leases up to limit jobs due at or before now, earliest
	// first, each until now+lease, in one atomic step: of concurrent calls
	// each job goes to one. A leased job is not due again before its lease
	// ends.
	ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Lease, error)
	// FinishJob ends a lease: the job is due again at next, or leaves the
	// schedule when next is zero. It reports false, changing nothing, when
	// the lease was lost: it ran out and another replica claimed the job,
	// or the job was scheduled anew (then that time stands).
	FinishJob(ctx context.Context, l Lease, next time.Time) (bool, error)
}
