package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Keeping ownership true: departures, handovers, claims and the leads'
// decisions on them. Every change runs inside one atomic store update that
// checks the actor's authority again on the directory it commits to.

// FillOffer is an empty role a lead can fill with one pick.
type FillOffer struct {
	Team     TeamRef
	Role     ownership.Role
	RoleName string
}

// LifecycleObserver is told about vacated roles and handovers, for
// metrics. An Observer that also implements it is told.
type LifecycleObserver interface {
	Vacated(platform string, roles int)
	Handover(platform, outcome string)
}

// HandoverDirect is the value of WHOOWNS_HANDOVER that lets holders hand
// over without a lead's approval.
const HandoverDirect = "direct"

// WithHandover sets how handovers are applied: HandoverDirect applies them
// at once; anything else makes them requests a lead approves.
func WithHandover(mode string) Option {
	return func(s *Service) { s.handoverDirect = strings.EqualFold(strings.TrimSpace(mode), HandoverDirect) }
}

func (s *Service) lifecycle(f func(LifecycleObserver)) {
	if o, ok := s.observer.(LifecycleObserver); ok {
		f(o)
	}
}

// handover runs "handover <role> @successor [team]".
func (c *cmd) handover(ctx context.Context) (CommandResult, error) {
	r, rest, err := c.splitRole(c.d, c.args)
	if err != nil {
		return CommandResult{}, err
	}
	if len(rest) == 0 {
		return CommandResult{}, c.usage("Who should take over? Mention them.")
	}
	succ, err := userArg(c.verb, rest[0])
	if err != nil {
		return CommandResult{}, err
	}
	t, err := c.team(c.d, rest[1:])
	if err != nil {
		return CommandResult{}, err
	}
	return c.s.StartHandover(ctx, c.m, r.ID, t.ID, succ)
}

// StartHandover proposes successor as the new holder of role on the team
// teamID, on behalf of m.User, who must hold the role. With
// WHOOWNS_HANDOVER=direct the role changes at once and is announced;
// otherwise a pending request goes to every lead with Approve and Decline.
func (s *Service) StartHandover(ctx context.Context, m Message, role ownership.Role, teamID string, successor ownership.Person) (CommandResult, error) {
	if successor.ID == m.User.ID {
		return CommandResult{}, ownership.Errorf(ownership.ErrInvalid, "You can't hand a role over to yourself. Mention who should take over.")
	}
	if m.CheckUser != nil {
		if err := m.CheckUser(ctx, successor); err != nil {
			return CommandResult{}, err
		}
	}
	now := s.now().UTC()
	if s.handoverDirect {
		return s.directHandover(ctx, m, role, teamID, successor)
	}
	var req ownership.Request
	var created bool
	d, changes, err := updateOnce(ctx, s.store, m, func(d *ownership.Directory) ([]ownership.Change, error) {
		var ch []ownership.Change
		var err error
		req, ch, err = d.AddRequest(ownership.Request{Kind: ownership.Handover, Team: teamID, Role: role, From: m.User, Successor: successor}, now)
		created = len(ch) > 0
		return ch, err
	})
	if err != nil {
		return CommandResult{}, err
	}
	return s.requestMade(d, m, req, created, changes)
}

// directHandover applies a handover at once (WHOOWNS_HANDOVER=direct).
func (s *Service) directHandover(ctx context.Context, m Message, role ownership.Role, teamID string, successor ownership.Person) (CommandResult, error) {
	now := s.now().UTC()
	var res CommandResult
	_, changes, err := updateOnce(ctx, s.store, m, func(d *ownership.Directory) ([]ownership.Change, error) {
		res = CommandResult{}
		t := d.Teams[teamID]
		if t == nil {
			return nil, ownership.Errorf(ownership.ErrNotFound, "That team no longer exists; nothing changed.")
		}
		name := d.RoleName(role)
		if t.Roles[role].Person.ID != m.User.ID {
			return nil, ownership.Errorf(ownership.ErrForbidden, "Only the current %s of %s can hand the role over; you can ask for it with %s instead.",
				name, t.Name, rich.Command(fmt.Sprintf("claim %s %s", shortRole(role), teamArg(t.Name))))
		}
		ch := d.Assign(t, role, successor, m.User, now)
		ch.Action = string(ownership.Handover)
		ch.Summary = fmt.Sprintf("%s handed over the %s role of %s to %s", m.User.Label(), name, t.Name, successor.Label())
		res.Text = rich.Sprintf("Done: %s is now %s of %s. I've announced it.", mention(successor), name, rich.Strong(t.Name))
		res.Announcements = announce(t, rich.Sprintf("%s handed over the %s role of %s to %s.", mention(m.User), name, t.Name, mention(successor)))
		return []ownership.Change{ch}, nil
	})
	if err != nil {
		return CommandResult{}, err
	}
	if res.Text.Empty() && len(changes) > 0 {
		res.Text = rich.Plain("Done: that handover was made when this message first arrived.")
	}
	res.Changed = len(changes) > 0
	if res.Changed {
		s.lifecycle(func(o LifecycleObserver) { o.Handover(m.Platform, "direct") })
	}
	return res, nil
}

