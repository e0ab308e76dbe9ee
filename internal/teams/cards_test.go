package teams

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/bot/bottest"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

var assigned = time.Date(2026, 2, 10, 9, 30, 0, 0, time.UTC)

func holderOf(role ownership.Role, name string, p ownership.Person) *bot.Holder {
	return &bot.Holder{Role: role, RoleName: name, Person: p, AssignedBy: lena, AssignedAt: assigned}
}

func checkout() *bot.TeamRef { return &bot.TeamRef{ID: "checkout", Name: "Checkout"} }

func manyTeams(n int) []bot.TeamRef {
	names := []string{"Checkout", "Payments", "Mobile", "Search", "Growth", "Platform", "Data"}
	var out []bot.TeamRef
	for _, name := range names[:n] {
		out = append(out, bot.TeamRef{ID: strings.ToLower(name), Name: name})
	}
	return out
}

// TestCardsGolden pins the Adaptive Card JSON of every answer kind, the
// onboarding message, the home view (lead, member, first steps), the leads'
// forms and the notices with buttons (review, successor, request). Run with
// -update to rewrite.
func TestCardsGolden(t *testing.T) {
	t.Parallel()
	person := bot.Answer{Kind: bot.KindPerson, Question: "who writes the acceptance criteria?", Intent: "acceptance_criteria",
		Title: "Acceptance criteria", Score: 0.62, Role: ownership.ProductOwner, Rule: bot.RuleCatalogue,
		Why:  "The Product Owner decides what a story must do to be accepted.",
		More: "Acceptance criteria are the conditions a story must meet…",
		Team: checkout(), TeamFrom: "channel",
		Holder:      holderOf(ownership.ProductOwner, "Product Owner", bob),
		Counterpart: holderOf(ownership.ProductManager, "Product Manager", alice),
		NearTie:     true,
		Alternatives: []bot.Choice{{Intent: "definition_of_done", Title: "Definition of done", Score: 0.58},
			{Intent: "user_stories", Title: "User stories", Score: 0.4}},
	}
	both := bot.Answer{Kind: bot.KindBoth, Question: "who prioritises?", Intent: "prioritization", Title: "Prioritization",
		Score: 0.9, Role: ownership.Both, Rule: bot.RuleOverride, Why: "Both decide a part.", Team: checkout(), TeamFrom: "text",
		Both: []bot.Holder{
			{Role: ownership.ProductManager, RoleName: "Product Manager", Person: alice, Decides: "ranks initiatives and themes by business impact"},
			{Role: ownership.ProductOwner, RoleName: "Product Owner", Decides: "orders the backlog and sets what the team picks up next"},
		},
		FillHint: rich.Sprintf("A lead can fill it with %s.", rich.Command("set po @person checkout")),
	}
	unknown := bot.Answer{Kind: bot.KindUnknown, Question: "where is the coffee?", Intent: "none", Role: ownership.None,
		Alternatives: []bot.Choice{{Intent: "roadmap", Title: "Roadmap"}, {Intent: "backlog", Title: "Backlog"},
			{Intent: "vision", Title: "Vision"}, {Intent: "pricing", Title: "Pricing"}}, Queued: true}
	pick := bot.Answer{Kind: bot.KindPickTeam, Question: "who owns the roadmap?", Intent: "roadmap", Title: "Roadmap",
		Role: ownership.ProductManager, Teams: manyTeams(3)}
	pickMany := pick
	pickMany.Teams = manyTeams(7)
	knowledge := bot.Answer{Kind: bot.KindKnowledge, Question: "what is a PO?", Intent: "role_difference",
		Title: "Product Manager or Product Owner?", Role: ownership.Info,
		Knowledge: rich.Plain("The Product Manager owns the what and the why.\nThe Product Owner owns the how and the when.")}
	bare := bot.Answer{Kind: bot.KindKnowledge, Bare: true, Intent: "help", Title: "How to use whoowns", Role: ownership.Info,
		Knowledge: rich.Lines(rich.Plain("You mentioned me without a question."), rich.Sprintf("Ask in plain words, for example %s.", rich.Code("who owns the roadmap?")))}
	onboarded := bot.Onboarding{User: carol, Team: checkout(),
		PM:       bot.Holder{Role: ownership.ProductManager, RoleName: "Product Manager", Person: alice},
		PO:       bot.Holder{Role: ownership.ProductOwner, RoleName: "Product Owner", Person: bob, CoverUntil: assigned.AddDate(0, 1, 0), Usual: lena},
		Roles:    []string{"The Product Manager owns the what and the why.", "The Product Owner owns the how and the when."},
		HowToAsk: rich.Sprintf("Ask me in plain words. %s lists everything I can do.", rich.Command("help"))}
	picker := bot.Onboarding{User: carol, Teams: manyTeams(2), Roles: onboarded.Roles, HowToAsk: onboarded.HowToAsk}
	home := bot.Home{Viewer: lena, Lead: true, Mine: 1,
		Topics: []bot.RoleTopics{
			{Role: ownership.ProductManager, RoleName: "Product Manager", Answers: []string{"Roadmap", "Vision", "Pricing", "Market", "Launch", "Business case", "Competitors"}},
			{Role: ownership.ProductOwner, RoleName: "Product Owner", Answers: []string{"Backlog"}},
		},
		Teams: []bot.HomeTeam{{Team: *checkout(), Mine: true, Roles: []bot.HomeRole{
			{Holder: *holderOf(ownership.ProductManager, "Product Manager", alice)},
			{Holder: bot.Holder{Role: ownership.ProductOwner, RoleName: "Product Owner"}},
		}, Overrides: []bot.Override{{Topic: "Roadmap", RoleName: "Product Owner"}}},
			{Team: bot.TeamRef{ID: "mobile-app", Name: "Mobile App"}, Roles: []bot.HomeRole{{Holder: bot.Holder{Role: ownership.ProductOwner, RoleName: "Product Owner"}}}}},
		Summary:    &bot.LeadSummary{Teams: 2, EmptyRoles: 2, Vacated: 1, Requests: 1, Unanswered: 1},
		EmptyRoles: []bot.EmptyRole{{Team: bot.TeamRef{ID: "mobile-app", Name: "Mobile App"}, Role: ownership.ProductOwner, RoleName: "Product Owner"}},
		Unanswered: []bot.UnansweredQuestion{{Unanswered: ownership.Unanswered{At: assigned, Asker: carol, Text: "who books the offsite?"}, Times: 2}},
	}
	week := bottest.WeekStats()
	home.Stats = &week

	review := bot.ReviewAsk{Team: *checkout(), Role: ownership.ProductOwner, RoleName: "Product Owner"}
	request := &ownership.Request{ID: "r-20261206-1", Kind: ownership.Handover, Team: "checkout", Role: ownership.ProductOwner,
		From: bob, Successor: alice, Created: assigned, Expires: assigned.Add(14 * 24 * time.Hour)}

	for name, att := range map[string]schema.Attachment{
		"answer_person":       answerCard(person),
		"answer_both":         answerCard(both),
		"answer_unknown":      answerCard(unknown),
		"answer_unknown_lead": answerCard(func() bot.Answer { u := unknown; u.Lead = true; return u }()),
		"answer_confirm":      answerCard(func() bot.Answer { c := person; c.NearTie, c.Confirm = false, true; return c }()),
		"answer_confirm_lead": answerCard(func() bot.Answer {
			c := person
			c.NearTie, c.Confirm, c.Lead = false, true, true
			return c
		}()),
		"answer_pick_team": answerCard(pick),
		"answer_pick_many": answerCard(pickMany),
		"answer_knowledge": answerCard(knowledge),
		"answer_bare":      answerCard(bare),
		"onboarding_team":  onboardingCard(onboarded),
		"onboarding_pick":  onboardingCard(picker),
		"home_lead":        homeCard(home),
		"form_edit":        formCard(formEdit, formView(), nil),
		"form_cover":       formCard(formCover, formView(), map[string]string{"date": "31 Dec 2020 10:00 UTC is in the past; a cover has to end in the future."}),
		"form_routes":      formCard(formRoutes, formView(), nil),
		"form_new":         formCard(formNew, func() bot.LeadView { v := formView(); v.Team = nil; return v }(), map[string]string{"name": "There is already a team called Checkout."}),
		"form_delete":      formCard(formDelete, formView(), nil),
		"form_leads": formCard(formLeads, func() bot.LeadView {
			v := formView()
			v.Team, v.Leads = nil, []ownership.Person{lena, alice}
			return v
		}(), nil),
		"home_first_steps": homeCard(bot.Home{Lead: true, FirstSteps: bot.FirstSteps()}),
		"home_lead_focus":  homeCard(func() bot.Home { h := home; h.Focus = "mobile-app"; return h }()),
		"home_member": homeCard(bot.Home{Viewer: carol, Mine: 1, Topics: home.Topics,
			Teams: []bot.HomeTeam{{Team: *checkout(), Mine: true, Roles: home.Teams[0].Roles}, home.Teams[1]}}),
		"notice_review":  noticeActivity(bot.Notice{Text: review.Question(), Review: &review}, "").Attachments[0],
		"notice_request": noticeActivity(bot.Notice{Request: request, Text: rich.Sprintf("%s asks to hand over Product Owner of %s to %s.", rich.Mention(bob.ID, bob.Label()), rich.Strong("Checkout"), rich.Mention(alice.ID, alice.Label()))}, "").Attachments[0],
		"notice_fill": noticeActivity(bot.Notice{Fill: &bot.FillOffer{Team: *checkout(), Role: ownership.ProductManager, RoleName: "Product Manager"},
			Text: rich.Lines(rich.Plain("Alice Archer left the Microsoft Teams team Product. They still hold these roles, flagged for review:"),
				rich.Sprintf("Product Manager of %s: %s", rich.Strong("Checkout"), bot.FillCommand(ownership.ProductManager, "Checkout")))},
			"19:team@thread.tacv2").Attachments[0],
		"review_successor": successorCard(func() bot.ReviewAsk {
			r := review
			r.Candidates = []ownership.Person{alice, carol}
			return r
		}()).Attachments[0],
		"review_successor_none": successorCard(review).Attachments[0],
		"form_unanswered":       unansweredCard(formView(), rich.Plain("Dismissed “who waters the <plants>?” (asked twice): it is off the queue for every lead.")),
		"form_unanswered_empty": unansweredCard(bot.LeadView{}, nil),
		"form_teach":            teachCard(formView(), formView().Unanswered[0], "who books the <offsite>?", "", map[string]string{"topic": "Pick a topic."}),
		"digest":                digestCard(goldenDigest()),
		"home_lead_requests": homeCard(func() bot.Home {
			h := home
			sum := *home.Summary
			sum.Requests = 12
			h.Summary = &sum
			h.Requests = []bot.HomeRequest{{ID: "r1", Text: "<at>Carol</at> says they are the new Product Owner of *Checkout*", Expires: assigned.AddDate(0, 0, 14)}}
			return h
		}()),
	} {
		t.Run(name, func(t *testing.T) {
			if att.ContentType != cardContentType {
				t.Fatalf("content type %q", att.ContentType)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(att.Content); err != nil {
				t.Fatal(err)
			}
			checkMentions(t, att.Content.(adaptiveCard))
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestCardsGolden -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the golden file:\n%s", name, buf.String())
			}
		})
	}
}

