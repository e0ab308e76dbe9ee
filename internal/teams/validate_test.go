package teams

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/bot/bottest"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/validate"
)

// longest is s repeated to n runes, markup characters included.
func longest(s string, n int) string {
	return string([]rune(strings.Repeat(s, n/len([]rune(s))+1))[:n])
}

// TestCardsAtTheLimitsValidate renders every card with content at the
// bot's limits (names of 80 characters, 50 custom roles, 127 topics all routed, 150
// teams, a lead on all of them, 10 long unanswered questions on the home
// and 20 on the Unanswered card) and validates them with adaptivecards, at
// the version and size Teams takes, mentions included.
func TestCardsAtTheLimitsValidate(t *testing.T) {
	t.Parallel()
	name := longest("<at>Team</at> & **x** ", 80)
	person := func(i int) ownership.Person {
		return ownership.Person{ID: fmt.Sprintf("29:%08d", i), Name: longest("<at>Boss</at> Person ", 80)}
	}
	v := bot.LeadView{Team: &bot.TeamView{Key: "t", ID: "t", Name: name, Holders: map[ownership.Role]ownership.Person{},
		Routes: map[string]ownership.Role{}}, Roles: ownership.BuiltinRoles(), Now: assigned}
	for i := range 50 {
		v.Roles = append(v.Roles, ownership.RoleDef{ID: ownership.Role(fmt.Sprintf("role_%02d", i)), Name: longest(fmt.Sprintf("Role %02d ", i), 80)})
	}
	for i, r := range v.Roles {
		v.Team.Holders[r.ID] = person(i)
	}
	for i := range 20 { // the most aliases a team keeps
		v.Team.Aliases = append(v.Team.Aliases, longest(fmt.Sprintf("%02d <at>alias</at> ", i), 80))
	}
	for i := range 100 {
		v.Leads = append(v.Leads, person(500+i))
	}
	noTeam := v
	noTeam.Team = nil
	for i := range 127 { // the catalogue's 27 and 100 custom intents
		id := fmt.Sprintf("topic_%03d", i)
		v.Topics = append(v.Topics, bot.TopicView{ID: id, Title: longest("Topic & <title> ", 80), Role: ownership.ProductManager})
		v.Team.Routes[id] = v.Roles[i%len(v.Roles)].ID
	}
	errs := map[string]string{"": longest("Something went wrong. ", 300), "name": "A team needs a name.", "date": "In the past."}
	for i := range 20 { // LeadView's newest 20 grouped questions
		v.Unanswered = append(v.Unanswered, bot.UnansweredGroup{ID: fmt.Sprintf("%016x", i), Count: 500,
			Latest: ownership.Unanswered{At: assigned, Asker: person(i), Text: longest("who owns <at>this</at>? ", 500)}})
	}
	v.Queued = 500

	home := bot.Home{Viewer: person(0), Lead: true, Summary: &bot.LeadSummary{Teams: 150, EmptyRoles: 100, Vacated: 100, Requests: 100, Covers: 100, Unanswered: 100}}
	for i := range 150 {
		home.Teams = append(home.Teams, bot.HomeTeam{Team: bot.TeamRef{ID: fmt.Sprintf("team-%03d", i), Name: longest(fmt.Sprintf("Team %03d ", i), 80)}, Mine: true,
			Roles: []bot.HomeRole{{Holder: bot.Holder{Role: ownership.ProductManager, RoleName: "Product Manager", Person: person(i)}},
				{Holder: bot.Holder{Role: ownership.ProductOwner, RoleName: "Product Owner"}}}})
		home.EmptyRoles = append(home.EmptyRoles, bot.EmptyRole{Team: home.Teams[i].Team, Role: ownership.ProductOwner, RoleName: "Product Owner"})
	}
	for i := range 10 { // the bot lists 10 on the home
		home.Unanswered = append(home.Unanswered, bot.UnansweredQuestion{Unanswered: ownership.Unanswered{At: assigned, Asker: person(i), Text: longest("who owns <at>this</at>? ", 500)}, Times: 100})
	}
	full := bottest.Stats()
	home.Stats = &full
	home.Mine = 150
	others := home
	others.Mine = 0
	member := home
	member.Lead, member.Summary, member.Mine = false, nil, 3

	teams := make([]bot.TeamRef, 0, 150)
	for _, t := range home.Teams {
		teams = append(teams, t.Team)
	}
	review := bot.ReviewAsk{Team: teams[0], Role: v.Roles[7].ID, RoleName: v.Roles[7].Name}
	withCandidates := review
	for i := range 200 {
		withCandidates.Candidates = append(withCandidates.Candidates, person(i))
	}
	payloads := map[string]any{
		"form_edit":        formCard(formEdit, v, errs).Content,
		"form_cover":       formCard(formCover, v, errs).Content,
		"form_routes":      formCard(formRoutes, v, errs).Content,
		"form_delete":      formCard(formDelete, v, errs).Content,
		"form_new":         formCard(formNew, noTeam, errs).Content,
		"form_leads":       formCard(formLeads, noTeam, errs).Content,
		"home_lead_mine":   homeCard(home).Content,
		"home_lead_others": homeCard(others).Content,
		"home_member":      homeCard(member).Content,
		"answer_pick_team": answerCard(bot.Answer{Kind: bot.KindPickTeam, Question: longest("who owns? ", 2000), Intent: "roadmap", Title: "Roadmap",
			Role: ownership.ProductManager, Teams: teams}).Content,
		"onboarding_pick": onboardingCard(bot.Onboarding{User: person(1), Teams: teams, Roles: []string{"PM", "PO"}, HowToAsk: rich.Plain("Ask.")}).Content,
		"notice_review":   noticeActivity(bot.Notice{Text: review.Question(), Review: &review}, ""),
		"notice_request": noticeActivity(bot.Notice{Text: rich.Plain(longest("A request. ", 2000)),
			Request: &ownership.Request{ID: longest("r", 200), Expires: assigned.Add(time.Hour)}}, ""),
		"notice_fill": noticeActivity(bot.Notice{Text: rich.Plain(longest("Someone left. ", 2000)),
			Fill: &bot.FillOffer{Team: bot.TeamRef{ID: longest("t", 80), Name: longest("T", 80)}, Role: ownership.ProductManager, RoleName: longest("R", 80)}}, longest("19:", 200)),
		"review_successor": successorCard(withCandidates),
		"form_unanswered":  unansweredCard(v, rich.Sprintf("Dismissed “%s” (asked 500 times): it is off the queue for every lead.", v.Unanswered[0].Latest.Text)).Content,
		"form_teach": teachCard(v, v.Unanswered[0], longest("who owns <at>this</at>? ", maxTeachPhrase), v.Topics[126].ID,
			map[string]string{"phrase": longest("That phrase is too long. ", 300), "topic": "Pick a topic."}).Content,
	}
	// Every kind of answer with a long question and 80-character names,
	// titles and choices.
	holder := func(role ownership.Role, i int) *bot.Holder {
		return &bot.Holder{Role: role, RoleName: longest("Role name ", 80), Person: person(i), AssignedBy: person(i + 1), AssignedAt: assigned,
			CoverUntil: assigned.Add(time.Hour), Usual: person(i + 2), Decides: longest("decides *what* ", 300)}
	}
	var alts []bot.Choice
	for i := range 4 {
		alts = append(alts, bot.Choice{Intent: fmt.Sprintf("intent_%d", i), Title: longest("Alternative <at>x</at> ", 80), Score: 0.5})
	}
	long := func(a bot.Answer) bot.Answer {
		a.Question, a.Intent, a.Title, a.Score = longest("who owns <at>this</at>? ", 3000), "roadmap", longest("Title **x** ", 80), 0.7
		a.Rule, a.Why, a.More = bot.RuleCatalogue, longest("Because *so*. ", 300), longest("More. ", 2000)
		a.Team, a.TeamFrom, a.Lead = &teams[0], "text", true
		return a
	}
	for name, a := range map[string]bot.Answer{
		"person":    {Kind: bot.KindPerson, Role: ownership.ProductOwner, Holder: holder(ownership.ProductOwner, 1), Counterpart: holder(ownership.ProductManager, 2), NearTie: true, Alternatives: alts},
		"confirm":   {Kind: bot.KindPerson, Role: ownership.ProductOwner, Holder: holder(ownership.ProductOwner, 1), Confirm: true, Alternatives: alts},
		"both":      {Kind: bot.KindBoth, Role: ownership.Both, Both: []bot.Holder{*holder(ownership.ProductManager, 3), *holder(ownership.ProductOwner, 4)}},
		"unknown":   {Kind: bot.KindUnknown, Role: ownership.None, Alternatives: alts, Queued: true},
		"knowledge": {Kind: bot.KindKnowledge, Role: ownership.Info, Knowledge: rich.Plain(longest("Knowledge <at>x</at> ", 3000))},
	} {
		payloads["answer_"+name] = answerCard(long(a)).Content
	}
	validate.Check(t, "teams", payloads)
}
