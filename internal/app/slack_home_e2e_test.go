package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// homeOpened is the app_home_opened event of user.
func homeOpened(user string) map[string]any {
	return map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home", "event_ts": "1700000000.000100"}
}

// homeView waits for the n-th views.publish to user and returns its blocks.
func (w *slackWorld) homeView(user string, n int) []map[string]any {
	w.t.Helper()
	var got fakeslack.Call
	for {
		all := w.fake.Calls("views.publish")
		var mine []fakeslack.Call
		for _, c := range all {
			if c.Params["user_id"] == user {
				mine = append(mine, c)
			}
		}
		if len(mine) >= n {
			got = mine[n-1]
			break
		}
		w.fake.WaitCalls(w.t, "views.publish", len(all)+1, e2eWait)
	}
	var v struct {
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(got.Params["view"]), &v); err != nil {
		w.t.Fatal(err)
	}
	return v.Blocks
}

// addTeams adds n teams named "Squad 000"… with user a member of the first
// mine of them.
func (w *slackWorld) addTeams(n, mine int, user string) {
	w.t.Helper()
	st := redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
	if _, _, err := st.Update(context.Background(), ownership.TenantID("slack:"+e2eTeam), func(d *ownership.Directory) ([]ownership.Change, error) {
		for i := range n {
			name := fmt.Sprintf("Squad %03d", i)
			t := &ownership.Team{ID: ownership.Slug(name), Name: name, Roles: map[ownership.Role]ownership.Assignment{
				ownership.ProductManager: {Person: ownership.Person{ID: pPriya, Name: "Priya"}}}}
			if i < mine {
				t.Members = []ownership.Person{{ID: user}}
			}
			d.Teams[t.ID] = t
		}
		return []ownership.Change{{At: time.Now().UTC(), Action: "import", Summary: "many teams"}}, nil
	}); err != nil {
		w.t.Fatal(err)
	}
}

// teamBlocks returns the team names a home view shows, in order.
func teamBlocks(blocks []map[string]any) []string {
	var out []string
	for _, b := range blocks {
		if id, _ := b["block_id"].(string); strings.HasPrefix(id, "team:") {
			out = append(out, strings.TrimPrefix(id, "team:"))
		}
	}
	return out
}

// TestSlackE2EHomeManyTeams: with 150 teams (plus the two of the test
// world) App Home stays within Slack's 100 blocks (the fake refuses more),
// shows one's own teams first and topics once, and pages through every
// team with the Next button.
func TestSlackE2EHomeManyTeams(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.addTeams(150, 3, pLead)
	a := w.start("")

	a.event("EvHome1", homeOpened(pLead))
	blocks := w.homeView(pLead, 1)
	if len(blocks) > 100 {
		t.Fatalf("%d blocks", len(blocks))
	}
	names := teamBlocks(blocks)
	if len(names) < 4 || names[0] != "squad-000" || names[2] != "squad-002" {
		t.Fatalf("own teams not first: %v", names)
	}
	raw, _ := json.Marshal(blocks)
	if n := strings.Count(string(raw), "What each role answers"); n != 1 {
		t.Errorf("topics shown %d times", n)
	}
	if strings.Contains(string(raw), "Ask a lead to add you") {
		t.Error("a lead is told to ask a lead")
	}
	seen := map[string]bool{}
	for page := 1; ; page++ {
		for _, n := range teamBlocks(blocks) {
			seen[n] = true
		}
		var next string
		for _, b := range blocks {
			if b["type"] != "actions" {
				continue
			}
			for _, e := range b["elements"].([]any) {
				if el := e.(map[string]any); strings.HasSuffix(el["action_id"].(string), ":next") {
					next = el["value"].(string)
				}
			}
		}
		if next == "" {
			break
		}
		if page > 20 {
			t.Fatal("the pages never end")
		}
		a.click(map[string]any{"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": pLead},
			"container": map[string]any{"type": "view", "view_id": "VH" + e2eTeam + pLead}, "trigger_id": w.fake.Trigger(e2eTeam, pLead),
			"actions": []map[string]any{{"action_id": "home_page:next", "block_id": "home_pages", "type": "button", "value": next, "action_ts": fmt.Sprint(page)}}})
		blocks = w.homeView(pLead, page+1)
		if len(blocks) > 100 {
			t.Fatalf("page %d: %d blocks", page, len(blocks))
		}
	}
	if len(seen) != 152 {
		t.Errorf("%d of 152 teams reachable from App Home", len(seen))
	}
}

