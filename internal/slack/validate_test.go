package slack

import (
	"fmt"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/validate"
)

// longest is s repeated to n runes, markup characters included.
func longest(s string, n int) string {
	return string([]rune(strings.Repeat(s, n/len([]rune(s))+1))[:n])
}

// extremeLeadView is a team at the bot's limits: 80-character names, 50
// custom roles, every role held and covered, many members, channels,
// topics and routes, long unanswered questions.
func extremeLeadView() bot.LeadView {
	name := longest("<!channel> & Team ", 80)
	v := bot.LeadView{Team: &bot.TeamView{Key: "t", ID: "t", Name: name, Holders: map[ownership.Role]ownership.Person{},
		Covers: map[ownership.Role]ownership.Cover{}, Routes: map[string]ownership.Role{}},
		Roles: ownership.BuiltinRoles(), Now: at}
	for i := range 20 { // the most aliases a team keeps
		v.Team.Aliases = append(v.Team.Aliases, longest(fmt.Sprintf("%02d <alias> & ", i), 80))
	}
	for i := range 50 {
		v.Roles = append(v.Roles, ownership.RoleDef{ID: ownership.Role(fmt.Sprintf("role_%02d", i)), Name: longest(fmt.Sprintf("Role %02d *_~ ", i), 80)})
	}
	for i, r := range v.Roles {
		p := ownership.Person{ID: fmt.Sprintf("U%08d", i), Name: longest("<@U1> Person ", 80)}
		v.Team.Holders[r.ID] = p
		v.Team.Covers[r.ID] = ownership.Cover{Person: p, Until: at.Add(time.Hour)}
	}
	for i := range 200 {
		v.Team.Members = append(v.Team.Members, ownership.Person{ID: fmt.Sprintf("U%08d", 1000+i), Name: "Member"})
		id := fmt.Sprintf("topic_%03d", i)
		v.Topics = append(v.Topics, bot.TopicView{ID: id, Title: longest("Topic & <title> ", 80), Role: ownership.ProductManager, Custom: i%2 == 0})
		v.Team.Routes[id] = v.Roles[i%len(v.Roles)].ID
	}
	for i := range 100 {
		v.Team.Channels = append(v.Team.Channels, ownership.Channel{ID: fmt.Sprintf("C%08d", i), Name: "channel"})
		v.Leads = append(v.Leads, ownership.Person{ID: fmt.Sprintf("U%08d", 5000+i), Name: "Lead"})
		v.Unanswered = append(v.Unanswered, bot.UnansweredGroup{ID: fmt.Sprintf("%016x", i), Count: 500,
			Latest: ownership.Unanswered{At: at, Asker: ownership.Person{ID: "U0PRIYA", Name: longest("<@U1> Person ", 80)}, Text: longest("who owns <!here> & *this*? ", 500)}})
	}
	v.Queued = 500
	return v
}

// TestViewsAtTheLimitsValidate renders every modal, the App Home's pages,
// the notices and every kind of answer with content at the bot's own limits (names of 80
// characters, 50 custom roles, 200 topics, a 200-character phrase to
// teach, 150 teams) and validates them against @slack/types and Block
// Kit's limits: what Slack would refuse with invalid_arguments or
// invalid_blocks.
func TestViewsAtTheLimitsValidate(t *testing.T) {
	t.Parallel()
	v := extremeLeadView()
	payloads := map[string]any{
		"edit":              editTeamView(v),
		"new":               newTeamView(v),
		"delete":            deleteTeamView(v),
		"cover":             coverView(v, bot.CoverPreview(v.Team.Name, v.Roles[5].Name, v.Team.Holders[v.Roles[5].ID], at.Add(72*time.Hour))),
		"routes":            routesView(v),
		"leads":             leadsView(v),
		"unanswered":        unansweredView(v, nil),
		"unanswered_notice": unansweredView(v, rich.Sprintf("Dismissed “%s” (asked 500 times): it is off the queue for every lead.", v.Unanswered[0].Latest.Text)),
		// The Teach… button carries the question cut to a taught phrase's
		// length; the modal opens with it.
		"teach":   teachView(v, unansweredView(v, nil).Blocks.BlockSet[1].(*slackapi.ActionBlock).Elements.ElementSet[0].(*slackapi.ButtonBlockElement).Value),
		"suggest": suggestView(bot.TeamRef{ID: v.Team.ID, Name: v.Team.Name}, []bot.Holder{{Role: ownership.ProductManager, RoleName: "Product Manager"}}),
		"notice":  noticeView(rich.Plain(longest("Only leads can change this. ", 4000))),
	}
	for _, lead := range []bool{true, false} {
		h := manyTeamsHome(150, 3, lead)
		for page := range 9 {
			payloads[fmt.Sprintf("home_lead_%t_page_%d", lead, page)] = homePage(h, page)
		}
		h.Focus = h.Teams[120].Team.ID
		payloads[fmt.Sprintf("home_lead_%t_found", lead)] = homePage(h, 4)
		var refs []bot.TeamRef
		for _, t := range h.Teams {
			refs = append(refs, t.Team)
		}
		payloads["find_options"] = foundOptions(refs)
	}
	review := bot.ReviewAsk{Team: bot.TeamRef{ID: v.Team.ID, Name: v.Team.Name}, Role: v.Roles[10].ID, RoleName: v.Roles[10].Name}
	for name, m := range map[string]message{
		"notice_review":    noticeMessage(bot.Notice{Text: review.Question(), Review: &review}),
		"notice_successor": successorMessage(review),
		"notice_fill":      noticeMessage(bot.Notice{Text: rich.Plain("vacant"), Fill: &bot.FillOffer{Team: review.Team, Role: review.Role, RoleName: review.RoleName}}),
		"notice_request":   noticeMessage(bot.Notice{Text: rich.Plain("request"), Request: &ownership.Request{ID: longest("r", 200)}}),
	} {
		payloads[name] = map[string]any{"channel": "D1", "text": m.Text, "blocks": m.Blocks}
	}
	// Every kind of answer, with a question of 3000 characters, 80-character
	// names and titles, and 150 teams to pick from.
	var teams []bot.TeamRef
	for i := range 150 {
		teams = append(teams, bot.TeamRef{ID: fmt.Sprintf("team-%03d", i), Name: longest(fmt.Sprintf("Team %03d <!here> ", i), 80)})
	}
	for name, a := range goldenAnswers() {
		a.Question = longest("who owns <!channel> & *this*? ", 3000)
		a.Title = longest("Title & <b> ", 80)
		if a.Team != nil {
			a.Team = &bot.TeamRef{ID: a.Team.ID, Name: v.Team.Name}
		}
		if a.Kind == bot.KindPickTeam && len(a.Teams) > 0 {
			a.Teams = teams
		}
		for i := range a.Alternatives {
			a.Alternatives[i].Title = longest("Alternative & <title> ", 80)
		}
		m := answerMessage(a, "U01PRIYA")
		payloads["extreme_"+name] = map[string]any{"channel": "C1", "text": m.Text, "blocks": m.Blocks}
	}
	validate.Check(t, "slack", payloads)
}
