package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// redeliver sends an event again as Slack's retry does.
func (s *slackApp) redeliver(eventID string, inner map[string]any) {
	s.w.t.Helper()
	hdr := http.Header{}
	hdr.Set("X-Slack-Retry-Num", "1")
	hdr.Set("X-Slack-Retry-Reason", "http_timeout")
	if code := s.send("/slack/events", "application/json", e2eEvent(eventID, inner), time.Now(), e2eSecret, hdr); code != http.StatusOK {
		s.w.t.Fatalf("redelivery of %s: status %d", eventID, code)
	}
}

// TestSlackE2EDefinitiveFailureAnsweredOnRedelivery: chat.postMessage
// refuses the answer (nothing was posted), so the claim is given back and
// Slack's redelivery of the event is answered; the 503s that outlast the
// retries do the same.
func TestSlackE2EDefinitiveFailureAnsweredOnRedelivery(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	for i, tc := range []struct {
		name     string
		failures []fakeslack.Failure
	}{
		{"refused", []fakeslack.Failure{{Error: "not_in_channel"}}},
		{"4xx", []fakeslack.Failure{{Status: http.StatusForbidden}}},
		{"503 until the retries ran out", []fakeslack.Failure{{Status: 503}, {Status: 503}, {Status: 503}, {Status: 503}}},
	} {
		ts := "1700000100.00000" + string(rune('1'+i))
		ev := e2eMention(pJules, chCheck, ts, "who owns the roadmap?")
		id := "EvFail" + string(rune('A'+i))
		w.fake.Fail("chat.postMessage", tc.failures...)
		a.event(id, ev)
		a.sentinel(string(rune('a' + i))) // one worker: the failed job is done
		if n := len(w.postsTo(chCheck, ts)); n != len(tc.failures) {
			t.Fatalf("%s: %d tries before the redelivery, want %d", tc.name, n, len(tc.failures))
		}
		a.redeliver(id, ev)
		a.sentinel(string(rune('k' + i)))
		posts := w.postsTo(chCheck, ts)
		if n := len(posts); n != len(tc.failures)+1 {
			t.Errorf("%s: %d tries in all, want the failed ones and one answer on the redelivery", tc.name, n)
			continue
		}
		mustContain(t, tc.name+": the answer on redelivery", posts[len(posts)-1].AllText(), "<@"+pPriya+">")
		// Answered now: a further redelivery is a duplicate.
		a.redeliver(id, ev)
		a.sentinel(string(rune('u' + i)))
		if n := len(w.postsTo(chCheck, ts)); n != len(tc.failures)+1 {
			t.Errorf("%s: a redelivery after the answer posted again (%d tries)", tc.name, n)
		}
	}
}

// TestSlackE2EAmbiguousPostNotRepeated: the connection drops after
// chat.postMessage arrived, so the answer may be in the channel. It is not
// posted again, neither by a retry nor on Slack's redelivery.
func TestSlackE2EAmbiguousPostNotRepeated(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	ts := "1700000200.000001"
	ev := e2eMention(pJules, chCheck, ts, "who owns the roadmap?")
	w.fake.Fail("chat.postMessage", fakeslack.Failure{Drop: true})
	a.event("EvAmbiguous", ev)
	a.sentinel("1")
	a.redeliver("EvAmbiguous", ev)
	a.sentinel("2")
	if n := len(w.postsTo(chCheck, ts)); n != 1 {
		t.Errorf("the answer was posted %d times after an ambiguous failure, want once", n)
	}
}

// TestTeamsE2EDefinitiveFailureAnsweredOnRedelivery: the Bot Connector
// refuses the reply (403: nothing was posted), so the activity's claim is
// given back and its redelivery is answered. A reply whose connection
// dropped after it was sent may be in the channel: it is not sent again,
// neither by a retry nor for the redelivery.
func TestTeamsE2EDefinitiveFailureAnsweredOnRedelivery(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	question := w.say("1001", e2eCarol, "who owns the roadmap?")
	w.replyFailures <- "403"
	w.post(question)
	if c := w.next("reply"); c.failed != "403" || c.activity != "1001" {
		t.Fatalf("first reply: %+v, want the refused one", c)
	}
	w.post(question) // the redelivery
	c := w.next("reply")
	if c.failed != "" || c.activity != "1001" || !strings.Contains(c.out.cardText(), e2eAlice.Name) {
		t.Fatalf("reply to the redelivery: %+v, want the answer", c)
	}
	w.post(question) // answered now: a duplicate
	dropped := w.say("1002", e2eCarol, "who owns the backlog?")
	w.replyFailures <- "drop"
	w.post(dropped)
	if c := w.next("reply"); c.failed != "drop" || c.activity != "1002" {
		t.Fatalf("reply to 1002: %+v, want the dropped one", c)
	}
	w.post(dropped) // the redelivery
	w.post(w.say("1003", e2eCarol, "who owns the roadmap?"))
	if c := w.next("reply"); c.activity != "1003" {
		t.Fatalf("after an ambiguous failure the bot replied to %s again (or to the duplicate of 1001); want only 1003's answer", c.activity)
	}
	w.quiet()
}

// lostUpdateReply is a go-redis hook that lets the next update script run on
// the server and then reports a read timeout instead of its reply, as a
// connection lost at that moment would.
type lostUpdateReply struct {
	mu      sync.Mutex
	left    int
	dropped int
}

func (h *lostUpdateReply) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *lostUpdateReply) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *lostUpdateReply) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		args := cmd.Args()
		// EVAL(SHA) script numkeys dir audit ...: the update script.
		if (cmd.Name() != "evalsha" && cmd.Name() != "eval") || len(args) < 5 || !strings.HasSuffix(fmt.Sprint(args[4]), ":audit") {
			return err
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if err == nil && h.left > 0 {
			h.left--
			h.dropped++
			return &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
		}
		return err
	}
}

// TestSlackE2EChangeStandsWhenRedisReplyLost: Redis stored a lead's change
// but its reply was lost. The lead is told the change was made, the linked
// channel gets the announcement, and history has it once.
func TestSlackE2EChangeStandsWhenRedisReplyLost(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	hook := &lostUpdateReply{left: 1}
	w.client.AddHook(hook)
	a := w.start("")
	mustContain(t, "set reply", a.command(pLead, "morgan", "set po <@U03JULES|jules> checkout"), "Done", "<@"+pJules+">")
	an := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == chCheck && c.Params["thread_ts"] == "" })
	mustContain(t, "announcement", an.AllText(), "<@"+pJules+">", "Product Owner")
	hook.mu.Lock()
	dropped := hook.dropped
	hook.mu.Unlock()
	if dropped != 1 {
		t.Fatalf("%d update replies dropped, want 1", dropped)
	}
	if h := a.command(pNobody, "nobody", "history checkout"); strings.Count(h, "made <@"+pJules+"> Product Owner") != 1 {
		t.Errorf("history shows the change other than once:\n%s", h)
	}
}
