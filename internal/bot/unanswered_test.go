package bot

import (
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

func TestGroupUnanswered(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	q := func(min int, text string) ownership.Unanswered {
		return ownership.Unanswered{At: at.Add(time.Duration(min) * time.Minute), Asker: ownership.Person{ID: "U1"}, Text: text}
	}
	// Newest first, as the stores return the queue.
	qs := []ownership.Unanswered{
		q(5, "Who runs the   SPRINT demo?"),
		q(4, "who owns the coffee machine"),
		q(3, "who runs the sprint demo"),
		q(2, "who runs the sprint demo?!"),
		q(1, "where is the roadmap deck"),
	}
	d := ownership.NewDirectory("local")
	d.Phrases = []ownership.TaughtPhrase{{Phrase: "Where is the roadmap deck?", Intent: "roadmap"}}
	got := groupUnanswered(qs, d)
	if len(got) != 2 {
		t.Fatalf("%d groups, want 2 (the demo question thrice, the coffee machine; the taught one left out): %+v", len(got), got)
	}
	if got[0].Count != 3 || got[0].Latest.Text != "Who runs the   SPRINT demo?" {
		t.Errorf("first group %+v, want the newest wording asked 3 times", got[0])
	}
	if got[1].Count != 1 || got[1].Latest.Text != "who owns the coffee machine" {
		t.Errorf("second group %+v", got[1])
	}
}
