package slack

import (
	"fmt"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/rich"
)

// App Home: the summary and actions for leads, the viewer's own teams, what
// each role answers (once), then every team a page at a time. Whatever the
// number of teams, the view stays within Slack's 100 blocks: one block per
// team, at most maxOwnTeams of one's own and homePageSize others per page.

// Action ids of the App Home and the leads' forms.
const (
	actionHomePage = "home_page" // value: the page of teams to show
	// actionHomeFind is the searchable list of every team (an
	// external_select whose options come from block_suggestion): the
	// team picked is shown at the top of the list.
	actionHomeFind = "home_find"
)

// maxFindOptions is how many teams one block_suggestion answer offers
// (Slack takes at most 100 options).
const maxFindOptions = 100

const (
	// maxHomeBlocks is Slack's limit for a view.
	maxHomeBlocks = 100
	// maxOwnTeams of the viewer's own teams are shown in full at the top;
	// the rest are in the paged list with everyone else's.
	maxOwnTeams = 10
	// homePageSize teams make one page of the list of all teams.
	homePageSize = 20
	// maxHomeLines caps a leads' list (empty roles, unanswered) on the home.
	maxHomeLines = 10
	// maxHomeRequests pending requests are shown with their buttons (two
	// blocks each); "requests" sends them all.
	maxHomeRequests = 5
)

// homeBlocks renders the App Home tab with the first page of teams.
func homeBlocks(h bot.Home) []slackapi.Block { return homePage(h, 0) }

// homePage renders the App Home tab showing page (from 0) of the list of
// teams.
func homePage(h bot.Home, page int) []slackapi.Block {
	out := []slackapi.Block{slackapi.NewHeaderBlock(plain("Who owns what", 150))}
	if h.Lead && h.Summary != nil {
		out = append(out, section(leadSummary(*h.Summary)), leadActions(*h.Summary))
		out = append(out, homeRequests(h)...)
	}
	switch {
	case len(h.FirstSteps) > 0:
		lines := []rich.Text{rich.Strong("Getting started"), rich.Plain("No teams are set up yet. As a lead, you can:")}
		for i, st := range h.FirstSteps {
			lines = append(lines, rich.Concat(rich.Plain(fmt.Sprintf("%d. ", i+1)), st))
		}
		out = append(out, sections(rich.Lines(lines...))...)
	case len(h.Teams) == 0:
		out = append(out, section(rich.Sprintf("No teams are set up yet. A lead can create one with %s.", rich.Command("team create <name>"))))
	}
	own := h.Teams[:h.Mine]
	others := h.Teams[h.Mine:]
	if len(own) > maxOwnTeams {
		others = h.Teams[maxOwnTeams:]
		own = own[:maxOwnTeams]
	}
	switch {
	case len(own) > 0:
		out = append(out, slackapi.NewHeaderBlock(plain(plural(len(own), "Your team", "Your teams"), 150)))
		for _, t := range own {
			out = append(out, teamBlock(h, t))
		}
	case len(h.Teams) > 0 && h.Lead:
		out = append(out, contextBlock(rich.Plain("You're not on a team yourself. Every team is below; open one's menu to edit it.")))
	case len(h.Teams) > 0:
		out = append(out, contextBlock(rich.Plain("You're not on a team yet, so here are all of them. Ask a lead to add you to yours, or pick it when I welcome you.")))
	}
	if len(h.Topics) > 0 {
		lines := []rich.Text{rich.Strong("What each role answers")}
		for _, rt := range h.Topics {
			lines = append(lines, rich.Sprintf("• %s: %s", rich.Strong(rt.RoleName), strings.Join(rt.Answers, ", ")))
		}
		if len(h.Teams) > 0 {
			lines = append(lines, rich.Plain("A team that routes a topic elsewhere says so under its name."))
		}
		out = append(out, capBlocks(sections(rich.Lines(lines...)), 3)...)
	}
	if len(others) > 0 {
		pages := (len(others) + homePageSize - 1) / homePageSize
		page = max(0, min(page, pages-1))
		title := "All teams"
		if len(own) > 0 {
			title = "Other teams"
		}
		out = append(out, slackapi.NewDividerBlock(), slackapi.NewHeaderBlock(plain(title, 150)))
		if pages > 1 || h.Focus != "" {
			out = append(out, findBlocks(h)...)
		}
		from, to := page*homePageSize, min(len(others), (page+1)*homePageSize)
		for _, t := range others[from:to] {
			out = append(out, teamBlock(h, t))
		}
		if pages > 1 {
			out = append(out, contextBlock(rich.Sprintf("Teams %d–%d of %d (page %d of %d). %s lists them all in one message.",
				from+1, to, len(others), page+1, pages, rich.Command("teams"))))
			var nav []slackapi.BlockElement
			if page > 0 {
				nav = append(nav, button(actionHomePage+":prev", "‹ Previous", strconv.Itoa(page-1)))
			}
			if page < pages-1 {
				nav = append(nav, button(actionHomePage+":next", "Next ›", strconv.Itoa(page+1)))
			}
			if page != 0 && page != pages-1 {
				nav = append(nav, button(actionHomePage+":first", "First page", "0"))
			}
			out = append(out, slackapi.NewActionBlock("home_pages", nav...))
		}
	}
	if h.Lead {
		out = append(out, leadsPart(h)...)
	} else {
		out = append(out, slackapi.NewDividerBlock(), contextBlock(rich.Sprintf("Ask me in any channel by mentioning me, or write to me in Messages. %s lists what I can do.", rich.Command("help"))))
	}
	if len(out) > maxHomeBlocks {
		out = out[:maxHomeBlocks]
	}
	return out
}