// claim runs "claim <role> [team]".
func (c *cmd) claim(ctx context.Context) (CommandResult, error) {
	r, rest, err := c.splitRole(c.d, c.args)
	if err != nil {
		return CommandResult{}, err
	}
	t, err := c.team(c.d, rest)
	if err != nil {
		return CommandResult{}, err
	}
	return c.s.Claim(ctx, c.m, r.ID, t.ID)
}

// Claim files m.User's claim to be the new holder of role on the team
// team (its id or TeamKey): a pending request that goes to every lead with
// Approve and Decline, as "claim <role> [team]" and a member's Suggest a
// change do.
func (s *Service) Claim(ctx context.Context, m Message, role ownership.Role, team string) (CommandResult, error) {
	now := s.now().UTC()
	var req ownership.Request
	var created bool
	d, changes, err := updateOnce(ctx, s.store, m, func(d *ownership.Directory) ([]ownership.Change, error) {
		t := teamByKey(d, team)
		if t == nil {
			return nil, ownership.Errorf(ownership.ErrNotFound, "That team no longer exists.")
		}
		var ch []ownership.Change
		var err error
		req, ch, err = d.AddRequest(ownership.Request{Kind: ownership.ClaimRole, Team: t.ID, Role: role, From: m.User}, now)
		created = len(ch) > 0
		return ch, err
	})
	if err != nil {
		return CommandResult{}, err
	}
	return s.requestMade(d, m, req, created, changes)
}

// requestMade is the reply to a handover or claim request and the leads'
// notices. created is false for a request that was already pending (no
// new notices). A repeat delivery whose update was recorded (req unknown
// here) is told the request stands.
func (s *Service) requestMade(d *ownership.Directory, m Message, req ownership.Request, created bool, changes []ownership.Change) (CommandResult, error) {
	if req.ID == "" {
		return CommandResult{Text: rich.Plain("Done: that request was made when this message first arrived; the leads have it."), Changed: true}, nil
	}
	t := d.Teams[req.Team]
	role := d.RoleName(req.Role)
	if !created {
		return CommandResult{Text: rich.Sprintf("That request is already waiting for a lead (since %s); I'll tell you when one decides.", when(req.Created))}, nil
	}
	res := CommandResult{Changed: true}
	if req.Kind == ownership.ClaimRole {
		res.Text = rich.Sprintf("I've asked the leads to confirm that you are the new %s of %s. I'll tell you when one decides; the request expires on %s.", role, rich.Strong(t.Name), day(req.Expires))
	} else {
		res.Text = rich.Sprintf("I've asked the leads to approve handing the %s role of %s to %s. I'll tell you when one decides; the request expires on %s.", role, rich.Strong(t.Name), mention(req.Successor), day(req.Expires))
	}
	text := requestText(d, req)
	for _, l := range s.leadsOf(d) {
		r := req
		res.Notices = append(res.Notices, Notice{To: l, Text: text, Request: &r})
	}
	if len(res.Notices) == 0 {
		res.Text = rich.Lines(res.Text, rich.Plain("No lead is set up here yet, so nobody can approve it; ask a workspace admin to add one."))
	}
	s.lifecycle(func(o LifecycleObserver) { o.Handover(m.Platform, "requested") })
	return res, nil
}

// requestText is what a lead reads about a request.
func requestText(d *ownership.Directory, r ownership.Request) rich.Text {
	team := r.Team
	if t := d.Teams[r.Team]; t != nil {
		team = t.Name
	}
	role := d.RoleName(r.Role)
	var head rich.Text
	if r.Kind == ownership.ClaimRole {
		head = rich.Sprintf("%s says they are the new %s of %s.", mention(r.From), role, rich.Strong(team))
	} else {
		head = rich.Sprintf("%s wants to hand over the %s role of %s to %s.", mention(r.From), role, rich.Strong(team), mention(r.Successor))
	}
	cur := rich.Plain("Nobody holds the role now.")
	if t := d.Teams[r.Team]; t != nil {
		if a := t.Roles[r.Role]; a.Held() {
			cur = rich.Sprintf("Today the %s is %s.", role, mention(a.Person))
		} else if a.Vacated != nil {
			cur = rich.Sprintf("The role is vacant since %s (%s held it).", day(a.Vacated.Since), a.Vacated.Person.Label())
		}
	}
	return rich.Lines(head, rich.Sprintf("%s Approve or decline; the request expires on %s.", cur, day(r.Expires)))
}

