package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
)

func queueTexts(t *testing.T, st *memstore.Store) []string {
	t.Helper()
	qs, err := st.Unanswered(context.Background(), tenant, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, q := range qs {
		out = append(out, q.Text)
	}
	return out
}

// TestUnansweredDismissByNumber: "unanswered dismiss <n>" takes every ask
// of the n-th question of the list the lead last saw off the queue, even
// when new questions arrived since; a number that is gone, out of range or
// not a number is refused with a specific message and changes nothing;
// a non-lead is refused; each dismissal is in the history.
func TestUnansweredDismissByNumber(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	for _, q := range []string{"who waters the office plants?", "who is on call tonight?", "Who is on call tonight", "WHO IS ON CALL TONIGHT?!"} {
		ask(t, s, msg(dev, "C0CHECKOUT", q))
	}
	if got := commandErr(t, s, dev, "unanswered dismiss 1", ownership.ErrForbidden); !strings.Contains(got, "Only leads can use") {
		t.Errorf("non-lead: %s", got)
	}
	if got := commandErr(t, s, lead, "unanswered dismiss 1", ownership.ErrNotFound); !strings.Contains(got, "List the questions with `/ unanswered` first") {
		t.Errorf("dismiss before any list: %s", got)
	}

	list := commandText(t, s, lead, "unanswered")
	for _, want := range []string{"2 questions, asked 4 times in all", "1. “WHO IS ON CALL TONIGHT?!”", "(asked 3 times)", "2. “who waters the office plants?”", "`/ unanswered dismiss <n>`", "`/ unanswered clear`"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}

	for _, c := range []struct{ text, code, want string }{
		{"unanswered dismiss", ownership.ErrInvalid, "Say which number"},
		{"unanswered dismiss x", ownership.ErrInvalid, `"x" is not a number from the list`},
		{"unanswered dismiss 0", ownership.ErrInvalid, `"0" is not a number`},
		{"unanswered dismiss 1 2", ownership.ErrInvalid, "one at a time"},
		{"unanswered dismiss 3", ownership.ErrNotFound, "There is no number 3: the list you last saw goes from 1 to 2"},
	} {
		if got := commandErr(t, s, lead, c.text, c.code); !strings.Contains(got, c.want) {
			t.Errorf("%q: %s, want %q", c.text, got, c.want)
		}
	}
	if q := queueTexts(t, st); len(q) != 4 {
		t.Fatalf("queue after refused dismissals = %q", q)
	}

	// A new question arrives after the list: number 2 is still the plants.
	ask(t, s, msg(dev, "C0CHECKOUT", "who feeds the office fish?"))
	res := command(t, s, msg(lead, "D0LEAD", "unanswered dismiss 2"))
	if got := res.Text.Plain("/"); !res.Changed || !strings.Contains(got, "Dismissed “who waters the office plants?” (asked once)") {
		t.Errorf("dismiss 2: %s (changed %v)", got, res.Changed)
	}
	if q := queueTexts(t, st); len(q) != 4 || strings.Contains(strings.Join(q, "|"), "plants") || q[0] != "who feeds the office fish?" {
		t.Errorf("queue after dismiss 2 = %q", q)
	}
	if got := commandText(t, s, lead, "unanswered dismiss 1"); !strings.Contains(got, "“WHO IS ON CALL TONIGHT?!” (asked 3 times)") {
		t.Errorf("dismiss 1: %s", got)
	}
	if q := queueTexts(t, st); len(q) != 1 || q[0] != "who feeds the office fish?" {
		t.Errorf("queue after dismiss 1 = %q, want the newer question alone", q)
	}
	if got := commandErr(t, s, lead, "unanswered dismiss 1", ownership.ErrNotFound); !strings.Contains(got, "Number 1 of the list you last saw, “WHO IS ON CALL TONIGHT?!”, is no longer in the queue") {
		t.Errorf("dismiss of a question gone: %s", got)
	}
	h := historyText(t, s)
	for _, want := range []string{"dismissed the unanswered question “who waters the office plants?” (asked once)", "dismissed the unanswered question “WHO IS ON CALL TONIGHT?!” (asked 3 times)"} {
		if !strings.Contains(h, want) {
			t.Errorf("history lacks %q:\n%s", want, h)
		}
	}
	// Another lead's numbers are their own.
	if got := commandErr(t, s, ownership.Person{ID: "UADMIN", Name: "Admin"}, "unanswered dismiss 1", ownership.ErrNotFound); !strings.Contains(got, "List the questions") {
		t.Errorf("another lead's dismiss without a list: %s", got)
	}
}

// TestUnansweredClearAsksFirst: "unanswered clear" says what it would take
// and changes nothing; "unanswered clear confirm" empties the queue, says
// what it took and is in the history.
func TestUnansweredClearAsksFirst(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	if got := commandText(t, s, lead, "unanswered clear"); !strings.Contains(got, "already empty") {
		t.Errorf("clear of an empty queue: %s", got)
	}
	for _, q := range []string{"who is on call tonight?", "who is on call tonight", "who waters the office plants?"} {
		ask(t, s, msg(dev, "C0CHECKOUT", q))
	}
	if got := commandErr(t, s, dev, "unanswered clear confirm", ownership.ErrForbidden); !strings.Contains(got, "Only leads can use") {
		t.Errorf("non-lead clear: %s", got)
	}
	prompt := commandText(t, s, lead, "unanswered clear")
	if !strings.Contains(prompt, "(2 questions, asked 3 times in all)") || !strings.Contains(prompt, "`/ unanswered clear confirm`") {
		t.Errorf("clear prompt: %s", prompt)
	}
	if got := commandErr(t, s, lead, "unanswered clear now", ownership.ErrInvalid); !strings.Contains(got, "confirm") {
		t.Errorf("clear now: %s", got)
	}
	if q := queueTexts(t, st); len(q) != 3 {
		t.Fatalf("queue after the prompt = %q, want it untouched", q)
	}
	res := command(t, s, msg(lead, "D0LEAD", "unanswered clear confirm"))
	if got := res.Text.Plain("/"); !res.Changed || got != "Cleared the queue: took off 2 questions, asked 3 times in all." {
		t.Errorf("clear confirm: %q", got)
	}
	if q := queueTexts(t, st); len(q) != 0 {
		t.Errorf("queue after clear = %q", q)
	}
	if got := commandText(t, s, lead, "unanswered clear confirm"); !strings.Contains(got, "already empty") {
		t.Errorf("second clear: %s", got)
	}
	if h := historyText(t, s); !strings.Contains(h, "cleared the unanswered queue: 2 questions, asked 3 times in all") {
		t.Errorf("history:\n%s", h)
	}
}

// TestUnansweredFormsDismissByID: the forms dismiss by the id LeadView
// gives; an id no longer queued and a non-lead are refused and change
// nothing.
func TestUnansweredFormsDismissByID(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	for _, q := range []string{"who is on call tonight?", "who waters the office plants?", "Who is on call tonight"} {
		ask(t, s, msg(dev, "C0CHECKOUT", q))
	}
	v, err := s.LeadView(ctx, msg(lead, "", ""), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Unanswered) != 2 || v.Queued != 2 || v.Unanswered[0].Count != 2 || v.Unanswered[0].ID == "" {
		t.Fatalf("LeadView queue = %+v (%d)", v.Unanswered, v.Queued)
	}
	id := v.Unanswered[0].ID
	if _, err := s.DismissUnanswered(ctx, msg(dev, "", ""), id); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Errorf("non-lead dismiss: %v", err)
	}
	if _, err := s.ClearUnanswered(ctx, msg(dev, "", "")); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Errorf("non-lead clear: %v", err)
	}
	if q := queueTexts(t, st); len(q) != 3 {
		t.Fatalf("queue after refusals = %q", q)
	}
	res, err := s.DismissUnanswered(ctx, msg(lead, "", ""), id)
	if err != nil || !strings.Contains(res.Text.Plain("/"), "(asked 2 times)") {
		t.Fatalf("dismiss: %v, %s", err, res.Text.Plain("/"))
	}
	if _, err := s.DismissUnanswered(ctx, msg(lead, "", ""), id); ownership.ErrorCode(err) != ownership.ErrNotFound {
		t.Errorf("second dismiss: %v, want not found", err)
	}
	if q := queueTexts(t, st); len(q) != 1 || q[0] != "who waters the office plants?" {
		t.Errorf("queue = %q", q)
	}
	var _ bot.UnansweredGroup = v.Unanswered[0]
}
