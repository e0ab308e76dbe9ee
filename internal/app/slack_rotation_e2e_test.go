package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
	"github.com/whoowns/whoowns/internal/slack/install"
)

// TestSlackE2ETokenRotation: with token rotation on, the install stores a
// refresh token and the expiry (sealed); a token close to its expiry is
// refreshed before use by exactly one of two replicas; a token Slack says
// has expired is refreshed and the call made once more; a replica holding
// the old token takes the new one from the store without refreshing again.
func TestSlackE2ETokenRotation(t *testing.T) {
	t.Parallel()
	w := newInstallWorld(t)
	// Issued tokens expire within the refresh margin: the first use
	// refreshes.
	w.fake.SetOAuthApp(fakeslack.OAuthApp{ClientID: instClientID, ClientSecret: instSecret, RedirectURLs: []string{instPublicURL + "/slack/oauth_redirect"},
		TokenRotation: true, TokenLifetime: install.DefaultRefreshBefore / 2})
	a, b := w.startInstalls(), w.startInstalls()
	const first = "xoxe.xoxb-1-first"
	w.grant("code-r", fakeslack.Workspace{Token: first, TeamID: e2eTeam, TeamName: "Alpha"}, pLead)
	if status, body := finish(t, a, "code-r", startInstall(t, a)); status != http.StatusOK {
		t.Fatalf("install: %d\n%s", status, body)
	}
	st := redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
	raw, err := st.Ref(context.Background(), "slack:"+e2eTeam, "slack-installation")
	if err != nil || !strings.Contains(string(raw), `"refresh_token_sealed":"v1.`) || !strings.Contains(string(raw), `"expires_at"`) {
		t.Fatalf("stored installation lacks the sealed refresh token or the expiry: %s, %v", raw, err)
	}
	assertNoPlaintextTokens(t, w.slackWorld, "xoxe", "xoxb-")
	// Refreshed tokens last 12 hours, far from the margin.
	w.fake.SetTokenLifetime(12 * time.Hour)

	// ask sends a question and waits for an answer not sent with refused
	// (a token Slack refuses).
	ask := func(r *slackApp, id, user, refused string) fakeslack.Call {
		t.Helper()
		if code := r.send("/slack/events", "application/json", eventFrom(e2eTeam, "", id, e2eDM(user, "1700000500."+id[len(id)-6:], "who owns the roadmap?")), time.Now(), e2eSecret, nil); code != http.StatusOK {
			t.Fatalf("event %s: %d", id, code)
		}
		return w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+user && c.Token != refused })
	}
	// Both replicas get a question while the token is about to expire.
	for _, q := range []struct {
		r       *slackApp
		id, usr string
	}{{a, "EvRotA000001", "U0ROTA"}, {b, "EvRotB000001", "U0ROTB"}} {
		if code := q.r.send("/slack/events", "application/json", eventFrom(e2eTeam, "", q.id, e2eDM(q.usr, "1700000501."+q.id[len(q.id)-6:], "who owns the roadmap?")), time.Now(), e2eSecret, nil); code != http.StatusOK {
			t.Fatalf("event %s: %d", q.id, code)
		}
	}
	var rotated string
	for _, usr := range []string{"U0ROTA", "U0ROTB"} {
		c := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+usr })
		if c.Token == first || !strings.HasPrefix(c.Token, "xoxe.xoxb-") {
			t.Errorf("answer to %s went out with %q, want the refreshed token", usr, c.Token)
		}
		rotated = c.Token
	}
	refreshes := w.fake.Refreshes()
	if len(refreshes) != 1 {
		t.Fatalf("%d refreshes for one installation on two replicas, want exactly 1", len(refreshes))
	}
	if r := refreshes[0]; !strings.HasPrefix(r.Params["refresh_token"], "xoxe-1-") || r.Bearer {
		t.Errorf("refresh call: %+v", r.Params)
	}
	// Later questions use the refreshed token with no further refresh.
	ask(a, "EvRotA000002", "U0ROTA2", "")
	ask(b, "EvRotB000002", "U0ROTB2", "")
	if n := len(w.fake.Refreshes()); n != 1 {
		t.Errorf("%d refreshes after the token was fresh, want still 1", n)
	}

	// Slack now says the token has expired: replica a refreshes it and
	// calls again, once.
	w.fake.ExpireToken(rotated)
	c := ask(a, "EvRotA000003", "U0ROTA3", rotated)
	if c.Token == rotated || c.Token == first {
		t.Errorf("the retried answer went out with %q", c.Token)
	}
	posts := w.postsTo("DU0ROTA3", "")
	if len(posts) != 2 || posts[0].Token != rotated || posts[1].Token != c.Token {
		var toks []string
		for _, p := range posts {
			toks = append(toks, p.Token)
		}
		t.Errorf("posts to DU0ROTA3 used %v, want the expired token once and then the refreshed one", toks)
	}
	if n := len(w.fake.Refreshes()); n != 2 {
		t.Errorf("%d refreshes, want 2", n)
	}
	// Replica b still holds the expired token in its cache: Slack refuses
	// it, and b takes the token a stored instead of refreshing again.
	c = ask(b, "EvRotB000003", "U0ROTB3", rotated)
	if posts := w.postsTo("DU0ROTB3", ""); len(posts) > 2 {
		t.Errorf("%d posts to DU0ROTB3, want at most a refused one and the answer", len(posts))
	}
	if n := len(w.fake.Refreshes()); n != 2 {
		t.Errorf("%d refreshes after the second replica met the expired token, want still 2", n)
	}
	if c.Token == rotated {
		t.Errorf("replica b answered with the expired token")
	}
	assertNoPlaintextTokens(t, w.slackWorld, "xoxe", "xoxb-")
}
