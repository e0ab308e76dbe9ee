package ownership

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"time"
)

// Vacancy records that a role's holder left: the role was held by Person
// until Since. Reason says how it was learned ("Slack: account
// deactivated").
type Vacancy struct {
	Person Person    `json:"person"`
	Since  time.Time `json:"since"`
	Reason string    `json:"reason,omitempty"`
}

// Flag marks an assignment for review: Since when, and why.
type Flag struct {
	Since  time.Time `json:"since"`
	Reason string    `json:"reason,omitempty"`
}

// Held reports whether someone holds the role (it is neither empty nor
// vacated).
func (a Assignment) Held() bool { return !a.Person.IsZero() }

// LastConfirmed is when the assignment was last known to be true: the
// holder's last confirmation, else when it was set. Zero for data imported
// without either.
func (a Assignment) LastConfirmed() time.Time {
	if a.ConfirmedAt.After(a.AssignedAt) {
		return a.ConfirmedAt
	}
	return a.AssignedAt
}

// Confirm records that the holder still holds the role at now; it clears a
// review flag.
func (a *Assignment) Confirm(now time.Time) {
	a.ConfirmedAt = now
	a.Flagged = nil
}

// RequestKind says what a request asks for.
type RequestKind string

// Request kinds.
const (
	// Handover: the current holder proposes a successor.
	Handover RequestKind = "handover"
	// ClaimRole: someone says they are the new holder.
	ClaimRole RequestKind = "claim"
)

// RequestState is where a request stands. Only pending requests are kept
// in the directory; the others are what a decision or expiry returns.
type RequestState string

// Request states.
const (
	Pending   RequestState = "pending"
	Approved  RequestState = "approved"
	Declined  RequestState = "declined"
	Expired   RequestState = "expired"
	Cancelled RequestState = "cancelled"
)

// Limits on requests, which anyone may make: the directory every answer
// reads must stay small whatever is typed.
const (
	// RequestLifetime is how long a request waits for a lead.
	RequestLifetime = 14 * 24 * time.Hour
	// MaxPendingRequests is how many pending requests a tenant keeps.
	MaxPendingRequests = 100
	// MaxRequestsPerPerson is how many pending requests one person may
	// have made.
	MaxRequestsPerPerson = 5
)

// Request is a pending handover or claim of a role, waiting for a lead.
type Request struct {
	ID   string      `json:"id"`
	Kind RequestKind `json:"kind"`
	Team string      `json:"team"` // team id
	Role Role        `json:"role"`
	// From is who asked: the holder handing over, or the claimant.
	From Person `json:"from"`
	// Successor is who would hold the role: for a claim, From.
	Successor Person       `json:"successor"`
	Created   time.Time    `json:"created"`
	Expires   time.Time    `json:"expires"`
	State     RequestState `json:"state"`
	// DecidedBy and DecidedAt are set on a decided request.
	DecidedBy Person    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitempty"`
}

// Request returns the pending request with id, or nil.
func (d *Directory) Request(id string) *Request {
	for i := range d.Requests {
		if d.Requests[i].ID == id {
			return &d.Requests[i]
		}
	}
	return nil
}

