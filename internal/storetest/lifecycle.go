package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

var (
	holder    = ownership.Person{ID: "U1", Name: "Alice"}
	successor = ownership.Person{ID: "U5", Name: "Sam"}
	lead      = ownership.Person{ID: "U9", Name: "Lea"}
)

// seedLifecycle stores a team "checkout" whose PO is holder and whose PM
// is successor's colleague, with lead as the tenant's lead.
func seedLifecycle(t *testing.T, s ownership.Store) {
	t.Helper()
	_, _, err := s.Update(context.Background(), tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Leads = []ownership.Person{lead}
		d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout", Members: []ownership.Person{holder},
			Roles: map[ownership.Role]ownership.Assignment{
				ownership.ProductOwner:   {Person: holder, AssignedBy: lead, AssignedAt: t0},
				ownership.ProductManager: {Person: ownership.Person{ID: "U2", Name: "Pat"}},
			},
			Covers: map[ownership.Role]ownership.Cover{ownership.ProductManager: {Person: holder, Until: time.Now().Add(time.Hour)}},
		}
		return []ownership.Change{{Action: "import", Summary: "seeded"}}, nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
}

func leadOnly(by ownership.Person) ownership.Authorize {
	return func(d *ownership.Directory) error {
		if !d.IsLead(by.ID) {
			return ownership.Errorf(ownership.ErrForbidden, "Only leads can decide requests.")
		}
		return nil
	}
}

// testRequestLifecycle: a handover made on one replica is pending on the
// other, is not made twice, and its approval changes the role and removes
// the request in one step, audited.
func testRequestLifecycle(t *testing.T, open func(*testing.T) ownership.Store) {
	a, b := open(t), open(t)
	ctx := context.Background()
	seedLifecycle(t, a)
	now := time.Now().UTC().Truncate(time.Second)
	r, created, err := ownership.CreateRequest(ctx, a, tenantA, ownership.Request{Kind: ownership.Handover, Team: "checkout", Role: "po", From: holder, Successor: successor}, now)
	if err != nil || !created || r.ID == "" || r.Role != ownership.ProductOwner || !r.Expires.Equal(now.Add(14*24*time.Hour)) || r.State != ownership.Pending {
		t.Fatalf("CreateRequest = %+v, %v, %v", r, created, err)
	}
	again, created, err := ownership.CreateRequest(ctx, b, tenantA, ownership.Request{Kind: ownership.Handover, Team: "checkout", Role: ownership.ProductOwner, From: holder, Successor: successor}, now)
	if err != nil || created || again.ID != r.ID {
		t.Errorf("the same request again = %+v, created %v, %v; want the pending one, not created", again, created, err)
	}
	// Only the holder hands over; a claim by the holder is refused.
	_, _, err = ownership.CreateRequest(ctx, b, tenantA, ownership.Request{Kind: ownership.Handover, Team: "checkout", Role: ownership.ProductOwner, From: successor, Successor: successor}, now)
	wantCode(t, "handover by a non-holder", err, ownership.ErrForbidden)
	_, _, err = ownership.CreateRequest(ctx, b, tenantA, ownership.Request{Kind: ownership.ClaimRole, Team: "nope", Role: ownership.ProductOwner, From: successor}, now)
	wantCode(t, "claim on an unknown team", err, ownership.ErrNotFound)
	pending, err := ownership.PendingRequests(ctx, b, tenantA, now)
	if err != nil || len(pending) != 1 || pending[0].ID != r.ID || pending[0].From != holder || pending[0].Successor != successor {
		t.Fatalf("PendingRequests on the other replica = %+v, %v", pending, err)
	}
	dec, err := ownership.DecideRequest(ctx, b, tenantA, r.ID, true, lead, now, leadOnly(lead))
	if err != nil || dec.Request.State != ownership.Approved || dec.Request.DecidedBy != lead || len(dec.Changes) != 1 || dec.Changes[0].ID == "" {
		t.Fatalf("DecideRequest = %+v, %v", dec, err)
	}
	d := mustDir(t, a, tenantA)
	got := d.Teams["checkout"].Roles[ownership.ProductOwner]
	if got.Person != successor || got.AssignedBy != lead || !got.AssignedAt.Equal(now) || !got.LastConfirmed().Equal(now) {
		t.Errorf("after approval the PO is %+v, want %v set by %v at %v", got, successor, lead, now)
	}
	if !d.Teams["checkout"].HasMember(successor.ID) || len(d.Requests) != 0 {
		t.Errorf("after approval: members %v, requests %v; want the successor a member and no request", d.Teams["checkout"].Members, d.Requests)
	}
	h := mustHistory(t, a, tenantA, "checkout", 10)
	if len(h) < 2 || h[0].Action != "handover" || h[0].Old != holder.ID || h[0].New != successor.ID || h[0].Actor != lead || h[1].Action != "request.handover" {
		t.Errorf("history = %+v; want the approval then the request", h)
	}
	// Declining a claim removes it and changes no role.
	c, _, err := ownership.CreateRequest(ctx, a, tenantA, ownership.Request{Kind: ownership.ClaimRole, Team: "checkout", Role: ownership.ProductManager, From: holder}, now)
	if err != nil || c.Successor != holder {
		t.Fatalf("claim = %+v, %v", c, err)
	}
	dec, err = ownership.DecideRequest(ctx, a, tenantA, c.ID, false, lead, now, leadOnly(lead))
	if err != nil || dec.Request.State != ownership.Declined {
		t.Fatalf("decline = %+v, %v", dec, err)
	}
	d = mustDir(t, b, tenantA)
	if pm := d.Teams["checkout"].Roles[ownership.ProductManager].Person.ID; pm != "U2" || len(d.Requests) != 0 {
		t.Errorf("after a declined claim: PM %s, requests %v; want U2 and none", pm, d.Requests)
	}
	_, err = ownership.DecideRequest(ctx, a, tenantA, c.ID, true, lead, now, leadOnly(lead))
	wantCode(t, "deciding a decided request", err, ownership.ErrNotFound)
}

