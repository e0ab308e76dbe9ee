package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

func leadView() bot.LeadView {
	return bot.LeadView{
		Team: &bot.TeamView{Key: "checkout", ID: "checkout", Name: "Checkout <!channel>", Aliases: []string{"Cart", "Basket <b>"},
			Holders:  map[ownership.Role]ownership.Person{ownership.ProductManager: priya, ownership.ProductOwner: marco},
			Covers:   map[ownership.Role]ownership.Cover{ownership.ProductOwner: {Person: priya, Until: at.Add(48 * time.Hour)}},
			Members:  []ownership.Person{priya, marco},
			Channels: []ownership.Channel{{ID: "C0CHECKOUT", Name: "checkout"}},
			Routes:   map[string]ownership.Role{"roadmap": ownership.ProductOwner}},
		Roles:  append(ownership.BuiltinRoles(), ownership.RoleDef{ID: "design_lead", Name: "Design Lead"}),
		Topics: []bot.TopicView{{ID: "roadmap", Title: "Roadmap", Role: ownership.ProductManager}, {ID: "backlog", Title: "Product backlog", Role: ownership.ProductOwner}, {ID: "offsites", Title: "Offsites", Role: ownership.ProductManager, Custom: true}},
		Leads:  []ownership.Person{lead},
		Unanswered: []bot.UnansweredGroup{
			{ID: "5d41402abc4b2a76", Latest: ownership.Unanswered{At: at, Asker: priya, Text: "who books the <offsite>?"}, Count: 3},
			{ID: "7d793037a0760186", Latest: ownership.Unanswered{At: at.Add(-time.Hour), Asker: marco, Text: "where do *launch notes* go"}, Count: 1},
		},
		Queued: 25,
		Now:    at,
	}
}

// TestFormGolden pins every leads' modal.
func TestFormGolden(t *testing.T) {
	t.Parallel()
	v := leadView()
	for name, view := range map[string]any{
		"form_edit":                 editTeamView(v),
		"form_new":                  newTeamView(v),
		"form_delete":               deleteTeamView(v),
		"form_cover":                coverView(v, bot.CoverPreview("Checkout", "Product Owner", priya, at.Add(72*time.Hour))),
		"form_routes":               routesView(v),
		"form_leads":                leadsView(v),
		"form_unanswered":           unansweredView(v, nil),
		"form_unanswered_dismissed": unansweredView(v, rich.Plain("Dismissed “who waters the <plants>?” (asked twice): it is off the queue for every lead.")),
		"form_unanswered_empty":     unansweredView(bot.LeadView{Now: at}, nil),
		"form_teach":                teachView(v, "who books the <offsite>?"),
		"form_notice":               noticeView(rich.Plain("Only leads can make changes here.")),
		"form_suggest":              suggestView(bot.TeamRef{ID: "checkout", Name: "Checkout <!channel>"}, []bot.Holder{{Role: ownership.ProductManager, RoleName: "Product Manager"}, {Role: "designer", RoleName: "Designer <!here>"}}),
	} {
		raw, _ := json.Marshal(view)
		var m struct {
			Title  struct{ Text string } `json:"title"`
			Blocks []map[string]any      `json:"blocks"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || len([]rune(m.Title.Text)) > maxModalTitle || len(m.Blocks) > maxModalBlocks || len(m.Blocks) == 0 {
			t.Errorf("%s: title %q, %d blocks, %v", name, m.Title.Text, len(m.Blocks), err)
		}
		if strings.Contains(string(raw), "<!channel>") {
			t.Errorf("%s: a name became markup", name)
		}
		golden(t, name, view)
	}
}
