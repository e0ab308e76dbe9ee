package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// A mention with nothing typed says so and shows how to ask; its "Why?"
// claims no reading and no confidence, and nothing is queued.
func TestBareMentionShowsHowToAsk(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	for _, text := range []string{"", "   "} {
		a := ask(t, s, msg(dev, "C0CHECKOUT", text))
		if a.Kind != bot.KindKnowledge || !a.Bare || a.Score != 0 || a.Queued {
			t.Fatalf("%q: kind=%s bare=%v score=%v queued=%v", text, a.Kind, a.Bare, a.Score, a.Queued)
		}
		if txt := a.Text().String(); !strings.Contains(txt, "You mentioned me without a question.") || !strings.Contains(txt, "Ask in plain words") {
			t.Errorf("bare answer:\n%s", txt)
		}
		why := rich.Lines(a.Reasoning()...).String()
		if strings.Contains(why, "%") || strings.Contains(why, "confidence") || strings.Contains(why, "I read the question as") {
			t.Errorf("Why? of a bare mention claims a reading:\n%s", why)
		}
		if !strings.Contains(why, "without a question") || !strings.Contains(why, "who owns the roadmap for checkout?") {
			t.Errorf("Why? of a bare mention does not say what happened and how to ask:\n%s", why)
		}
	}
	dm := msg(dev, "D1", "")
	dm.DM = true
	if txt := ask(t, s, dm).Text().String(); !strings.Contains(txt, "Your message had no question in it.") {
		t.Errorf("bare DM:\n%s", txt)
	}
	if q, _ := st.Unanswered(context.Background(), tenant, 10); len(q) != 0 {
		t.Errorf("a bare mention was queued: %+v", q)
	}
	// Something typed is read as usual.
	if a := ask(t, s, msg(dev, "", "help")); a.Bare || a.Score == 0 {
		t.Errorf("help: bare=%v score=%v", a.Bare, a.Score)
	}
}

// An empty role is said once: the headline says the team has nobody in
// it, and the hint only says how to fill it.
func TestEmptyRoleSaidOnce(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	if _, err := s.Command(ctx, msg(lead, "", "unset po checkout")); err != nil {
		t.Fatal(err)
	}
	a := ask(t, s, msg(stranger, "", "who writes acceptance criteria for checkout?"))
	txt := a.Text().String()
	if n := strings.Count(txt, "no Product Owner"); n != 1 {
		t.Errorf("the empty role is said %d times:\n%s", n, txt)
	}
	if !strings.Contains(a.FillHint.String(), "/whoowns set po @person Checkout") {
		t.Errorf("fill hint: %s", a.FillHint)
	}
	both := ask(t, s, msg(stranger, "", "who decides priorities for checkout?"))
	if both.Kind != bot.KindBoth {
		t.Fatalf("kind %s", both.Kind)
	}
	if h := both.FillHint.String(); !strings.Contains(h, "Product Owner role") || strings.Contains(h, "has no") {
		t.Errorf("fill hint of a shared answer: %s", h)
	}
}

// Help lists what the asker can use, from the verb table: people who are
// not leads see the commands open to everyone, leads see the rest too.
// Typed in a channel, the reply there is short and the list is private.
// Placeholders are code spans of their own, never "<…>" text.
func TestHelpByRole(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	dm := func(u ownership.Person) bot.Message { m := msg(u, "D1", "help"); m.DM = true; return m }

	member := command(t, s, dm(dev))
	if !member.Private.Empty() {
		t.Errorf("help in a DM has a private part: %s", member.Private)
	}
	txt := member.Text.String()
	for _, want := range []string{"`/whoowns ask` `question`", "`/whoowns show` [`team`]", "`/whoowns teams`", "`/whoowns history` [`team`]", "`/whoowns help`", "Only leads can change"} {
		if !strings.Contains(txt, want) {
			t.Errorf("member help lacks %q:\n%s", want, txt)
		}
	}
	for _, lead := range []string{"set", "unanswered", "teach", "lead add", "intents", "team create"} {
		if strings.Contains(txt, "/whoowns "+lead) {
			t.Errorf("member help shows the lead command %q:\n%s", lead, txt)
		}
	}

	leadHelp := command(t, s, dm(lead)).Text
	ltxt := leadHelp.String()
	for _, want := range []string{"`/whoowns ask` `question`", "`/whoowns set` `role` `@user` [`team`]", "`/whoowns teach` `\"phrase\"` `intent`",
		"`/whoowns team create` `team` or `/whoowns team rename` `team` `new name`", "`/whoowns cover` `role` `@user` until `date/time` [`team`]"} {
		if !strings.Contains(ltxt, want) {
			t.Errorf("lead help lacks %q:\n%s", want, ltxt)
		}
	}
	if strings.Contains(ltxt, "Only leads can change") {
		t.Errorf("lead help tells a lead to ask a lead:\n%s", ltxt)
	}
	// No placeholder reaches a renderer as "<…>" text.
	for _, sp := range leadHelp {
		if strings.ContainsAny(sp.Text, "<>") {
			t.Errorf("help span %+v holds angle brackets", sp)
		}
	}
	// Every verb of the table is in a lead's help.
	for _, v := range []string{"ask", "show", "teams", "team", "set", "unset", "channel", "member", "cover", "route", "lead", "role", "history", "unanswered", "teach", "intents", "intent", "onboard", "help"} {
		if !strings.Contains(ltxt, "`/whoowns "+v) {
			t.Errorf("lead help lacks %s", v)
		}
	}

	// In a channel: a short reply there, the list privately.
	ch, err := s.Command(ctx, msg(dev, "C0CHECKOUT", "help"))
	if err != nil {
		t.Fatal(err)
	}
	if short := ch.Text.String(); len(ch.Text.Split()) != 1 || !strings.Contains(short, "privately") || strings.Contains(short, "/whoowns") {
		t.Errorf("channel reply to help: %s", short)
	}
	if ch.Private.String() != txt {
		t.Errorf("private help in a channel differs from the DM's:\n%s", ch.Private)
	}
	// The bare prefix is help.
	bareMsg := dm(lead)
	bareMsg.Text = ""
	if bare := command(t, s, bareMsg); bare.Text.String() != ltxt {
		t.Errorf("bare prefix: %s", bare.Text)
	}
}

