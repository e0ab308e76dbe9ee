package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// pickers are different people who click the buttons.
var pickers = []ownership.Person{{ID: "U0PICK1", Name: "Ada"}, {ID: "U0PICK2", Name: "Ben"}, {ID: "U0PICK3", Name: "Cy"}, {ID: "U0PICK4", Name: "Di"}}

// unsure asks q and returns the answer, failing unless the bot asks "is
// that right?" or says "I don't know" with at least two choices.
func unsure(t *testing.T, s *bot.Service, q string) bot.Answer {
	t.Helper()
	a := ask(t, s, msg(dev, "C0CHECKOUT", q))
	if (!a.Confirm && a.Kind != bot.KindUnknown) || len(a.Choices()) < 2 {
		t.Fatalf("%q: want an unsure answer with choices, got kind %s confirm %v choices %+v", q, a.Kind, a.Confirm, a.Choices())
	}
	return a
}

func choose(t *testing.T, s *bot.Service, q string, picker ownership.Person, intentID string) bot.Answer {
	t.Helper()
	a, err := s.Choose(context.Background(), msg(dev, "C0CHECKOUT", q), picker, intentID, "")
	if err != nil {
		t.Fatalf("Choose(%q, %s, %s): %v", q, picker.ID, intentID, err)
	}
	if a.Intent != intentID {
		t.Fatalf("Choose answered %s, want %s", a.Intent, intentID)
	}
	return a
}

func commandText(t *testing.T, s *bot.Service, u ownership.Person, text string) string {
	t.Helper()
	return command(t, s, msg(u, "D0LEAD", text)).Text.Plain("/")
}

func commandErr(t *testing.T, s *bot.Service, u ownership.Person, text, code string) string {
	t.Helper()
	_, err := s.Command(context.Background(), msg(u, "D0LEAD", text))
	if ownership.ErrorCode(err) != code {
		t.Fatalf("%q by %s: %v, want %s", text, u.ID, err, code)
	}
	return ownership.ErrorText(err).Plain("/")
}

func historyText(t *testing.T, s *bot.Service) string {
	t.Helper()
	return commandText(t, s, lead, "history")
}

// TestLearnsAfterThreeDifferentPeople: the default loop learns a question
// once three different people picked the same intent for it; the next
// identical or near-identical question is answered as that intent without
// asking; leads see it in "learned" and the history, and "unlearn" reverts.
func TestLearnsAfterThreeDifferentPeople(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	q := mediumQuestion(t, s.Catalogue())
	a := unsure(t, s, q)
	alt := a.Choices()[1] // not what the bot read
	for i, p := range pickers[:3] {
		choose(t, s, q, p, alt.Intent)
		after := ask(t, s, msg(dev, "C0CHECKOUT", q))
		if learned := after.Intent == alt.Intent && !after.Confirm; learned != (i == 2) {
			t.Fatalf("after %d people picked %s: answered %s confirm %v", i+1, alt.Intent, after.Intent, after.Confirm)
		}
	}
	for _, near := range []string{q, "  " + strings.ToUpper(q) + "?!  ", strings.ReplaceAll(q, " ", " , ")} {
		if got := ask(t, s, msg(stranger, "C0CHECKOUT", near)); got.Intent != alt.Intent || got.Confirm {
			t.Errorf("%q after learning: %s confirm %v, want %s answered directly", near, got.Intent, got.Confirm, alt.Intent)
		}
	}
	list := commandText(t, s, lead, "learned")
	if !strings.Contains(list, fmt.Sprintf("1. %q → %s · 3 people · 20 Nov 2026 10:00 UTC · learned", q, alt.Title)) {
		t.Fatalf("learned:\n%s", list)
	}
	if h := historyText(t, s); !strings.Contains(h, fmt.Sprintf("Learned %q as %s after 3 people picked it", q, alt.Intent)) {
		t.Fatalf("history lacks the learned phrase:\n%s", h)
	}
	// A fourth pick of the old buttons changes nothing: the question is
	// no longer one the bot is unsure about.
	choose(t, s, q, pickers[3], a.Intent)
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); got.Intent != alt.Intent {
		t.Fatalf("a stale button changed the learned answer to %s", got.Intent)
	}

	out := commandText(t, s, lead, "unlearn 1")
	if !strings.Contains(out, fmt.Sprintf("Unlearned %q", q)) {
		t.Fatalf("unlearn: %s", out)
	}
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); !got.Confirm || got.Intent != a.Intent {
		t.Errorf("after unlearn: %s confirm %v, want %s asked about again", got.Intent, got.Confirm, a.Intent)
	}
	if h := historyText(t, s); !strings.Contains(h, fmt.Sprintf("Morgan Lee unlearned %q (was %s)", q, alt.Intent)) {
		t.Errorf("history lacks the unlearn:\n%s", h)
	}
	if list := commandText(t, s, lead, "learned"); !strings.Contains(list, "Nothing learned yet") {
		t.Errorf("learned after unlearn:\n%s", list)
	}
	// Its picks were forgotten: it takes three new people again.
	choose(t, s, q, pickers[0], alt.Intent)
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); got.Intent == alt.Intent && !got.Confirm {
		t.Error("one pick after unlearn learned it again")
	}
}