// checkMentions: every <at>…</at> in the card has an entity and every
// entity's text is in the card, as Teams requires.
func checkMentions(t *testing.T, c adaptiveCard) {
	t.Helper()
	var texts []string
	for _, e := range c.Body {
		texts = append(texts, e.Text)
		for _, f := range e.Facts {
			texts = append(texts, f.Value)
		}
	}
	all := strings.Join(texts, "\n")
	var ents []schema.Mention
	if c.MSTeams != nil {
		ents = c.MSTeams.Entities
	}
	for _, e := range ents {
		if !strings.Contains(all, e.Text) {
			t.Errorf("entity %q not in the card", e.Text)
		}
	}
	for rest := all; ; {
		i := strings.Index(rest, "<at>")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</at>")
		tag := rest[i : i+j+len("</at>")]
		found := false
		for _, e := range ents {
			found = found || e.Text == tag
		}
		if !found {
			t.Errorf("%s has no mention entity", tag)
		}
		rest = rest[i+j:]
	}
}

// TestCardsSubmitData: the buttons carry what the submit handler reads.
func TestCardsSubmitData(t *testing.T) {
	t.Parallel()
	a := bot.Answer{Kind: bot.KindUnknown, Question: strings.Repeat("long question ", 100), Intent: "none",
		Alternatives: []bot.Choice{{Intent: "roadmap", Title: "Roadmap"}}}
	c := answerCard(a).Content.(adaptiveCard)
	d := c.Body[len(c.Body)-1].Actions[0].Data
	if d.Action != actChoose || d.Intent != "roadmap" || len([]rune(d.Question)) != maxQuestion {
		t.Errorf("choose data %+v", d)
	}
}