// leadsOf returns whom lead notices go to: the tenant's leads and the
// deployment's admins known by their id.
func (s *Service) leadsOf(d *ownership.Directory) []ownership.Person {
	out := append([]ownership.Person(nil), d.Leads...)
	seen := map[string]bool{}
	for _, l := range out {
		seen[l.ID] = true
	}
	for _, id := range sortedKeys(s.admins) {
		if !seen[id] && adminHere(d.Tenant, id) {
			out = append(out, ownership.Person{ID: id})
		}
	}
	return out
}

// adminHere reports whether an admin id (WHOOWNS_ADMINS lists ids of both
// platforms) can be a user of tenant: Teams ids start "29:".
func adminHere(t ownership.TenantID, id string) bool {
	return strings.HasPrefix(string(t), "teams:") == strings.HasPrefix(id, "29:")
}

// requests runs "requests": the pending requests, each with its buttons.
func (c *cmd) requests(ctx context.Context) (CommandResult, error) {
	pending := c.d.PendingRequests(c.now)
	if len(pending) == 0 {
		return CommandResult{Text: rich.Plain("No handover or claim is waiting for a lead.")}, nil
	}
	lines := []rich.Text{rich.Sprintf("%d requests waiting for a lead, oldest first:", len(pending))}
	res := CommandResult{}
	for _, r := range pending {
		lines = append(lines, rich.Sprintf("• %s · %s (expires %s)", day(r.Created), c.d.Describe(r), day(r.Expires)))
		rr := r
		res.Notices = append(res.Notices, Notice{To: c.m.User, Text: requestText(c.d, r), Request: &rr})
	}
	lines = append(lines, rich.Plain("I've sent you each one with Approve and Decline."))
	res.Text = rich.Lines(lines...)
	return res, nil
}

// Decide approves or declines the pending request id for m.User, who must
// be a lead: the platform's signed payload says who clicked, and the store
// update checks again that they lead this tenant. Approval changes the role
// in the same update, is audited and announced in the team's channels; the
// requester and the successor are told.
func (s *Service) Decide(ctx context.Context, m Message, id string, approve bool) (CommandResult, error) {
	now := s.now().UTC()
	var desc string
	var t *ownership.Team
	dec, err := ownership.DecideRequest(ctx, s.store, m.Tenant, id, approve, m.User, now, func(d *ownership.Directory) error {
		if !s.isLead(d, m) {
			return ownership.Errorf(ownership.ErrForbidden, "Only leads can approve or decline requests; nothing changed.")
		}
		if r := d.Request(id); r != nil {
			desc = d.Describe(*r)
			if tt := d.Teams[r.Team]; tt != nil {
				c := *tt
				t = &c
			}
		}
		return nil
	})
	if err != nil {
		return CommandResult{}, err
	}
	r := dec.Request
	role := dec.Directory.RoleName(r.Role)
	team := r.Team
	if t != nil {
		team = t.Name
	}
	res := CommandResult{Changed: true}
	if !approve {
		res.Text = rich.Sprintf("Declined: %s. I've told %s.", desc, r.From.Label())
		res.Notices = []Notice{{To: r.From, Text: rich.Sprintf("%s declined your request: %s. Nothing changed.", mention(m.User), desc)}}
		s.lifecycle(func(o LifecycleObserver) { o.Handover(m.Platform, "declined") })
		return res, nil
	}
	if nt := dec.Directory.Teams[r.Team]; nt != nil {
		t = nt
	}
	res.Text = rich.Sprintf("Approved: %s is now %s of %s. I've announced it.", mention(r.Successor), role, rich.Strong(team))
	var line rich.Text
	if r.Kind == ownership.ClaimRole {
		line = rich.Sprintf("%s is now the %s of %s (confirmed by %s).", mention(r.Successor), role, team, mention(m.User))
	} else {
		line = rich.Sprintf("%s handed over the %s role of %s to %s (approved by %s).", mention(r.From), role, team, mention(r.Successor), mention(m.User))
	}
	if t != nil {
		res.Announcements = announce(t, line)
	}
	res.Notices = append(res.Notices, Notice{To: r.From, Text: rich.Sprintf("%s approved your request: %s.", mention(m.User), desc)})
	if r.Successor.ID != r.From.ID {
		res.Notices = append(res.Notices, Notice{To: r.Successor, Text: rich.Sprintf("You are now the %s of %s: %s approved %s's handover.", role, team, mention(m.User), r.From.Label())})
	}
	s.lifecycle(func(o LifecycleObserver) { o.Handover(m.Platform, "approved") })
	return res, nil
}