// TestLearnsFromIDontKnow: the closest-topic buttons of an "I don't know"
// teach the same way.
func TestLearnsFromIDontKnow(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	q := "where is the coffee machine on the third floor?"
	a := unsure(t, s, q)
	if a.Kind != bot.KindUnknown {
		t.Fatalf("kind %s", a.Kind)
	}
	pick := a.Choices()[0]
	for _, p := range pickers[:3] {
		choose(t, s, q, p, pick.Intent)
	}
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); got.Intent != pick.Intent || got.Kind == bot.KindUnknown || got.Confirm {
		t.Errorf("after three picks: kind %s intent %s confirm %v, want %s", got.Kind, got.Intent, got.Confirm, pick.Intent)
	}
}

// TestOnePersonCountsOnce: one person picking the same answer again and
// again is one vote.
func TestOnePersonCountsOnce(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	q := mediumQuestion(t, s.Catalogue())
	alt := unsure(t, s, q).Choices()[1]
	for range 5 {
		choose(t, s, q, pickers[0], alt.Intent)
	}
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); !got.Confirm {
		t.Fatalf("one person's five picks taught the bot: %s", got.Intent)
	}
	cs, err := st.Candidates(context.Background(), tenant)
	if err != nil || len(cs) != 1 || len(cs[0].Votes) != 1 {
		t.Fatalf("candidates %+v, %v; want one question with one vote", cs, err)
	}
	if list := commandText(t, s, lead, "learned"); !strings.Contains(list, "Nothing learned yet") {
		t.Errorf("learned:\n%s", list)
	}
}

// TestConflictingPicks: people who disagree do not teach the bot until one
// intent has enough people and more than any other.
func TestConflictingPicks(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, bot.WithLearning(bot.Learning{Mode: bot.LearnOn, After: 2}))
	q := mediumQuestion(t, s.Catalogue())
	ch := unsure(t, s, q).Choices()
	x, y := ch[1].Intent, ch[2%len(ch)].Intent
	if x == y {
		t.Skip("only two choices")
	}
	choose(t, s, q, pickers[0], x)
	choose(t, s, q, pickers[1], y)
	choose(t, s, q, pickers[2], y)
	// y has two people now: learned.
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); got.Intent != y || got.Confirm {
		t.Fatalf("after 1 for %s and 2 for %s: %s confirm %v", x, y, got.Intent, got.Confirm)
	}
}

// TestConflictingPicksTie: a tie at the threshold teaches nothing; a
// person who changes their mind moves their vote.
func TestConflictingPicksTie(t *testing.T) {
	t.Parallel()
	s, st := newService(t, bot.WithLearning(bot.Learning{Mode: bot.LearnReview, After: 2}))
	q := mediumQuestion(t, s.Catalogue())
	ch := unsure(t, s, q).Choices()
	x, y := ch[0].Intent, ch[1].Intent
	choose(t, s, q, pickers[0], x)
	choose(t, s, q, pickers[1], x)
	choose(t, s, q, pickers[2], y)
	choose(t, s, q, pickers[3], y)
	if list := commandText(t, s, lead, "learned"); !strings.Contains(list, "Nothing learned yet") {
		t.Fatalf("a tie waits for approval:\n%s", list)
	}
	choose(t, s, q, pickers[3], x) // changed their mind: 3 to 1
	list := commandText(t, s, lead, "learned")
	if !strings.Contains(list, "· 3 people ·") || !strings.Contains(list, "waiting for approval") {
		t.Fatalf("after a moved vote:\n%s", list)
	}
	cs, _ := st.Candidates(context.Background(), tenant)
	if len(cs) != 1 || len(cs[0].Votes) != 4 {
		t.Fatalf("candidates %+v", cs)
	}
}