// testRequestDecidedOnce: leads on two replicas deciding one request at
// once: exactly one decision stands.
func testRequestDecidedOnce(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	seedLifecycle(t, stores[0])
	now := time.Now().UTC()
	r, _, err := ownership.CreateRequest(ctx, stores[0], tenantA, ownership.Request{Kind: ownership.ClaimRole, Team: "checkout", Role: ownership.ProductOwner, From: successor}, now)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := ownership.DecideRequest(ctx, stores[i%2], tenantA, r.ID, i%3 != 0, lead, now, leadOnly(lead))
			switch ownership.ErrorCode(err) {
			case "":
				won.Add(1)
			case ownership.ErrNotFound:
			default:
				t.Errorf("decision %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Errorf("%d decisions stood, want exactly 1", won.Load())
	}
	var decided int
	for _, c := range mustHistory(t, stores[1], tenantA, "", 20) {
		if c.Action == "claim" || c.Action == "request.decline" {
			decided++
		}
	}
	if decided != 1 {
		t.Errorf("history records %d decisions, want 1", decided)
	}
}

// testRequestAuthorize: authority is checked on the directory the decision
// commits to, so a lead removed meanwhile changes nothing.
func testRequestAuthorize(t *testing.T, open func(*testing.T) ownership.Store) {
	s := open(t)
	ctx := context.Background()
	seedLifecycle(t, s)
	now := time.Now().UTC()
	r, _, err := ownership.CreateRequest(ctx, s, tenantA, ownership.Request{Kind: ownership.ClaimRole, Team: "checkout", Role: ownership.ProductOwner, From: successor}, now)
	if err != nil {
		t.Fatal(err)
	}
	before := content(t, mustDir(t, s, tenantA))
	_, err = ownership.DecideRequest(ctx, s, tenantA, r.ID, true, successor, now, leadOnly(successor))
	wantCode(t, "a non-lead's approval", err, ownership.ErrForbidden)
	if _, _, err := s.Update(ctx, tenantA, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Leads = nil
		return []ownership.Change{{Action: "lead.remove", Old: lead.ID}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err = ownership.DecideRequest(ctx, s, tenantA, r.ID, true, lead, now, leadOnly(lead))
	wantCode(t, "a removed lead's approval", err, ownership.ErrForbidden)
	d := mustDir(t, s, tenantA)
	if d.Teams["checkout"].Roles[ownership.ProductOwner].Person != holder || len(d.PendingRequests(now)) != 1 {
		t.Errorf("refused approvals changed something: PO %v, pending %v (before: %s)", d.Teams["checkout"].Roles[ownership.ProductOwner].Person, d.Requests, before)
	}
}

// testRequestExpiry: requests expire after 14 days, each reported once,
// audited; an expired request cannot be approved.
func testRequestExpiry(t *testing.T, open func(*testing.T) ownership.Store) {
	a, b := open(t), open(t)
	ctx := context.Background()
	seedLifecycle(t, a)
	now := time.Now().UTC()
	old, _, err := ownership.CreateRequest(ctx, a, tenantA, ownership.Request{Kind: ownership.ClaimRole, Team: "checkout", Role: ownership.ProductOwner, From: successor}, now.Add(-15*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	fresh, _, err := ownership.CreateRequest(ctx, a, tenantA, ownership.Request{Kind: ownership.ClaimRole, Team: "checkout", Role: ownership.ProductManager, From: successor}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ownership.PendingRequests(ctx, b, tenantA, now); len(p) != 1 || p[0].ID != fresh.ID {
		t.Errorf("pending = %+v; want only the fresh request", p)
	}
	_, err = ownership.DecideRequest(ctx, b, tenantA, old.ID, true, lead, now, leadOnly(lead))
	wantCode(t, "approving an expired request", err, ownership.ErrInvalid)
	sys := ownership.Person{Name: "whoowns"}
	var total atomic.Int32
	var wg sync.WaitGroup
	for _, s := range []ownership.Store{a, b, a, b} {
		wg.Go(func() {
			gone, err := ownership.ExpireRequests(ctx, s, tenantA, now, sys)
			if err != nil {
				t.Errorf("ExpireRequests: %v", err)
			}
			for _, g := range gone {
				if g.ID != old.ID || g.State != ownership.Expired {
					t.Errorf("expired %+v, want only %s", g, old.ID)
				}
				total.Add(1)
			}
		})
	}
	wg.Wait()
	if total.Load() != 1 {
		t.Errorf("the expired request was reported %d times, want once", total.Load())
	}
	if d := mustDir(t, b, tenantA); len(d.Requests) != 1 || d.Requests[0].ID != fresh.ID {
		t.Errorf("requests after expiry = %+v", d.Requests)
	}
	if h := mustHistory(t, b, tenantA, "checkout", 1); len(h) != 1 || h[0].Action != "request.expire" || h[0].Actor != sys {
		t.Errorf("history = %+v, want the expiry", h)
	}
}

// testVacateOnce: one departure learned on two replicas at once vacates
// each role and ends each cover once, and only one caller hears about it.
func testVacateOnce(t *testing.T, open func(*testing.T) ownership.Store) {
	stores := []ownership.Store{open(t), open(t)}
	ctx := context.Background()
	seedLifecycle(t, stores[0])
	now := time.Now().UTC().Truncate(time.Second)
	if _, _, err := ownership.CreateRequest(ctx, stores[0], tenantA, ownership.Request{Kind: ownership.Handover, Team: "checkout", Role: ownership.ProductOwner, From: holder, Successor: successor}, now); err != nil {
		t.Fatal(err)
	}
	actor := ownership.Person{Name: "Slack: account deactivated"}
	var winners atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			gone, _, err := ownership.VacatePerson(ctx, stores[i%2], tenantA, ownership.Person{ID: holder.ID}, now, actor, "Slack: account deactivated")
			if err != nil {
				t.Errorf("VacatePerson: %v", err)
			}
			if len(gone) > 0 {
				winners.Add(1)
				if len(gone) != 2 {
					t.Errorf("vacated %+v, want the PO role and the PM cover", gone)
				}
			}
		})
	}
	wg.Wait()
	if winners.Load() != 1 {
		t.Errorf("%d callers vacated something, want exactly 1", winners.Load())
	}
	d := mustDir(t, stores[1], tenantA)
	po := d.Teams["checkout"].Roles[ownership.ProductOwner]
	if po.Held() || po.Vacated == nil || po.Vacated.Person != holder || !po.Vacated.Since.Equal(now) || po.Vacated.Reason != "Slack: account deactivated" {
		t.Errorf("PO after the departure = %+v, want vacated, was held by %v", po, holder)
	}
	if h, _, _ := d.Teams["checkout"].Holder(ownership.ProductOwner, now); !h.IsZero() {
		t.Errorf("a departed person still holds the role: %v", h)
	}
	if _, ok := d.Teams["checkout"].Covers[ownership.ProductManager]; ok || len(d.Requests) != 0 {
		t.Errorf("cover %v, requests %v remain after the departure", d.Teams["checkout"].Covers, d.Requests)
	}
	var n int
	for _, c := range mustHistory(t, stores[0], tenantA, "", 20) {
		if c.Actor == actor {
			n++
		}
	}
	if n != 3 {
		t.Errorf("history has %d entries by %q, want 3 (role, cover, request)", n, actor.Name)
	}
}
