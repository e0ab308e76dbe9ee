package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
	"github.com/whoowns/whoowns/internal/slack/install"
)

// TestSlackE2EUninstallRetention: an uninstall schedules the deletion of
// the workspace's data after WHOOWNS_RETENTION_AFTER_UNINSTALL; a
// reinstall before then calls it off; once due, the sweep run by the
// replicas' scheduler deletes that tenant's data alone and records it in
// the purge log.
func TestSlackE2EUninstallRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	uninstall := func(a *slackApp, team, id string) {
		t.Helper()
		if code := a.send("/slack/events", "application/json", eventFrom(team, "", id, map[string]any{"type": "app_uninstalled"}), time.Now(), e2eSecret, nil); code != http.StatusOK {
			t.Fatalf("app_uninstalled: %d", code)
		}
	}
	job := func(team string) ownership.Job {
		return ownership.Job{Kind: install.PurgeJob, Tenant: ownership.TenantID("slack:" + team)}
	}

	// A long retention: the uninstall schedules the deletion 30 days on,
	// and a reinstall calls it off.
	w := newInstallWorld(t)
	a := w.startInstalls()
	st := redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
	w.grant("code-1", fakeslack.Workspace{Token: "xoxb-one", TeamID: e2eTeam}, pLead)
	if status, body := finish(t, a, "code-1", startInstall(t, a)); status != http.StatusOK {
		t.Fatalf("install: %d\n%s", status, body)
	}
	before := time.Now()
	uninstall(a, e2eTeam, "EvUninstLong1")
	var due time.Time
	poll(t, "the deletion to be scheduled", func() bool {
		d, ok, err := st.JobDue(ctx, job(e2eTeam))
		due = d
		return err == nil && ok
	})
	if want := before.Add(install.DefaultRetention); due.Before(want.Add(-time.Minute)) || due.After(want.Add(time.Minute)) {
		t.Errorf("deletion due %v, want about %v", due, want)
	}
	w.grant("code-2", fakeslack.Workspace{Token: "xoxb-two", TeamID: e2eTeam}, pLead)
	if status, body := finish(t, a, "code-2", startInstall(t, a)); status != http.StatusOK {
		t.Fatalf("reinstall: %d\n%s", status, body)
	}
	if _, ok, err := st.JobDue(ctx, job(e2eTeam)); ok || err != nil {
		t.Errorf("after a reinstall the deletion is still scheduled (%v)", err)
	}
	if d, _ := st.Directory(ctx, "slack:"+e2eTeam); len(d.Teams) == 0 {
		t.Error("the reinstalled workspace lost its data")
	}

	// A short retention: the sweep deletes the uninstalled workspace's
	// data, and only its.
	w2 := newInstallWorld(t)
	w2.cfg.Retention = time.Millisecond
	b := w2.startInstalls()
	st2 := redisstore.New(w2.client, redisstore.WithPrefix(w2.prefix))
	w2.grant("code-a", fakeslack.Workspace{Token: "xoxb-a", TeamID: e2eTeam}, pLead)
	w2.grant("code-b", fakeslack.Workspace{Token: "xoxb-b", TeamID: "T0OTHER"}, "U0OTHER")
	for _, c := range []string{"code-a", "code-b"} {
		if status, body := finish(t, b, c, startInstall(t, b)); status != http.StatusOK {
			t.Fatalf("install %s: %d\n%s", c, status, body)
		}
	}
	uninstall(b, e2eTeam, "EvUninstShort")
	// The purge log's record is a purge's last step: the data is gone
	// and the tenant out of the index before it is written.
	poll(t, "the uninstalled workspace's data to be deleted", func() bool {
		ps, err := st2.Purges(ctx, 5)
		return err == nil && len(ps) > 0
	})
	if d, err := st2.Directory(ctx, "slack:"+e2eTeam); err != nil {
		t.Fatal(err)
	} else if d.Version != 0 {
		t.Errorf("the deleted workspace's directory remains: version %d", d.Version)
	}
	if h, _ := st2.History(ctx, "slack:"+e2eTeam, "", 5); len(h) != 0 {
		t.Errorf("the deleted workspace's audit log remains: %v", h)
	}
	if raw, _ := st2.Ref(ctx, "slack:"+e2eTeam, "slack-installation"); raw != nil {
		t.Errorf("the deleted workspace's installation record remains: %s", raw)
	}
	if d, _ := st2.Directory(ctx, "slack:T0OTHER"); len(d.Leads) != 1 {
		t.Errorf("the other workspace's data changed: %+v", d)
	}
	ps, err := st2.Purges(ctx, 5)
	if err != nil || len(ps) != 1 || ps[0].Tenant != ownership.TenantID("slack:"+e2eTeam) || ps[0].Actor != "retention" || ps[0].Teams != 2 || !strings.Contains(ps[0].Reason, "uninstalled") {
		t.Errorf("purge log = %+v, %v", ps, err)
	}
	ts, _ := st2.Tenants(ctx)
	for _, tn := range ts {
		if tn == ownership.TenantID("slack:"+e2eTeam) {
			t.Errorf("the deleted tenant is still listed: %v", ts)
		}
	}
}

// poll waits until cond holds, failing after e2eWait.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
