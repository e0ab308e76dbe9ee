package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/scheduler"
)

// Outbox delivers what scheduled work produces, outside any conversation:
// each transport implements it for its own tenants ("slack:…", "teams:…").
type Outbox interface {
	// Post posts text as a new message in a channel of the tenant.
	Post(ctx context.Context, tenant ownership.TenantID, ch ownership.Channel, text rich.Text) error
	// Tell sends n privately to one person (a DM, a personal chat).
	Tell(ctx context.Context, tenant ownership.TenantID, to ownership.Person, n Notice) error
	// Publish posts n, rendered as Tell renders it, as a new message in
	// a channel (the leads' digest, when they chose a channel).
	Publish(ctx context.Context, tenant ownership.TenantID, ch ownership.Channel, n Notice) error
}

// Notice is a private message the bot starts, with the one-click actions
// it offers. Transports render it (Slack blocks in a DM, a Teams Adaptive
// Card in the personal chat).
type Notice struct {
	Text rich.Text
	// Review, when set, is asked with buttons under Text.
	Review *ReviewAsk
	// To is whom a command's or a departure's notice is for (Outbox.Tell
	// names its recipient itself).
	To ownership.Person
	// Request, when set, offers Approve and Decline for it.
	Request *ownership.Request
	// Fill, when set, offers to pick the person who fills the role.
	Fill *FillOffer
	// Digest, when set, is the leads' digest, which Text says in one
	// piece for notifications.
	Digest *Digest
}

// DueObserver is told about scheduled work, for metrics; an Observer may
// implement it.
type DueObserver interface {
	CoverEndNote(platform string)
	Review(outcome string)
	DigestDelivered(to string)
}

// schedulerActor is the actor of the changes scheduled work audits.
var schedulerActor = ownership.Person{Name: "whoowns (scheduled)"}

// roleJobKey is the key of a job about one role of one team.
func roleJobKey(team string, role ownership.Role) string { return team + "/" + string(role) }

func splitRoleJobKey(key string) (string, ownership.Role, bool) {
	team, role, ok := strings.Cut(key, "/")
	return team, ownership.Role(role), ok && team != "" && role != ""
}

// platformOf is the platform of a tenant id.
func platformOf(t ownership.TenantID) string {
	p, _, _ := strings.Cut(string(t), ":")
	return p
}

// planningStore is the service's store: after every change it brings the
// schedule in line with the directory (a cover set, extended or ended
// early moves its end), so no caller has to remember to.
type planningStore struct {
	ownership.Store
	s *Service
}

// Update implements ownership.Store.
func (p planningStore) Update(ctx context.Context, t ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	var before *ownership.Directory
	d, changes, err := p.Store.Update(ctx, t, func(d *ownership.Directory) ([]ownership.Change, error) {
		before = d.Clone()
		return fn(d)
	}, opts...)
	if err == nil && len(changes) > 0 && before != nil {
		// The change stands whatever happens here.
		if perr := p.s.plan(ctx, before, d); perr != nil {
			p.s.log.Warn("could not update the schedule after a change", "tenant", t, "err", perr)
		}
	}
	return d, changes, err
}

// plan schedules and cancels the jobs a change of the directory from
// before to after calls for. A nil before plans after from scratch.
func (s *Service) plan(ctx context.Context, before, after *ownership.Directory) error {
	now := s.now()
	var errs []error
	covers := func(d *ownership.Directory) map[string]ownership.Cover {
		out := map[string]ownership.Cover{}
		if d == nil {
			return out
		}
		for _, t := range d.Teams {
			for r, c := range t.Covers {
				if c.Until.After(now) {
					out[roleJobKey(t.ID, r)] = c
				}
			}
		}
		return out
	}
	was, is := covers(before), covers(after)
	for k, c := range is {
		if old, ok := was[k]; before != nil && ok && old.Until.Equal(c.Until) {
			continue
		}
		j := ownership.Job{Tenant: after.Tenant, Kind: ownership.JobCoverEnd, Key: k}
		if before == nil {
			errs = append(errs, s.ensureJob(ctx, j, c.Until))
			continue
		}
		errs = append(errs, s.store.ScheduleJob(ctx, j, c.Until, false))
	}
	for k := range was {
		if _, ok := is[k]; !ok {
			errs = append(errs, s.store.CancelJob(ctx, ownership.Job{Tenant: after.Tenant, Kind: ownership.JobCoverEnd, Key: k}))
		}
	}
	errs = append(errs, s.planReviews(ctx, before, after)...)
	errs = append(errs, s.planRequests(ctx, before, after)...)
	errs = append(errs, s.planDigest(ctx, before, after))
	return errors.Join(errs...)
}

