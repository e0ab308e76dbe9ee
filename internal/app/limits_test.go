package app

import (
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// rateLimited is the start of the core's reply to someone over their limit.
const rateLimited = "You're asking faster than I can keep up"

// TestRateLimitsReplyPolitely: over WHOOWNS_RATE_QUESTIONS or
// WHOOWNS_RATE_COMMANDS a person gets a polite reply on either platform,
// never silence or an internal error, and other people are not affected.
func TestRateLimitsReplyPolitely(t *testing.T) {
	t.Parallel()
	t.Run("slack", func(t *testing.T) {
		t.Parallel()
		w := newSlackWorld(t)
		a, err := New(Config{
			Slack: &slack.Config{BotToken: "xoxb-e2e", SigningSecret: e2eSecret, APIURL: w.fake.APIURL(), Workers: 1},
			Store: redisstore.New(w.client, redisstore.WithPrefix(w.prefix)),
			// One question and one command per person per minute.
			QuestionsPerMinute: 1, CommandsPerMinute: 1,
			Logger: faultLogger(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		s := &slackApp{w: w, app: a, url: serveApp(t, a)}
		dmReply := func(user, ts string) string {
			t.Helper()
			ev := e2eDM(user, ts, "who owns the roadmap for checkout?")
			ev["thread_ts"] = ts // answered in its own thread, so replies can be told apart
			s.event("Ev"+user+ts, ev)
			return w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
				return c.Params["channel"] == "D"+user && c.Params["thread_ts"] == ts
			}).AllText()
		}
		cases := []struct {
			name, got, want string
		}{
			{"first question", dmReply(pJules, "1700000100.000001"), "<@" + pPriya + ">"},
			{"second question", dmReply(pJules, "1700000100.000002"), rateLimited},
			{"someone else's question", dmReply(pNobody, "1700000100.000003"), "<@" + pPriya + ">"},
		}
		s.event("EvJulesCh", e2eMention(pJules, chCheck, "1700000100.000004", "who writes the acceptance criteria?"))
		cases = append(cases, struct{ name, got, want string }{"question in a channel", w.answerIn(chCheck, "1700000100.000004").AllText(), rateLimited})
		cases = append(cases,
			struct{ name, got, want string }{"first command", s.command(pJules, "jules", "show checkout"), "Checkout"},
			struct{ name, got, want string }{"second command", s.command(pJules, "jules", "show checkout"), rateLimited},
			struct{ name, got, want string }{"a lead's command", s.command(pLead, "morgan", "show checkout"), "Checkout"},
		)
		for _, c := range cases {
			if !strings.Contains(c.got, c.want) || strings.Contains(c.got, internalText) {
				t.Errorf("%s: want %q in:\n%s", c.name, c.want, c.got)
			}
		}
	})

	t.Run("teams", func(t *testing.T) {
		t.Parallel()
		client, prefix := redistest.Client(t)
		w := newTeamsWorldOn(t, redisstore.New(client, redisstore.WithPrefix(prefix)), func(c *Config) {
			c.QuestionsPerMinute, c.CommandsPerMinute = 1, 1
		})
		reply := func(id string, from, text string) string {
			t.Helper()
			who := map[string]struct{ ID, Name string }{"carol": {e2eCarol.ID, e2eCarol.Name}, "alice": {e2eAlice.ID, e2eAlice.Name}}[from]
			act := w.say(id, e2eCarol, text)
			act["from"] = map[string]any{"id": who.ID, "name": who.Name}
			w.post(act)
			r := w.next("reply")
			if r.activity != id {
				t.Fatalf("reply to %q, want %q", r.activity, id)
			}
			return r.out.cardText() + r.out.Text
		}
		cases := []struct{ name, id, from, text, want string }{
			{"first question", "q1", "carol", "who writes the acceptance criteria?", "<at>Bob Baker</at>"},
			{"second question", "q2", "carol", "who owns the roadmap?", rateLimited},
			{"someone else's question", "q3", "alice", "who owns the roadmap?", "<at>Alice Archer</at>"},
			{"first command", "c1", "carol", "show checkout", "Checkout"},
			{"second command", "c2", "carol", "teams", rateLimited},
		}
		for _, c := range cases {
			if got := reply(c.id, c.from, c.text); !strings.Contains(got, c.want) || strings.Contains(got, internalText) {
				t.Errorf("%s: want %q in:\n%s", c.name, c.want, got)
			}
		}
		w.quiet()
	})
}
