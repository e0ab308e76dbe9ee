package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/scheduler"
)

// ReviewLapse is how long a review waits for its holder's answer before
// the leads are told.
const ReviewLapse = 7 * 24 * time.Hour

// WithReviews asks the holder of every assignment not confirmed for after
// whether it still stands (WHOOWNS_REVIEW_AFTER); zero turns reviews off.
func WithReviews(after time.Duration) Option {
	return func(s *Service) { s.reviewAfter = after }
}

// ReviewAsk is a review question to a role's holder, which the transports
// render with "Yes, still me" and "No, hand over" buttons.
type ReviewAsk struct {
	Team     TeamRef
	Role     ownership.Role
	RoleName string
	// Candidates, after "No, hand over", are the team's other members,
	// for a platform without a people picker of its own.
	Candidates []ownership.Person
}

// Question is the review's question: "Are you still the Product Owner of
// Checkout?".
func (r ReviewAsk) Question() rich.Text {
	return rich.Sprintf("Are you still the %s of %s?", r.RoleName, rich.Strong(r.Team.Name))
}

// reviewDue is when an assignment is next due for review: after the review
// period from its last confirmation (or from now, for data that never said
// when it was set).
func (s *Service) reviewDue(a ownership.Assignment, now time.Time) time.Time {
	last := a.LastConfirmed()
	if last.IsZero() {
		last = now
	}
	return last.Add(s.reviewAfter)
}

// pastReview reports whether an assignment's review date has passed.
func (s *Service) pastReview(a ownership.Assignment, now time.Time) bool {
	return s.reviewAfter > 0 && a.Held() && !a.LastConfirmed().IsZero() && !now.Before(a.LastConfirmed().Add(s.reviewAfter))
}

// planReviews schedules the review of every assignment set or confirmed by
// the change, and cancels those of roles emptied. With before nil it
// schedules the reviews not scheduled yet.
func (s *Service) planReviews(ctx context.Context, before, after *ownership.Directory) []error {
	if s.reviewAfter <= 0 {
		return nil
	}
	now := s.now()
	var errs []error
	held := func(d *ownership.Directory) map[string]ownership.Assignment {
		out := map[string]ownership.Assignment{}
		if d == nil {
			return out
		}
		for _, t := range d.Teams {
			for r, a := range t.Roles {
				if a.Held() {
					out[roleJobKey(t.ID, r)] = a
				}
			}
		}
		return out
	}
	was, is := held(before), held(after)
	job := func(kind, key string) ownership.Job { return ownership.Job{Tenant: after.Tenant, Kind: kind, Key: key} }
	for k, a := range is {
		old, ok := was[k]
		if ok && old.Person.ID == a.Person.ID && old.LastConfirmed().Equal(a.LastConfirmed()) {
			continue
		}
		errs = append(errs, s.store.ScheduleJob(ctx, job(ownership.JobReview, k), s.reviewDue(a, now), before == nil))
		if before != nil {
			// Set anew or confirmed: an open review is answered.
			errs = append(errs, s.store.CancelJob(ctx, job(ownership.JobReviewLapse, k)))
		}
	}
	for k := range was {
		if _, ok := is[k]; !ok {
			errs = append(errs, s.store.CancelJob(ctx, job(ownership.JobReview, k)), s.store.CancelJob(ctx, job(ownership.JobReviewLapse, k)))
		}
	}
	return errs
}

