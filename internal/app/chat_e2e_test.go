package app

import (
	"strings"
	"testing"
)

// End-to-end tests of how whoowns talks in chat, on Slack and Teams alike,
// through the real serve wiring.

// A bare mention is answered with how to ask; its Why? claims no reading.
func TestSlackE2EBareMention(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	a.event("EvBare", e2eMention(pJules, chCheck, "1700000101.000001", ""))
	ans := w.answerIn(chCheck, "1700000101.000001")
	mustContain(t, "bare mention", ans.AllText(), "You mentioned me without a question.", "Ask in plain words")
	why, ok := ans.Element("why")
	if !ok {
		t.Fatalf("no Why? button:\n%s", ans.AllText())
	}
	if strings.Contains(why.Value, "confidence") || strings.Contains(why.Value, "%") || !strings.Contains(why.Value, "without a question") {
		t.Errorf("Why? of a bare mention: %q", why.Value)
	}
}

func TestTeamsE2EBareMention(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	w.post(w.say("bare1", e2eCarol, ""))
	r := w.next("reply")
	if r.activity != "bare1" || !strings.Contains(r.out.cardText(), "You mentioned me without a question.") {
		t.Fatalf("bare mention answered %q:\n%s", r.activity, r.out.cardText())
	}
	if strings.Contains(r.out.cardText(), "confidence") {
		t.Errorf("bare mention claims a confidence:\n%s", r.out.cardText())
	}
}