// ensureJob makes j due at due unless it is already, or is due by now
// (or leased: it then runs and plans itself).
func (s *Service) ensureJob(ctx context.Context, j ownership.Job, due time.Time) error {
	cur, ok, err := s.store.JobDue(ctx, j)
	if err != nil {
		return err
	}
	if ok && (sameInstant(cur, due) || !cur.After(s.now())) {
		return nil
	}
	return s.store.ScheduleJob(ctx, j, due, false)
}

// PlanSweepEvery is how often the replicas plan every tenant anew, so
// data written around the service (an import, an install, data older than
// its jobs) gets its reviews, cover ends, expiries and digest.
const PlanSweepEvery = 24 * time.Hour

// PlanSweepDelay is how long after the first replica starts every tenant
// is planned the first time.
const PlanSweepDelay = 10 * time.Minute

// PlanSweep is the job that plans every tenant; each replica schedules it
// at start unless it is scheduled already.
var PlanSweep = ownership.Job{Tenant: ownership.PlanSweepTenant, Kind: ownership.JobPlanSweep}

// sweepPlans schedules a plan of every tenant in the store's tenant index.
func (s *Service) sweepPlans(ctx context.Context, r *scheduler.Run) (time.Time, error) {
	ts, err := s.store.Tenants(ctx)
	if err != nil {
		return time.Time{}, err
	}
	now := r.Now()
	var errs []error
	for _, t := range ts {
		errs = append(errs, s.store.ScheduleJob(ctx, ownership.Job{Tenant: t, Kind: ownership.JobPlan}, now, true))
	}
	if err := errors.Join(errs...); err != nil {
		return time.Time{}, err
	}
	return now.Add(PlanSweepEvery), nil
}

// replan brings one tenant's schedule in line with its directory: every
// cover's end, every review, every request's expiry and the digest.
func (s *Service) replan(ctx context.Context, r *scheduler.Run) (time.Time, error) {
	t := r.Job().Tenant
	d, err := s.store.Directory(ctx, t)
	if err != nil {
		return time.Time{}, err
	}
	if d.Tenant == "" {
		d.Tenant = t
	}
	return time.Time{}, s.plan(ctx, nil, d)
}

// Handlers returns the scheduled jobs the service runs, by kind, each
// delivering through out.
func (s *Service) Handlers(out Outbox) map[string]scheduler.Handler {
	return map[string]scheduler.Handler{
		ownership.JobCoverEnd: func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
			return s.coverEnded(ctx, r, out)
		},
		ownership.JobRequestExpiry: func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
			return s.expireRequests(ctx, r, out)
		},
		ownership.JobReview: func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
			return s.review(ctx, r, out)
		},
		ownership.JobReviewLapse: func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
			return s.reviewLapsed(ctx, r, out)
		},
		ownership.JobDigest: func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
			return s.sendDigest(ctx, r, out)
		},
		ownership.JobPlan:      s.replan,
		ownership.JobPlanSweep: s.sweepPlans,
	}
}

func (s *Service) dueObserver() DueObserver {
	if o, ok := s.observer.(DueObserver); ok {
		return o
	}
	return nopDue{}
}

type nopDue struct{}

func (nopDue) CoverEndNote(string)    {}
func (nopDue) Review(string)          {}
func (nopDue) DigestDelivered(string) {}

// sameInstant compares a stored time with a job's due time, which the
// schedule keeps to the millisecond.
func sameInstant(a, b time.Time) bool {
	return a.Truncate(time.Millisecond).Equal(b.Truncate(time.Millisecond))
}

// jobRole reads the directory for a job keyed by team and role (a cover's
// end, a review). The team is nil when the key is malformed or the team is
// gone: the job has nothing left to do.
func (s *Service) jobRole(ctx context.Context, j ownership.Job) (*ownership.Directory, *ownership.Team, ownership.Role, error) {
	teamID, role, ok := splitRoleJobKey(j.Key)
	if !ok {
		return nil, nil, "", nil
	}
	d, err := s.store.Directory(ctx, j.Tenant)
	if err != nil {
		return nil, nil, "", err
	}
	return d, d.Teams[teamID], role, nil
}

