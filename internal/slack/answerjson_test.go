package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// hostile are strings people could type into a name, a team, a question
// or an explanation: Slack's broadcasts and links, mrkdwn, escapes,
// breaks, odd Unicode and invalid UTF-8.
var hostile = []string{
	"", "Checkout", "Marco Rossi", "<!channel>", "<!here>", "@here", "@channel", "&<>", "&amp;lt;",
	"*bold* _it_ ~st~ `code` ```block```", "<https://evil.example|SSO>", "<@U01PRIYA>", "<#C0CHECK|checkout>",
	"line\nbreak", "\r\n", "  spaced  ", "\t", `"quoted" \back\slash`, "ünïcode ✓ — 日本語 🚀", "\u2028\u2029",
	"bad utf-8 \xff\xfe end", "\x00\x01\x1f\x7f", "U02MARCO", "C0CHECKOUT", "W0ENTERPRISE", "u lower",
	"%s %d %!", "a`b", "ÿ" + strings.Repeat("é", 40),
}

// answerGen makes random answers of every kind from hostile strings, as
// the core could return them (a person's or both roles' answer has a team
// and holders; the rest may lack them).
type answerGen struct {
	r     *rand.Rand
	extra string
}

func (g answerGen) str() string {
	switch g.r.IntN(12) {
	case 0:
		return g.extra
	case 1:
		// Past a limit: 3000 for sections, 2000 for values, 75 for labels.
		return strings.Repeat(hostile[g.r.IntN(len(hostile))]+"ab ", 1+g.r.IntN(400))
	case 2:
		return hostile[g.r.IntN(len(hostile))] + hostile[g.r.IntN(len(hostile))]
	}
	return hostile[g.r.IntN(len(hostile))]
}

func (g answerGen) id(first string) string {
	switch g.r.IntN(4) {
	case 0:
		return g.str()
	case 1:
		return ""
	}
	return first[g.r.IntN(len(first)):][:1] + strings.Repeat("0AZ9", 8)[:1+g.r.IntN(31)]
}

func (g answerGen) person() ownership.Person {
	if g.r.IntN(5) == 0 {
		return ownership.Person{}
	}
	return ownership.Person{ID: g.id("UWB"), Name: g.str()}
}

func (g answerGen) when() time.Time {
	if g.r.IntN(4) == 0 {
		return time.Time{}
	}
	return time.Date(2020+g.r.IntN(10), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), 0, 0, time.UTC)
}

func (g answerGen) text() rich.Text {
	var t rich.Text
	for range g.r.IntN(6) {
		s := rich.Span{Kind: rich.Kind(g.r.IntN(int(rich.KindBreak) + 1)), Text: g.str()}
		switch s.Kind {
		case rich.KindMention:
			s.ID = g.id("UWB")
		case rich.KindChannel:
			s.ID = g.id("CGD")
		}
		t = append(t, s)
	}
	return t
}

func (g answerGen) holder() bot.Holder {
	h := bot.Holder{Role: ownership.ProductOwner, RoleName: g.str(), Person: g.person(), AssignedBy: g.person(),
		AssignedAt: g.when(), ConfirmedAt: g.when(), Decides: g.str()}
	if g.r.IntN(3) == 0 {
		h.Person, h.Usual, h.CoverUntil = g.person(), g.person(), g.when()
	}
	if g.r.IntN(4) == 0 {
		h.Stale = g.str()
	}
	if g.r.IntN(4) == 0 {
		h.EndedCover = &ownership.Cover{Person: g.person(), Until: g.when()}
	}
	if g.r.IntN(4) == 0 {
		h.Person = ownership.Person{}
		h.Vacated = &ownership.Vacancy{Person: g.person(), Since: g.when(), Reason: g.str()}
	}
	return h
}

