package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

var (
	priya = ownership.Person{ID: "U01PRIYA", Name: "Priya Shah"}
	marco = ownership.Person{ID: "U02MARCO", Name: "Marco Rossi"}
)

func run(t *testing.T, s *bot.Service, m bot.Message) bot.CommandResult {
	t.Helper()
	res, err := s.Command(context.Background(), m)
	if err != nil {
		t.Fatalf("Command(%q): %v", m.Text, err)
	}
	return res
}

func holderOf(t *testing.T, st ownership.Store, team string, r ownership.Role) ownership.Assignment {
	t.Helper()
	d, err := st.Directory(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return d.Teams[team].Roles[r]
}

// A holder's handover waits for a lead; a non-lead's approval is refused
// and changes nothing; the lead's approval changes the role, audits it and
// announces it; the requester and successor are told.
func TestHandoverApprovedByALead(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	res := run(t, s, msg(marco, "", "handover po <@U03JULES|Jules Martin> checkout"))
	if len(res.Notices) != 2 || res.Notices[0].To != lead || res.Notices[0].Request == nil || res.Notices[1].To.ID != "UADMIN" {
		t.Fatalf("notices = %+v, want the lead and the admin asked", res.Notices)
	}
	if !strings.Contains(res.Notices[0].Text.String(), "@Marco Rossi wants to hand over the Product Owner role of Checkout to @Jules Martin") {
		t.Errorf("lead notice = %q", res.Notices[0].Text.String())
	}
	id := res.Notices[0].Request.ID
	if _, err := s.Decide(ctx, msg(dev, "", ""), id, true); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Errorf("a non-lead's approval = %v, want forbidden", err)
	}
	if h := holderOf(t, st, "checkout", ownership.ProductOwner); h.Person.ID != marco.ID {
		t.Fatalf("after a forged approval the PO is %v", h.Person)
	}
	out, err := s.Decide(ctx, msg(lead, "", ""), id, true)
	if err != nil {
		t.Fatal(err)
	}
	if h := holderOf(t, st, "checkout", ownership.ProductOwner); h.Person.ID != dev.ID || h.AssignedBy.ID != lead.ID {
		t.Errorf("after approval the PO is %+v", h)
	}
	if len(out.Announcements) == 0 || !strings.Contains(out.Announcements[0].Text.String(), "handed over the Product Owner role of Checkout to @Jules Martin (approved by @Morgan Lee)") {
		t.Errorf("announcements = %+v", out.Announcements)
	}
	if len(out.Notices) != 2 || out.Notices[0].To.ID != marco.ID || out.Notices[1].To.ID != dev.ID {
		t.Errorf("notices after approval = %+v", out.Notices)
	}
	if _, err := s.Decide(ctx, msg(lead, "", ""), id, false); ownership.ErrorCode(err) != ownership.ErrNotFound {
		t.Errorf("deciding twice = %v, want not found", err)
	}
	h := run(t, s, msg(lead, "", "history checkout"))
	if txt := h.Text.String(); !strings.Contains(txt, "Morgan Lee approved: Marco Rossi proposes Jules Martin as the new Product Owner of Checkout (was Marco Rossi)") {
		t.Errorf("history = %s", txt)
	}
}

