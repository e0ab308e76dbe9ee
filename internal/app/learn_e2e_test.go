package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// End-to-end tests of the learning loop through the real wiring, on two
// replicas sharing one store: picks under an unsure answer are recorded on
// whichever replica receives them, and once three different people agree
// the next (near-)identical question is answered directly on the other.

// learnWait bounds the wait for an answer that may compile a catalogue.
const learnWait = 90 * time.Second

// unsureQuestion finds a question the running service reads with medium
// confidence and answers naming people, with at least two choices; which
// one depends on the catalogue.
func unsureQuestion(t *testing.T, svc *bot.Service, m bot.Message) (string, bot.Answer) {
	t.Helper()
	for _, cand := range []string{"who handles the backlog and the roadmap", "who talks to customers about the backlog",
		"who orders the backlog?", "who is responsible for sprint progress",
		"who talks to sales and marketing about the product direction", "who owns the sprint goal and the roadmap",
		"devs keep pulling tickets that have no clear definition of what done looks like",
		"who writes the acceptance criteria or the definition of done", "who decides the release plan and the sprint goal"} {
		m.Text = cand
		got, err := svc.Ask(context.Background(), m)
		if err == nil && got.Confirm && len(got.Choices()) > 1 && (got.Kind == bot.KindPerson || got.Kind == bot.KindBoth) {
			return cand, got
		}
	}
	t.Fatal("none of the candidate questions is read with medium confidence any more; add one")
	return "", bot.Answer{}
}

// nearly is q as someone else types it: other case, spacing and
// punctuation.
func nearly(q string) string {
	return "  " + strings.ToUpper(q[:1]) + q[1:] + " ?! "
}

// slackLearn drives one Slack scenario: two replicas, a question read
// unsure, and people clicking its second choice.
type slackLearn struct {
	t     *testing.T
	w     *slackWorld
	a, b  *slackApp
	q     string
	first bot.Answer
	alt   fakeslack.Element
	n     int // events and clicks sent, for unique ids
	// updates is how many chat.update calls the clicks made so far.
	updates int
}

func newSlackLearn(t *testing.T, learn bot.Learning) *slackLearn {
	t.Helper()
	w := newSlackWorld(t)
	for _, u := range []fakeslack.User{{ID: pPriya, Name: "priya"}, {ID: pMarco, Name: "marco"}, {ID: pLead, Name: "morgan"}} {
		w.fake.AddUser(u)
	}
	w.tune = func(c *Config) { c.Learn = learn }
	s := &slackLearn{t: t, w: w, a: w.start(""), b: w.start("")}
	s.q, s.first = unsureQuestion(t, s.a.app.Service(), bot.Message{Tenant: ownership.TenantID("slack:" + e2eTeam), Platform: bot.PlatformSlack,
		User: ownership.Person{ID: pJules}, Channel: ownership.Channel{ID: chCheck}})
	ans := s.ask(s.a, s.q)
	if !strings.Contains(ans.AllText(), "is that right?") {
		t.Fatalf("the question is not confirmed:\n%s", ans.AllText())
	}
	var choices []fakeslack.Element
	for _, e := range ans.Elements() {
		if strings.HasPrefix(e.ActionID, "choose_intent") {
			choices = append(choices, e)
		}
	}
	if len(choices) < 2 {
		t.Fatalf("choice buttons %+v", choices)
	}
	s.alt = choices[1]
	return s
}

// ask mentions the bot with text in the Checkout channel on replica r and
// returns the answer.
func (s *slackLearn) ask(r *slackApp, text string) fakeslack.Call {
	s.t.Helper()
	s.n++
	ts := fmt.Sprintf("1700100%03d.000001", s.n)
	r.event(fmt.Sprintf("EvLearn%d", s.n), e2eMention(pJules, chCheck, ts, text))
	// A replica compiles the tenant's catalogue on the first question
	// after a phrase was learned or removed elsewhere: seconds under the
	// race detector, hence the longer wait.
	return s.w.fake.WaitCall(s.t, "chat.postMessage", learnWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == chCheck && c.Params["thread_ts"] == ts
	})
}

// pick clicks the second choice as user on replica r and waits for the
// answer to replace the message.
func (s *slackLearn) pick(r *slackApp, user string) {
	s.t.Helper()
	s.n++
	r.click(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user},
		"container":    map[string]any{"type": "message", "message_ts": "1700100000.000009", "channel_id": chCheck, "thread_ts": "1700100001.000001"},
		"channel":      map[string]any{"id": chCheck},
		"message":      map[string]any{"ts": "1700100000.000009", "thread_ts": "1700100001.000001"},
		"response_url": s.w.fake.ResponseURL("p"),
		"actions":      []any{map[string]any{"action_id": s.alt.ActionID, "block_id": s.alt.BlockID, "type": "button", "value": s.alt.Value, "action_ts": fmt.Sprintf("%d.1", s.n)}},
	})
	s.updates++
	s.w.fake.WaitCalls(s.t, "chat.update", s.updates, learnWait)
}