func (g answerGen) answer() bot.Answer {
	kinds := []bot.Kind{bot.KindPerson, bot.KindBoth, bot.KindKnowledge, bot.KindUnknown, bot.KindPickTeam, "other"}
	a := bot.Answer{
		Kind: kinds[g.r.IntN(len(kinds))], Question: g.str(), Intent: g.str(), Title: g.str(), Score: g.r.Float64(),
		Role: ownership.Role(g.str()), Why: g.str(), More: g.str(), TeamFrom: []string{"", "text", "channel", "member", "only", "chosen", "odd"}[g.r.IntN(7)],
		SamePerson: g.r.IntN(3) == 0, FillHint: g.text(), Knowledge: g.text(), NearTie: g.r.IntN(3) == 0, Queued: g.r.IntN(2) == 0,
		Confirm: g.r.IntN(3) == 0, Lead: g.r.IntN(2) == 0, Bare: g.r.IntN(6) == 0,
	}
	if g.r.IntN(2) == 0 {
		a.Intent = []string{"role_lookup", "none", "prioritization"}[g.r.IntN(3)]
	}
	if g.r.IntN(3) > 0 || a.Kind == bot.KindPerson || a.Kind == bot.KindBoth {
		a.Team = &bot.TeamRef{ID: g.str(), Name: g.str()}
	}
	if a.Kind == bot.KindPerson || g.r.IntN(3) == 0 {
		h := g.holder()
		a.Holder = &h
	}
	if g.r.IntN(2) == 0 {
		c := g.holder()
		a.Counterpart = &c
	}
	if a.Kind == bot.KindBoth || g.r.IntN(4) == 0 {
		a.Both = []bot.Holder{g.holder(), g.holder()}
		if a.Kind == bot.KindBoth {
			a.Holder = nil
		}
	}
	if a.Team != nil {
		a.Rule = []string{"", bot.RuleCatalogue, bot.RuleOverride}[g.r.IntN(3)]
	}
	for range g.r.IntN(7) {
		a.Alternatives = append(a.Alternatives, bot.Choice{Intent: g.str(), Title: g.str(), Score: g.r.Float64()})
	}
	for range []int{0, 1, 3, 5, 6, 9, 120}[g.r.IntN(7)] {
		a.Teams = append(a.Teams, bot.TeamRef{ID: g.str(), Name: g.str()})
	}
	if g.r.IntN(5) == 0 {
		a.AsOf = g.when()
	}
	return a
}

// checkAnswerJSON: the body written straight from the answer decodes to
// exactly what the struct-built reference renderer's blocks and fallback
// do (the bytes differ only where the reference went through
// encoding/json, which escapes <, > and & as \u003c…), and its
// answerMessage reads back to the same.
func checkAnswerJSON(t *testing.T, a bot.Answer, asker, channel, thread string) {
	t.Helper()
	ref := refAnswerMessage(a, asker)
	ref.Channel, ref.ThreadTS = channel, thread
	want, err := appendPostMessage(nil, ref)
	if err != nil {
		t.Fatal(err)
	}
	m := answerPostMessage(a, asker)
	m.Channel, m.ThreadTS = channel, thread
	got, err := appendPostMessage([]byte("prefix"), m)
	if err != nil {
		t.Fatal(err)
	}
	got = bytes.TrimPrefix(got, []byte("prefix"))
	if !json.Valid(got) {
		t.Fatalf("invalid JSON:\n%s", got)
	}
	if !sameJSON(t, got, want) {
		t.Fatalf("answer of kind %s: the written body differs from the reference:\n%s", a.Kind, firstDiff(got, want))
	}
	back := answerMessage(a, asker)
	back.Channel, back.ThreadTS = channel, thread
	if again, err := appendPostMessage(nil, back); err != nil || !sameJSON(t, again, want) {
		t.Fatalf("answerMessage reads back differently (%v):\n%s", err, firstDiff(again, want))
	}
}

// TestAnswerJSONMatchesBlocks holds the direct writer to the reference on
// the golden answers, their variants and many random hostile answers.
func TestAnswerJSONMatchesBlocks(t *testing.T) {
	t.Parallel()
	for _, a := range goldenAnswers() {
		checkAnswerJSON(t, a, "U0ASKER", "C1", "")
		a.AsOf = time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("x", 3600))
		a.Lead, a.TeamFrom = true, "chosen"
		checkAnswerJSON(t, a, "U0ASKER", "C1", "1700000000.000100")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		g := answerGen{r: r, extra: hostile[i%len(hostile)]}
		checkAnswerJSON(t, g.answer(), g.str(), g.str(), g.str())
	}
}

// FuzzAnswerJSON: random answers from the fuzzer's seed and string.
func FuzzAnswerJSON(f *testing.F) {
	for i, s := range hostile {
		f.Add(uint64(i), s)
	}
	f.Fuzz(func(t *testing.T, seed uint64, s string) {
		g := answerGen{r: rand.New(rand.NewPCG(seed, seed>>7)), extra: s}
		checkAnswerJSON(t, g.answer(), g.str(), g.str(), g.str())
	})
}

// firstDiff shows where got and want part.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-300)
	return fmt.Sprintf("at byte %d of %d/%d:\n got …%s\nwant …%s", i, len(got), len(want), got[from:min(len(got), i+200)], want[from:min(len(want), i+200)])
}