// PendingRequests returns the pending requests oldest first; requests
// past their expiry are left out even before the expiry job removes them.
func (d *Directory) PendingRequests(now time.Time) []Request {
	var out []Request
	for _, r := range d.Requests {
		if r.State == Pending && now.Before(r.Expires) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// Describe is a request in one plain sentence ("Jules says they are the new
// Product Owner of Checkout").
func (d *Directory) Describe(r Request) string {
	team := r.Team
	if t := d.Teams[r.Team]; t != nil {
		team = t.Name
	}
	if r.Kind == ClaimRole {
		return fmt.Sprintf("%s says they are the new %s of %s", r.From.Label(), d.RoleName(r.Role), team)
	}
	return fmt.Sprintf("%s proposes %s as the new %s of %s", r.From.Label(), r.Successor.Label(), d.RoleName(r.Role), team)
}

// AddRequest validates r (kind, team id, role, from, successor) and adds it
// as pending, created at now and expiring RequestLifetime later, with an id
// of its own. A request equal to one already pending (same kind, team,
// role, and successor) is not added again: AddRequest returns that one and
// no changes. The returned change audits the request.
func (d *Directory) AddRequest(r Request, now time.Time) (Request, []Change, error) {
	if r.Kind != Handover && r.Kind != ClaimRole {
		return Request{}, nil, Errorf(ErrInvalid, "A request is a handover or a claim.")
	}
	t := d.Teams[r.Team]
	if t == nil {
		return Request{}, nil, Errorf(ErrNotFound, "There is no team %q.", r.Team)
	}
	def, ok := d.LookupRole(string(r.Role))
	if !ok {
		return Request{}, nil, Errorf(ErrNotFound, "There is no role %q.", string(r.Role))
	}
	r.Role = def.ID
	if r.From.IsZero() {
		return Request{}, nil, Errorf(ErrInvalid, "A request needs the person who makes it.")
	}
	if r.Kind == ClaimRole {
		r.Successor = r.From
	}
	if r.Successor.IsZero() {
		return Request{}, nil, Errorf(ErrInvalid, "Name the person who should take over.")
	}
	cur := t.Roles[r.Role]
	switch {
	case cur.Person.ID == r.Successor.ID:
		return Request{}, nil, Errorf(ErrInvalid, "%s is already %s of %s; nothing to ask.", r.Successor.Label(), def.Name, t.Name)
	case r.Kind == Handover && cur.Person.ID != r.From.ID:
		return Request{}, nil, Errorf(ErrForbidden, "Only the current %s of %s can hand the role over; you can ask for it with a claim instead.", def.Name, t.Name)
	}
	mine := 0
	for _, p := range d.PendingRequests(now) {
		if p.Kind == r.Kind && p.Team == r.Team && p.Role == r.Role && p.Successor.ID == r.Successor.ID {
			return p, nil, nil
		}
		if p.From.ID == r.From.ID {
			mine++
		}
	}
	if mine >= MaxRequestsPerPerson {
		return Request{}, nil, Errorf(ErrInvalid, "You already have %d requests waiting for a lead; wait until they are decided.", mine)
	}
	if len(d.Requests) >= MaxPendingRequests {
		return Request{}, nil, Errorf(ErrInvalid, "%d requests are already waiting for a lead, the most I keep; ask a lead to go through them.", len(d.Requests))
	}
	r.ID = newRequestID()
	r.Created, r.Expires, r.State = now, now.Add(RequestLifetime), Pending
	r.DecidedBy, r.DecidedAt = Person{}, time.Time{}
	d.Requests = append(d.Requests, r)
	return r, []Change{{At: now, Actor: r.From, Team: r.Team, Action: "request." + string(r.Kind), Field: string(r.Role),
		Old: cur.Person.ID, New: r.Successor.ID, Summary: d.Describe(r) + " (waiting for a lead)"}}, nil
}

func newRequestID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ownership: no randomness: " + err.Error())
	}
	return "r" + hex.EncodeToString(b[:])
}

// DecideRequest approves or declines the pending request id on behalf of
// by, at now, and removes it from the pending list. Approval applies the
// role change it asks for in d: the successor holds the role, set by by and
// confirmed at now. A handover is refused when its role changed hands since
// it was made. The caller checks by's authority on d, in the same update.
func (d *Directory) DecideRequest(id string, approve bool, by Person, now time.Time) (Request, []Change, error) {
	p := d.Request(id)
	if p == nil || p.State != Pending {
		return Request{}, nil, Errorf(ErrNotFound, "That request was already decided or has expired; nothing changed.")
	}
	r := *p
	if !now.Before(r.Expires) {
		return Request{}, nil, Errorf(ErrInvalid, "That request expired on %s; nothing changed.", r.Expires.UTC().Format("2 Jan 2006"))
	}
	t := d.Teams[r.Team]
	desc := d.Describe(r)
	d.removeRequest(id)
	r.DecidedBy, r.DecidedAt = by, now
	if !approve {
		r.State = Declined
		return r, []Change{{At: now, Actor: by, Team: r.Team, Action: "request.decline", Field: string(r.Role), New: r.Successor.ID,
			Summary: fmt.Sprintf("%s declined: %s", by.Label(), desc)}}, nil
	}
	if t == nil {
		return Request{}, nil, Errorf(ErrNotFound, "The team of that request no longer exists; decline it instead.")
	}
	role := d.RoleName(r.Role)
	old := t.Roles[r.Role]
	if r.Kind == Handover && old.Person.ID != r.From.ID {
		return Request{}, nil, Errorf(ErrInvalid, "The %s of %s changed since %s asked; nothing changed. Decline the request, or use set.", role, t.Name, r.From.Label())
	}
	r.State = Approved
	ch := d.Assign(t, r.Role, r.Successor, by, now)
	ch.Action = string(r.Kind)
	ch.Summary = fmt.Sprintf("%s approved: %s", by.Label(), desc)
	if !old.Person.IsZero() {
		ch.Summary += fmt.Sprintf(" (was %s)", old.Person.Label())
	}
	return r, []Change{ch}, nil
}

// Assign makes p the holder of role on t, set by by at now and confirmed at
// now, adds p to the team's members, and returns the audit entry of a
// "set". It replaces a vacancy.
func (d *Directory) Assign(t *Team, role Role, p, by Person, now time.Time) Change {
	if t.Roles == nil {
		t.Roles = map[Role]Assignment{}
	}
	old := t.Roles[role]
	t.Roles[role] = Assignment{Person: p, AssignedBy: by, AssignedAt: now, ConfirmedAt: now}
	if !t.HasMember(p.ID) {
		t.Members = append(t.Members, p)
	}
	return Change{At: now, Actor: by, Team: t.ID, Action: "set", Field: string(role), Old: old.Person.ID, New: p.ID,
		Summary: fmt.Sprintf("%s made %s %s of %s", by.Label(), p.Label(), d.RoleName(role), t.Name)}
}

