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
