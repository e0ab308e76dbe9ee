package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/rich"
)

// A mention with nothing typed says so and shows how to ask; its "Why?"
// claims no reading and no confidence, and nothing is queued.
func TestBareMentionShowsHowToAsk(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	for _, text := range []string{"", "   "} {
		a := ask(t, s, msg(dev, "C0CHECKOUT", text))
		if a.Kind != bot.KindKnowledge || !a.Bare || a.Score != 0 || a.Queued {
			t.Fatalf("%q: kind=%s bare=%v score=%v queued=%v", text, a.Kind, a.Bare, a.Score, a.Queued)
		}
		if txt := a.Text().String(); !strings.Contains(txt, "You mentioned me without a question.") || !strings.Contains(txt, "Ask in plain words") {
			t.Errorf("bare answer:\n%s", txt)
		}
		why := rich.Lines(a.Reasoning()...).String()
		if strings.Contains(why, "%") || strings.Contains(why, "confidence") || strings.Contains(why, "I read the question as") {
			t.Errorf("Why? of a bare mention claims a reading:\n%s", why)
		}
		if !strings.Contains(why, "without a question") || !strings.Contains(why, "who owns the roadmap for checkout?") {
			t.Errorf("Why? of a bare mention does not say what happened and how to ask:\n%s", why)
		}
	}
	dm := msg(dev, "D1", "")
	dm.DM = true
	if txt := ask(t, s, dm).Text().String(); !strings.Contains(txt, "Your message had no question in it.") {
		t.Errorf("bare DM:\n%s", txt)
	}
	if q, _ := st.Unanswered(context.Background(), tenant, 10); len(q) != 0 {
		t.Errorf("a bare mention was queued: %+v", q)
	}
	// Something typed is read as usual.
	if a := ask(t, s, msg(dev, "", "help")); a.Bare || a.Score == 0 {
		t.Errorf("help: bare=%v score=%v", a.Bare, a.Score)
	}
}

// An empty role is said once: the headline says the team has nobody in
// it, and the hint only says how to fill it.
func TestEmptyRoleSaidOnce(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	if _, err := s.Command(ctx, msg(lead, "", "unset po checkout")); err != nil {
		t.Fatal(err)
	}
	a := ask(t, s, msg(stranger, "", "who writes acceptance criteria for checkout?"))
	txt := a.Text().String()
	if n := strings.Count(txt, "no Product Owner"); n != 1 {
		t.Errorf("the empty role is said %d times:\n%s", n, txt)
	}
	if !strings.Contains(a.FillHint.String(), "/whoowns set po @person Checkout") {
		t.Errorf("fill hint: %s", a.FillHint)
	}
	both := ask(t, s, msg(stranger, "", "who decides priorities for checkout?"))
	if both.Kind != bot.KindBoth {
		t.Fatalf("kind %s", both.Kind)
	}
	if h := both.FillHint.String(); !strings.Contains(h, "Product Owner role") || strings.Contains(h, "has no") {
		t.Errorf("fill hint of a shared answer: %s", h)
	}
}