// TestReviewModeWaitsForALead: in review mode a question enough people
// agree on waits; only a lead approves it, and then it is answered.
func TestReviewModeWaitsForALead(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, bot.WithLearning(bot.Learning{Mode: bot.LearnReview, After: 3}))
	q := mediumQuestion(t, s.Catalogue())
	alt := unsure(t, s, q).Choices()[1]
	for _, p := range pickers[:3] {
		choose(t, s, q, p, alt.Intent)
	}
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); !got.Confirm {
		t.Fatalf("review mode learned by itself: %s", got.Intent)
	}
	list := commandText(t, s, lead, "learned")
	if !strings.Contains(list, fmt.Sprintf("1. %q → %s · 3 people · 20 Nov 2026 10:00 UTC · waiting for approval", q, alt.Title)) || !strings.Contains(list, "learned approve <n>") {
		t.Fatalf("learned:\n%s", list)
	}
	for _, c := range []string{"learned", "learned approve 1", "unlearn 1"} {
		commandErr(t, s, dev, c, ownership.ErrForbidden)
	}
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); !got.Confirm {
		t.Fatal("a refused approval taught the bot")
	}
	out := commandText(t, s, lead, "learned approve 1")
	if !strings.Contains(out, fmt.Sprintf("Learned: questions like %q now go to %s", q, alt.Title)) {
		t.Fatalf("approve: %s", out)
	}
	if got := ask(t, s, msg(dev, "C0CHECKOUT", q)); got.Intent != alt.Intent || got.Confirm {
		t.Fatalf("after approval: %s confirm %v", got.Intent, got.Confirm)
	}
	if h := historyText(t, s); !strings.Contains(h, fmt.Sprintf("Morgan Lee approved learning %q as %s (3 people picked it)", q, alt.Intent)) {
		t.Errorf("history:\n%s", h)
	}
	if msg := commandErr(t, s, lead, "learned approve 1", ownership.ErrInvalid); !strings.Contains(msg, "already learned") {
		t.Errorf("approving a learned one: %s", msg)
	}
	if list := commandText(t, s, lead, "learned"); !strings.Contains(list, "· learned") || strings.Contains(list, "waiting") {
		t.Errorf("learned after approval:\n%s", list)
	}
}

// TestUnlearnDropsAWaitingQuestion: "unlearn" on a waiting question forgets
// its picks, audited.
func TestUnlearnDropsAWaitingQuestion(t *testing.T) {
	t.Parallel()
	s, st := newService(t, bot.WithLearning(bot.Learning{Mode: bot.LearnReview, After: 1}))
	q := mediumQuestion(t, s.Catalogue())
	alt := unsure(t, s, q).Choices()[1]
	choose(t, s, q, pickers[0], alt.Intent)
	out := commandText(t, s, lead, "unlearn 1")
	if !strings.Contains(out, fmt.Sprintf("Dropped %q", q)) {
		t.Fatalf("unlearn of a waiting question: %s", out)
	}
	if cs, _ := st.Candidates(context.Background(), tenant); len(cs) != 0 {
		t.Errorf("candidates after the drop: %+v", cs)
	}
	if h := historyText(t, s); !strings.Contains(h, fmt.Sprintf("Morgan Lee dropped %q, waiting to be learned as %s (1 person picked it)", q, alt.Intent)) {
		t.Errorf("history:\n%s", h)
	}
}

// TestLearnOffRecordsNothing: WHOOWNS_LEARN=off keeps no picks.
func TestLearnOffRecordsNothing(t *testing.T) {
	t.Parallel()
	s, st := newService(t, bot.WithLearning(bot.Learning{Mode: bot.LearnOff}))
	q := mediumQuestion(t, s.Catalogue())
	alt := unsure(t, s, q).Choices()[1]
	for _, p := range pickers {
		choose(t, s, q, p, alt.Intent)
	}
	if cs, _ := st.Candidates(context.Background(), tenant); len(cs) != 0 {
		t.Errorf("picks recorded with learning off: %+v", cs)
	}
	if list := commandText(t, s, lead, "learned"); !strings.Contains(list, "WHOOWNS_LEARN=off") {
		t.Errorf("learned with learning off:\n%s", list)
	}
}

