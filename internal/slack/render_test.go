package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/bot/bottest"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current renderer")

var (
	priya = ownership.Person{ID: "U01PRIYA", Name: "Priya Shah"}
	marco = ownership.Person{ID: "U02MARCO", Name: "Marco Rossi"}
	lead  = ownership.Person{ID: "U0LEAD", Name: "Morgan Lee"}
	at    = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
)

func pmHolder() bot.Holder {
	return bot.Holder{Role: ownership.ProductManager, RoleName: "Product Manager", Person: priya, AssignedBy: lead, AssignedAt: at}
}

func poHolder() bot.Holder {
	return bot.Holder{Role: ownership.ProductOwner, RoleName: "Product Owner", Person: marco, AssignedBy: lead, AssignedAt: at}
}

func personAnswer() bot.Answer {
	po, pm := poHolder(), pmHolder()
	return bot.Answer{
		Kind: bot.KindPerson, Question: "who writes the acceptance criteria?", Intent: "acceptance_criteria",
		Title: "Acceptance criteria", Score: 0.91, Role: ownership.ProductOwner, Rule: bot.RuleCatalogue,
		Why:  "The Product Owner defines when a story is done, so the team builds the right thing.",
		More: "Acceptance criteria are agreed before the sprint starts; the PO writes them with the team.",
		Team: &bot.TeamRef{ID: "checkout", Name: "Checkout"}, TeamFrom: "channel",
		Holder: &po, Counterpart: &pm,
	}
}

func goldenAnswers() map[string]bot.Answer {
	out := map[string]bot.Answer{}
	out["answer_person"] = personAnswer()

	empty := personAnswer()
	empty.Holder = &bot.Holder{Role: ownership.ProductOwner, RoleName: "Product Owner"}
	empty.FillHint = rich.Sprintf("A lead can fill it with %s.", rich.Command("set po @person Checkout"))
	out["answer_person_empty"] = empty

	cover := personAnswer()
	h := poHolder()
	h.Person, h.Usual, h.CoverUntil = ownership.Person{ID: "U03JULES", Name: "Jules"}, marco, at.Add(7*24*time.Hour)
	cover.Holder = &h
	out["answer_person_cover"] = cover

	tie := personAnswer()
	tie.NearTie = true
	tie.Alternatives = []bot.Choice{{Intent: "story_acceptance", Title: "Accepting finished work", Score: 0.88}, {Intent: "requirements", Title: "Requirements", Score: 0.6}}
	out["answer_near_tie"] = tie

	confirm := tie
	confirm.NearTie, confirm.Confirm = false, true
	out["answer_confirm"] = confirm
	confirm.Lead = true
	out["answer_confirm_lead"] = confirm

	pm, po := pmHolder(), poHolder()
	pm.Decides, po.Decides = "ranks initiatives and themes by business impact", "orders the backlog and sets what the team picks up next"
	out["answer_both"] = bot.Answer{
		Kind: bot.KindBoth, Question: "who sets priorities?", Intent: "prioritization", Title: "Prioritization", Score: 0.8,
		Role: ownership.Both, Rule: bot.RuleCatalogue, Why: "Priorities are set at two levels.",
		Team: &bot.TeamRef{ID: "checkout", Name: "Checkout"}, TeamFrom: "member", Both: []bot.Holder{pm, po},
	}
	out["answer_knowledge"] = bot.Answer{
		Kind: bot.KindKnowledge, Question: "what is the difference between a PM and a PO?", Intent: "role_difference",
		Title: "PM vs PO", Score: 0.95, Role: ownership.Info,
		Knowledge: rich.Plain("The Product Manager owns the what and the why.\nThe Product Owner owns the how and the when."),
	}
	out["answer_bare"] = bot.Answer{
		Kind: bot.KindKnowledge, Bare: true, Intent: "help", Title: "How to use whoowns", Role: ownership.Info,
		Knowledge: rich.Lines(rich.Plain("You mentioned me without a question."), rich.Sprintf("Ask in plain words, for example %s.", rich.Code("who owns the roadmap?"))),
	}
	out["answer_unknown"] = bot.Answer{
		Kind: bot.KindUnknown, Question: "who fixes the coffee machine?", Intent: "none", Role: ownership.None,
		Alternatives: []bot.Choice{{Intent: "requirements", Title: "Requirements"}, {Intent: "backlog", Title: "Backlog"}, {Intent: "roadmap", Title: "Roadmap"}, {Intent: "demos", Title: "Demos"}}, Queued: true,
	}
	lead := out["answer_unknown"]
	lead.Lead = true
	out["answer_unknown_lead"] = lead
	out["answer_pick_team_buttons"] = bot.Answer{
		Kind: bot.KindPickTeam, Question: "who owns the roadmap?", Intent: "roadmap", Title: "Roadmap", Role: ownership.ProductManager,
		Teams: []bot.TeamRef{{ID: "checkout", Name: "Checkout"}, {ID: "mobile", Name: "Mobile"}, {ID: "payments", Name: "Payments"}},
	}
	many := out["answer_pick_team_buttons"]
	many.Teams = nil
	for _, n := range []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf"} {
		many.Teams = append(many.Teams, bot.TeamRef{ID: strings.ToLower(n), Name: n})
	}
	out["answer_pick_team_select"] = many
	out["answer_pick_team_none"] = bot.Answer{Kind: bot.KindPickTeam, Question: "who owns the roadmap?", Intent: "roadmap", Title: "Roadmap"}
	return out
}

