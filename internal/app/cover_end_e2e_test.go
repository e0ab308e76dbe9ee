package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// fastSchedule makes replicas look for due work every second.
func fastSchedule(c *Config) { c.SchedulerTick = time.Second }

// pollUntil retries cond until it holds, failing the test at the deadline.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A cover set in chat ends by itself: the team's linked channel gets one
// short note, however many replicas run, the end is in the history, and the
// Why? of a later answer says the cover ended.
func TestSlackE2ECoverEndNotedOnce(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.tune = fastSchedule
	a := w.start("")
	w.start("") // a second replica shares the schedule
	until := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
	mustContain(t, "cover reply", a.command(pLead, "morgan", "cover po <@"+pJules+"|jules> until "+until+" checkout"), "Done", "<@"+pJules+">")
	isNote := func(c fakeslack.Call) bool {
		return c.Params["channel"] == chCheck && strings.Contains(c.AllText(), "cover as Product Owner of *Checkout* has ended")
	}
	note := w.fake.WaitCall(t, "chat.postMessage", e2eWait, isNote)
	mustContain(t, "cover-end note", note.AllText(), "<@"+pJules+">'s cover", "<@"+pMarco+"> is the Product Owner again")

	mustContain(t, "history", a.command(pLead, "morgan", "history checkout"), "jules's cover as Product Owner of Checkout ended; Marco holds the role again")
	// Both replicas have had several ticks since: still one note.
	st := a.app.Store()
	pollUntil(t, "the job to leave the schedule", func() bool {
		_, ok, err := st.JobDue(context.Background(), ownership.Job{Tenant: "slack:" + e2eTeam, Kind: ownership.JobCoverEnd, Key: "checkout/product_owner"})
		return err == nil && !ok
	})
	a.sentinel("1")
	n := 0
	for _, c := range w.fake.Calls("chat.postMessage") {
		if isNote(c) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d cover-end notes, want 1", n)
	}
	ans, err := a.app.Service().Ask(context.Background(), bot.Message{Tenant: "slack:" + e2eTeam, Platform: bot.PlatformSlack, User: ownership.Person{ID: pJules}, Text: "who is the PO of checkout?"})
	if err != nil {
		t.Fatal(err)
	}
	var why []string
	for _, l := range ans.Reasoning() {
		why = append(why, l.String())
	}
	mustContain(t, "Why?", strings.Join(why, "\n"), "cover as Product Owner ended on", "Marco is Product Owner")
}

// On Teams the note goes to the linked channel through its stored
// conversation reference.
func TestTeamsE2ECoverEndNoted(t *testing.T) {
	t.Parallel()
	w := newTeamsWorldOnRedis(t, fastSchedule)
	until := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
	w.post(w.say("c1", e2eLead, "cover po <at>Carol</at> until "+until+" checkout", e2eCarol))
	if r := w.private(e2eLead, "c1"); !strings.Contains(r.out.Text, "Done: <at>Carol Chen</at> covers as Product Owner") {
		t.Fatalf("cover answered %q", r.out.Text)
	}
	if a := w.next("send"); a.conversation != e2eChannel || !strings.Contains(a.out.Text, "asked <at>Carol Chen</at> to cover") {
		t.Fatalf("announcement %q in %q", a.out.Text, a.conversation)
	}
	note := w.next("send")
	if note.conversation != e2eChannel || !strings.Contains(note.out.Text, "<at>Carol Chen</at>'s cover as Product Owner of **Checkout** has ended; <at>Bob Baker</at> is the Product Owner again.") {
		t.Fatalf("cover-end note %q in %q", note.out.Text, note.conversation)
	}
	w.post(w.say("h1", e2eLead, "history checkout"))
	if r := w.private(e2eLead, "h1"); !strings.Contains(r.out.Text, "Carol Chen's cover as Product Owner of Checkout ended; Bob Baker holds the role again") {
		t.Fatalf("history %q", r.out.Text)
	}
	w.quiet()
}

// newTeamsWorldOnRedis is newTeamsWorld with the configuration tuned.
func newTeamsWorldOnRedis(t *testing.T, tune func(*Config)) *teamsWorld {
	t.Helper()
	client, prefix := redistest.Client(t)
	return newTeamsWorldOn(t, redisstore.New(client, redisstore.WithPrefix(prefix)), tune)
}