// Leads give a team other names with "team alias add|remove": checked
// against every team's names, bounded, audited, announced and shown.
func TestTeamAlias(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()

	r := command(t, s, msg(lead, "", `team alias add "find it" search`))
	if !r.Changed || !strings.Contains(r.Text.String(), `Search is now also known as "find it"`) {
		t.Fatalf("reply: %s", r.Text)
	}
	if len(r.Announcements) != 1 || r.Announcements[0].Channel.ID != "C0SEARCH" || r.Announcements[0].Text.String() != `@Morgan Lee added the alias "find it" for Search.` {
		t.Fatalf("announcements: %+v", r.Announcements)
	}
	if a := ask(t, s, msg(stranger, "", "who owns the roadmap for find it?")); a.Team == nil || a.Team.ID != "search" {
		t.Errorf("the alias does not name the team in questions: %+v", a.Team)
	}
	if show := command(t, s, msg(stranger, "", "show find it")).Text.String(); !strings.Contains(show, "Also called: find it") {
		t.Errorf("show:\n%s", show)
	}
	h, err := st.History(ctx, tenant, "search", 1)
	if err != nil || len(h) != 1 || h[0].Action != "team.alias.add" || h[0].New != "find it" || h[0].Actor.ID != lead.ID {
		t.Fatalf("history: %+v %v", h, err)
	}

	before, _ := st.Directory(ctx, tenant)
	for text, want := range map[string]string{
		`team alias add pay search`:                               `"pay" already names the team Payments`,
		`team alias add payments search`:                          `"payments" already names the team Payments`,
		`team alias add Checkout search`:                          `already names the team Checkout`,
		`team alias add "find it" search`:                         "already known as",
		`team alias add "" search`:                                "The alias is empty",
		`team alias add "!!" search`:                              "The alias is empty",
		`team alias add team search`:                              "too common a word",
		`team alias add "` + strings.Repeat("x", 81) + `" search`: "too long",
		`team alias add x nosuchteam`:                             "no team called",
		`team alias rename x search`:                              `"rename" is not add or remove`,
		`team alias add`:                                          "Say add or remove",
		`team alias remove nope search`:                           `Search has no alias "nope"`,
	} {
		res, err := s.Command(ctx, msg(lead, "", text))
		got := ""
		if err != nil {
			got = ownership.ErrorText(err).String()
		} else {
			got = res.Text.String()
		}
		if !strings.Contains(got, want) || res.Changed {
			t.Errorf("%s: changed=%v %q, want %q", text, res.Changed, got, want)
		}
	}
	if _, err := s.Command(ctx, msg(dev, "", `team alias add finder search`)); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Errorf("a member added an alias: %v", err)
	}
	after, _ := st.Directory(ctx, tenant)
	if after.Version != before.Version {
		t.Errorf("refused alias commands changed the directory: version %d → %d", before.Version, after.Version)
	}

	r = command(t, s, msg(lead, "", `team alias remove "Find It" search`))
	if !r.Changed || len(r.Announcements) != 1 || !strings.Contains(r.Text.String(), `no longer known as "find it"`) {
		t.Fatalf("remove: %s %+v", r.Text, r.Announcements)
	}
	if d, _ := st.Directory(ctx, tenant); d.Team("find it") != nil {
		t.Error("the removed alias still names the team")
	}
	if h, _ := st.History(ctx, tenant, "search", 1); len(h) != 1 || h[0].Action != "team.alias.remove" || h[0].Old != "find it" {
		t.Errorf("history: %+v", h)
	}
}