func TestAnswerGolden(t *testing.T) {
	t.Parallel()
	for name, a := range goldenAnswers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blocks := answerBlocks(a, "U0ASKER")
			checkLimits(t, blocks)
			golden(t, name, blocks)
		})
	}
}

func TestOnboardingGolden(t *testing.T) {
	t.Parallel()
	base := bot.Onboarding{
		User:     ownership.Person{ID: "U09NEW", Name: "Nell"},
		Roles:    []string{"The Product Manager owns the what and the why.", "The Product Owner owns the how and the when."},
		HowToAsk: rich.Sprintf("Ask me \"who owns …?\" questions in plain words. Try %s.", rich.Code("who owns the roadmap?")),
	}
	known := base
	known.Team = &bot.TeamRef{ID: "checkout", Name: "Checkout"}
	known.PM, known.PO = pmHolder(), poHolder()
	picker := base
	picker.Teams = []bot.TeamRef{{ID: "checkout", Name: "Checkout"}, {ID: "payments", Name: "Payments"}}
	for name, o := range map[string]bot.Onboarding{"onboarding_team": known, "onboarding_picker": picker} {
		blocks := onboardingBlocks(o)
		checkLimits(t, blocks)
		golden(t, name, blocks)
	}
}

func TestHomeGolden(t *testing.T) {
	t.Parallel()
	topics := []bot.RoleTopics{
		{Role: ownership.ProductManager, RoleName: "Product Manager", Answers: []string{"Roadmap", "Product strategy"}},
		{Role: ownership.ProductOwner, RoleName: "Product Owner", Answers: []string{"Backlog", "Acceptance criteria"}},
	}
	team := bot.HomeTeam{Team: bot.TeamRef{ID: "checkout", Name: "Checkout"}, Mine: true, Roles: []bot.HomeRole{{Holder: pmHolder()}, {Holder: poHolder()}},
		Overrides: []bot.Override{{Topic: "Roadmap", RoleName: "Product Owner"}}}
	other := bot.HomeTeam{Team: bot.TeamRef{ID: "payments", Name: "Payments"}, Roles: []bot.HomeRole{{Holder: pmHolder()}, {Holder: bot.Holder{Role: ownership.ProductOwner, RoleName: "Product Owner"}}}}
	member := bot.Home{Viewer: priya, Topics: topics, Mine: 1, Teams: []bot.HomeTeam{team, other}}
	team.Mine = false
	leadHome := bot.Home{Viewer: lead, Lead: true, Topics: topics, Teams: []bot.HomeTeam{team, other},
		Summary:    &bot.LeadSummary{Teams: 2, EmptyRoles: 1, Vacated: 1, Requests: 2, Covers: 1, Unanswered: 1},
		Unanswered: []bot.UnansweredQuestion{{Unanswered: ownership.Unanswered{At: at, Asker: priya, Channel: "C1", Text: "who fixes the coffee machine?", Platform: "slack"}, Times: 3}},
		EmptyRoles: []bot.EmptyRole{{Team: bot.TeamRef{ID: "payments", Name: "Payments"}, Role: ownership.ProductOwner, RoleName: "Product Owner"}},
	}
	week := bottest.WeekStats()
	leadHome.Stats = &week
	firstSteps := bot.Home{Viewer: priya, Lead: true, FirstSteps: bot.FirstSteps()}
	withRequests := leadHome
	sum := *leadHome.Summary
	sum.Requests = 12
	withRequests.Summary = &sum
	withRequests.Requests = []bot.HomeRequest{{ID: "r1", Text: "<!channel> says they are the new Product Owner of *Checkout*", Expires: at.AddDate(0, 0, 14)}}
	for name, h := range map[string]bot.Home{"home_member": member, "home_lead": leadHome, "home_first_steps": firstSteps, "home_lead_requests": withRequests} {
		blocks := homeBlocks(h)
		checkLimits(t, blocks)
		golden(t, name, blocks)
	}
	// A lead's home in a workspace with more teams than a page: page 2 of
	// 3, with the paging buttons.
	paged := leadHome
	paged.Teams = nil
	for i := range 45 {
		paged.Teams = append(paged.Teams, bot.HomeTeam{Team: bot.TeamRef{ID: fmt.Sprintf("team-%02d", i), Name: fmt.Sprintf("Team %02d", i)},
			Roles: []bot.HomeRole{{Holder: pmHolder()}, {Holder: bot.Holder{Role: ownership.ProductOwner, RoleName: "Product Owner"}}}})
	}
	paged.Summary = &bot.LeadSummary{Teams: 45, EmptyRoles: 45}
	golden(t, "home_paged", homePage(paged, 1))
	golden(t, "home_error", homeErrorBlocks(rich.Plain("I can't read the directory right now. Try again in a minute.")))
}

