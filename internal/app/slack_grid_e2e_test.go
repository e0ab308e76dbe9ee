package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// TestSlackE2EGridOrgInstallSharesOneDirectory: an org-wide install of an
// Enterprise Grid org keeps one directory for the org. Its installer is
// the org's first lead; a lead works from any workspace of the org; a
// team made from one workspace, its W… user ids and a channel shared
// between two workspaces answer the same in both, over HTTP and Socket
// Mode, with the org's token; nothing is kept per workspace.
func TestSlackE2EGridOrgInstallSharesOneDirectory(t *testing.T) {
	t.Parallel()
	w := newInstallWorld(t)
	a := w.startInstalls()
	const (
		org, wsA, wsB = "E0GRID", "T0GRIDA", "T0GRIDB"
		installer     = "W0INSTALL"
		pm, po, asker = "W0PM", "W0PO", "W0ASKER"
	)
	w.fake.AddChannel(fakeslack.Channel{ID: "C0SHARED", Name: "shared", TeamID: wsA, SharedTeamIDs: []string{wsA, wsB}, EnterpriseID: org})
	w.fake.AddChannel(fakeslack.Channel{ID: "C0ONLYB", Name: "only-b", TeamID: wsB, EnterpriseID: org})
	w.grant("code-org", fakeslack.Workspace{Token: "xoxb-grid", EnterpriseID: org, EnterpriseInstall: true}, installer)
	if status, body := finish(t, a, "code-org", startInstall(t, a)); status != http.StatusOK {
		t.Fatalf("org install: %d\n%s", status, body)
	}
	st := redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
	dir := func(tenant string) *ownership.Directory {
		d, err := st.Directory(context.Background(), ownership.TenantID(tenant))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if l := dir("slack:" + org).Leads; len(l) != 1 || l[0].ID != installer {
		t.Fatalf("org's leads = %v, want the installer", l)
	}

	// Right after the install the installer's App Home says what to do
	// first, with the org's token.
	if code := a.send("/slack/events", "application/json", eventFrom(wsA, org, "EvGridHome", map[string]any{"type": "app_home_opened", "user": installer, "tab": "home"}), time.Now(), e2eSecret, nil); code != http.StatusOK {
		t.Fatalf("app_home_opened: %d", code)
	}
	home := w.fake.WaitCall(t, "views.publish", e2eWait, func(c fakeslack.Call) bool { return c.Params["user_id"] == installer })
	mustContain(t, "installer's App Home", home.AllText(), "Getting started", "team create", "channel #channel", "whoowns import")
	if home.Token != "xoxb-grid" {
		t.Errorf("App Home published with %q", home.Token)
	}

	cmd := func(team, user, text string) string {
		t.Helper()
		code, body := a.commandFrom(url.Values{"team_id": {team}, "enterprise_id": {org}, "channel_id": {"C0SHARED"}, "user_id": {user}, "user_name": {user},
			"command": {"/whoowns"}, "text": {text}, "response_url": {w.fake.ResponseURL("g")}, "trigger_id": {fmt.Sprintf("trig%d", triggers.Add(1))}})
		if code != http.StatusOK {
			t.Fatalf("%q from %s: status %d", text, team, code)
		}
		var r struct{ Text string }
		_ = json.Unmarshal([]byte(body), &r)
		return r.Text
	}
	// The installer leads from workspace A, then from workspace B.
	mustContain(t, "team create from A", cmd(wsA, installer, "team create Checkout"), "Checkout")
	mustContain(t, "set pm from A", cmd(wsA, installer, "set pm <@"+pm+"|pm> checkout"), "Done")
	mustContain(t, "channel from A", cmd(wsA, installer, "channel <#C0SHARED|shared> checkout"), "C0SHARED")
	mustContain(t, "set po from B", cmd(wsB, installer, "set po <@"+po+"|po> checkout"), "Done")
	// B's own channel can be linked from B, not from A.
	mustContain(t, "B's channel from A", cmd(wsA, installer, "channel <#C0ONLYB|only-b> checkout"), "another workspace")
	// A non-lead of the org is refused in either workspace.
	mustContain(t, "non-lead in B", cmd(wsB, asker, "set po <@"+asker+"|me> checkout"), "Only leads")
	// Both workspaces see the same team.
	for _, ws := range []string{wsA, wsB} {
		mustContain(t, "show from "+ws, cmd(ws, asker, "show checkout"), "<@"+pm+">", "<@"+po+">", "C0SHARED")
	}

	// A question in the shared channel from each workspace resolves to the
	// one team, answered with the org's token.
	for i, ws := range []string{wsA, wsB} {
		ts := fmt.Sprintf("1700000600.00000%d", i)
		if code := a.send("/slack/events", "application/json", eventFrom(ws, org, fmt.Sprintf("EvGridMention%d", i), e2eMention(asker, "C0SHARED", ts, "who writes the acceptance criteria?")), time.Now(), e2eSecret, nil); code != http.StatusOK {
			t.Fatalf("mention from %s: %d", ws, code)
		}
		c := w.answerIn("C0SHARED", ts)
		mustContain(t, "answer in the shared channel from "+ws, c.AllText(), "<@"+po+">", "Checkout")
		if c.Token != "xoxb-grid" || !c.Bearer {
			t.Errorf("answer from %s sent with %q", ws, c.Token)
		}
	}

	// A payload of the org that names no workspace, only the enterprise.
	if code := a.send("/slack/events", "application/json", eventFrom("", org, "EvGridOrgOnly", e2eMention(asker, "C0SHARED", "1700000600.000009", "who writes the acceptance criteria?")), time.Now(), e2eSecret, nil); code != http.StatusOK {
		t.Fatalf("org-only mention: %d", code)
	}
	mustContain(t, "answer to a payload naming only the org", w.answerIn("C0SHARED", "1700000600.000009").AllText(), "<@"+po+">")

	// Socket Mode: a replica on the same store answers workspace B's
	// question from the org's directory.
	w.startInstallsSocket("xapp-grid")
	w.fake.WaitConnections(t, 1, e2eWait)
	env := w.fake.Send(t, "events_api", json.RawMessage(eventFrom(wsB, org, "EvGridSock", e2eMention(asker, "C0SHARED", "1700000601.000001", "who writes the acceptance criteria?"))), 0)
	w.fake.WaitAck(t, env, e2eWait)
	c := w.answerIn("C0SHARED", "1700000601.000001")
	mustContain(t, "socket answer", c.AllText(), "<@"+po+">")
	if c.Token != "xoxb-grid" {
		t.Errorf("socket answer sent with %q", c.Token)
	}

	// Nothing is kept per workspace.
	for _, ws := range []string{wsA, wsB} {
		if d := dir("slack:" + ws); d.Version != 0 || len(d.Teams) != 0 || len(d.Leads) != 0 {
			t.Errorf("workspace %s has a directory of its own: %+v", ws, d)
		}
	}
	if d := dir("slack:" + org); len(d.Teams) != 1 {
		t.Errorf("org's teams = %v, want one", d.Teams)
	}
}