// Fill makes p the holder of role on the team teamID for m.User, a lead
// (checked again inside the update): the one-click fill of a vacated role.
func (s *Service) Fill(ctx context.Context, m Message, teamID string, role ownership.Role, p ownership.Person) (CommandResult, error) {
	if m.CheckUser != nil {
		if err := m.CheckUser(ctx, p); err != nil {
			return CommandResult{}, err
		}
	}
	now := s.now().UTC()
	var res CommandResult
	_, changes, err := updateOnce(ctx, s.store, m, func(d *ownership.Directory) ([]ownership.Change, error) {
		res = CommandResult{}
		if !s.isLead(d, m) {
			return nil, forbidden("set")
		}
		t := d.Teams[teamID]
		if t == nil {
			return nil, ownership.Errorf(ownership.ErrNotFound, "That team no longer exists; nothing changed.")
		}
		if _, ok := d.LookupRole(string(role)); !ok {
			return nil, ownership.Errorf(ownership.ErrNotFound, "That role no longer exists; nothing changed.")
		}
		name := d.RoleName(role)
		old := t.Roles[role]
		if old.Person.ID == p.ID {
			res.Text = rich.Sprintf("%s is already %s of %s; nothing changed.", mention(p), name, t.Name)
			return nil, nil
		}
		ch := d.Assign(t, role, p, m.User, now)
		res.Text = rich.Sprintf("Done: %s is now %s of %s.", mention(p), name, rich.Strong(t.Name))
		res.Announcements = announce(t, rich.Sprintf("%s made %s %s of %s.", mention(m.User), mention(p), name, t.Name))
		return []ownership.Change{ch}, nil
	})
	if err != nil {
		return CommandResult{}, err
	}
	if res.Text.Empty() && len(changes) > 0 {
		res.Text = rich.Plain("Done: that change was made when this pick first arrived.")
	}
	res.Changed = len(changes) > 0
	return res, nil
}

// announce addresses line to every channel linked to t.
func announce(t *ownership.Team, line rich.Text) []Announcement {
	var out []Announcement
	for _, ch := range t.Channels {
		out = append(out, Announcement{Team: TeamRef{ID: t.ID, Name: t.Name}, Channel: ch, Text: line})
	}
	return out
}

// Depart records that person's account was deactivated: every role and
// cover they hold in the tenant is vacated, audited with actor as the
// actor ("Slack: account deactivated"). However many replicas learn of the
// departure, exactly one gets a result with news: one announcement per
// linked channel of each affected team, and a private message to every
// lead with a one-click way to fill each vacated role.
func (s *Service) Depart(ctx context.Context, tenant ownership.TenantID, platform string, person ownership.Person, actor string) (CommandResult, error) {
	now := s.now().UTC()
	gone, d, err := ownership.VacatePerson(ctx, s.store, tenant, person, now, ownership.Person{Name: actor}, actor)
	if err != nil || len(gone) == 0 {
		return CommandResult{}, err
	}
	res := CommandResult{Changed: true}
	name := person.Name
	byTeam := map[string][]ownership.Vacated{}
	var order []string
	roles := 0
	for _, g := range gone {
		if _, ok := byTeam[g.Team]; !ok {
			order = append(order, g.Team)
		}
		byTeam[g.Team] = append(byTeam[g.Team], g)
		if !g.Cover {
			roles++
		}
		if a := d.Teams[g.Team].Roles[g.Role]; a.Vacated != nil && name == "" {
			name = a.Vacated.Person.Label()
		}
	}
	if name == "" {
		name = person.Label()
	}
	var leadLines []rich.Text
	var fills []FillOffer
	for _, id := range order {
		t := d.Teams[id]
		var parts []string
		for _, g := range byTeam[id] {
			rn := d.RoleName(g.Role)
			if g.Cover {
				parts = append(parts, "their cover as "+rn+" ended")
				continue
			}
			parts = append(parts, "the "+rn+" role is vacant")
			fills = append(fills, FillOffer{Team: TeamRef{ID: t.ID, Name: t.Name}, Role: g.Role, RoleName: rn})
		}
		summary := strings.Join(parts, "; ")
		res.Announcements = append(res.Announcements, announce(t, rich.Sprintf("%s has left (%s): on %s %s. A lead will name a successor; until then ask %s.",
			name, actor, t.Name, summary, meanwhile(d, t, byTeam[id][0].Role, s.leadsOf(d), now)))...)
		leadLines = append(leadLines, rich.Sprintf("• %s: %s.", rich.Strong(t.Name), summary))
	}
	head := rich.Sprintf("%s has left (%s). What they held is vacant since %s:", name, actor, day(now))
	text := rich.Lines(append([]rich.Text{head}, leadLines...)...)
	if len(fills) > 0 {
		text = rich.Lines(text, rich.Plain("Pick who takes over each role below, or use set."))
	}
	for _, l := range s.leadsOf(d) {
		if l.ID == person.ID {
			continue
		}
		if len(fills) == 0 {
			res.Notices = append(res.Notices, Notice{To: l, Text: text})
			continue
		}
		for i, f := range fills {
			n := Notice{To: l, Fill: &fills[i]}
			if i == 0 {
				n.Text = text
			}
			n.Text = rich.Lines(n.Text, rich.Sprintf("%s of %s: %s", f.RoleName, rich.Strong(f.Team.Name), FillCommand(f.Role, f.Team.Name)))
			res.Notices = append(res.Notices, n)
		}
	}
	s.lifecycle(func(o LifecycleObserver) { o.Vacated(platform, roles) })
	return res, nil
}