func TestRenderer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in         rich.Text
		text, card string
	}{
		{rich.Plain("plain"), "plain", "plain"},
		{rich.Command("help"), "`@whoowns help`", "“@whoowns help”"},
		{rich.Command(`teach "<phrase>" <id>`), "“@whoowns teach \"&lt;phrase&gt;\" &lt;id&gt;”", "“@whoowns teach \"&lt;phrase&gt;\" &lt;id&gt;”"},
		{rich.Strong("x"), "**x**", "**x**"},
		{rich.Channel("19:a", "checkout"), "**#checkout**", "**#checkout**"},
		{rich.Channel("19:a@thread.tacv2", ""), "a channel", "a channel"},
		{rich.Channel("19:a", "*x* <y>"), "**#\\*x\\* &lt;y&gt;**", ""},
		{rich.Plain("<at>Boss</at> [x](https://evil) *_~ # 1. &"), "&lt;at&gt;Boss&lt;/at&gt; \\[x\\](https://evil) \\*\\_\\~ # 1. &amp;", ""},
		{rich.Plain("# heading"), "\\# heading", ""},
		{rich.Plain("- item"), "\\- item", ""},
		{rich.Plain("12. item"), "12\\. item", ""},
		{rich.Mention("29:x", "X <Y>"), "<at>X Y</at>", "<at>X Y</at>"},
		{rich.Mention("29:x", "a_b"), "<at>a\\_b</at>", ""},
		{rich.Mention("", "Nell"), "**Nell**", ""},
		{rich.Sprintf("a\nb"), "a\n\nb", ""},
	} {
		if got := newRenderer().markdown(tc.in); got != tc.text {
			t.Errorf("markdown(%v) = %q, want %q", tc.in, got, tc.text)
		}
		if tc.card == "" {
			continue
		}
		if got := cardRenderer(false).line(tc.in); got != tc.card {
			t.Errorf("card line(%v) = %q, want %q", tc.in, got, tc.card)
		}
	}
	r := newRenderer()
	r.markdown(rich.Concat(rich.Mention("29:x", "X <Y>"), rich.Mention("29:x", "X <Y>"), rich.Mention(alice.ID, alice.Name)))
	if ents := r.entitiesIn("hello <at>X Y</at>"); len(ents) != 1 || ents[0].Mentioned.ID != "29:x" {
		t.Errorf("entities %+v, want only the one in the text", ents)
	}
	if got := cardRenderer(true).line(rich.Mention(alice.ID, alice.Name)); got != "**Alice Archer**" {
		t.Errorf("quiet mention = %q", got)
	}
}