// History names people with mentions (the platforms show their current
// names), and in a linked channel it is the channel's team's.
func TestHistoryMentionsPeopleAndDefaultsToTheChannelsTeam(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	command(t, s, msg(lead, "", "set po <@U03JULES|jules> checkout"))
	command(t, s, msg(lead, "", "member add <@U99NEW|New Person> search"))
	command(t, s, msg(lead, "", "unset pm search"))

	h := command(t, s, msg(dev, "C0CHECKOUT", "history"))
	txt := h.Text.String()
	if !strings.HasPrefix(txt, "Latest changes for Checkout and the whole workspace:") || strings.Contains(txt, "Search") {
		t.Errorf("history in Checkout's channel:\n%s", txt)
	}
	ids := map[string]string{}
	for _, sp := range h.Text {
		if sp.Kind == rich.KindMention {
			ids[sp.ID] = sp.Text
		}
	}
	if ids[lead.ID] != "Morgan Lee" || ids["U03JULES"] != "jules" || ids["U02MARCO"] != "Marco Rossi" {
		t.Errorf("mentions in history: %v\n%s", ids, txt)
	}
	// Changes to the whole workspace are there too.
	command(t, s, msg(lead, "", "lead add <@U77NEW|Neo>"))
	if txt := command(t, s, msg(dev, "C0CHECKOUT", "history")).Text.String(); !strings.Contains(txt, "@Morgan Lee made @Neo a lead") || strings.Contains(txt, "Search") {
		t.Errorf("history in Checkout's channel after a lead add:\n%s", txt)
	}
	// Elsewhere (a DM, an unlinked channel) the whole workspace's.
	for _, ch := range []string{"", "CRANDOM"} {
		all := command(t, s, msg(dev, ch, "history")).Text.String()
		if !strings.HasPrefix(all, "Latest changes for this workspace:") || !strings.Contains(all, "Search") || !strings.Contains(all, "Checkout") {
			t.Errorf("history in %q:\n%s", ch, all)
		}
	}
	// A removed holder and a new member are mentioned too.
	search := command(t, s, msg(dev, "C0SEARCH", "history"))
	got := map[string]bool{}
	for _, sp := range search.Text {
		if sp.Kind == rich.KindMention {
			got[sp.ID] = true
		}
	}
	if !got["U09AISHA"] || !got["U99NEW"] || !got[lead.ID] {
		t.Errorf("mentions in Search's history: %v\n%s", got, search.Text)
	}
}

// A second pick in the welcome's team picker replaces the first instead of
// adding a team; memberships a lead made are left alone.
func TestWelcomePickReplacesThePreviousPick(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	ctx := context.Background()
	nell := ownership.Person{ID: "U0NELL", Name: "Nell"}
	m := msg(nell, "D0NELL", "")
	member := func(team string) bool {
		d, _ := st.Directory(ctx, tenant)
		return d.Teams[team].HasMember(nell.ID)
	}

	if o, err := s.JoinTeam(ctx, m, "payments"); err != nil || o.Team == nil || o.Team.ID != "payments" {
		t.Fatalf("first pick: %+v %v", o.Team, err)
	}
	if o, err := s.JoinTeam(ctx, m, "search"); err != nil || o.Team.ID != "search" {
		t.Fatalf("re-pick: %+v %v", o.Team, err)
	}
	if member("payments") || !member("search") {
		t.Errorf("after a re-pick: payments %v, search %v; want only search", member("payments"), member("search"))
	}
	h, _ := st.History(ctx, tenant, "payments", 1)
	if len(h) != 1 || h[0].Action != "member.remove" || h[0].Summary != "Nell picked Search instead of Payments" {
		t.Errorf("history of the re-pick: %+v", h)
	}
	// Picking the same team again changes nothing.
	before, _ := st.Directory(ctx, tenant)
	if _, err := s.JoinTeam(ctx, m, "search"); err != nil {
		t.Fatal(err)
	}
	if after, _ := st.Directory(ctx, tenant); after.Version != before.Version {
		t.Error("picking the same team again changed the directory")
	}
	// A lead adds Nell to Search: that membership is the lead's, and a
	// later pick adds Checkout without taking Search away.
	command(t, s, msg(lead, "", "member add <@U0NELL|Nell> search"))
	if _, err := s.JoinTeam(ctx, m, "checkout"); err != nil {
		t.Fatal(err)
	}
	if !member("search") || !member("checkout") {
		t.Errorf("a lead's membership was replaced by a pick: search %v, checkout %v", member("search"), member("checkout"))
	}
	// Someone a lead put on a team who picks it keeps it on a re-pick.
	if _, err := s.JoinTeam(ctx, msg(dev, "", ""), "checkout"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JoinTeam(ctx, msg(dev, "", ""), "payments"); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Directory(ctx, tenant); !d.Teams["checkout"].HasMember(dev.ID) || !d.Teams["payments"].HasMember(dev.ID) {
		t.Error("a pick removed a membership the person had before picking")
	}
}