// manyTeamsHome is a home with n teams, the viewer on mine of them.
func manyTeamsHome(n, mine int, lead bool) bot.Home {
	h := bot.Home{Lead: lead, Mine: mine}
	for i := range n {
		name := fmt.Sprintf("Team %03d %s", i, strings.Repeat("x", 60))
		h.Teams = append(h.Teams, bot.HomeTeam{Team: bot.TeamRef{ID: ownership.Slug(name), Name: name}, Mine: i < mine,
			Roles: []bot.HomeRole{{Holder: pmHolder()}, {Holder: poHolder()}}})
	}
	for i := range 100 {
		h.Topics = append(h.Topics, bot.RoleTopics{RoleName: fmt.Sprintf("Role %d", i), Answers: []string{strings.Repeat("topic ", 50)}})
		h.EmptyRoles = append(h.EmptyRoles, bot.EmptyRole{Team: h.Teams[i%n].Team, Role: ownership.ProductOwner, RoleName: "Product Owner"})
		h.Unanswered = append(h.Unanswered, bot.UnansweredQuestion{Unanswered: ownership.Unanswered{Text: strings.Repeat("why? ", 100)}, Times: 2})
	}
	if lead {
		h.Summary = &bot.LeadSummary{Teams: n, EmptyRoles: 100, Unanswered: 100}
		st := bottest.Stats()
		h.Stats = &st
	}
	return h
}

// TestHomeBlockCap keeps a large workspace's home within Slack's 100 blocks
// on every page, whoever looks and whatever team they found with the
// search, and every team is on some page; the search is there.
func TestHomeBlockCap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mine  int
		lead  bool
		focus int
	}{{0, true, -1}, {0, false, -1}, {3, false, -1}, {150, true, -1}, {40, false, -1}, {0, true, 149}, {3, false, 2}} {
		h := manyTeamsHome(150, tc.mine, tc.lead)
		if tc.focus >= 0 {
			h.Focus = h.Teams[tc.focus].Team.ID
		}
		seen := map[string]bool{}
		for page := 0; page < 20; page++ {
			blocks := homePage(h, page)
			if len(blocks) > maxHomeBlocks {
				t.Fatalf("%+v page %d: %d blocks, Slack allows %d", tc, page, len(blocks), maxHomeBlocks)
			}
			raw, _ := json.Marshal(blocks)
			if tc.lead != strings.Contains(string(raw), "For leads") {
				t.Errorf("%+v: leads' part shown=%v", tc, !tc.lead)
			}
			if tc.mine < 150 && !strings.Contains(string(raw), `"action_id":"home_find"`) {
				t.Errorf("%+v page %d: no team search", tc, page)
			}
			if tc.focus >= 0 && !strings.Contains(string(raw), `"block_id":"found:`+h.Focus+`"`) {
				t.Errorf("%+v page %d: the team found is not shown", tc, page)
			}
			for _, b := range blocks {
				if s, ok := b.(*slackapi.SectionBlock); ok && strings.HasPrefix(s.BlockID, "team:") {
					seen[s.BlockID] = true
				}
			}
		}
		if len(seen) != 150 {
			t.Errorf("%+v: %d of 150 teams reachable through the pages", tc, len(seen))
		}
	}
}