func (d *Directory) removeRequest(id string) {
	keep := d.Requests[:0]
	for _, r := range d.Requests {
		if r.ID != id {
			keep = append(keep, r)
		}
	}
	d.Requests = keep
	if len(d.Requests) == 0 {
		d.Requests = nil
	}
}

// ExpireRequests removes the requests whose expiry is not after now and
// returns them (state Expired) with one audit entry each, by actor.
func (d *Directory) ExpireRequests(now time.Time, actor Person) ([]Request, []Change) {
	var gone []Request
	var out []Change
	for _, r := range append([]Request(nil), d.Requests...) {
		if now.Before(r.Expires) {
			continue
		}
		desc := d.Describe(r)
		d.removeRequest(r.ID)
		r.State = Expired
		gone = append(gone, r)
		out = append(out, Change{At: now, Actor: actor, Team: r.Team, Action: "request.expire", Field: string(r.Role), New: r.Successor.ID,
			Summary: fmt.Sprintf("Expired after %d days without a decision: %s", int(RequestLifetime/(24*time.Hour)), desc)})
	}
	return gone, out
}

// Vacated is one role or cover a departure emptied.
type Vacated struct {
	Team  string // team id
	Role  Role
	Cover bool // a cover ended, rather than a role vacated
}

// Vacate records that person left, at now: every role they hold in d is
// kept as vacated ("was held by them until now"), every cover they give
// ends, and pending requests by or for them are cancelled. It returns what
// it emptied and one audit entry each, by actor; nothing when they held
// nothing, so a departure learned twice changes nothing the second time.
func (d *Directory) Vacate(person Person, now time.Time, actor Person, reason string) ([]Vacated, []Change) {
	var gone []Vacated
	var out []Change
	for _, t := range d.SortedTeams() {
		for _, r := range sortedRoles(t.Roles) {
			a := t.Roles[r]
			if a.Person.ID != person.ID || person.ID == "" {
				continue
			}
			t.Roles[r] = Assignment{Vacated: &Vacancy{Person: a.Person, Since: now, Reason: reason}}
			gone = append(gone, Vacated{Team: t.ID, Role: r})
			out = append(out, Change{At: now, Actor: actor, Team: t.ID, Action: "vacate", Field: string(r), Old: a.Person.ID,
				Summary: fmt.Sprintf("%s left (%s): %s of %s is vacant", a.Person.Label(), reason, d.RoleName(r), t.Name)})
		}
		for _, r := range sortedRoles(t.Covers) {
			c := t.Covers[r]
			if c.Person.ID != person.ID || person.ID == "" || !c.Active(now) {
				continue
			}
			delete(t.Covers, r)
			gone = append(gone, Vacated{Team: t.ID, Role: r, Cover: true})
			out = append(out, Change{At: now, Actor: actor, Team: t.ID, Action: "cover.end", Field: string(r), Old: c.Person.ID,
				Summary: fmt.Sprintf("%s left (%s): their cover as %s of %s ended", c.Person.Label(), reason, d.RoleName(r), t.Name)})
		}
	}
	for _, r := range append([]Request(nil), d.Requests...) {
		if person.ID == "" || (r.From.ID != person.ID && r.Successor.ID != person.ID) {
			continue
		}
		desc := d.Describe(r)
		d.removeRequest(r.ID)
		out = append(out, Change{At: now, Actor: actor, Team: r.Team, Action: "request.cancel", Field: string(r.Role), New: r.Successor.ID,
			Summary: fmt.Sprintf("Cancelled because %s left (%s): %s", person.Label(), reason, desc)})
	}
	return gone, out
}

// FlagHolder flags for review every role person holds on t, at now, and
// returns the roles flagged with one audit entry each, by actor. Roles
// already flagged are left as they are.
func (d *Directory) FlagHolder(t *Team, person Person, now time.Time, actor Person, reason string) ([]Role, []Change) {
	var roles []Role
	var out []Change
	for _, r := range sortedRoles(t.Roles) {
		a := t.Roles[r]
		if a.Person.ID != person.ID || person.ID == "" || a.Flagged != nil {
			continue
		}
		a.Flagged = &Flag{Since: now, Reason: reason}
		t.Roles[r] = a
		roles = append(roles, r)
		out = append(out, Change{At: now, Actor: actor, Team: t.ID, Action: "flag", Field: string(r), Old: a.Person.ID,
			Summary: fmt.Sprintf("%s of %s flagged for review: %s %s", d.RoleName(r), t.Name, a.Person.Label(), reason)})
	}
	return roles, out
}

func sortedRoles[V any](m map[Role]V) []Role {
	out := make([]Role, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
