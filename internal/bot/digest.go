package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/scheduler"
)

// DigestSchedule is when the leads' digest goes out (WHOOWNS_DIGEST): one
// day of the week, or every day, at a time of day in UTC. The zero value
// sends none.
type DigestSchedule struct {
	on    bool
	daily bool
	day   time.Weekday
	at    time.Duration // since midnight UTC
}

// DefaultDigest is WHOOWNS_DIGEST's default: Mondays at 09:00 UTC.
func DefaultDigest() DigestSchedule {
	return DigestSchedule{on: true, day: time.Monday, at: 9 * time.Hour}
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// ParseDigestSchedule reads "off", "<day> HH:MM" ("mon 09:00", "friday
// 16:30") or "daily HH:MM"; times are UTC.
func ParseDigestSchedule(s string) (DigestSchedule, error) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) == 1 && f[0] == "off" {
		return DigestSchedule{}, nil
	}
	if len(f) != 2 {
		return DigestSchedule{}, errors.New("is not a day and a time")
	}
	out := DigestSchedule{on: true}
	if f[0] == "daily" {
		out.daily = true
	} else if d, ok := weekdays[f[0]]; ok {
		out.day = d
	} else {
		return DigestSchedule{}, fmt.Errorf("names no day of the week (%q)", f[0])
	}
	h, m, ok := strings.Cut(f[1], ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return DigestSchedule{}, fmt.Errorf("has no time of day HH:MM (%q)", f[1])
	}
	out.at = time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
	return out, nil
}

// On reports whether digests are sent at all.
func (d DigestSchedule) On() bool { return d.on }

// Period is the time between two digests: a week, or a day.
func (d DigestSchedule) Period() time.Duration {
	if d.daily {
		return 24 * time.Hour
	}
	return 7 * 24 * time.Hour
}

// String says the schedule in words: "Mondays at 09:00 UTC".
func (d DigestSchedule) String() string {
	if !d.on {
		return "off"
	}
	at := fmt.Sprintf("%02d:%02d UTC", int(d.at/time.Hour), int(d.at%time.Hour/time.Minute))
	if d.daily {
		return "every day at " + at
	}
	return d.day.String() + "s at " + at
}

// Next is the first time the digest is due strictly after t.
func (d DigestSchedule) Next(t time.Time) time.Time {
	t = t.UTC()
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if d.daily {
		next := midnight.Add(d.at)
		if !next.After(t) {
			next = midnight.AddDate(0, 0, 1).Add(d.at)
		}
		return next
	}
	days := (int(d.day) - int(t.Weekday()) + 7) % 7
	next := midnight.AddDate(0, 0, days).Add(d.at)
	if !next.After(t) {
		next = midnight.AddDate(0, 0, days+7).Add(d.at)
	}
	return next
}

// WithDigest sends the leads' digest on schedule (WHOOWNS_DIGEST); the
// zero schedule sends none.
func WithDigest(d DigestSchedule) Option { return func(s *Service) { s.digest = d } }

// Digest is the leads' digest of one period: what needs their attention.
// Transports render it (Slack blocks, a Teams Adaptive Card); every part
// is typed text.
type Digest struct {
	// Title is the digest's heading: "Leads' digest · 30 Nov – 7 Dec".
	Title string
	// Sections are what needs attention; sections with nothing in them
	// are left out.
	Sections []DigestSection
	// Quiet is the one line of a period with nothing to report.
	Quiet rich.Text
	// Footer says where the digest goes and how to change it.
	Footer rich.Text
}

// DigestSection is one part of a digest: a title and its lines.
type DigestSection struct {
	Title string
	Lines []rich.Text
}

// Text is the digest as one text: the notification and fallback of a
// rendered digest, and the command line's view.
func (g Digest) Text() rich.Text {
	lines := []rich.Text{rich.Strong(g.Title)}
	for _, s := range g.Sections {
		lines = append(lines, rich.Strong(s.Title))
		lines = append(lines, s.Lines...)
	}
	return rich.Lines(append(lines, g.Quiet, g.Footer)...)
}

