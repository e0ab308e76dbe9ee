package app

import (
	"context"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// TestTeamsE2ETwoStageFallback: a question read with medium confidence is
// answered with "I read this as …, is that right?" and one stacked button per
// choice (the reading, then the closest alternatives, whole titles); picking
// an alternative answers as that topic. Only a lead is shown how to teach.
func TestTeamsE2ETwoStageFallback(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	tenant := ownership.TenantID("teams:" + e2eTenant)
	var q string
	var first bot.Answer
	for _, cand := range []string{"who handles the backlog and the roadmap", "who talks to customers about the backlog",
		"who orders the backlog?", "who is responsible for sprint progress",
		"who talks to sales and marketing about the product direction", "who owns the sprint goal and the roadmap",
		"devs keep pulling tickets that have no clear definition of what done looks like"} {
		got, err := w.app.Service().Ask(context.Background(), bot.Message{Tenant: tenant, Platform: bot.PlatformTeams,
			User: ownership.Person{ID: e2eCarol.ID}, Channel: ownership.Channel{ID: e2eChannel}, Text: cand})
		if err == nil && got.Confirm && len(got.Choices()) > 1 && (got.Kind == bot.KindPerson || got.Kind == bot.KindBoth) {
			q, first = cand, got
			break
		}
	}
	if q == "" {
		t.Fatal("none of the candidate questions is read with medium confidence any more; add one")
	}

	w.post(w.say("m1", e2eCarol, q))
	r := w.next("reply")
	text := r.out.cardText()
	if !strings.Contains(text, "I read this as **"+first.Title+"**, is that right?") {
		t.Fatalf("medium-confidence answer card:\n%s", text)
	}
	if strings.Contains(text, "teach") {
		t.Fatalf("a non-lead is shown how to teach:\n%s", text)
	}
	var choices []map[string]any
	var titles []string
	for _, a := range r.out.Attachments {
		for _, b := range a.Content.Body {
			if len(b.Actions) > 1 {
				t.Fatalf("choices side by side in one row: %+v", b.Actions)
			}
			for _, act := range b.Actions {
				if act.Data["whoowns"] == "choose" {
					choices = append(choices, act.Data)
					titles = append(titles, act.Title)
				}
			}
		}
	}
	want := first.Choices()
	if len(choices) != len(want) {
		t.Fatalf("choice buttons %v, want %+v", titles, want)
	}
	for i, c := range want {
		if titles[i] != c.Title || choices[i]["intent"] != c.Intent {
			t.Fatalf("choice %d is %q (%v), want %q", i, titles[i], choices[i]["intent"], c.Title)
		}
	}

	// Picking the first alternative answers as it, in place of the card.
	w.post(w.vote("m1-pick", e2eCarol, r, choices[1]))
	picked := w.next("update")
	if picked.activity != r.posted {
		t.Fatalf("the pick updated %q, want the card %q", picked.activity, r.posted)
	}
	if pt := picked.out.cardText(); !strings.Contains(pt, want[1].Title) || strings.Contains(pt, "I read this as") {
		t.Fatalf("picked answer:\n%s", pt)
	}

	// A lead asking the same is shown how to teach.
	w.post(w.say("m2", e2eLead, q))
	if lt := w.next("reply").out.cardText(); !strings.Contains(lt, "teach") {
		t.Fatalf("a lead's confirmation lacks the teach hint:\n%s", lt)
	}
}
