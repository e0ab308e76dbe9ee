package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// TestWhoisLooksUpEmailsInSlack: whois turns email addresses into Slack
// user ids with users.lookupByEmail and the bot token, says which address
// nobody has (exit 1), which person is deactivated, and what to do when the
// token lacks users:read.email.
func TestWhoisLooksUpEmailsInSlack(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-whois", TeamID: "T0WHOIS"})
	fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-noemail", TeamID: "T0NOEMAIL", Scopes: []string{"chat:write", "users:read"}})
	fake.AddUser(fakeslack.User{ID: "U0JULES", Name: "Jules Roy", Email: "jules@example.com"})
	fake.AddUser(fakeslack.User{ID: "U0GONE", Name: "Gus Gone", Email: "gus@example.com", Deleted: true})
	envv := map[string]string{"SLACK_BOT_TOKEN": "xoxb-whois", "SLACK_API_URL": fake.APIURL()}

	code, out, errs := runCmd(t, envv, "", "whois", "Jules@example.com", "gus@example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Jules@example.com  U0JULES  Jules Roy", "gus@example.com    U0GONE   Gus Gone   deactivated"} {
		if !strings.Contains(out, want) {
			t.Errorf("whois output lacks %q:\n%s", want, out)
		}
	}
	calls := fake.Calls("users.lookupByEmail")
	if len(calls) != 2 || calls[0].Token != "xoxb-whois" || calls[0].Params["email"] != "Jules@example.com" {
		t.Fatalf("users.lookupByEmail calls %+v", calls)
	}

	code, out, errs = runCmd(t, envv, "", "whois", "--json", "jules@example.com", "nobody@example.com")
	if code != 1 || !strings.Contains(errs, "1 address has no Slack user in this workspace") {
		t.Fatalf("an unknown address: exit %d, %s", code, errs)
	}
	var got []struct{ Email, ID, Name, Note string }
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 2 || got[0].ID != "U0JULES" || got[1].ID != "" || got[1].Note != "not found" {
		t.Fatalf("--json output %s (%v)", out, err)
	}

	envv["SLACK_BOT_TOKEN"] = "xoxb-noemail"
	if code, _, errs = runCmd(t, envv, "", "whois", "jules@example.com"); code != 1 || !strings.Contains(errs, "users:read.email") {
		t.Fatalf("a token without users:read.email: exit %d, %s", code, errs)
	}
	envv["SLACK_BOT_TOKEN"] = "xoxb-revoked"
	if code, _, errs = runCmd(t, envv, "", "whois", "jules@example.com"); code != 1 || !strings.Contains(errs, "invalid_auth") {
		t.Fatalf("an unknown token: exit %d, %s", code, errs)
	}
	delete(envv, "SLACK_BOT_TOKEN")
	if code, _, errs = runCmd(t, envv, "", "whois", "jules@example.com"); code != 2 || !strings.Contains(errs, "SLACK_BOT_TOKEN is not set") {
		t.Fatalf("no token: exit %d, %s", code, errs)
	}
	if code, _, errs = runCmd(t, envv, "", "whois", "jules"); code != 2 || !strings.Contains(errs, `"jules" is not an email address`) {
		t.Fatalf("not an address: exit %d, %s", code, errs)
	}
}