func TestHandoverRefusals(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	for _, c := range []struct {
		user       ownership.Person
		text, want string
	}{
		{dev, "handover po <@U04DANA|Dana> checkout", "Only the current Product Owner of Checkout can hand the role over"},
		{marco, "handover po <@U02MARCO|Marco> checkout", "to yourself"},
		{marco, "handover po checkout", "is not a mention"},
		{marco, "handover xx <@U03JULES|Jules> checkout", "role"},
	} {
		_, err := s.Command(ctx, msg(c.user, "", c.text))
		if err == nil || !strings.Contains(ownership.ErrorMessage(err), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
	m := msg(marco, "", "handover po <@U03JULES|Jules> checkout")
	m.CheckUser = func(context.Context, ownership.Person) error {
		return ownership.Errorf(ownership.ErrInvalid, "Jules's account is deactivated.")
	}
	if _, err := s.Command(ctx, m); err == nil || !strings.Contains(ownership.ErrorMessage(err), "deactivated") {
		t.Errorf("handover to a deactivated user = %v", err)
	}
	set := msg(lead, "", "set po <@U03JULES|Jules> checkout")
	set.CheckUser = m.CheckUser
	if _, err := s.Command(ctx, set); err == nil || !strings.Contains(ownership.ErrorMessage(err), "deactivated") {
		t.Errorf("set of a deactivated user = %v", err)
	}
}

func TestDirectHandover(t *testing.T) {
	t.Parallel()
	s, st := newService(t, bot.WithHandover("direct"))
	res := run(t, s, msg(marco, "", "handover po <@U03JULES|Jules Martin> checkout"))
	if h := holderOf(t, st, "checkout", ownership.ProductOwner); h.Person.ID != dev.ID || len(res.Notices) != 0 || len(res.Announcements) == 0 {
		t.Errorf("direct handover: PO %v, notices %d, announcements %d", h.Person, len(res.Notices), len(res.Announcements))
	}
}

func TestClaimDeclinedAndRequestsListed(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	res := run(t, s, msg(dev, "", "claim po checkout"))
	if len(res.Notices) == 0 || !strings.Contains(res.Notices[0].Text.String(), "Jules Martin says they are the new Product Owner of Checkout") {
		t.Fatalf("claim notices = %+v", res.Notices)
	}
	again := run(t, s, msg(dev, "", "claim po checkout"))
	if len(again.Notices) != 0 || !strings.Contains(again.Text.String(), "already waiting") {
		t.Errorf("a repeated claim = %q, %d notices", again.Text.String(), len(again.Notices))
	}
	if _, err := s.Command(ctx, msg(dev, "", "requests")); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Errorf("requests by a non-lead = %v", err)
	}
	list := run(t, s, msg(lead, "", "requests"))
	if len(list.Notices) != 1 || !strings.Contains(list.Text.String(), "Jules Martin says they are the new Product Owner of Checkout") {
		t.Errorf("requests = %q, %d notices", list.Text.String(), len(list.Notices))
	}
	out, err := s.Decide(ctx, msg(lead, "", ""), list.Notices[0].Request.ID, false)
	if err != nil || len(out.Announcements) != 0 || len(out.Notices) != 1 || out.Notices[0].To.ID != dev.ID {
		t.Fatalf("decline = %+v, %v", out, err)
	}
	if h := holderOf(t, st, "checkout", ownership.ProductOwner); h.Person.ID != marco.ID {
		t.Errorf("a declined claim changed the PO to %v", h.Person)
	}
}

// A departure vacates the roles once; answers never present the departed
// person: named in plain text, vacant since the date, whom to ask
// meanwhile; only leads are told how to fill it.
func TestDepartureVacatesAndAnswersSayIt(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	res, err := s.Depart(ctx, tenant, "slack", ownership.Person{ID: marco.ID}, "Slack: account deactivated")
	if err != nil || !res.Changed {
		t.Fatalf("Depart = %+v, %v", res, err)
	}
	if len(res.Announcements) == 0 || len(res.Notices) == 0 || res.Notices[0].Fill == nil || res.Notices[0].Fill.Role != ownership.ProductOwner {
		t.Errorf("departure news = %+v", res)
	}
	again, err := s.Depart(ctx, tenant, "slack", ownership.Person{ID: marco.ID}, "Slack: account deactivated")
	if err != nil || again.Changed || len(again.Announcements)+len(again.Notices) != 0 {
		t.Errorf("second Depart = %+v, %v; want nothing", again, err)
	}
	if h := holderOf(t, st, "checkout", ownership.ProductOwner); h.Held() || h.Vacated == nil {
		t.Fatalf("PO after departure = %+v", h)
	}
	a := ask(t, s, msg(stranger, "", "who is the PO for checkout?"))
	txt := a.Text()
	for _, sp := range txt {
		if sp.Kind == rich.KindMention && sp.ID == marco.ID {
			t.Errorf("the answer mentions the departed person: %s", txt.String())
		}
	}
	if !strings.Contains(txt.String(), "vacant since 20 Nov 2026: Marco Rossi held it until then") || !strings.Contains(txt.String(), "Meanwhile, ask @Priya Shah, the Product Manager.") {
		t.Errorf("answer = %s", txt.String())
	}
	if strings.Contains(txt.String(), "set po") {
		t.Errorf("a non-lead is told how to fill the role: %s", txt.String())
	}
	if la := ask(t, s, msg(lead, "", "who is the PO for checkout?")); !strings.Contains(la.Text().String(), "set po @person") {
		t.Errorf("a lead is not told how to fill it: %s", la.Text().String())
	}
	fill, err := s.Fill(ctx, msg(dev, "", ""), "checkout", ownership.ProductOwner, dev)
	if ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Errorf("a non-lead's fill = %+v, %v", fill, err)
	}
	if _, err := s.Fill(ctx, msg(lead, "", ""), "checkout", ownership.ProductOwner, dev); err != nil {
		t.Fatal(err)
	}
	if h := holderOf(t, st, "checkout", ownership.ProductOwner); h.Person.ID != dev.ID || h.Vacated != nil {
		t.Errorf("after fill: %+v", h)
	}
}
