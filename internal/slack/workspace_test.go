package slack

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

func TestIdentityServes(t *testing.T) {
	t.Parallel()
	ws := identity{TeamID: "T1"}
	grid := identity{TeamID: "T1", EnterpriseID: "E1"}
	org := identity{TeamID: "T1", EnterpriseID: "E1", EnterpriseInstall: true}
	for _, tc := range []struct {
		id   identity
		o    origin
		want bool
	}{
		{ws, origin{Team: "T1"}, true},
		{ws, origin{Team: "T2"}, false},
		{ws, origin{}, false},
		{ws, origin{Enterprise: "E1"}, false},
		{grid, origin{Team: "T2", Enterprise: "E1"}, false}, // a workspace token serves its workspace only
		{grid, origin{Team: "T1", Enterprise: "E1"}, true},
		{org, origin{Team: "T2", Enterprise: "E1"}, true},
		{org, origin{Enterprise: "E1"}, true},
		{org, origin{Team: "T2", Enterprise: "E2"}, false},
		{org, origin{Team: "T2"}, false},
		{identity{TeamID: "T1", EnterpriseInstall: true}, origin{Team: "T2"}, false},
	} {
		if got := tc.id.serves(tc.o); got != tc.want {
			t.Errorf("%+v serves %+v = %v, want %v", tc.id, tc.o, got, tc.want)
		}
	}
}

// TestFakeAuthenticates: the fake Slack checks the token of every call as
// Slack does, and auth.test says what the token belongs to.
func TestFakeAuthenticates(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-org", TeamID: "T1", EnterpriseID: "E1", EnterpriseInstall: true})
	call := func(method, bearer string, form url.Values) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, fake.APIURL()+method, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := testClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	for _, tc := range []struct {
		bearer string
		form   url.Values
		want   string
	}{
		{"", nil, "not_authed"},
		{"xoxb-wrong", nil, "invalid_auth"},
		{"", url.Values{"token": {"xoxb-wrong"}}, "invalid_auth"},
		{"xapp-1", nil, "not_allowed_token_type"},
	} {
		if got := call("chat.postMessage", tc.bearer, tc.form); got["ok"] != false || got["error"] != tc.want {
			t.Errorf("token %q/%v: %v, want %s", tc.bearer, tc.form, got, tc.want)
		}
	}
	got := call("auth.test", "xoxb-org", nil)
	if got["ok"] != true || got["team_id"] != "T1" || got["enterprise_id"] != "E1" || got["is_enterprise_install"] != true || got["user_id"] != fakeslack.BotUserID {
		t.Errorf("auth.test: %v", got)
	}
	if got := call("auth.test", "", url.Values{"token": {"xoxb-org"}}); got["ok"] != true {
		t.Errorf("form token: %v", got)
	}
	fake.RevokeToken("xoxb-org")
	if got := call("auth.test", "xoxb-org", nil); got["error"] != "token_revoked" {
		t.Errorf("revoked token: %v", got)
	}
}
