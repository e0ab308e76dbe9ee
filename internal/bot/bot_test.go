package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/sample"
)

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC) // a Friday

const tenant = sample.Tenant

var (
	lead     = ownership.Person{ID: "U0LEAD001", Name: "Morgan Lee"}
	dev      = ownership.Person{ID: "U03JULES", Name: "Jules Martin"}
	stranger = ownership.Person{ID: "U99NEW", Name: "New Person"}
)

// newService returns a service over the sample teams with a fixed clock.
func newService(t *testing.T, opts ...bot.Option) (*bot.Service, *memstore.Store) {
	t.Helper()
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	d, err := sample.Directory(dirfile.Options{KnownIntent: func(id string) bool { _, ok := cat.Get(id); return ok }})
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New(memstore.WithDirectory(d), memstore.WithClock(func() time.Time { return now }))
	opts = append([]bot.Option{bot.WithClock(func() time.Time { return now }), bot.WithAdmins("UADMIN")}, opts...)
	return bot.New(st, cat, opts...), st
}

func msg(u ownership.Person, channel, text string) bot.Message {
	return bot.Message{Tenant: tenant, Platform: bot.PlatformCLI, User: u, Channel: ownership.Channel{ID: channel}, Text: text}
}

func ask(t *testing.T, s *bot.Service, m bot.Message) bot.Answer {
	t.Helper()
	a, err := s.Ask(context.Background(), m)
	if err != nil {
		t.Fatalf("Ask(%q): %v", m.Text, err)
	}
	return a
}

func TestAskResolvesRolePersonAndTeam(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	cases := []struct {
		name, user, channel, text string
		kind                      bot.Kind
		intent                    string
		role                      ownership.Role
		team, person, counterpart string
		from                      string
	}{
		{"team in text", stranger.ID, "", "who writes the acceptance criteria for checkout?", bot.KindPerson, "acceptance_criteria", ownership.ProductOwner, "checkout", "U02MARCO", "U01PRIYA", "text"},
		{"alias in text", stranger.ID, "", "who owns the roadmap for the cart?", bot.KindPerson, "roadmap", ownership.ProductManager, "checkout", "U01PRIYA", "U02MARCO", "text"},
		{"channel team", stranger.ID, "C0SEARCH", "who does market research?", bot.KindPerson, "market_research", ownership.ProductManager, "search", "U09AISHA", "", "channel"},
		{"asker's team", dev.ID, "CRANDOM", "who grooms the backlog?", bot.KindPerson, "backlog", ownership.ProductOwner, "checkout", "U02MARCO", "U01PRIYA", "member"},
		{"text beats channel", dev.ID, "C0SEARCH", "who owns the backlog for payments", bot.KindPerson, "backlog", ownership.ProductOwner, "payments", "U05LEE", "U04DANA", "text"},
		{"override on payments", stranger.ID, "", "who owns the roadmap for payments?", bot.KindPerson, "roadmap", ownership.ProductOwner, "payments", "U05LEE", "U04DANA", "text"},
		{"role lookup", stranger.ID, "", "who is the PO for payments?", bot.KindPerson, "role_lookup", ownership.ProductOwner, "payments", "U05LEE", "U04DANA", "text"},
		{"both", stranger.ID, "C0CHECKOUT", "who decides priorities?", bot.KindBoth, "prioritization", ownership.Both, "checkout", "", "", "channel"},
		{"channel link in text", stranger.ID, "", "who runs sprint planning for <#C0MOBILE|mobile-team>?", bot.KindPerson, "sprint_planning", ownership.ProductOwner, "mobile", "U07SAM", "U07SAM", "text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ask(t, s, msg(ownership.Person{ID: c.user}, c.channel, c.text))
			if a.Kind != c.kind || a.Intent != c.intent || a.Role != c.role {
				t.Fatalf("got kind=%s intent=%s role=%s, want %s %s %s", a.Kind, a.Intent, a.Role, c.kind, c.intent, c.role)
			}
			if a.Team == nil || a.Team.ID != c.team || a.TeamFrom != c.from {
				t.Fatalf("team = %+v from %q, want %s from %s", a.Team, a.TeamFrom, c.team, c.from)
			}
			if c.person != "" && a.Holder.Person.ID != c.person {
				t.Errorf("person = %s, want %s", a.Holder.Person.ID, c.person)
			}
			if c.counterpart != "" && (a.Counterpart == nil || a.Counterpart.Person.ID != c.counterpart) {
				t.Errorf("counterpart = %+v, want %s", a.Counterpart, c.counterpart)
			}
			if a.Why == "" {
				t.Error("no why")
			}
		})
	}
}