// findBlocks is the search over every team: a select whose options Slack
// asks for as the viewer types (block_suggestion), and the team picked in
// it, if any, in full.
func findBlocks(h bot.Home) []slackapi.Block {
	sel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeExternal, plain("Type a team's name", 150), actionHomeFind)
	zero := 0
	sel.MinQueryLength = &zero
	var found *bot.HomeTeam
	for i := range h.Teams {
		if h.Teams[i].Team.ID == h.Focus {
			found = &h.Teams[i]
		}
	}
	if found != nil {
		sel.InitialOption = teamOption(found.Team)
	}
	out := []slackapi.Block{slackapi.NewSectionBlock(mrkdwn(mrkdwnOf(rich.Sprintf("%s Search all %d teams:", rich.Strong("Find a team."), len(h.Teams)))), nil,
		slackapi.NewAccessory(sel), slackapi.SectionBlockOptionBlockID("home_find"))}
	if found != nil {
		out = append(out, teamSection(h, *found, "found:"+bot.TeamKey(found.Team.ID)))
	}
	return out
}

// teamOption is a team as an option of the search.
func teamOption(t bot.TeamRef) *slackapi.OptionBlockObject {
	return selectOption(bot.TeamKey(t.ID), t.Name)
}

// findOptions is the answer to a block_suggestion: the teams found, at
// most maxFindOptions. Options is never omitted: an empty list is how
// Slack shows "no results".
type findOptions struct {
	Options []*slackapi.OptionBlockObject `json:"options"`
}

func foundOptions(ts []bot.TeamRef) findOptions {
	out := findOptions{Options: []*slackapi.OptionBlockObject{}}
	for _, t := range ts[:min(len(ts), maxFindOptions)] {
		out.Options = append(out.Options, teamOption(t))
	}
	return out
}

// leadSummary is the line at the top of a lead's home.
func leadSummary(s bot.LeadSummary) rich.Text {
	parts := []string{plural(s.Teams, "1 team", fmt.Sprintf("%d teams", s.Teams))}
	parts = append(parts, plural(s.EmptyRoles, "1 empty role", fmt.Sprintf("%d empty roles", s.EmptyRoles)))
	parts = append(parts, plural(s.Vacated, "1 role vacated", fmt.Sprintf("%d roles vacated", s.Vacated)))
	parts = append(parts, plural(s.Requests, "1 pending request", fmt.Sprintf("%d pending requests", s.Requests)))
	if s.Covers > 0 {
		parts = append(parts, plural(s.Covers, "1 cover in force", fmt.Sprintf("%d covers in force", s.Covers)))
	}
	parts = append(parts, plural(s.Unanswered, "1 unanswered question", fmt.Sprintf("%d unanswered questions", s.Unanswered)))
	return rich.Sprintf("%s %s", rich.Strong("For leads:"), strings.Join(parts, " · "))
}

// leadActions are the leads' buttons for what is not about one team.
func leadActions(s bot.LeadSummary) *slackapi.ActionBlock {
	un := "Unanswered"
	if s.Unanswered > 0 {
		un = fmt.Sprintf("Unanswered (%d)", s.Unanswered)
	}
	return slackapi.NewActionBlock("lead_actions",
		button(actionNewTeam, "New team", formNew),
		button(actionUnanswered, un, formUnanswered),
		button(actionLeads, "Leads", formLeads),
	)
}

// homeRequests lists the pending handovers and claims, each with Approve
// and Decline: the buttons of the leads' private request messages, so the
// same handler decides them (who clicked is Slack's signed payload, checked
// again by the core).
func homeRequests(h bot.Home) []slackapi.Block {
	if len(h.Requests) == 0 {
		return nil
	}
	out := []slackapi.Block{section(rich.Strong("Waiting for a lead's decision"))}
	shown := h.Requests[:min(len(h.Requests), maxHomeRequests)]
	for _, r := range shown {
		out = append(out, section(rich.Sprintf("%s (expires %s)", r.Text, r.Expires.UTC().Format("2 Jan 2006"))))
		out = append(out, requestButtons(r.ID))
	}
	if h.Summary != nil && h.Summary.Requests > len(shown) {
		out = append(out, contextBlock(rich.Sprintf("…and %d more: %s sends you each one.", h.Summary.Requests-len(shown), rich.Command("requests"))))
	}
	return out
}

