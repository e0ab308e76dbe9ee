package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// testClock is a clock that runs with the wall clock from a chosen
// instant, and jumps forward when told: the scheduler reaches a Monday
// 09:00 digest within seconds.
type testClock struct {
	start time.Time
	base  time.Time
	jump  atomic.Int64
}

func newTestClock(base time.Time) *testClock { return &testClock{start: time.Now(), base: base} }

func (c *testClock) Now() time.Time {
	return c.base.Add(time.Since(c.start) + time.Duration(c.jump.Load()))
}

// advance moves the clock forward by d.
func (c *testClock) advance(d time.Duration) { c.jump.Add(int64(d)) }

// set moves the clock forward to t.
func (c *testClock) set(t time.Time) { c.advance(t.Sub(c.Now())) }

// mondayDigest sends digests on Mondays at 09:00 UTC, looked for every
// second, on clock.
func mondayDigest(clock *testClock) func(*Config) {
	return func(c *Config) {
		d, err := bot.ParseDigestSchedule("mon 09:00")
		if err != nil {
			panic(err)
		}
		c.Digest, c.SchedulerTick, c.Clock = d, time.Second, clock.Now
	}
}

// firstMonday is the first digest's time in these tests: Monday 7 Dec
// 2026, 09:00 UTC.
var firstMonday = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// planTenant asks the replicas to plan a tenant's jobs, as whoowns import
// does after it wrote the directory.
func planTenant(t *testing.T, st ownership.Store, tenant ownership.TenantID) {
	t.Helper()
	if err := st.ScheduleJob(context.Background(), ownership.Job{Tenant: tenant, Kind: ownership.JobPlan}, time.Now().Add(-time.Hour), false); err != nil {
		t.Fatal(err)
	}
}

// Each lead gets the weekly digest privately, exactly once across two
// replicas: empty roles, unanswered questions grouped, the week's votes,
// pending requests; "digest here" sends the next one to the channel it
// was typed in, and "digest off" stops it.
func TestSlackE2EDigest(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	clock := newTestClock(firstMonday.Add(-time.Hour))
	w.tune = mondayDigest(clock)
	a := w.start("")
	b := w.start("")
	tenant := ownership.TenantID("slack:" + e2eTeam)
	n := 0
	cmd := func(s *slackApp, user, name, text string) string {
		t.Helper()
		n++
		_, body := s.commandFrom(url.Values{"team_id": {e2eTeam}, "channel_id": {chCheck}, "channel_name": {"checkout"}, "user_id": {user}, "user_name": {name},
			"command": {"/whoowns"}, "text": {text}, "response_url": {w.fake.ResponseURL("c")}, "trigger_id": {fmt.Sprintf("digest-%d", n)}})
		return body
	}
	ctx := context.Background()

	// What the week left for the leads: a claim, a question asked twice
	// that nobody could answer, and votes on answers.
	mustContain(t, "claim", cmd(a, pNobody, "nobody", "claim po checkout"), "asked the leads")
	st := a.app.Store()
	b.event("EvD1", e2eDM(pJules, "1700000001.000001", "Who fixes the <coffee> machine?"))
	b.event("EvD2", e2eDM(pJules, "1700000002.000001", "who fixes the <coffee> machine"))
	pollUntil(t, "two unanswered questions", func() bool {
		qs, err := st.Unanswered(ctx, tenant, 10)
		return err == nil && len(qs) == 2
	})
	// The votes of the week, as the replicas' usage statistics count them
	// (by UTC day).
	if err := st.AddStats(ctx, []ownership.StatsDelta{{Tenant: tenant, Day: firstMonday.AddDate(0, 0, -1),
		StatsCounts: ownership.StatsCounts{Helpful: map[string]int64{"backlog": 2}, NotHelpful: map[string]int64{"backlog": 1}}}}); err != nil {
		t.Fatal(err)
	}
	clock.set(firstMonday.Add(-3 * time.Second))
	planTenant(t, st, tenant)

	isDigest := func(c fakeslack.Call) bool { return strings.Contains(c.AllText(), "Leads' digest") }
	g := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+pLead && isDigest(c) })
	mustContain(t, "digest", g.AllText(),
		"Empty roles", "*Payments*: no Product Manager", "/whoowns set pm @person Payments",
		"Unanswered questions", "who fixes the &lt;coffee&gt; machine", "(asked 2 times)",
		"Feedback on answers", "👍 2 · 👎 1",
		"Requests waiting for a lead", "nobody says they are the new Product Owner of Checkout",
		"Sent to every lead privately Mondays at 09:00 UTC", "/whoowns digest here")
	if !strings.HasPrefix(g.Params["blocks"], `[{"type":"header"`) {
		t.Errorf("the digest is not a header and sections: %s", g.Params["blocks"])
	}
	job := ownership.Job{Tenant: tenant, Kind: ownership.JobDigest}
	nextMonday := firstMonday.AddDate(0, 0, 7)
	pollUntil(t, "the next digest to be planned", func() bool {
		due, ok, err := st.JobDue(ctx, job)
		return err == nil && ok && due.Equal(nextMonday)
	})
	a.sentinel("D")
	digests := func(channel string) int {
		n := 0
		for _, c := range w.postsTo(channel, "") {
			if isDigest(c) {
				n++
			}
		}
		return n
	}
	if n := digests("D" + pLead); n != 1 {
		t.Fatalf("%d digests sent to the lead across two replicas, want 1", n)
	}

	// The lead shows the setting, then sends the digest to the channel.
	mustContain(t, "digest", cmd(a, pLead, "morgan", "digest"), "Mondays at 09:00 UTC", "Mon 14 Dec 2026 09:00 UTC")
	mustContain(t, "not a lead", cmd(a, pNobody, "nobody", "digest off"), "Only leads can use")
	mustContain(t, "digest here", cmd(a, pLead, "morgan", "digest here"), "the leads' digest comes to", chCheck)
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == chCheck && strings.Contains(c.AllText(), "chose this channel for the leads' digest")
	})
	mustContain(t, "history", cmd(a, pLead, "morgan", "history"), "set the leads' digest to channel checkout (was every lead privately)")
	clock.advance(7 * 24 * time.Hour)
	in := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == chCheck && isDigest(c) })
	mustContain(t, "channel digest", in.AllText(), "Sent to <#"+chCheck)
	pollUntil(t, "the third digest to be planned", func() bool {
		due, ok, err := st.JobDue(ctx, job)
		return err == nil && ok && due.Equal(nextMonday.AddDate(0, 0, 7))
	})

	// Off: nothing more, on any replica.
	mustContain(t, "digest off", cmd(b, pLead, "morgan", "digest off"), "The leads' digest is off")
	if _, ok, err := st.JobDue(ctx, job); err != nil || ok {
		t.Fatalf("the digest is still scheduled after digest off (%v)", err)
	}
	clock.advance(7 * 24 * time.Hour)
	a.sentinel("E")
	b.sentinel("F")
	if n, m := digests("D"+pLead), digests(chCheck); n != 1 || m != 1 {
		t.Fatalf("digests: %d to the lead, %d to the channel; want one each", n, m)
	}
}