// coverEnded runs when a cover is due to end: it records the end in the
// audit log and posts one short note in each of the team's linked
// channels. A cover extended meanwhile runs again at its new end; one ended
// early by a lead (who announced it) or replaced needs nothing.
func (s *Service) coverEnded(ctx context.Context, r *scheduler.Run, out Outbox) (time.Time, error) {
	j := r.Job()
	d, t, role, err := s.jobRole(ctx, j)
	if err != nil {
		return time.Time{}, err
	}
	if t == nil {
		return time.Time{}, nil
	}
	c, ok := t.Covers[role]
	now := r.Now()
	switch {
	case !ok:
		return time.Time{}, nil
	case c.Active(now):
		return c.Until, nil
	case !sameInstant(c.Until, r.Lease.Due):
		return time.Time{}, nil
	}
	roleName := d.RoleName(role)
	usual := t.Roles[role].Person
	summary := fmt.Sprintf("%s's cover as %s of %s ended", c.Person.Label(), roleName, t.Name)
	if !usual.IsZero() {
		summary += fmt.Sprintf("; %s holds the role again", usual.Label())
	}
	// Audited once, however often the job runs.
	reqID := "sched:" + j.ID() + "@" + r.Lease.Due.UTC().Format(time.RFC3339Nano)
	if _, _, err := s.store.Update(ctx, j.Tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		return []ownership.Change{{At: c.Until.UTC(), Actor: schedulerActor, Team: t.ID, Action: "cover.ended", Field: string(role), Old: c.Person.ID, New: usual.ID, Summary: summary}}, nil
	}, ownership.WithRequestID(reqID)); err != nil {
		return time.Time{}, err
	}
	var note rich.Text
	if usual.IsZero() {
		note = rich.Sprintf("%s's cover as %s of %s has ended. %s has no %s now; a lead can fill the role with %s.",
			mention(c.Person), roleName, rich.Strong(t.Name), t.Name, roleName, FillCommand(role, t.Name))
	} else {
		note = rich.Sprintf("%s's cover as %s of %s has ended; %s is the %s again.", mention(c.Person), roleName, rich.Strong(t.Name), mention(usual), roleName)
	}
	var errs []error
	for _, ch := range t.Channels {
		sent, err := r.Deliver(ctx, "channel:"+ch.ID, func(ctx context.Context) error { return out.Post(ctx, j.Tenant, ch, note) })
		if err != nil {
			errs = append(errs, err)
		} else if sent {
			s.dueObserver().CoverEndNote(platformOf(j.Tenant))
		}
	}
	return time.Time{}, errors.Join(errs...)
}

// planRequests schedules the expiry of every request the change added and
// cancels that of requests decided or withdrawn.
func (s *Service) planRequests(ctx context.Context, before, after *ownership.Directory) []error {
	ids := func(d *ownership.Directory) map[string]ownership.Request {
		out := map[string]ownership.Request{}
		if d != nil {
			for _, r := range d.Requests {
				out[r.ID] = r
			}
		}
		return out
	}
	was, is := ids(before), ids(after)
	job := func(id string) ownership.Job {
		return ownership.Job{Tenant: after.Tenant, Kind: ownership.JobRequestExpiry, Key: id}
	}
	var errs []error
	for id, r := range is {
		if _, ok := was[id]; !ok || before == nil {
			errs = append(errs, s.store.ScheduleJob(ctx, job(id), r.Expires, before == nil))
		}
	}
	for id := range was {
		if _, ok := is[id]; !ok {
			errs = append(errs, s.store.CancelJob(ctx, job(id)))
		}
	}
	return errs
}

// expireRequests removes the tenant's requests no lead decided in time
// (audited) and tells whoever made each one, privately.
func (s *Service) expireRequests(ctx context.Context, r *scheduler.Run, out Outbox) (time.Time, error) {
	j := r.Job()
	d, err := s.store.Directory(ctx, j.Tenant)
	if err != nil {
		return time.Time{}, err
	}
	req := d.Request(j.Key)
	if req == nil {
		return time.Time{}, nil // decided, withdrawn, or expired with another
	}
	if r.Now().Before(req.Expires) {
		return req.Expires, nil
	}
	// Every request due by now goes in this one update, those of other
	// jobs too: each of them is told here, and their jobs find nothing
	// left. The update bypasses planning, which would cancel this job
	// and with it a retry of a failed message.
	raw := s.store
	if p, ok := raw.(planningStore); ok {
		raw = p.Store
	}
	gone, err := ownership.ExpireRequests(ctx, raw, j.Tenant, r.Now(), schedulerActor)
	if err != nil {
		return time.Time{}, err
	}
	var errs []error
	for _, g := range gone {
		text := rich.Sprintf("Your request expired after %d days without a lead's decision: %s. You can make it again.", int(ownership.RequestLifetime/(24*time.Hour)), d.Describe(g))
		_, err := r.Deliver(ctx, "request:"+g.ID+">"+g.From.ID, func(ctx context.Context) error {
			return out.Tell(ctx, j.Tenant, g.From, Notice{Text: text})
		})
		errs = append(errs, err)
	}
	err = errors.Join(errs...)
	return time.Time{}, err
}