func TestAnswerDetails(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)

	over := ask(t, s, msg(stranger, "", "who owns the roadmap for payments?"))
	if over.Rule != bot.RuleOverride || !strings.Contains(fmt.Sprint(over.Reasoning()), "overrides") {
		t.Errorf("override not explained: %s %v", over.Rule, over.Reasoning())
	}
	def := ask(t, s, msg(stranger, "", "who owns the roadmap for checkout?"))
	if def.Rule != bot.RuleCatalogue {
		t.Errorf("rule = %s", def.Rule)
	}

	same := ask(t, s, msg(stranger, "C0MOBILE", "who writes user stories?"))
	if !same.SamePerson || !strings.Contains(same.Text().String(), "both Product Manager and Product Owner") {
		t.Errorf("one person in both roles not said plainly:\n%s", same.Text().String())
	}

	empty := ask(t, s, msg(stranger, "C0SEARCH", "who accepts finished stories?"))
	if !empty.Holder.Empty() || !strings.Contains(empty.FillHint.String(), "whoowns set po @person Search") {
		t.Errorf("empty role: holder=%+v hint=%q", empty.Holder, empty.FillHint)
	}
	if !strings.Contains(empty.Text().String(), "Search has no Product Owner") {
		t.Errorf("empty role text:\n%s", empty.Text().String())
	}

	both := ask(t, s, msg(stranger, "C0CHECKOUT", "who decides priorities?"))
	txt := both.Text().String()
	if len(both.Both) != 2 || !strings.Contains(txt, "@Priya Shah") || !strings.Contains(txt, "@Marco Rossi") || !strings.Contains(txt, "backlog") {
		t.Errorf("both answer:\n%s", txt)
	}
}

func TestAskWithoutTeamAsksWhich(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	a := ask(t, s, msg(stranger, "CNOWHERE", "who writes acceptance criteria?"))
	if a.Kind != bot.KindPickTeam || len(a.Teams) != 4 {
		t.Fatalf("kind=%s teams=%v", a.Kind, a.Teams)
	}
	chosen, err := s.AnswerFor(context.Background(), msg(stranger, "CNOWHERE", "who writes acceptance criteria?"), a.Intent, "payments")
	if err != nil || chosen.Holder == nil || chosen.Holder.Person.ID != "U05LEE" {
		t.Fatalf("AnswerFor = %+v, %v", chosen, err)
	}
}

func TestUnknownQuestionIsQueued(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	a := ask(t, s, msg(dev, "C0CHECKOUT", "who is on call tonight?"))
	if a.Kind != bot.KindUnknown || a.Intent != "none" || len(a.Alternatives) != 3 {
		t.Fatalf("kind=%s intent=%s alternatives=%v", a.Kind, a.Intent, a.Alternatives)
	}
	if !strings.Contains(a.Text().String(), "I don't know") || !a.Queued || !strings.Contains(a.Text().String(), "I've kept the question for the leads") {
		t.Errorf("queued %v, text: %s", a.Queued, a.Text().String())
	}
	q, err := st.Unanswered(context.Background(), tenant, 10)
	if err != nil || len(q) != 1 || q[0].Text != "who is on call tonight?" || q[0].Asker.ID != dev.ID || len(q[0].Closest) != 3 {
		t.Fatalf("queue = %+v, %v", q, err)
	}
	// A question from nobody in particular (the command line) is not kept,
	// and the reply does not claim it was.
	a = ask(t, s, msg(ownership.Person{}, "", "who waters the office plants?"))
	if a.Kind != bot.KindUnknown || a.Queued || strings.Contains(a.Text().String(), "kept") {
		t.Errorf("unqueued question: queued %v, text: %s", a.Queued, a.Text().String())
	}
	if q, _ := st.Unanswered(context.Background(), tenant, 10); len(q) != 1 {
		t.Errorf("queue has %d questions", len(q))
	}
}

func TestKnowledgeAnswers(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	for _, q := range []string{"what's the difference between a PM and a PO?", "help"} {
		a := ask(t, s, msg(dev, "", q))
		if a.Kind != bot.KindKnowledge || a.Knowledge.Empty() || a.Team != nil {
			t.Errorf("%q: kind=%s knowledge=%q", q, a.Kind, a.Knowledge)
		}
	}
}

