package bot_test

import (
	"context"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
)

// TestHomeSummaryCountsWhatWaitsForLeads: the lead's summary counts the
// roles vacated by a departure, the pending requests, and each unanswered
// question once however often it was asked; the listed question says how
// often.
func TestHomeSummaryCountsWhatWaitsForLeads(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	if _, _, err := st.Update(ctx, tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		_, ch := d.Vacate(d.Teams["checkout"].Roles[ownership.ProductOwner].Person, now, ownership.Person{Name: "test"}, "left")
		return ch, nil
	}); err != nil {
		t.Fatal(err)
	}
	command(t, s, msg(dev, "", "claim po checkout"))
	ask(t, s, msg(dev, "", "who fixes the printer?"))
	ask(t, s, msg(stranger, "", "Who fixes the printer"))
	h, err := s.Home(ctx, msg(lead, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	sum := h.Summary
	if sum == nil || sum.Vacated != 1 || sum.Requests != 1 || sum.Unanswered != 1 || sum.EmptyRoles != 2 {
		t.Fatalf("summary: %+v", sum)
	}
	if len(h.Unanswered) != 1 || h.Unanswered[0].Times != 2 {
		t.Errorf("unanswered: %+v", h.Unanswered)
	}
}

// TestFindTeams: the search over every team matches names, ids and
// aliases whatever the case and punctuation, puts teams whose name starts
// with what was typed first, and stops at the limit.
func TestFindTeams(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	names := func(q string, limit int) []string {
		ts, err := s.FindTeams(ctx, msg(dev, "", ""), q, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tr := range ts {
			out = append(out, tr.ID)
		}
		return out
	}
	all := names("", 100)
	if len(all) != 4 {
		t.Fatalf("everything: %v", all)
	}
	if got := names("", 2); len(got) != 2 || got[0] != all[0] {
		t.Errorf("limit 2: %v", got)
	}
	if got := names("CART", 10); len(got) != 1 || got[0] != "checkout" {
		t.Errorf("an alias: %v", got)
	}
	if got := names("  Pay-", 10); len(got) != 1 || got[0] != "payments" {
		t.Errorf("a prefix with punctuation: %v", got)
	}
	if got := names("zzz", 10); len(got) != 0 {
		t.Errorf("no match: %v", got)
	}
}