// direct checks that text asked on r is answered as the picked topic
// without asking whether the reading is right.
func (s *slackLearn) direct(r *slackApp, text string, want bool) {
	s.t.Helper()
	got := s.ask(r, text).AllText()
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	title := esc.Replace(s.first.Alternatives[0].Title)
	isDirect := !strings.Contains(got, "is that right?") && strings.Contains(got, title)
	if isDirect != want {
		s.t.Fatalf("%q answered directly as %q: %v, want %v:\n%s", text, title, isDirect, want, got)
	}
}

func TestSlackE2ELearnsFromPicksAcrossReplicas(t *testing.T) {
	t.Parallel()
	s := newSlackLearn(t, bot.Learning{}) // the defaults: on, after 3 people
	// One person picking three times is one vote.
	for range 3 {
		s.pick(s.a, pJules)
	}
	s.direct(s.b, s.q, false)
	// Two more people, one on each replica: three agree.
	s.pick(s.a, pPriya)
	s.pick(s.b, pMarco)
	s.direct(s.b, s.q, true)
	s.direct(s.a, nearly(s.q), true)

	mustContain(t, "learned", s.b.lead("learned"), fmt.Sprintf("1. %q", s.q), "· 3 people ·", "· learned")
	mustContain(t, "history", s.a.lead("history"), fmt.Sprintf("Learned %q as %s after 3 people picked it", s.q, s.first.Alternatives[0].Intent))
	mustContain(t, "non-lead unlearn", s.a.command(pNobody, "nobody", "unlearn 1"), "Only leads")
	s.direct(s.a, s.q, true)

	mustContain(t, "unlearn", s.a.lead("unlearn 1"), "Unlearned")
	s.direct(s.b, s.q, false)
	mustContain(t, "history after unlearn", s.b.lead("history"), "<@"+pLead+"> unlearned")
	mustContain(t, "learned after unlearn", s.b.lead("learned"), "Nothing learned yet")
}

func TestSlackE2EReviewModeWaitsForApproval(t *testing.T) {
	t.Parallel()
	s := newSlackLearn(t, bot.Learning{Mode: bot.LearnReview, After: 3})
	s.pick(s.a, pJules)
	s.pick(s.b, pPriya)
	s.pick(s.a, pMarco)
	s.direct(s.b, s.q, false)
	mustContain(t, "learned", s.a.lead("learned"), fmt.Sprintf("1. %q", s.q), "· 3 people ·", "waiting for approval", "learned approve")
	mustContain(t, "non-lead approve", s.b.command(pNobody, "nobody", "learned approve 1"), "Only leads")
	s.direct(s.a, s.q, false)
	mustContain(t, "bad number", s.a.lead("learned approve 4"), "There is no number 4")
	mustContain(t, "approve", s.b.lead("learned approve 1"), "Learned: questions like")
	s.direct(s.a, nearly(s.q), true)
	mustContain(t, "history", s.a.lead("history"), "<@"+pLead+"> approved learning")
}

// teamsLearn is the Teams scenario: two replicas (each with its own Bot
// Framework fakes) on one store.
type teamsLearn struct {
	t      *testing.T
	w1, w2 *teamsWorld
	q      string
	first  bot.Answer
	alt    map[string]any // the second choice's submit data
	card   teamsCall
	n      int
}

func newTeamsLearn(t *testing.T, learn bot.Learning) *teamsLearn {
	t.Helper()
	client, prefix := redistest.Client(t)
	tune := func(c *Config) {
		c.Learn = learn
		// An answer may compile the tenant's catalogue, which under the
		// race detector on a loaded machine can outlast the product's
		// 45 s activity budget: the activity would be cut short and its
		// reply never sent. The test's own wait bounds it instead.
		c.Teams.JobTimeout = learnWait
	}
	s := &teamsLearn{t: t,
		w1: newTeamsWorldOn(t, redisstore.New(client, redisstore.WithPrefix(prefix)), tune),
		w2: newTeamsWorldOn(t, redisstore.New(client, redisstore.WithPrefix(prefix)), tune)}
	s.q, s.first = unsureQuestion(t, s.w1.app.Service(), bot.Message{Tenant: ownership.TenantID("teams:" + e2eTenant), Platform: bot.PlatformTeams,
		User: ownership.Person{ID: e2eCarol.ID}, Channel: ownership.Channel{ID: e2eChannel}})
	s.w1.post(s.w1.say("ask0", e2eCarol, s.q))
	s.card = s.w1.next("reply")
	var choices []map[string]any
	for _, a := range s.card.out.Attachments {
		for _, b := range a.Content.Body {
			for _, act := range b.Actions {
				if act.Data["whoowns"] == "choose" {
					choices = append(choices, act.Data)
				}
			}
		}
	}
	if len(choices) < 2 || choices[1]["pick"] != true {
		t.Fatalf("choices %+v: want at least two, marked as picks", choices)
	}
	s.alt = choices[1]
	return s
}