// TestHomeFindGolden pins the team search of App Home with a team found,
// and the options a block_suggestion gets.
func TestHomeFindGolden(t *testing.T) {
	t.Parallel()
	h := manyTeamsHome(30, 0, true)
	h.Teams[7].Team.Name = "Squad <!here> & co"
	h.Focus = h.Teams[7].Team.ID
	golden(t, "home_find", findBlocks(h))
	var refs []bot.TeamRef
	for _, ht := range manyTeamsHome(120, 0, false).Teams {
		refs = append(refs, ht.Team)
	}
	golden(t, "home_find_options", foundOptions([]bot.TeamRef{h.Teams[7].Team, h.Teams[8].Team}))
	opts := foundOptions(refs)
	if len(opts.Options) != maxFindOptions {
		t.Errorf("%d options, Slack takes at most %d", len(opts.Options), maxFindOptions)
	}
	for _, o := range opts.Options {
		if len(o.Value) > maxOptionValue || len([]rune(o.Text.Text)) > 75 {
			t.Errorf("option over Slack's limits: %+v", o)
		}
	}
	if raw, _ := json.Marshal(foundOptions(nil)); string(raw) != `{"options":[]}` {
		t.Errorf("no teams found: %s", raw)
	}
}

// TestHomeNoTeamWording: only a non-lead on no team is told to ask a lead.
func TestHomeNoTeamWording(t *testing.T) {
	t.Parallel()
	for _, lead := range []bool{true, false} {
		raw, _ := json.Marshal(homeBlocks(manyTeamsHome(3, 0, lead)))
		if got := strings.Contains(string(raw), "Ask a lead to add you"); got == lead {
			t.Errorf("lead=%v: told to ask a lead: %v", lead, got)
		}
	}
}

// TestChoiceFitsLimits: a long question is shortened so that button values
// and block ids stay within Slack's limits and still decode.
func TestChoiceFitsLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("who owns the “roadmap” & <stuff> ", 200)
	for _, limit := range []int{maxValue, maxBlockID - len(pickTeamBlockPrefix)} {
		s := choice{Intent: "roadmap", Team: "checkout", Question: long, Asker: "U1"}.encode(limit)
		if len(s) > limit {
			t.Fatalf("encoded %d bytes, limit %d", len(s), limit)
		}
		c, err := decodeChoice(s)
		if err != nil || c.Intent != "roadmap" || c.Team != "checkout" || !strings.HasPrefix(long, c.Question) || c.Question == "" {
			t.Fatalf("decoded %+v, %v", c, err)
		}
	}
	a := goldenAnswers()["answer_pick_team_select"]
	a.Question = long
	checkLimits(t, answerBlocks(a, "U1"))
	a = goldenAnswers()["answer_near_tie"]
	a.Question = long
	checkLimits(t, answerBlocks(a, "U1"))
}

func TestMrkdwn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   rich.Text
		want string
	}{
		{rich.Mention("U123", "x"), "<@U123>"},
		{rich.Mention("", "Nell"), "@Nell"},
		{rich.Mention("!channel", "x"), "@x"},
		{rich.Channel("C1", "general"), "<#C1>"},
		{rich.Channel("!here", "x"), "#x"},
		{rich.Strong("Checkout"), "*Checkout*"},
		{rich.Strong("<!here> & co"), "*&lt;!here&gt; &amp; co*"},
		{rich.Plain("<!channel> <https://evil.example|SSO>"), "&lt;!channel&gt; &lt;https://evil.example|SSO&gt;"},
		{rich.Code("a`b<c>"), "`a'b&lt;c&gt;`"},
		{rich.Command(`teach "<phrase>" <intent>`), "`/whoowns teach \"&lt;phrase&gt;\" &lt;intent&gt;`"},
		{rich.Command(""), "`/whoowns`"},
		{rich.Sprintf("%s made %s PO of %s.\nDone", rich.Mention("U1", "a"), "<@U2>", rich.Strong("@channel")), "<@U1> made &lt;@U2&gt; PO of *@channel*.\nDone"},
	} {
		if got := mrkdwnOf(tc.in); got != tc.want {
			t.Errorf("mrkdwnOf(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// golden compares v's JSON with testdata/name.golden.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Unescaped <, > and & keep the golden files readable as Slack markup.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./internal/slack -run Golden -update\n--- got\n%s", path, got)
	}
}