// teamBlock is one team in one section: its roles, its routing and, as
// the accessory, the lead's menu or a member's "Suggest a change".
func teamBlock(h bot.Home, t bot.HomeTeam) slackapi.Block {
	return teamSection(h, t, "team:"+bot.TeamKey(t.Team.ID))
}

// teamSection is teamBlock with the block id given (a team shown twice on
// one view needs two).
func teamSection(h bot.Home, t bot.HomeTeam, blockID string) slackapi.Block {
	lines := []rich.Text{rich.Strong(t.Team.Name)}
	for _, r := range t.Roles {
		lines = append(lines, holderLine(r.Holder))
	}
	if len(t.Overrides) > 0 {
		var os []string
		for _, o := range t.Overrides {
			os = append(os, fmt.Sprintf("%s → %s", o.Topic, o.RoleName))
		}
		lines = append(lines, rich.Sprintf("Routed here: %s", strings.Join(os, ", ")))
	}
	text := mrkdwn(mrkdwnOf(rich.Lines(lines...)))
	key := bot.TeamKey(t.Team.ID)
	var acc *slackapi.Accessory
	if h.Lead {
		opt := func(label, form string) *slackapi.OptionBlockObject { return selectOption(form+":"+key, label) }
		acc = slackapi.NewAccessory(slackapi.NewOverflowBlockElement(actionTeamMenu,
			opt("Edit team", formEdit), opt("Cover a role", formCover), opt("Routes", formRoutes), opt("Delete team", formDelete)))
	} else if t.Mine {
		acc = slackapi.NewAccessory(button(actionSuggest, "Suggest a change", key))
	}
	return slackapi.NewSectionBlock(text, nil, acc, slackapi.SectionBlockOptionBlockID(blockID))
}

// leadsPart lists what waits for a lead: unanswered questions and empty
// roles, each capped, with the buttons that deal with them above.
func leadsPart(h bot.Home) []slackapi.Block {
	out := []slackapi.Block{slackapi.NewDividerBlock(), slackapi.NewHeaderBlock(plain("For leads", 150))}
	if len(h.Unanswered) == 0 {
		out = append(out, section(rich.Lines(rich.Strong("Unanswered questions"), rich.Plain("None. 🎉"))))
	} else {
		lines := []rich.Text{rich.Sprintf("%s (the Unanswered button above teaches me, as does %s)", rich.Strong("Unanswered questions"), bot.TeachCommand())}
		for i, q := range h.Unanswered {
			if i == maxHomeLines {
				break
			}
			l := rich.Sprintf("• %s %s asked “%s”", q.At.UTC().Format("2 Jan 15:04"), personSpan(q.Asker), q.Text)
			if q.Times > 1 {
				l = append(l, rich.Sprintf(" (asked %d times)", q.Times)...)
			}
			lines = append(lines, l)
		}
		out = append(out, capBlocks(sections(rich.Lines(lines...)), 2)...)
	}
	if len(h.EmptyRoles) == 0 {
		out = append(out, section(rich.Lines(rich.Strong("Teams with empty roles"), rich.Plain("None: every team has both roles filled."))))
	} else {
		lines := []rich.Text{rich.Strong("Teams with empty roles")}
		for i, e := range h.EmptyRoles {
			if i == maxHomeLines {
				lines = append(lines, rich.Sprintf("…and %d more.", len(h.EmptyRoles)-maxHomeLines))
				break
			}
			lines = append(lines, rich.Sprintf("• %s has no %s: %s", e.Team.Name, e.RoleName, bot.FillCommand(e.Role, e.Team.Name)))
		}
		out = append(out, capBlocks(sections(rich.Lines(lines...)), 2)...)
	}
	if h.Stats != nil {
		out = append(out, capBlocks(sections(rich.Lines(h.Stats.Lines()...)), maxStatsBlocks)...)
		out = append(out, contextBlock(rich.Sprintf("%s shows up to %d days.", rich.Command("stats [days]"), bot.MaxStatsDays)))
	}
	return out
}

// maxStatsBlocks caps the usage statistics on a lead's home.
const maxStatsBlocks = 2

// capBlocks keeps at most n blocks of bs.
func capBlocks(bs []slackapi.Block, n int) []slackapi.Block {
	if len(bs) > n {
		return bs[:n]
	}
	return bs
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// homeErrorBlocks is the App Home when the directory cannot be read.
func homeErrorBlocks(t rich.Text) []slackapi.Block {
	return []slackapi.Block{slackapi.NewHeaderBlock(plain("Who owns what", 150)), section(t)}
}