// suggestTeams sends a signed block_suggestion for the App Home's team
// search, as Slack does while user types value, and returns the options.
func (s *slackApp) suggestTeams(user, value string) []map[string]any {
	s.w.t.Helper()
	raw, _ := json.Marshal(map[string]any{"type": "block_suggestion", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user, "team_id": e2eTeam},
		"container": map[string]any{"type": "view", "view_id": "VH" + e2eTeam + user}, "action_id": "home_find", "block_id": "home_find", "value": value,
		"view": map[string]any{"id": "VH" + e2eTeam + user, "type": "home"}})
	body := []byte(url.Values{"payload": {string(raw)}}.Encode())
	req, _ := http.NewRequest(http.MethodPost, s.url+"/slack/interactivity", bytes.NewReader(body))
	for k, v := range slack.Sign(e2eSecret, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := testClient.Do(req)
	if err != nil {
		s.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Options []map[string]any `json:"options"`
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		s.w.t.Fatalf("block_suggestion: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Options == nil {
		s.w.t.Fatalf("block_suggestion answer: %v (options %v)", err, out.Options)
	}
	if len(out.Options) > 100 {
		s.w.t.Fatalf("%d options; Slack takes at most 100", len(out.Options))
	}
	return out.Options
}

// TestSlackE2EHomeFindsATeam: with more teams than a page holds, App Home
// has a search (external_select); what the person types is answered with
// the matching teams (at most 100, block_suggestion through the real
// interactivity endpoint), and picking one republishes App Home with that
// team in full at the top of the list.
func TestSlackE2EHomeFindsATeam(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.addTeams(150, 0, pLead)
	a := w.start("")
	a.event("EvHomeFind", homeOpened(pJules))
	raw, _ := json.Marshal(w.homeView(pJules, 1))
	mustContain(t, "App Home", string(raw), `"type":"external_select"`, `"action_id":"home_find"`)

	if all := a.suggestTeams(pJules, ""); len(all) != 100 {
		t.Errorf("nothing typed: %d options, want the first 100 of 152", len(all))
	}
	opts := a.suggestTeams(pJules, "squad 14")
	var names []string
	for _, o := range opts {
		names = append(names, o["text"].(map[string]any)["text"].(string))
	}
	if len(names) != 10 || names[0] != "Squad 140" || names[9] != "Squad 149" {
		t.Fatalf("squad 14: %v", names)
	}
	if none := a.suggestTeams(pJules, "no such team"); len(none) != 0 {
		t.Errorf("no match: %v", none)
	}
	if pay := a.suggestTeams(pJules, "PAY"); len(pay) != 1 || pay[0]["value"] != "payments" {
		t.Errorf("PAY: %v", pay)
	}

	a.click(map[string]any{"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": pJules},
		"container": map[string]any{"type": "view", "view_id": "VH" + e2eTeam + pJules}, "trigger_id": w.fake.Trigger(e2eTeam, pJules),
		"actions": []map[string]any{{"action_id": "home_find", "block_id": "home_find", "type": "external_select",
			"selected_option": opts[3], "action_ts": "1"}}})
	found := w.homeView(pJules, 2)
	if len(found) > 100 {
		t.Fatalf("%d blocks", len(found))
	}
	raw, _ = json.Marshal(found)
	mustContain(t, "App Home after the pick", string(raw), `"block_id":"found:squad-143"`, "*Squad 143*")
}