// pick submits the second choice as who on replica w.
func (s *teamsLearn) pick(w *teamsWorld, who ownership.Person) {
	s.t.Helper()
	s.n++
	w.post(w.vote(fmt.Sprintf("pick%d", s.n), who, s.card, s.alt))
	if up := s.next(w, "update"); !strings.Contains(up.out.cardText(), s.first.Alternatives[0].Title) {
		s.t.Fatalf("the pick answered:\n%s", up.out.cardText())
	}
}

// direct asks text on w and checks whether it is answered as the picked
// topic without asking.
func (s *teamsLearn) direct(w *teamsWorld, text string, want bool) {
	s.t.Helper()
	s.n++
	w.post(w.say(fmt.Sprintf("ask%d", s.n), e2eCarol, text))
	got := s.next(w, "reply").out.cardText()
	isDirect := !strings.Contains(got, "is that right?") && strings.Contains(got, s.first.Alternatives[0].Title)
	if isDirect != want {
		s.t.Fatalf("%q answered directly: %v, want %v:\n%s", text, isDirect, want, got)
	}
}

// next is w.next with learnWait: see slackLearn.ask.
func (s *teamsLearn) next(w *teamsWorld, kind string) teamsCall {
	s.t.Helper()
	select {
	case c := <-w.calls:
		if c.kind != kind {
			s.t.Fatalf("the bot made a %s (%q), want a %s", c.kind, c.out.Text, kind)
		}
		return c
	case <-time.After(learnWait):
		s.t.Fatalf("timed out waiting for a %s", kind)
	}
	return teamsCall{}
}

// command runs a command as who on w and returns the private reply.
func (s *teamsLearn) command(w *teamsWorld, who ownership.Person, text string) string {
	s.t.Helper()
	s.n++
	id := fmt.Sprintf("cmd%d", s.n)
	w.post(w.say(id, who, text))
	return w.private(who, id).out.Text
}

func TestTeamsE2ELearnsFromPicksAcrossReplicas(t *testing.T) {
	t.Parallel()
	s := newTeamsLearn(t, bot.Learning{})
	for range 3 {
		s.pick(s.w1, e2eAlice)
	}
	s.direct(s.w2, s.q, false)
	s.pick(s.w2, e2eBob)
	s.pick(s.w1, e2eCarol)
	s.direct(s.w2, nearly(s.q), true)
	s.direct(s.w1, s.q, true)

	// Teams markdown shows "1." escaped.
	mustContain(t, "learned", s.command(s.w2, e2eLead, "learned"), fmt.Sprintf(`1\. %q →`, s.q), "· 3 people ·", "· learned")
	// Teams markdown escapes the underscores of an intent id.
	mustContain(t, "history", s.command(s.w1, e2eAlice, "history"),
		fmt.Sprintf("Learned %q as %s after 3 people picked it", s.q, strings.ReplaceAll(s.first.Alternatives[0].Intent, "_", `\_`)))
	mustContain(t, "non-lead unlearn", s.command(s.w1, e2eAlice, "unlearn 1"), "Only leads")
	mustContain(t, "unlearn", s.command(s.w1, e2eLead, "unlearn 1"), "Unlearned")
	s.direct(s.w2, s.q, false)
	mustContain(t, "history after unlearn", s.command(s.w2, e2eLead, "history"), "<at>Lena Lead</at> unlearned")
}

func TestTeamsE2EReviewModeWaitsForApproval(t *testing.T) {
	t.Parallel()
	s := newTeamsLearn(t, bot.Learning{Mode: bot.LearnReview, After: 3})
	s.pick(s.w1, e2eAlice)
	s.pick(s.w2, e2eBob)
	s.pick(s.w1, e2eCarol)
	s.direct(s.w2, s.q, false)
	mustContain(t, "learned", s.command(s.w1, e2eLead, "learned"), "· 3 people ·", "waiting for approval")
	mustContain(t, "non-lead approve", s.command(s.w2, e2eAlice, "learned approve 1"), "Only leads")
	s.direct(s.w1, s.q, false)
	mustContain(t, "approve", s.command(s.w2, e2eLead, "learned approve 1"), "Learned: questions like")
	s.direct(s.w1, nearly(s.q), true)
}