// digestLines is how many lines one section lists before "…and n more".
const digestLines = 10

// buildDigest gathers the digest of the period ending at now for the
// directory's leads.
func (s *Service) buildDigest(ctx context.Context, d *ownership.Directory, now time.Time) (Digest, error) {
	period := s.digest.Period()
	if !s.digest.On() {
		period = 7 * 24 * time.Hour
	}
	from := now.Add(-period)
	g := Digest{Title: fmt.Sprintf("Leads' digest · %s – %s", from.UTC().Format("2 Jan"), now.UTC().Format("2 Jan 2006"))}
	if period < 48*time.Hour {
		g.Title = "Leads' digest · " + now.UTC().Format("2 Jan 2006")
	}
	add := func(title string, lines []rich.Text, more rich.Text) {
		if len(lines) == 0 {
			return
		}
		if len(lines) > digestLines {
			n := len(lines) - digestLines
			lines = append(lines[:digestLines:digestLines], rich.Sprintf("…and %d more. %s", n, more))
		} else if !more.Empty() {
			lines = append(lines, more)
		}
		g.Sections = append(g.Sections, DigestSection{Title: title, Lines: lines})
	}

	// Vacated and empty roles, with how long where it is known.
	var empty, stale, ending []rich.Text
	for _, t := range d.SortedTeams() {
		for _, rd := range d.RoleDefs() {
			a, assigned := t.Roles[rd.ID]
			builtin := rd.ID == ownership.ProductManager || rd.ID == ownership.ProductOwner
			if !assigned && !builtin {
				continue
			}
			p, usual, cover := t.Holder(rd.ID, now)
			switch {
			case p.IsZero() && a.Vacated != nil:
				empty = append(empty, rich.Sprintf("• %s: %s vacant for %s (%s held it until %s). %s",
					rich.Strong(t.Name), rd.Name, strings.TrimSuffix(ago(a.Vacated.Since, now), " ago"), a.Vacated.Person.Label(), day(a.Vacated.Since), FillCommand(rd.ID, t.Name)))
			case p.IsZero():
				empty = append(empty, rich.Sprintf("• %s: no %s. %s", rich.Strong(t.Name), rd.Name, FillCommand(rd.ID, t.Name)))
			}
			if a.Held() && s.pastReview(a, now) {
				stale = append(stale, rich.Sprintf("• %s: %s, %s, last confirmed %s", rich.Strong(t.Name), a.Person.Label(), rd.Name, ago(a.LastConfirmed(), now)))
			}
			if cover != nil && cover.Until.Before(now.Add(period)) {
				then := "then the role is empty"
				if !usual.IsZero() {
					then = "then " + usual.Label() + " again"
				}
				ending = append(ending, rich.Sprintf("• %s: %s covers %s until %s; %s", rich.Strong(t.Name), p.Label(), rd.Name, cover.Until.UTC().Format("Mon 2 Jan 15:04 UTC"), then))
			}
		}
	}
	add("Empty roles", empty, nil)
	add("Past their review", stale, rich.Sprintf("Their holders were asked; check with them or set the role anew."))
	add("Covers ending soon", ending, nil)

	// Unanswered questions of the period, grouped.
	qs, err := s.store.Unanswered(ctx, d.Tenant, unansweredRead)
	if err != nil {
		return Digest{}, err
	}
	var unanswered []rich.Text
	for _, gr := range groupUnanswered(qs, d) {
		if gr.Latest.At.Before(from) {
			continue
		}
		l := rich.Sprintf("• %q", gr.Latest.Text)
		if gr.Count > 1 {
			l = append(l, rich.Sprintf(" (asked %d times)", gr.Count)...)
		}
		unanswered = append(unanswered, l)
	}
	add("Unanswered questions", unanswered, rich.Sprintf("%s lists them; %s teaches me one.", rich.Command("unanswered"), TeachCommand()))

	// 👍/👎 per intent over the period's whole days, from the usage
	// statistics (a vote today is in the next digest).
	lastDay := ownership.StatsDayOf(now).AddDate(0, 0, -1)
	report, err := s.store.Stats(ctx, d.Tenant, ownership.StatsDayOf(from), lastDay)
	if err != nil {
		return Digest{}, err
	}
	fb := report.Feedback()
	cat, err := s.catalogueFor(d)
	if err != nil {
		return Digest{}, err
	}
	ids := make([]string, 0, len(fb))
	for id := range fb {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := fb[ids[i]], fb[ids[j]]
		if a.NotHelpful != b.NotHelpful {
			return a.NotHelpful > b.NotHelpful
		}
		if a.Helpful != b.Helpful {
			return a.Helpful > b.Helpful
		}
		return ids[i] < ids[j]
	})
	var votes []rich.Text
	for _, id := range ids {
		if fb[id].Helpful == 0 && fb[id].NotHelpful == 0 {
			continue
		}
		title := id
		if in, ok := cat.Get(id); ok {
			title = in.Title
		}
		votes = append(votes, rich.Sprintf("• %s: 👍 %d · 👎 %d", title, fb[id].Helpful, fb[id].NotHelpful))
	}
	add("Feedback on answers", votes, nil)

	// Learned phrases waiting for a lead.
	cands, err := s.store.Candidates(ctx, d.Tenant)
	if err != nil {
		return Digest{}, err
	}
	var waiting []rich.Text
	n := 0
	for _, it := range s.learnItems(d, cat, cands) {
		n++
		if it.learned {
			continue
		}
		title := it.intent
		if in, ok := cat.Get(it.intent); ok {
			title = in.Title
		}
		waiting = append(waiting, rich.Sprintf("%d. %q → %s · %s", n, it.phrase, title, peopleCount(it.people)))
	}
	add("Learned phrases waiting for approval", waiting, rich.Sprintf("%s approves one; %s drops it.", rich.Command("learned approve <n>"), rich.Command("unlearn <n>")))

	// Pending requests.
	var reqs []rich.Text
	for _, r := range d.PendingRequests(now) {
		reqs = append(reqs, rich.Sprintf("• %s (expires %s)", d.Describe(r), day(r.Expires)))
	}
	add("Requests waiting for a lead", reqs, rich.Sprintf("%s sends you each one with Approve and Decline.", rich.Command("requests")))

	if len(g.Sections) == 0 {
		g.Quiet = rich.Plain("A quiet week: every role is filled and current, and nothing is waiting for a lead. 🎉")
		if s.digest.On() && s.digest.daily {
			g.Quiet = rich.Plain("A quiet day: every role is filled and current, and nothing is waiting for a lead. 🎉")
		}
	}
	g.Footer = s.digestFooter(d)
	return g, nil
}