// meanwhile names whom to ask while role is vacant on t: the counterpart
// (PM for PO and back) if there is one, else a lead; as a mention.
func meanwhile(d *ownership.Directory, t *ownership.Team, role ownership.Role, leads []ownership.Person, now time.Time) rich.Text {
	other := ownership.ProductManager
	if role == ownership.ProductManager {
		other = ownership.ProductOwner
	}
	if p, _, _ := t.Holder(other, now); !p.IsZero() {
		return rich.Sprintf("%s, the %s", mention(p), d.RoleName(other))
	}
	if len(leads) > 0 {
		return rich.Sprintf("%s, a lead", mention(leads[0]))
	}
	return rich.Plain("a workspace admin")
}

// FlagDeparted flags for review the roles person holds on the teams linked
// to any of channels (a Microsoft Teams team they left), audited with
// actor, and tells every lead, with a one-click way to fill each flagged
// role as after a departure (see Fill). Leaving one team is not leaving
// the company, so the roles stay with them. Repeats change nothing and
// tell nobody.
func (s *Service) FlagDeparted(ctx context.Context, tenant ownership.TenantID, channels []string, person ownership.Person, actor, reason string) (CommandResult, error) {
	now := s.now().UTC()
	var flagged []rich.Text
	var fills []FillOffer
	d, _, err := s.store.Update(ctx, tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		flagged, fills = nil, nil
		var out []ownership.Change
		seen := map[string]bool{}
		for _, ch := range channels {
			t := d.ChannelTeam(ch)
			if t == nil || seen[t.ID] {
				continue
			}
			seen[t.ID] = true
			roles, changes := d.FlagHolder(t, person, now, ownership.Person{Name: actor}, reason)
			for _, r := range roles {
				flagged = append(flagged, rich.Sprintf("• %s of %s", d.RoleName(r), rich.Strong(t.Name)))
				fills = append(fills, FillOffer{Team: TeamRef{ID: t.ID, Name: t.Name}, Role: r, RoleName: d.RoleName(r)})
			}
			out = append(out, changes...)
		}
		return out, nil
	})
	if err != nil || len(flagged) == 0 {
		return CommandResult{}, err
	}
	name := person.Label()
	for _, t := range d.Teams {
		for _, a := range t.Roles {
			if a.Person.ID == person.ID && a.Person.Name != "" {
				name = a.Person.Name
			}
		}
	}
	text := rich.Lines(append([]rich.Text{rich.Sprintf("%s %s. They still hold these roles, flagged for review:", name, reason)}, flagged...)...)
	text = rich.Lines(text, rich.Plain("If they moved on, pick who takes over each role below, or use set; if not, nothing needs doing."))
	res := CommandResult{Changed: true}
	for _, l := range s.leadsOf(d) {
		for i, f := range fills {
			n := Notice{To: l, Fill: &fills[i]}
			if i == 0 {
				n.Text = text
			}
			n.Text = rich.Lines(n.Text, rich.Sprintf("%s of %s: %s", f.RoleName, rich.Strong(f.Team.Name), FillCommand(f.Role, f.Team.Name)))
			res.Notices = append(res.Notices, n)
		}
	}
	return res, nil
}

// day is a date as answers show it.
func day(t time.Time) string { return t.UTC().Format("2 Jan 2006") }