func TestCoverNamesCoverAndUsualHolderAndEnds(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	if _, err := s.Command(ctx, msg(lead, "C0CHECKOUT", "cover po <@U03JULES|jules> until 2026-11-25 17:00")); err != nil {
		t.Fatal(err)
	}
	a := ask(t, s, msg(stranger, "", "who writes acceptance criteria for checkout"))
	if a.Holder.Person.ID != "U03JULES" || a.Holder.Usual.ID != "U02MARCO" || !a.Holder.CoverUntil.Equal(time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("holder = %+v", a.Holder)
	}
	// The person covering is named once, with whom they cover for.
	txt := a.Text().String()
	if head := a.Headline().String(); head != "Acceptance criteria: @jules, covering as Product Owner of Checkout for @Marco Rossi until 25 Nov 2026 17:00 UTC." {
		t.Errorf("headline: %s", head)
	}
	if strings.Count(txt, "@jules") != 1 || strings.Count(txt, "cover") != 1 {
		t.Errorf("the cover is mentioned more than once:\n%s", txt)
	}
	role := ask(t, s, msg(stranger, "", "who is the PO of checkout?"))
	if head := role.Headline().String(); head != "The Product Owner of Checkout is @jules, covering for @Marco Rossi until 25 Nov 2026 17:00 UTC." {
		t.Errorf("role lookup headline: %s", head)
	}
	// After the cover ends, the usual holder answers again without anyone acting.
	later, _ := newServiceAt(t, s, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	b := ask(t, later, msg(stranger, "", "who writes acceptance criteria for checkout"))
	if b.Holder.Person.ID != "U02MARCO" || b.Holder.Covering() {
		t.Errorf("after cover: %+v", b.Holder)
	}
}

// newServiceAt returns a service over the same store as s with another clock.
func newServiceAt(t *testing.T, s *bot.Service, at time.Time) (*bot.Service, ownership.Store) {
	t.Helper()
	return bot.New(s.Store(), s.Catalogue(), bot.WithClock(func() time.Time { return at })), s.Store()
}

func command(t *testing.T, s *bot.Service, m bot.Message) bot.CommandResult {
	t.Helper()
	r, err := s.Command(context.Background(), m)
	if err != nil {
		t.Fatalf("Command(%q): %v", m.Text, err)
	}
	return r
}

func TestLeadSetsPOThenAnswerHistoryAndAnnouncement(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	r := command(t, s, msg(lead, "", `set "product owner" <@U03JULES|jules> checkout`))
	if !r.Changed || !strings.Contains(r.Text.String(), "@jules is now Product Owner of Checkout (was @Marco Rossi)") {
		t.Fatalf("reply: %q", r.Text)
	}
	if len(r.Announcements) != 1 || r.Announcements[0].Channel.ID != "C0CHECKOUT" ||
		r.Announcements[0].Text.String() != "@Morgan Lee made @jules Product Owner of Checkout (was @Marco Rossi)." {
		t.Fatalf("announcements: %+v", r.Announcements)
	}
	a := ask(t, s, msg(stranger, "", "who writes the acceptance criteria for checkout?"))
	if a.Holder.Person.ID != "U03JULES" || a.Holder.AssignedBy.ID != lead.ID || !a.Holder.AssignedAt.Equal(now) {
		t.Fatalf("holder after set: %+v", a.Holder)
	}
	h, err := st.History(ctx, tenant, "checkout", 5)
	if err != nil || len(h) == 0 || h[0].Action != "set" || h[0].Old != "U02MARCO" || h[0].New != "U03JULES" || h[0].Actor.ID != lead.ID {
		t.Fatalf("history: %+v %v", h, err)
	}
	hr := command(t, s, msg(dev, "", "history checkout"))
	if !strings.Contains(hr.Text.String(), "@Morgan Lee made @jules Product Owner of Checkout (was @Marco Rossi)") {
		t.Errorf("history text: %s", hr.Text)
	}
}

func TestOnlyLeadsChangeAnything(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	before, _ := st.Directory(ctx, tenant)
	for _, text := range []string{
		"set po <@U03JULES> checkout", "unset pm checkout", "team create Growth", "channel <#C1|x> checkout",
		"member add <@U1> checkout", "cover po <@U1> until tomorrow checkout", "route roadmap po checkout",
		"lead add <@U03JULES>", `teach "who guards the gate" acceptance_criteria`, `intent add security_review po "why"`,
		"onboard <@U1>", "unanswered", "role add designer Designer", "intents",
	} {
		_, err := s.Command(ctx, msg(dev, "C0CHECKOUT", text))
		if ownership.ErrorCode(err) != ownership.ErrForbidden || !strings.Contains(ownership.ErrorMessage(err), "Only leads") {
			t.Errorf("%q by a non-lead: %v", text, err)
		}
	}
	after, _ := st.Directory(ctx, tenant)
	if after.Version != before.Version {
		t.Errorf("directory changed: version %d → %d", before.Version, after.Version)
	}
	// Admins from configuration and platform admins are leads.
	if _, err := s.Command(ctx, msg(ownership.Person{ID: "UADMIN"}, "", "team create Growth")); err != nil {
		t.Errorf("configured admin refused: %v", err)
	}
	m := msg(ownership.Person{ID: "UWSADMIN"}, "", "team create Platform")
	m.PlatformAdmin = true
	if _, err := s.Command(ctx, m); err != nil {
		t.Errorf("workspace admin refused: %v", err)
	}
	// lead add grants the rights.
	command(t, s, msg(lead, "", "lead add <@U03JULES|jules>"))
	if _, err := s.Command(ctx, msg(dev, "", "unset pm search")); err != nil {
		t.Errorf("new lead refused: %v", err)
	}
}

// TestIntentsListsIdsForLeads: the ids route and teach take are listed in
// chat, with their titles, to leads; the list is private.
func TestIntentsListsIdsForLeads(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	command(t, s, msg(lead, "", `intent add security_review po "Security reviews are the PO's call."`))
	out := command(t, s, msg(lead, "", "intents")).Text.String()
	for _, want := range []string{"`roadmap`: Roadmap", "`acceptance_criteria`: Acceptance criteria", "`security_review`: ", "(added here)", "/whoowns route <intent> <role> [team]"} {
		if !strings.Contains(out, want) {
			t.Errorf("intents lacks %q:\n%s", want, out)
		}
	}
	if !bot.PrivateOnly("intents") {
		t.Error("intents typed in a channel is not answered privately")
	}
}

func TestMalformedCommandsExplainAndChangeNothing(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	before, _ := st.Directory(ctx, tenant)
	cases := []struct{ text, want string }{
		{"set cto <@U1> checkout", "There is no role \"cto\". Roles: Product Manager (product_manager, pm), Product Owner (product_owner, po)"},
		{"set po <@U1> chekout", "There is no team called \"chekout\". Did you mean Checkout?"},
		{"set po alice checkout", "\"alice\" is not a mention of a person"},
		{"set po", "Who should hold the role?"},
		{"cover po <@U1> until 2026-11-01 checkout", "is in the past"},
		{"cover po <@U1> until someday checkout", "can't read \"someday\""},
		{"cover po <@U1> from tomorrow", "Expected \"until\""},
		{"frobnicate", "I don't know the command \"frobnicate\""},
		{`teach "unclosed acceptance_criteria`, "A quote is not closed"},
		{`teach "who guards the gate" no_such_intent`, "There is no intent \"no_such_intent\""},
		{"teach who guards acceptance_criteria", "double quotes"},
		{`intent add roadmap pm "x"`, "built-in intent"},
		{`intent add Bad-Id pm "x"`, "not a valid intent id"},
		{"route nosuch po checkout", "There is no intent \"nosuch\". `/whoowns intents` lists them."},
		{"route help po checkout", "can't be routed"},
		{"channel general checkout", "not a channel link"},
		{"channel here checkout", "only inside a channel"},
		{"member remove <@U99> checkout", "not a member of Checkout"},
		{"team create checkout", "already exists"},
		{"lead remove <@U03JULES>", "is not a lead"},
		{"set po <@U1>", "Which team?"},
	}
	for _, c := range cases {
		_, err := s.Command(ctx, msg(lead, "", c.text))
		if err == nil || !strings.Contains(ownership.ErrorMessage(err), c.want) {
			t.Errorf("%q: got %v, want message containing %q", c.text, err, c.want)
		}
	}
	after, _ := st.Directory(ctx, tenant)
	if after.Version != before.Version {
		t.Errorf("a malformed command changed the directory")
	}
}

func TestTeamChannelMemberRouteCommands(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	command(t, s, msg(lead, "", "team create Growth Hacking"))
	command(t, s, msg(lead, "", "set pm <@U20|gina> growth hacking"))
	command(t, s, msg(lead, "C0GROW", "channel here growth hacking"))
	// Moving a channel unlinks it from its old team.
	r := command(t, s, msg(lead, "", "channel <#C0SEARCH|search> growth hacking"))
	if !strings.Contains(r.Text.String(), "moved from Search") {
		t.Errorf("move reply: %s", r.Text)
	}
	command(t, s, msg(lead, "", "member add <@U21|hal> growth hacking"))
	command(t, s, msg(lead, "C0GROW", "route backlog pm"))
	a := ask(t, s, msg(stranger, "C0SEARCH", "who grooms the backlog?"))
	if a.Team.ID != "growth-hacking" || a.Holder.Person.ID != "U20" || a.Rule != bot.RuleOverride {
		t.Fatalf("after route: team=%v holder=%+v rule=%s", a.Team, a.Holder, a.Rule)
	}
	a = ask(t, s, msg(ownership.Person{ID: "U21"}, "", "who sets the product vision?"))
	if a.Team.ID != "growth-hacking" {
		t.Errorf("member's team not used: %v", a.Team)
	}
	command(t, s, msg(lead, "C0GROW", "route backlog default"))
	command(t, s, msg(lead, "", `team rename "growth hacking" Growth`))
	d, _ := st.Directory(ctx, tenant)
	g := d.Team("growth")
	if g == nil || g.ID != "growth-hacking" || len(g.Channels) != 2 || len(g.Routes) != 0 || d.Teams["search"].HasChannel("C0SEARCH") {
		t.Fatalf("team state: %+v", g)
	}
	command(t, s, msg(lead, "", "unset pm growth"))
	command(t, s, msg(lead, "", "team delete growth"))
	d, _ = st.Directory(ctx, tenant)
	if d.Team("growth") != nil {
		t.Error("team not deleted")
	}
	h, _ := st.History(ctx, tenant, "", 50)
	if len(h) < 10 {
		t.Errorf("history has %d entries, want one per change", len(h))
	}
}

func TestTeachAndCustomIntentWorkAtOnce(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	q := "who signs off the pricing page copy?"
	if a := ask(t, s, msg(stranger, "C0CHECKOUT", q)); a.Intent == "go_to_market" {
		t.Skip("already matched; pick another phrase")
	}
	command(t, s, msg(lead, "", `teach "who signs off the pricing page copy" go_to_market`))
	if a := ask(t, s, msg(stranger, "C0CHECKOUT", q)); a.Intent != "go_to_market" || a.Holder.Person.ID != "U01PRIYA" {
		t.Fatalf("after teach: %s %+v", a.Intent, a.Holder)
	}
	command(t, s, msg(lead, "", `role add designer "Product Designer"`))
	command(t, s, msg(lead, "", "set designer <@U30|dora> checkout"))
	command(t, s, msg(lead, "", `intent add design_review designer "Designers own the review of flows and visuals."`))
	command(t, s, msg(lead, "", `teach "who reviews the mockups" design_review`))
	a := ask(t, s, msg(stranger, "C0CHECKOUT", "who reviews the mockups?"))
	if a.Intent != "design_review" || a.Holder == nil || a.Holder.Person.ID != "U30" || a.Holder.RoleName != "Product Designer" {
		t.Fatalf("custom intent: %s %+v", a.Intent, a.Holder)
	}
}

func TestWelcomeOncePerTeam(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	m := msg(dev, "", "")
	o, send, err := s.Welcome(ctx, m, "")
	if err != nil || !send || o.Team == nil || o.Team.ID != "checkout" || o.PO.Person.ID != "U02MARCO" {
		t.Fatalf("first welcome: %+v %v %v", o, send, err)
	}
	if _, send, _ := s.Welcome(ctx, m, "checkout"); send {
		t.Error("welcomed twice for the same team")
	}
	if _, send, _ := s.Welcome(ctx, m, "payments"); !send {
		t.Error("joining another team's channel should welcome for that team")
	}
	n := msg(stranger, "", "")
	o, send, _ = s.Welcome(ctx, n, "")
	if !send || o.Team != nil || len(o.Teams) != 4 || !strings.Contains(o.Text().String(), "Which team are you on?") {
		t.Fatalf("unknown team: %+v", o)
	}
	j, err := s.JoinTeam(ctx, n, "mobile")
	if err != nil || j.Team.ID != "mobile" || !j.SamePerson {
		t.Fatalf("JoinTeam: %+v %v", j, err)
	}
	if a := ask(t, s, msg(stranger, "", "who owns the backlog?")); a.Team == nil || a.Team.ID != "mobile" {
		t.Errorf("membership not recorded: %+v", a.Team)
	}
}

func TestOnboardCommandAndHome(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	r := command(t, s, msg(lead, "", "onboard <@U99NEW|newbie> payments"))
	if len(r.Welcomes) != 1 || r.Welcomes[0].User.ID != "U99NEW" || r.Welcomes[0].Team.ID != "payments" {
		t.Fatalf("welcomes: %+v", r.Welcomes)
	}
	ask(t, s, msg(dev, "", "who fixes the printer?"))
	h, err := s.Home(ctx, msg(lead, "", ""))
	if err != nil || !h.Lead || len(h.Unanswered) != 1 || len(h.EmptyRoles) != 1 || h.EmptyRoles[0].Team.ID != "search" {
		t.Fatalf("lead home: %+v %v", h, err)
	}
	h, _ = s.Home(ctx, msg(dev, "", ""))
	if h.Lead || h.Teams[0].Team.ID != "checkout" || len(h.Unanswered) != 0 {
		t.Fatalf("member home: %+v", h)
	}
	if len(h.Teams[0].Roles) != 2 || h.Mine != 1 || !h.Teams[0].Mine || len(h.Teams) != 4 || h.Teams[1].Mine {
		t.Errorf("own team first, then the others: %+v", h.Teams)
	}
	if len(h.Topics) < 2 || len(h.Topics[0].Answers) == 0 || h.Topics[0].Role != ownership.ProductManager {
		t.Errorf("topics: %+v", h.Topics)
	}
	for _, ht := range h.Teams {
		if ht.Team.ID == "payments" && (len(ht.Overrides) != 1 || ht.Overrides[0].RoleName != "Product Owner") {
			t.Errorf("payments' override: %+v", ht.Overrides)
		}
	}
	h, _ = s.Home(ctx, msg(lead, "", ""))
	if h.Summary == nil || h.Summary.Teams != 4 || h.Summary.EmptyRoles != 1 || h.Summary.Unanswered != 1 || !h.OnNoTeam() {
		t.Errorf("lead summary: %+v", h.Summary)
	}
}

func TestReadOnlyCommands(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	for text, want := range map[string]string{
		"teams":                                  "Checkout: PM @Priya Shah, PO @Marco Rossi",
		"show payments":                          "Overrides: roadmap → Product Owner",
		"show":                                   "Search",
		"help":                                   "I've sent you the commands you can use privately.",
		"ask who owns the roadmap for checkout?": "@Priya Shah",
	} {
		ch := "C0SEARCH"
		r := command(t, s, msg(dev, ch, text))
		if !strings.Contains(r.Text.String(), want) {
			t.Errorf("%q: %q lacks %q", text, r.Text, want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, bot.WithLimits(bot.Limits{Questions: 2, Window: time.Minute}))
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := s.Ask(ctx, msg(dev, "", "who owns the roadmap?")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Ask(ctx, msg(dev, "", "who owns the roadmap?"))
	if ownership.ErrorCode(err) != ownership.ErrRateLimited {
		t.Fatalf("third question: %v", err)
	}
	if _, err := s.Ask(ctx, msg(stranger, "", "who owns the roadmap?")); err != nil {
		t.Errorf("another user limited: %v", err)
	}
}

func TestLooksLikeCommand(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"set po <@U1> checkout":        true,
		"help":                         true,
		"teams":                        true,
		"show checkout":                true,
		"who owns the roadmap?":        false,
		"show me who owns the roadmap": false,
		"set the sprint goal?":         false,
		"history":                      true,
		"ask who owns the roadmap":     false,
		"what does a product owner do": false,
	} {
		if got := bot.LooksLikeCommand(text); got != want {
			t.Errorf("LooksLikeCommand(%q) = %v", text, got)
		}
	}
}

func TestEveryChangeIsAnnounced(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	cases := []struct{ text, channel, want string }{
		{"member add <@U40|kim> checkout", "C0CHECKOUT", "@Morgan Lee added @kim to Checkout."},
		{"member remove <@U40|kim> checkout", "C0CHECKOUT", "@Morgan Lee removed @kim from Checkout."},
		{"channel remove <#C0SEARCH|search>", "C0SEARCH", "@Morgan Lee unlinked this channel from Search."},
		{"team delete mobile", "C0MOBILE", "@Morgan Lee deleted the team Mobile"},
	}
	for _, c := range cases {
		r := command(t, s, msg(lead, "", c.text))
		if len(r.Announcements) != 1 || r.Announcements[0].Channel.ID != c.channel || !strings.HasPrefix(r.Announcements[0].Text.String(), c.want) {
			t.Errorf("%q: announcements %+v, want %q in %s", c.text, r.Announcements, c.want, c.channel)
		}
	}
	// A command that changes nothing announces nothing.
	if r := command(t, s, msg(lead, "", "set pm <@U01PRIYA> checkout")); r.Changed || len(r.Announcements) != 0 {
		t.Errorf("no-op announced: %+v", r)
	}
}

func TestChannelLinkInQuestionPicksItsTeam(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	// The link's label is not a team name: the channel id decides.
	a := ask(t, s, msg(stranger, "", "who writes user stories for <#C0PAYMENTS|money-stuff>?"))
	if a.Team == nil || a.Team.ID != "payments" || a.Holder.Person.ID != "U05LEE" {
		t.Fatalf("team %+v holder %+v", a.Team, a.Holder)
	}
}

func TestCustomRoleLookup(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	command(t, s, msg(lead, "", `role add designer "Product Designer"`))
	command(t, s, msg(lead, "", "set designer <@U30|dora> checkout"))
	a := ask(t, s, msg(stranger, "", "who is the product designer for checkout"))
	if a.Intent != "role_lookup" || a.Role != "designer" || a.Holder == nil || a.Holder.Person.ID != "U30" {
		t.Fatalf("intent %s role %s holder %+v", a.Intent, a.Role, a.Holder)
	}
}

func TestCommandInputLimitsAndBrokenEscapes(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	before, _ := st.Directory(ctx, tenant)
	long := strings.Repeat("x", 81)
	for text, want := range map[string]string{
		"team create " + long:                                  "team name is too long",
		`teach "` + strings.Repeat("who ", 60) + `" roadmap`:   "phrase is too long",
		`intent add x_y po "` + strings.Repeat("w", 301) + `"`: "why is too long",
		"set po <@U0J checkout":                                "is not a mention",
		"cover po <@U1> until 9999999999d checkout":            "can't read",
	} {
		_, err := s.Command(ctx, msg(lead, "", text))
		if !strings.Contains(ownership.ErrorMessage(err), want) {
			t.Errorf("%.40q: %v, want %q", text, err, want)
		}
	}
	if after, _ := st.Directory(ctx, tenant); after.Version != before.Version {
		t.Error("a refused command changed the directory")
	}
}

func TestCommandLineQuestionsStayOutOfTheQueue(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ask(t, s, msg(ownership.Person{}, "", "who fixes the printer?"))
	if q, _ := st.Unanswered(context.Background(), tenant, 10); len(q) != 0 {
		t.Errorf("queued: %+v", q)
	}
}

// TestCustomIntentEditServedOnNextQuestion: an edit of a custom intent's why
// or phrases made elsewhere (an import, another replica) is served by a
// running service on its next question, though the counts stay the same.
func TestCustomIntentEditServedOnNextQuestion(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	command(t, s, msg(lead, "D0LEAD", `intent add vendor_review po "The PO keeps the vendor list."`))
	if a := ask(t, s, msg(dev, "C0CHECKOUT", "who owns vendor review")); a.Intent != "vendor_review" || a.Why != "The PO keeps the vendor list." {
		t.Fatalf("before the edit: %s %q", a.Intent, a.Why)
	}
	edit := func(f func(*ownership.CustomIntent)) {
		t.Helper()
		_, _, err := st.Update(context.Background(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
			f(&d.Intents[0])
			return []ownership.Change{{At: now, Action: "import", Summary: "edited"}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	edit(func(i *ownership.CustomIntent) { i.Why = "The PO chairs the quarterly vendor review." })
	if a := ask(t, s, msg(dev, "C0CHECKOUT", "who owns vendor review")); a.Why != "The PO chairs the quarterly vendor review." {
		t.Errorf("after editing the why: %q", a.Why)
	}
	// Same number of phrases, different words.
	edit(func(i *ownership.CustomIntent) {
		i.Phrases = []string{"who runs supplier audits", "who audits our suppliers"}
	})
	if a := ask(t, s, msg(dev, "C0CHECKOUT", "who runs supplier audits")); a.Intent != "vendor_review" {
		t.Errorf("after editing a phrase: %s", a.Intent)
	}
}

// TestFeedbackRefusesUnknownIntents: a forged intent id is refused and
// leaves no trace in the store or the metrics.
func TestFeedbackRefusesUnknownIntents(t *testing.T) {
	t.Parallel()
	obs := &feedbackSpy{}
	s, st := newService(t, bot.WithObserver(obs))
	ctx := context.Background()
	for _, id := range []string{"forged_" + strings.Repeat("x", 50), "", "none_such"} {
		if err := s.Feedback(ctx, msg(dev, "C0CHECKOUT", ""), id, true); ownership.ErrorCode(err) != ownership.ErrInvalid {
			t.Errorf("Feedback(%q) = %v, want invalid", id, err)
		}
	}
	if err := s.Feedback(ctx, msg(dev, "C0CHECKOUT", ""), "roadmap", false); err != nil {
		t.Fatal(err)
	}
	fb, err := st.Feedback(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 1 || fb["roadmap"].NotHelpful != 1 {
		t.Errorf("stored feedback %+v, want only roadmap's vote", fb)
	}
	if obs.calls != 1 {
		t.Errorf("observer told %d times, want once", obs.calls)
	}
}

type feedbackSpy struct {
	mu    sync.Mutex
	calls int
}

func (*feedbackSpy) Answered(string, bot.Answer, time.Duration) {}
func (f *feedbackSpy) Feedback(string, string, bool) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
}

// demotingStore removes the lead from the directory each Update commits to,
// as another replica's "lead remove" landing between the service's first
// check and its commit would.
type demotingStore struct {
	ownership.Store
	lead string
}

func (s demotingStore) Update(ctx context.Context, t ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	return s.Store.Update(ctx, t, func(d *ownership.Directory) ([]ownership.Change, error) {
		var keep []ownership.Person
		for _, p := range d.Leads {
			if p.ID != s.lead {
				keep = append(keep, p)
			}
		}
		d.Leads = keep
		return fn(d)
	}, opts...)
}

// TestLeadCheckedInsideTheUpdate: a lead removed between the check and the
// commit commits nothing.
func TestLeadCheckedInsideTheUpdate(t *testing.T) {
	t.Parallel()
	_, st := newService(t)
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := bot.New(demotingStore{Store: st, lead: lead.ID}, cat, bot.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	for _, c := range []string{"set po <@U03JULES|jules> checkout", "team create Growth", "onboard <@U03JULES|jules> checkout", "lead add <@U03JULES|jules>"} {
		_, err := s.Command(ctx, msg(lead, "D0LEAD", c))
		if ownership.ErrorCode(err) != ownership.ErrForbidden {
			t.Errorf("%q by a lead removed meanwhile: %v, want forbidden", c, err)
		}
	}
	d, err := st.Directory(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if po := d.Team("checkout").Roles[ownership.ProductOwner].Person; po.ID == dev.ID {
		t.Error("the PO changed")
	}
	if d.Team("growth") != nil || d.IsLead(dev.ID) || !d.IsLead(lead.ID) {
		t.Error("a refused change was committed")
	}
	if hs, _ := st.History(ctx, tenant, "", 50); len(hs) != 0 {
		t.Errorf("history %+v, want nothing recorded", hs)
	}
}

// TestAuditOnboardAndDelete: onboard is audited, and a deleted team's entry
// keeps all of it, so it can be restored; history shows what it held.
func TestAuditOnboardAndDelete(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	command(t, s, msg(lead, "D0LEAD", "onboard <@U03JULES|jules> checkout"))
	before, err := st.Directory(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	want := *before.Team("checkout")
	command(t, s, msg(lead, "D0LEAD", "team delete checkout"))
	hs, err := st.History(ctx, tenant, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var onboard, del *ownership.Change
	for i := range hs {
		switch hs[i].Action {
		case "onboard":
			onboard = &hs[i]
		case "team.delete":
			del = &hs[i]
		}
	}
	if onboard == nil || onboard.Actor.ID != lead.ID || onboard.New != dev.ID || onboard.Team != "checkout" || onboard.At.IsZero() {
		t.Fatalf("onboard entry %+v", onboard)
	}
	if del == nil || del.Actor.ID != lead.ID || del.At.IsZero() {
		t.Fatalf("delete entry %+v", del)
	}
	var got ownership.Team
	if err := json.Unmarshal([]byte(del.Old), &got); err != nil {
		t.Fatalf("the deleted team's old value %q: %v", del.Old, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("restorable team:\n got %+v\nwant %+v", got, want)
	}
	hr := command(t, s, msg(lead, "D0LEAD", "history"))
	if txt := hr.Text.String(); !strings.Contains(txt, "deleted the team Checkout (Product Manager") || !strings.Contains(txt, "sent @jules the welcome message for Checkout") {
		t.Errorf("history:\n%s", txt)
	}
}

// The leads' queue shows a question asked several times once, with a count,
// leaves out a question once it is taught, and refuses words after
// "unanswered" it does not know with a usage error that changes nothing.
func TestUnansweredGroupsAndDropsTaught(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	for _, q := range []string{"who is on call tonight?", "Who is on call tonight", "who waters the office plants?", "WHO IS ON CALL TONIGHT?!"} {
		ask(t, s, msg(dev, "C0CHECKOUT", q))
	}
	text := strings.ToLower(command(t, s, msg(lead, "", "unanswered")).Text.String())
	if !strings.Contains(text, "asked 3 times") || strings.Count(text, "on call tonight") != 1 || !strings.Contains(text, "office plants") {
		t.Errorf("grouped queue:\n%s", text)
	}
	if _, err := s.Command(context.Background(), msg(lead, "", "unanswered frobnicate")); ownership.ErrorCode(err) != ownership.ErrInvalid || !strings.Contains(ownership.ErrorMessage(err), "dismiss <n>") {
		t.Errorf("unanswered frobnicate: %v", err)
	}
	if q, _ := st.Unanswered(context.Background(), tenant, 10); len(q) != 4 {
		t.Errorf("queue has %d questions after a refused command, want 4", len(q))
	}
	command(t, s, msg(lead, "", `teach "who waters the office plants" roadmap`))
	text = strings.ToLower(command(t, s, msg(lead, "", "unanswered")).Text.String())
	if strings.Contains(text, "office plants") || !strings.Contains(text, "on call tonight") {
		t.Errorf("queue after teaching:\n%s", text)
	}
}
