package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// TestFormEditsAreTheCommands: a form that changes the PO and the members
// audits and announces exactly what the typed commands would.
func TestFormEditsAreTheCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	jules := ownership.Person{ID: "U03JULES", Name: "Jules Martin"}
	typed, _ := newService(t)
	viaForm, st := newService(t)

	r1 := command(t, typed, msg(lead, "", "set po <@U03JULES|Jules Martin> checkout"))
	r2, err := viaForm.ApplyEdits(ctx, msg(lead, "", ""),
		bot.EditRenameTeam("name", "checkout", "Checkout"),
		bot.EditHolder("po", "checkout", ownership.ProductOwner, jules),
		bot.EditHolder("pm", "checkout", ownership.ProductManager, ownership.Person{ID: "U01PRIYA"}))
	if err != nil {
		t.Fatal(err)
	}
	if r1.Text.String() != r2.Text.String() || len(r1.Announcements) != len(r2.Announcements) || len(r2.Announcements) == 0 {
		t.Fatalf("typed %q %+v\nform %q %+v", r1.Text, r1.Announcements, r2.Text, r2.Announcements)
	}
	for i := range r1.Announcements {
		if r1.Announcements[i].Text.String() != r2.Announcements[i].Text.String() || r1.Announcements[i].Channel != r2.Announcements[i].Channel {
			t.Errorf("announcement %d: %q vs %q", i, r1.Announcements[i].Text, r2.Announcements[i].Text)
		}
	}
	hs, _ := st.History(ctx, tenant, "checkout", 1)
	if len(hs) != 1 || hs[0].Action != "set" || hs[0].New != jules.ID || hs[0].Actor.ID != lead.ID {
		t.Errorf("audit: %+v", hs)
	}
}

// TestFormErrorsNameEveryField: each bad field is reported, and nothing
// of the good ones is written.
func TestFormErrorsNameEveryField(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t)
	before, _ := st.Directory(ctx, tenant)
	_, err := s.ApplyEdits(ctx, msg(lead, "", ""),
		bot.EditHolder("po", "checkout", ownership.ProductOwner, dev),
		bot.EditCover("until", "checkout", ownership.ProductManager, dev, now.Add(-time.Hour)),
		bot.EditChannels("channels", "checkout", []ownership.Channel{{ID: "C0SEARCH", Name: "search"}}),
		bot.EditRenameTeam("name", "checkout", "Payments"))
	fe := bot.Fields(err)
	if len(fe) != 3 || !strings.Contains(fe["until"].String(), "past") || !strings.Contains(fe["channels"].String(), "linked to Search") ||
		!strings.Contains(fe["name"].String(), "already exists") {
		t.Fatalf("errors: %v", err)
	}
	after, _ := st.Directory(ctx, tenant)
	if after.Version != before.Version {
		t.Error("a refused form changed data")
	}
}

// TestFormAuthority: a non-lead's form, and a form submitted by someone
// who stopped being a lead after opening it, change nothing.
func TestFormAuthority(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t)
	if _, err := s.LeadView(ctx, msg(dev, "", ""), "checkout"); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Fatalf("non-lead's form opened: %v", err)
	}
	if _, err := s.ApplyEdits(ctx, msg(dev, "", ""), bot.EditHolder("po", "checkout", ownership.ProductOwner, dev)); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Fatalf("non-lead's submission: %v", err)
	}
	v, err := s.LeadView(ctx, msg(lead, "", ""), "checkout")
	if err != nil || v.Team == nil || v.Team.Holders[ownership.ProductOwner].ID != "U02MARCO" || len(v.Topics) == 0 {
		t.Fatalf("lead's view: %+v %v", v, err)
	}
	command(t, s, msg(ownership.Person{ID: "UADMIN"}, "", "lead remove <@U0LEAD001>"))
	if _, err := s.ApplyEdits(ctx, msg(lead, "", ""), bot.EditHolder("po", "checkout", ownership.ProductOwner, dev)); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Fatalf("stale lead's submission: %v", err)
	}
	d, _ := st.Directory(ctx, tenant)
	if d.Teams["checkout"].Roles[ownership.ProductOwner].Person.ID != "U02MARCO" {
		t.Error("the PO changed")
	}
}

// TestSuggestReachesTheLeads: a suggestion names its author and team, goes
// to every lead (WHOOWNS_ADMINS included) and refuses empty or long text.
func TestSuggestReachesTheLeads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	sg, err := s.Suggest(ctx, msg(dev, "", ""), "checkout", "Marco moved to Payments")
	if err != nil || sg.Team.ID != "checkout" || len(sg.Leads) < 2 || !strings.Contains(sg.Text.String(), "Marco moved to Payments") {
		t.Fatalf("%+v %v", sg, err)
	}
	// An admin of the other platform (a Teams id in a Slack workspace) is
	// not sent it: the message could not reach them.
	s2, _ := newService(t, bot.WithAdmins("UADMIN", "29:teams-admin"))
	sg, err = s2.Suggest(ctx, msg(dev, "", ""), "checkout", "Marco moved to Payments")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range sg.Leads {
		if strings.HasPrefix(l.ID, "29:") {
			t.Errorf("a Slack suggestion goes to the Teams admin %s: %+v", l.ID, sg.Leads)
		}
	}
	for _, text := range []string{" ", strings.Repeat("x", 501)} {
		if _, err := s.Suggest(ctx, msg(dev, "", ""), "checkout", text); ownership.ErrorCode(err) != ownership.ErrInvalid {
			t.Errorf("%d chars: %v", len(text), err)
		}
	}
}
