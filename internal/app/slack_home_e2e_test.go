package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
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