// digestFooter says where the digest goes, when, and how to change it.
func (s *Service) digestFooter(d *ownership.Directory) rich.Text {
	when := s.digest.String()
	if ch := d.DigestChannel(); ch.ID != "" {
		return rich.Sprintf("Sent to %s %s. %s sends it to every lead privately again; %s stops it.", channelLink(ch), when, rich.Command("digest private"), rich.Command("digest off"))
	}
	return rich.Sprintf("Sent to every lead privately %s. %s in a channel sends it there instead; %s stops it.", when, rich.Command("digest here"), rich.Command("digest off"))
}

// digestJob is the tenant's digest job.
func digestJob(t ownership.TenantID) ownership.Job {
	return ownership.Job{Tenant: t, Kind: ownership.JobDigest}
}

// wantsDigest reports whether d's tenant is sent digests: they are on,
// the leads did not stop them, and someone receives them.
func (s *Service) wantsDigest(d *ownership.Directory) bool {
	return d != nil && s.digest.On() && d.DigestOn() && (d.DigestChannel().ID != "" || len(s.digestLeads(d)) > 0)
}

// planDigest schedules the tenant's digest while it wants one and cancels
// it when it stops. With before nil it makes sure the job is
// there, due at the schedule's next time (a schedule changed since it was
// planned moves it).
func (s *Service) planDigest(ctx context.Context, before, after *ownership.Directory) error {
	j := digestJob(after.Tenant)
	want := s.wantsDigest(after)
	switch {
	case !want && (before == nil || s.wantsDigest(before)):
		return s.store.CancelJob(ctx, j)
	case !want:
		return nil
	case before == nil:
		now := s.now()
		next := s.digest.Next(now)
		due, ok, err := s.store.JobDue(ctx, j)
		if err != nil {
			return err
		}
		if ok && (!due.After(now) || sameInstant(due, next)) {
			return nil // due now (or leased), or where it belongs
		}
		return s.store.ScheduleJob(ctx, j, next, false)
	}
	// Any change makes sure the job is there (data older than the job
	// gets it with its first change); a planned one keeps its time.
	return s.store.ScheduleJob(ctx, j, s.digest.Next(s.now()), true)
}