// checkLimits fails on blocks Slack would reject.
func checkLimits(t *testing.T, blocks []slackapi.Block) {
	t.Helper()
	if len(blocks) > 50 {
		t.Errorf("%d blocks; a message allows 50", len(blocks))
	}
	raw, _ := json.Marshal(blocks)
	var v any
	_ = json.Unmarshal(raw, &v)
	var walk func(v any, parent string)
	walk = func(v any, parent string) {
		switch x := v.(type) {
		case map[string]any:
			typ, _ := x["type"].(string)
			if s, ok := x["value"].(string); ok {
				lim := maxValue
				if parent == "options" {
					lim = maxOptionValue
				}
				if len(s) > lim {
					t.Errorf("%s value of %d chars > %d", typ, len(s), lim)
				}
			}
			if s, ok := x["block_id"].(string); ok && len(s) > maxBlockID {
				t.Errorf("block_id of %d chars", len(s))
			}
			if s, ok := x["action_id"].(string); ok && len(s) > 255 {
				t.Errorf("action_id of %d chars", len(s))
			}
			if s, ok := x["text"].(string); ok {
				if n := utf8.RuneCountInString(s); n > maxSectionText || (typ == "plain_text" && parent == "button" && n > maxButtonText) {
					t.Errorf("%s text of %d chars", typ, n)
				}
			}
			if typ == "actions" {
				ids := map[string]bool{}
				els, _ := x["elements"].([]any)
				if len(els) > 25 {
					t.Errorf("actions block with %d elements", len(els))
				}
				for _, e := range els {
					id, _ := e.(map[string]any)["action_id"].(string)
					if ids[id] {
						t.Errorf("duplicate action_id %q in one block", id)
					}
					ids[id] = true
				}
			}
			for k, vv := range x {
				p := typ
				if k == "options" {
					p = "options"
				}
				walk(vv, p)
			}
		case []any:
			for _, vv := range x {
				walk(vv, parent)
			}
		}
	}
	walk(v, "")
}

// goldenDigest is a digest with every section, and text people typed that
// must stay text: a team named like a broadcast, a question holding a link.
func goldenDigest() bot.Digest {
	return bot.Digest{
		Title: "Leads' digest · 30 Nov – 7 Dec 2026",
		Sections: []bot.DigestSection{
			{Title: "Empty roles", Lines: []rich.Text{
				rich.Sprintf("• %s: Product Owner vacant for 2 weeks (Marco held it until 23 Nov 2026). %s", rich.Strong("<!channel> & *Ops*"), rich.Command("set po @person \"<!channel> & *Ops*\"")),
			}},
			{Title: "Unanswered questions", Lines: []rich.Text{
				rich.Sprintf("• %q (asked 3 times)", "who approves <https://evil.example|Re-verify your SSO>?"),
			}},
			{Title: "Feedback on answers", Lines: []rich.Text{rich.Plain("• Product backlog: 👍 2 · 👎 1")}},
		},
		Footer: rich.Sprintf("Sent to every lead privately Mondays at 09:00 UTC. %s in a channel sends it there instead.", rich.Command("digest here")),
	}
}

func TestDigestGolden(t *testing.T) {
	t.Parallel()
	quiet := bot.Digest{Title: "Leads' digest · 30 Nov – 7 Dec 2026", Quiet: rich.Plain("A quiet week: every role is filled and current, and nothing is waiting for a lead. 🎉"),
		Footer: rich.Sprintf("Sent to %s Mondays at 09:00 UTC.", rich.Channel("C0LEADS", "leads"))}
	for name, g := range map[string]bot.Digest{"digest": goldenDigest(), "digest_quiet": quiet} {
		msg := noticeMessage(bot.Notice{Text: g.Text(), Digest: &g})
		checkLimits(t, msg.Blocks)
		golden(t, name, msg.Blocks)
		if strings.Contains(msg.Text, "<!channel>") || strings.Contains(msg.Text, "<https://evil") {
			t.Errorf("%s: typed text became markup in the fallback: %s", name, msg.Text)
		}
	}
}