// TestForgedOrStalePicksTeachNothing: a pick of an intent the bot would not
// offer for the question (a forged button, or a question it answers
// without asking) is answered but not recorded.
func TestForgedOrStalePicksTeachNothing(t *testing.T) {
	t.Parallel()
	s, st := newService(t, bot.WithLearning(bot.Learning{Mode: bot.LearnOn, After: 1}))
	q := mediumQuestion(t, s.Catalogue())
	offered := map[string]bool{}
	for _, c := range unsure(t, s, q).Choices() {
		offered[c.Intent] = true
	}
	forged := ""
	for _, in := range s.Catalogue().Intents() {
		if !offered[in.ID] && in.Role != ownership.None && in.Role != ownership.Info {
			forged = in.ID
			break
		}
	}
	choose(t, s, q, pickers[0], forged)
	sure := "who writes the acceptance criteria?"
	if a := ask(t, s, msg(dev, "C0CHECKOUT", sure)); a.Confirm || a.Kind != bot.KindPerson {
		t.Fatalf("%q is not answered sure any more", sure)
	}
	choose(t, s, sure, pickers[0], "roadmap")
	if cs, _ := st.Candidates(context.Background(), tenant); len(cs) != 0 {
		t.Errorf("recorded %+v", cs)
	}
	if a := ask(t, s, msg(dev, "C0CHECKOUT", sure)); a.Intent == "roadmap" {
		t.Error("a forged pick taught the bot")
	}
}

// TestLearnedCommandErrors: bad numbers, nothing to list and malformed
// commands get specific messages and change nothing.
func TestLearnedCommandErrors(t *testing.T) {
	t.Parallel()
	s, st := newService(t, bot.WithLearning(bot.Learning{Mode: bot.LearnReview, After: 1}))
	if m := commandErr(t, s, lead, "unlearn 1", ownership.ErrNotFound); !strings.Contains(m, "nothing to remove") {
		t.Errorf("unlearn with nothing: %s", m)
	}
	if m := commandErr(t, s, lead, "learned approve 1", ownership.ErrNotFound); !strings.Contains(m, "nothing to approve") {
		t.Errorf("approve with nothing: %s", m)
	}
	q := mediumQuestion(t, s.Catalogue())
	choose(t, s, q, pickers[0], unsure(t, s, q).Choices()[1].Intent)
	for _, c := range []struct{ cmd, code, want string }{
		{"learned approve 2", ownership.ErrNotFound, "There is no number 2: `/ learned` lists 1 to 1."},
		{"unlearn 7", ownership.ErrNotFound, "There is no number 7: `/ learned` lists 1 to 1."},
		{"learned approve x", ownership.ErrInvalid, `"x" is not a number from the list`},
		{"learned approve 0", ownership.ErrInvalid, `"0" is not a number from the list`},
		{"unlearn -1", ownership.ErrInvalid, `"-1" is not a number from the list`},
		{"learned approve", ownership.ErrInvalid, "Say which number to approve"},
		{"unlearn", ownership.ErrInvalid, "Say which number to remove"},
		{"unlearn 1 2", ownership.ErrInvalid, "Say which number to remove"},
		{"learned forget 1", ownership.ErrInvalid, "\"forget\" is not something `/ learned` does"},
	} {
		if m := commandErr(t, s, lead, c.cmd, c.code); !strings.Contains(m, c.want) {
			t.Errorf("%q: %s, want %q", c.cmd, m, c.want)
		}
	}
	if hs, _ := st.History(context.Background(), tenant, "", 10); len(hs) != 0 {
		t.Errorf("history after refused commands: %+v", hs)
	}
	if cs, _ := st.Candidates(context.Background(), tenant); len(cs) != 1 {
		t.Errorf("candidates after refused commands: %+v", cs)
	}
}

// TestLearnedIsACommand: the new verbs are commands where typed, private,
// and listed for leads only.
func TestLearnedIsACommand(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"learned", "learned approve 2", "unlearn 3"} {
		if !bot.LooksLikeCommand(c) || !bot.PrivateOnly(c) {
			t.Errorf("%q is not a private command", c)
		}
	}
	for _, q := range []string{"learned who owns the roadmap", "unlearn what the roadmap is"} {
		if bot.LooksLikeCommand(q) {
			t.Errorf("%q is taken for a command", q)
		}
	}
	s, _ := newService(t)
	dm := msg(lead, "D0LEAD", "help")
	dm.DM = true
	if h := command(t, s, dm).Text.Plain("/"); !strings.Contains(h, "`/ learned` or `/ learned approve` `n`") || !strings.Contains(h, "`/ unlearn` `n`") {
		t.Errorf("help for leads:\n%s", h)
	}
}