// sendDigest is the digest job: it sends the period's digest once to
// every lead privately, or to the channel the leads chose, and plans the
// next one.
func (s *Service) sendDigest(ctx context.Context, r *scheduler.Run, out Outbox) (time.Time, error) {
	j := r.Job()
	d, err := s.store.Directory(ctx, j.Tenant)
	if err != nil {
		return time.Time{}, err
	}
	if !s.wantsDigest(d) {
		return time.Time{}, nil // a change that wants one plans it again
	}
	now := r.Now()
	g, err := s.buildDigest(ctx, d, now)
	if err != nil {
		return time.Time{}, err
	}
	n := Notice{Text: g.Text(), Digest: &g}
	var errs []error
	if ch := d.DigestChannel(); ch.ID != "" {
		sent, err := r.Deliver(ctx, "channel:"+ch.ID, func(ctx context.Context) error { return out.Publish(ctx, j.Tenant, ch, n) })
		errs = append(errs, err)
		if sent {
			s.dueObserver().DigestDelivered("channel")
		}
	} else {
		for _, l := range s.digestLeads(d) {
			sent, err := r.Deliver(ctx, "person:"+l.ID, func(ctx context.Context) error { return out.Tell(ctx, j.Tenant, l, n) })
			if err != nil && !d.IsLead(l.ID) {
				// WHOOWNS_ADMINS serve every tenant, and an id may not
				// exist in this one: its failure is not retried.
				s.log.Info("digest: an admin could not be sent the digest", "tenant", j.Tenant, "user", l.ID, "err", err)
				err = nil
			}
			errs = append(errs, err)
			if sent {
				s.dueObserver().DigestDelivered("lead")
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return time.Time{}, err
	}
	return s.digest.Next(now), nil
}

// digestLeads is who gets the digest privately: the tenant's leads, then
// WHOOWNS_ADMINS of the tenant's platform who are not among them.
func (s *Service) digestLeads(d *ownership.Directory) []ownership.Person {
	out := append([]ownership.Person(nil), d.Leads...)
	var admins []string
	for id := range s.admins {
		if !d.IsLead(id) && samePlatformID(d.Tenant, id) {
			admins = append(admins, id)
		}
	}
	sort.Strings(admins)
	for _, id := range admins {
		out = append(out, ownership.Person{ID: id})
	}
	return out
}

// samePlatformID reports whether a user id has the shape of the tenant's
// platform: Teams ids start with "29:", Slack's do not have a colon.
func samePlatformID(t ownership.TenantID, id string) bool {
	switch platformOf(t) {
	case "teams":
		return strings.HasPrefix(id, "29:")
	case "slack":
		return !strings.Contains(id, ":")
	}
	return false
}

// digestCmd runs "digest": the setting and when the next one is due;
// "digest here" (in a channel) sends it there; "digest private" to every
// lead privately again; "digest off" stops it; "digest now" sends the
// digest so far to the lead who asked.
func (c *cmd) digestCmd(ctx context.Context) (CommandResult, error) {
	if len(c.args) == 0 {
		return c.digestStatus(ctx)
	}
	if len(c.args) > 1 {
		return CommandResult{}, c.usage("%s takes one word at most.", rich.Code("digest"))
	}
	word := strings.ToLower(c.args[0].text)
	switch word {
	case "now", "preview":
		g, err := c.s.buildDigest(ctx, c.d, c.now)
		if err != nil {
			return CommandResult{}, err
		}
		return CommandResult{Text: rich.Plain("I've sent you the digest as it stands now; nothing else changes."),
			Notices: []Notice{{To: c.m.User, Text: g.Text(), Digest: &g}}}, nil
	case "here", "private", "on", "off":
	default:
		return CommandResult{}, c.usage("%q is not something %s does.", c.args[0].text, rich.Command("digest"))
	}
	if word == "here" && (c.m.DM || c.m.Channel.ID == "") {
		return CommandResult{}, ownership.Errorf(ownership.ErrInvalid, "Type %s in the channel the digest should go to; here it would go to you alone. %s sends it to every lead privately.", rich.Command("digest here"), rich.Command("digest private"))
	}
	if !c.s.digest.On() {
		return CommandResult{}, ownership.Errorf(ownership.ErrInvalid, "The digest is off for every workspace (WHOOWNS_DIGEST=off), so there is nothing to change; ask whoever runs whoowns.")
	}
	res, err := c.change(ctx, func(c *cmd, d *ownership.Directory, reply *rich.Text, _ **ownership.Team, _ *[]rich.Text) ([]ownership.Change, error) {
		old := digestSummary(d)
		set := &ownership.DigestSetting{By: c.m.User, At: c.now}
		switch word {
		case "here":
			set.Channel = c.m.Channel
			*reply = rich.Sprintf("From now on the leads' digest comes to %s, %s.", channelLink(c.m.Channel), c.s.digest.String())
		case "off":
			set.Off = true
			*reply = rich.Sprintf("The leads' digest is off. %s turns it on again.", rich.Command("digest private"))
		default:
			set = nil
			*reply = rich.Sprintf("The leads' digest goes to every lead privately, %s.", c.s.digest.String())
		}
		if d.Digest != nil && set != nil && d.Digest.Off == set.Off && d.Digest.Channel.ID == set.Channel.ID || d.Digest == nil && set == nil {
			*reply = rich.Sprintf("Nothing changed: %s", *reply)
			return nil, nil
		}
		d.Digest = set
		now := digestSummary(d)
		return []ownership.Change{{Action: "digest", Old: old, New: now,
			Summary: fmt.Sprintf("%s set the leads' digest to %s (was %s)", c.m.User.Label(), now, old)}}, nil
	})
	if err != nil {
		return CommandResult{}, err
	}
	if res.Changed && word == "here" {
		res.Announcements = append(res.Announcements, Announcement{Channel: c.m.Channel,
			Text: rich.Sprintf("%s chose this channel for the leads' digest (%s).", mention(c.m.User), c.s.digest.String())})
	}
	return res, nil
}

// digestSummary says where d's digest goes, for the audit log.
func digestSummary(d *ownership.Directory) string {
	switch {
	case !d.DigestOn():
		return "off"
	case d.DigestChannel().ID != "":
		return "channel " + nameOr(d.DigestChannel().Name, d.DigestChannel().ID)
	}
	return "every lead privately"
}

// digestStatus says where the digest goes and when the next one is due.
func (c *cmd) digestStatus(ctx context.Context) (CommandResult, error) {
	if !c.s.digest.On() {
		return CommandResult{Text: rich.Plain("The leads' digest is off for every workspace (WHOOWNS_DIGEST=off).")}, nil
	}
	if !c.d.DigestOn() {
		return CommandResult{Text: rich.Sprintf("The leads' digest is off here. %s turns it on, to every lead privately.", rich.Command("digest private"))}, nil
	}
	lines := []rich.Text{c.s.digestFooter(c.d)}
	due, ok, err := c.s.store.JobDue(ctx, digestJob(c.m.Tenant))
	if err != nil {
		return CommandResult{}, err
	}
	if !ok || !due.After(c.now) {
		due = c.s.digest.Next(c.now)
	}
	lines = append(lines, rich.Sprintf("The next one is due %s. %s sends you the digest as it stands now.", due.UTC().Format("Mon 2 Jan 2006 15:04 UTC"), rich.Command("digest now")))
	return CommandResult{Text: rich.Lines(lines...)}, nil
}
