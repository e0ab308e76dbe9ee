package app

import (
	"context"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
)

// TestTeamsE2EFirstInstallMakesTheInstallerLead: the first install of the
// app into a tenant with no lead (the bot added to a team, or installed
// for oneself) makes the installer, as the signed activity names them, the
// tenant's first lead, audited, and the welcome says so; the
// conversationUpdate of the same install and later installs by others
// change nothing.
func TestTeamsE2EFirstInstallMakesTheInstallerLead(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	ines := ownership.Person{ID: "29:ines", Name: "Ines Installer"}
	zed := ownership.Person{ID: "29:zed", Name: "Zed Zimmer"}
	teamInstall := func(id string, by ownership.Person, typ string) map[string]any {
		act := map[string]any{
			"type": typ, "id": id, "channelId": "msteams", "serviceUrl": w.serviceURL(),
			"from":         map[string]any{"id": by.ID, "name": by.Name, "aadObjectId": "aad-" + by.ID},
			"recipient":    map[string]any{"id": e2eBotID, "name": "whoowns"},
			"conversation": map[string]any{"id": e2eMSTeam, "conversationType": "channel", "isGroup": true, "tenantId": e2eTenant},
			"channelData":  map[string]any{"tenant": map[string]any{"id": e2eTenant}, "team": map[string]any{"id": e2eMSTeam}, "eventType": "teamMemberAdded"},
		}
		if typ == "installationUpdate" {
			act["action"] = "add"
		} else {
			act["membersAdded"] = []map[string]any{{"id": e2eBotID}}
		}
		return act
	}
	tenant := ownership.TenantID("teams:" + e2eTenant)
	leads := func(tn ownership.TenantID) []ownership.Person {
		d, err := w.store.Directory(context.Background(), tn)
		if err != nil {
			t.Fatal(err)
		}
		return d.Leads
	}
	if l := leads(tenant); len(l) != 0 {
		t.Fatalf("seeded tenant has leads %v", l)
	}

	// The bot is added to a team: installationUpdate, then the
	// conversationUpdate that adds it.
	w.post(teamInstall("f:inst-1", ines, "installationUpdate"))
	w.post(teamInstall("f:inst-2", ines, "conversationUpdate"))
	c := w.next("create")
	if len(c.out.Members) != 1 || c.out.Members[0].ID != ines.ID || c.out.TenantID != e2eTenant {
		t.Fatalf("welcome chat opened with %+v in %q", c.out.Members, c.out.TenantID)
	}
	welcome := w.next("send")
	mustContain(t, "installer's welcome", welcome.out.cardText(), "Welcome, <at>Ines Installer</at>", "you are my first lead")
	if strings.Contains(welcome.out.cardText(), "team create") {
		t.Errorf("the tenant has teams, yet the welcome lists the first steps:\n%s", welcome.out.cardText())
	}
	if l := leads(tenant); len(l) != 1 || l[0] != ines {
		t.Fatalf("leads after the install = %v, want the installer", l)
	}
	h, err := w.store.History(context.Background(), tenant, "", 5)
	if err != nil || len(h) == 0 || h[0].Action != "lead.add" || h[0].Actor.ID != ines.ID || !strings.Contains(h[0].Summary, "installed whoowns and became its first lead") {
		t.Fatalf("audit after the install: %+v, %v", h, err)
	}

	// Someone else installs it into another team later: no new lead, no
	// welcome about it.
	w.post(teamInstall("f:inst-3", zed, "installationUpdate"))
	w.post(w.say("marker", e2eCarol, "teams"))
	if r := w.next("reply"); r.activity != "marker" {
		t.Fatalf("reply to %q, want the marker", r.activity)
	}
	w.quiet()
	if l := leads(tenant); len(l) != 1 {
		t.Errorf("leads after a second install = %v", l)
	}
	// The new lead leads: a lead's command works for them.
	w.post(w.say("lead-cmd", ines, "team create Payments"))
	r := w.private(ines, "lead-cmd")
	mustContain(t, "the installer's command", r.out.Text+r.out.cardText(), "Payments")

	// A personal install in a new tenant: the installer (named by a
	// look-up, as installationUpdate carries ids only) is its first lead,
	// and the welcome lists the first steps.
	const fresh = "72f988bf-0000-0000-0000-e2e00000fresh"
	w.post(map[string]any{
		"type": "installationUpdate", "action": "add", "id": "f:inst-p", "channelId": "msteams", "serviceUrl": w.serviceURL(),
		"from":         map[string]any{"id": "29:dave", "aadObjectId": "aad-dave"},
		"recipient":    map[string]any{"id": e2eBotID, "name": "whoowns"},
		"conversation": map[string]any{"id": "a:personal-29:dave", "conversationType": "personal", "tenantId": fresh},
		"channelData":  map[string]any{"tenant": map[string]any{"id": fresh}},
	})
	w.next("member")
	w.next("create")
	welcome = w.next("send")
	mustContain(t, "personal installer's welcome", welcome.out.cardText(), "Welcome, <at>Dave Diaz</at>", "you are my first lead", "team create", "channel #channel", "whoowns import")
	if l := leads(ownership.TenantID("teams:" + fresh)); len(l) != 1 || l[0].ID != "29:dave" || l[0].Name != "Dave Diaz" {
		t.Errorf("new tenant's leads = %v", l)
	}
}