// review asks a holder whose assignment is due for review whether it still
// stands, privately, once; the leads are told if no answer comes within
// ReviewLapse.
func (s *Service) review(ctx context.Context, r *scheduler.Run, out Outbox) (time.Time, error) {
	if s.reviewAfter <= 0 {
		return time.Time{}, nil
	}
	j := r.Job()
	d, t, role, err := s.jobRole(ctx, j)
	if err != nil {
		return time.Time{}, err
	}
	if t == nil || !t.Roles[role].Held() {
		return time.Time{}, nil
	}
	a := t.Roles[role]
	now := r.Now()
	if due := s.reviewDue(a, now); now.Before(due) && !a.LastConfirmed().IsZero() {
		return due, nil // confirmed since it was scheduled
	}
	ask := ReviewAsk{Team: TeamRef{ID: t.ID, Name: t.Name}, Role: role, RoleName: d.RoleName(role)}
	n := Notice{Text: rich.Lines(ask.Question(), rich.Sprintf("You were made %s%s. If someone else holds the role now, hand it over and a lead confirms.", ask.RoleName, sinceText(a))), Review: &ask}
	sent, err := r.Deliver(ctx, "person:"+a.Person.ID, func(ctx context.Context) error { return out.Tell(ctx, j.Tenant, a.Person, n) })
	if err != nil {
		return time.Time{}, err
	}
	if sent {
		s.dueObserver().Review("sent")
		reqID := "sched:" + j.ID() + "@" + r.Lease.Due.UTC().Format(time.RFC3339Nano)
		if _, _, err := s.store.Update(ctx, j.Tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
			return []ownership.Change{{At: now, Actor: schedulerActor, Team: t.ID, Action: "review.ask", Field: string(role), Old: a.Person.ID,
				Summary: fmt.Sprintf("Asked %s whether they are still %s of %s", a.Person.Label(), ask.RoleName, t.Name)}}, nil
		}, ownership.WithRequestID(reqID)); err != nil {
			s.log.Warn("could not audit a review", "tenant", j.Tenant, "err", err)
		}
	}
	if err := s.store.ScheduleJob(ctx, ownership.Job{Tenant: j.Tenant, Kind: ownership.JobReviewLapse, Key: j.Key}, now.Add(ReviewLapse), true); err != nil {
		return time.Time{}, err
	}
	// Asked once: an answer (or a new holder) schedules the next review;
	// silence is the leads' to follow up (reviewLapsed).
	return time.Time{}, nil
}

func sinceText(a ownership.Assignment) rich.Text {
	if a.AssignedAt.IsZero() {
		return nil
	}
	return rich.Sprintf(" on %s", a.AssignedAt.UTC().Format("2 Jan 2006"))
}

// reviewLapsed tells every lead, privately, that a review went unanswered.
func (s *Service) reviewLapsed(ctx context.Context, r *scheduler.Run, out Outbox) (time.Time, error) {
	j := r.Job()
	d, t, role, err := s.jobRole(ctx, j)
	if err != nil {
		return time.Time{}, err
	}
	if t == nil || !t.Roles[role].Held() {
		return time.Time{}, nil
	}
	a := t.Roles[role]
	if !s.pastReview(a, r.Now()) {
		return time.Time{}, nil // confirmed or handed over meanwhile
	}
	text := rich.Sprintf("%s has not answered whether they are still %s of %s (asked %d days ago; last confirmed %s). Check with them, or set the role with %s.",
		mention(a.Person), d.RoleName(role), rich.Strong(t.Name), int(ReviewLapse/(24*time.Hour)), ago(a.LastConfirmed(), r.Now()), FillCommand(role, t.Name))
	var errs []error
	told := false
	for _, l := range d.Leads {
		sent, err := r.Deliver(ctx, "person:"+l.ID, func(ctx context.Context) error { return out.Tell(ctx, j.Tenant, l, Notice{Text: text}) })
		errs = append(errs, err)
		told = told || sent
	}
	if told {
		s.dueObserver().Review("lapsed")
	}
	return time.Time{}, errors.Join(errs...)
}

// ago says how long ago t was, in the largest whole unit: "4 months ago".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d >= 365*24*time.Hour:
		return plural(int(d/(365*24*time.Hour)), "year")
	case d >= 60*24*time.Hour:
		return plural(int(d/(30*24*time.Hour)), "month")
	case d >= 14*24*time.Hour:
		return plural(int(d/(7*24*time.Hour)), "week")
	case d >= 24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute:
		return plural(int(d/time.Minute), "minute")
	case d >= time.Second:
		return plural(int(d/time.Second), "second")
	}
	return "just now"
}

// reviewRole finds the role a review button names, for the person who
// clicked: only its holder may answer.
func reviewRole(d *ownership.Directory, m Message, teamID string, role ownership.Role) (*ownership.Team, ownership.RoleDef, error) {
	t := d.Teams[teamID]
	def, ok := d.LookupRole(string(role))
	if t == nil || !ok {
		return nil, ownership.RoleDef{}, ownership.Errorf(ownership.ErrNotFound, "That role no longer exists; nothing changed.")
	}
	if a := t.Roles[def.ID]; !a.Held() || a.Person.ID != m.User.ID {
		return nil, ownership.RoleDef{}, ownership.Errorf(ownership.ErrForbidden, "You are not the %s of %s (any more), so there is nothing for you to confirm; nothing changed.", def.Name, t.Name)
	}
	return t, def, nil
}