// On Teams the digest is an Adaptive Card in each lead's personal chat;
// "digest here" typed in a channel sends the next one there as a card.
func TestTeamsE2EDigest(t *testing.T) {
	t.Parallel()
	clock := newTestClock(firstMonday.Add(-time.Hour))
	w := newTeamsWorldOnRedis(t, mondayDigest(clock))
	tenant := ownership.TenantID("teams:" + e2eTenant)
	ctx := context.Background()

	// The bot must have heard from the tenant to reach anyone.
	w.post(w.dm("d0", e2eLead, "digest"))
	if r := w.lead("d0"); !strings.Contains(r.out.Text+r.out.cardText(), "Mondays at 09:00 UTC") {
		t.Fatalf("digest status %q %q", r.out.Text, r.out.cardText())
	}
	clock.set(firstMonday.Add(-3 * time.Second))
	planTenant(t, w.store, tenant)
	g := w.notice(e2eLead)
	text := g.out.cardText()
	if len(g.out.Attachments) != 1 || len(g.out.Attachments[0].Content.Body) < 3 {
		t.Fatalf("digest is not an Adaptive Card: %+v", g.out)
	}
	mustContain(t, "digest card", text, "Leads' digest", "A quiet week", "Sent to every lead privately Mondays at 09:00 UTC")
	pollUntil(t, "the next digest to be planned", func() bool {
		due, ok, err := w.store.JobDue(ctx, ownership.Job{Tenant: tenant, Kind: ownership.JobDigest})
		return err == nil && ok && due.Equal(firstMonday.AddDate(0, 0, 7))
	})

	w.post(w.say("d1", e2eLead, "digest here"))
	w.until("the channel's note", func(c teamsCall) bool {
		return c.kind == "send" && c.conversation == e2eChannel && strings.Contains(c.out.Text, "chose this channel for the leads' digest")
	})
	clock.advance(7 * 24 * time.Hour)
	c := w.until("the channel's digest", func(c teamsCall) bool {
		return c.kind == "send" && strings.Contains(c.out.cardText(), "Leads' digest")
	})
	if c.conversation != e2eChannel {
		t.Fatalf("the digest went to %q, want the channel", c.conversation)
	}
	mustContain(t, "channel digest", c.out.cardText(), "Sent to")

	w.post(w.say("d2", e2eLead, "digest off"))
	pollUntil(t, "the digest to be off", func() bool {
		_, ok, err := w.store.JobDue(ctx, ownership.Job{Tenant: tenant, Kind: ownership.JobDigest})
		return err == nil && !ok
	})
}

// until reads the bot's calls to the connector until one satisfies ok.
func (w *teamsWorld) until(what string, ok func(teamsCall) bool) teamsCall {
	w.t.Helper()
	for {
		select {
		case c := <-w.calls:
			if ok(c) {
				return c
			}
		case <-time.After(10 * time.Second):
			w.t.Fatalf("timed out waiting for %s", what)
		}
	}
}
