package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// An answer whose assignment is past its review date says so in its
// context line, and the Why? shows who set it, when, and when it was last
// confirmed.
func TestAnswerPastReviewSaysLastConfirmed(t *testing.T) {
	s, st := newService(t, bot.WithReviews(90*24*time.Hour))
	set := now.AddDate(0, -6, 0)
	confirmed := now.AddDate(0, -4, 0)
	_, _, err := st.Update(context.Background(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		t := d.Teams["checkout"]
		t.Roles[ownership.ProductOwner] = ownership.Assignment{Person: dev, AssignedBy: lead, AssignedAt: set, ConfirmedAt: confirmed}
		return []ownership.Change{{Action: "test", Summary: "aged"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := ask(t, s, msg(stranger, "", "who is the PO of checkout?"))
	if got := a.ReviewNote().String(); got != "Due for review: last confirmed 4 months ago" {
		t.Errorf("review note %q", got)
	}
	var why []string
	for _, l := range a.Reasoning() {
		why = append(why, l.String())
	}
	if w := strings.Join(why, "\n"); !strings.Contains(w, "was made Product Owner by @Morgan Lee on 20 May 2026 10:00 UTC; last confirmed on 20 Jul 2026 10:00 UTC.") {
		t.Errorf("Why? lacks set at, set by and last confirmed:\n%s", w)
	}
	// Never confirmed since it was set, the Why? says so.
	_, _, err = st.Update(context.Background(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["checkout"].Roles[ownership.ProductOwner] = ownership.Assignment{Person: dev, AssignedBy: lead, AssignedAt: set}
		return []ownership.Change{{Action: "test", Summary: "aged"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a = ask(t, s, msg(stranger, "", "who is the PO of checkout?"))
	if got := a.ReviewNote().String(); got != "Due for review: last confirmed 6 months ago" {
		t.Errorf("review note %q", got)
	}
	why = why[:0]
	for _, l := range a.Reasoning() {
		why = append(why, l.String())
	}
	if w := strings.Join(why, "\n"); !strings.Contains(w, "was made Product Owner by @Morgan Lee on 20 May 2026 10:00 UTC; last confirmed then, when it was set.") {
		t.Errorf("Why? of an assignment never confirmed:\n%s", w)
	}
	// Within its review period an answer says nothing of it.
	s2, st2 := newService(t, bot.WithReviews(200*24*time.Hour))
	_, _, _ = st2.Update(context.Background(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["checkout"].Roles[ownership.ProductOwner] = ownership.Assignment{Person: dev, AssignedAt: set, ConfirmedAt: confirmed}
		return []ownership.Change{{Action: "test", Summary: "aged"}}, nil
	})
	if n := ask(t, s2, msg(stranger, "", "who is the PO of checkout?")).ReviewNote(); !n.Empty() {
		t.Errorf("a review not due yet noted %q", n.String())
	}
}