// ConfirmReview records that the clicker still holds the role ("Yes, still
// me"): audited, not announced. Only the holder may confirm, checked in the
// update that records it.
func (s *Service) ConfirmReview(ctx context.Context, m Message, teamID string, role ownership.Role) (rich.Text, error) {
	now := s.now().UTC()
	var reply rich.Text
	_, _, err := updateOnce(ctx, s.store, m, func(d *ownership.Directory) ([]ownership.Change, error) {
		t, def, err := reviewRole(d, m, teamID, role)
		if err != nil {
			return nil, err
		}
		a := t.Roles[def.ID]
		a.Confirm(now)
		t.Roles[def.ID] = a
		who := m.User
		if who.Name == "" {
			who = a.Person // the same person, by the name the directory knows
		}
		reply = rich.Sprintf("Thanks! You're still the %s of %s; I'll ask again in %s.", def.Name, rich.Strong(t.Name), period(s.reviewAfter))
		return []ownership.Change{{At: now, Actor: who, Team: t.ID, Action: "review.confirm", Field: string(def.ID), New: who.ID,
			Summary: fmt.Sprintf("%s confirmed they are still %s of %s", who.Label(), def.Name, t.Name)}}, nil
	})
	if err != nil {
		return nil, err
	}
	if reply.Empty() {
		reply = rich.Plain("Thanks! That was already recorded.")
	}
	s.dueObserver().Review("confirmed")
	return reply, nil
}

// DeclineReview is "No, hand over": it checks that the clicker holds the
// role and returns the question that asks for the successor, which the
// transports render with a person picker. Nothing changes yet.
func (s *Service) DeclineReview(ctx context.Context, m Message, teamID string, role ownership.Role) (ReviewAsk, error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return ReviewAsk{}, err
	}
	t, def, err := reviewRole(d, m, teamID, role)
	if err != nil {
		return ReviewAsk{}, err
	}
	ask := ReviewAsk{Team: TeamRef{ID: t.ID, Name: t.Name}, Role: def.ID, RoleName: def.Name}
	for _, p := range t.Members {
		if p.ID != m.User.ID {
			ask.Candidates = append(ask.Candidates, p)
		}
	}
	return ask, nil
}

// HandOverFromReview opens the handover of the clicker's role to successor,
// picked after "No, hand over": a pending request for a lead to approve.
func (s *Service) HandOverFromReview(ctx context.Context, m Message, teamID string, role ownership.Role, successor ownership.Person) (CommandResult, error) {
	if successor.IsZero() {
		return CommandResult{}, ownership.Errorf(ownership.ErrInvalid, "Pick the person who takes over first.")
	}
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return CommandResult{}, err
	}
	t, def, err := reviewRole(d, m, teamID, role)
	if err != nil {
		return CommandResult{}, err
	}
	for _, p := range t.Members {
		if p.ID == successor.ID && successor.Name == "" {
			successor.Name = p.Name
		}
	}
	// The same path as the handover command: a request the leads are sent
	// with Approve and Decline (or, with WHOOWNS_HANDOVER=direct, the
	// change itself).
	res, err := s.StartHandover(ctx, m, def.ID, t.ID, successor)
	if err != nil {
		return CommandResult{}, err
	}
	if res.Changed {
		s.dueObserver().Review("handed_over")
	}
	return res, nil
}

// markReview adds an assignment's last confirmation to its holder, and,
// when its review date has passed, the note answers show ("last confirmed
// 4 months ago").
func (s *Service) markReview(h *Holder, t *ownership.Team, now time.Time) {
	if h == nil || h.Covering() {
		return
	}
	a, ok := t.Roles[h.Role]
	if !ok || !a.Held() {
		return
	}
	h.ConfirmedAt = a.ConfirmedAt
	if s.pastReview(a, now) {
		h.Stale = "last confirmed " + ago(a.LastConfirmed(), now)
	}
}

// ReviewNote is the note on an answer whose holder's assignment is past
// its review date ("Product Owner last confirmed 4 months ago"), or nil.
func (a Answer) ReviewNote() rich.Text {
	hs := a.Both
	if a.Holder != nil {
		hs = []Holder{*a.Holder}
	}
	var parts []rich.Text
	for _, h := range hs {
		if h.Stale != "" {
			if len(hs) > 1 {
				parts = append(parts, rich.Textf("%s %s", h.RoleName, h.Stale))
			} else {
				parts = append(parts, rich.Plain("Due for review: "+h.Stale))
			}
		}
	}
	return rich.Join(parts, " · ")
}

// period says a review period in words: "90 days", or as Go writes it
// when it is not whole days.
func period(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		if n := int(d / (24 * time.Hour)); n != 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "1 day"
	}
	return d.String()
}