func formView() bot.LeadView {
	return bot.LeadView{
		Team: &bot.TeamView{Key: "checkout", ID: "checkout", Name: "Checkout", Aliases: []string{"Cart"},
			Holders: map[ownership.Role]ownership.Person{ownership.ProductManager: alice},
			Routes:  map[string]ownership.Role{"roadmap": ownership.ProductOwner}},
		Roles:  ownership.BuiltinRoles(),
		Topics: []bot.TopicView{{ID: "roadmap", Title: "Roadmap", Role: ownership.ProductManager}, {ID: "backlog", Title: "Product backlog", Role: ownership.ProductOwner}},
		Unanswered: []bot.UnansweredGroup{
			{ID: "5d41402abc4b2a76", Latest: ownership.Unanswered{At: time.Date(2026, 11, 30, 15, 4, 0, 0, time.UTC), Asker: carol, Text: "who books the <offsite>?"}, Count: 3},
			{ID: "7d793037a0760186", Latest: ownership.Unanswered{At: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC), Asker: alice, Text: "where do **launch notes** go"}, Count: 1},
		},
		Queued: 25,
		Now:    time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
	}
}

// goldenDigest is a digest with several sections, and text people typed
// that must stay text: a team named like markup, a question with a link.
func goldenDigest() bot.Digest {
	return bot.Digest{
		Title: "Leads' digest · 30 Nov – 7 Dec 2026",
		Sections: []bot.DigestSection{
			{Title: "Empty roles", Lines: []rich.Text{
				rich.Sprintf("• %s: Product Owner vacant for 2 weeks (Marco held it until 23 Nov 2026). %s", rich.Strong("<at>Ops</at> & *Ops*"), rich.Command("set po @person Ops")),
			}},
			{Title: "Unanswered questions", Lines: []rich.Text{
				rich.Sprintf("• %q (asked 3 times)", "who approves [Re-verify your SSO](https://evil.example)?"),
			}},
			{Title: "Feedback on answers", Lines: []rich.Text{rich.Plain("• Product backlog: 👍 2 · 👎 1")}},
		},
		Footer: rich.Sprintf("Sent to every lead privately Mondays at 09:00 UTC. %s in a channel sends it there instead.", rich.Command("digest here")),
	}
}
