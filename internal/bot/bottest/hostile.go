// Package bottest drives the core with hostile text, for the renderers'
// golden files and fuzz targets: every reply kind the core produces, with
// a team name, a display name, a question and a custom intent's "why"
// chosen by the test.
package bottest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// The only ids a renderer may turn into mentions and channel links: the
// typed ones. They are valid on both platforms.
const (
	Tenant   = ownership.TenantID("slack:T0HOSTILE")
	Lead     = "U0LEAD"
	Holder   = "U0HOLDER"
	Newcomer = "U0NEW"
	Late     = "U0LATE"
	Linked   = "C0LINKED"
	DM       = "D0LEAD"
)

// TypedUsers and TypedChannels are the ids the core may mention or link.
var (
	TypedUsers    = []string{Lead, Holder, Newcomer, Late}
	TypedChannels = []string{Linked}
)

// Hostile are texts that ping, broadcast, mention or link if a platform
// reads them as markup.
var Hostile = []string{
	"@channel", "<!channel>", "<!here>", "<!everyone>", "<!subteam^S1|@leads>", "<!subteam^S1>",
	"<https://evil.example|Re-verify your SSO>", "<http://evil.example>", "[x](https://evil)", "![i](https://evil/i.png)",
	"<at>Boss</at>", "<@U0BOSS>", "<#C0OTHER|general>", "&lt;!channel&gt;", "*_~`#|\\", "- item\n# heading\n1. one",
	"<a href=\"https://evil\">x</a>", "\u202e<!here>", "",
}

// Output is everything the core produced for one run of Drive.
type Output struct {
	Answers       []bot.Answer
	Texts         []rich.Text // command replies and error messages
	Announcements []bot.Announcement
	Homes         []bot.Home
	Onboardings   []bot.Onboarding
}

// HostileWhy is the why of the tenant's custom intent "hostile_review".
const HostileWhy = "Because *_~ <!here> [x](https://evil) <http://evil.example> <at>Boss</at>"

var (
	catOnce sync.Once
	cat     *intent.Catalogue
	catErr  error
)

// catalogueYAML is a small catalogue of its own, so that golden files do
// not change whenever the real one is tuned.
const catalogueYAML = `intents:
  - id: acceptance_criteria
    role: product_owner
    title: Acceptance criteria
    why: The product owner decides what a story must do to be accepted.
    more: Acceptance criteria are agreed before the sprint starts.
    phrases: [who writes the acceptance criteria, who defines when a story is done, acceptance criteria owner]
  - id: roadmap
    role: product_manager
    title: Roadmap & launch
    why: The product manager owns the roadmap.
    phrases: [who owns the roadmap, who plans the releases for next year, roadmap owner]
  - id: prioritization
    role: both
    title: Prioritization
    why: Priorities are set at two levels.
    phrases: [who decides priorities, who sets the priorities, what comes first]
  - id: role_difference
    role: info
    title: PM vs PO
    why: The two roles split the work.
    more: The product manager owns the what and the why; the product owner the how and the when.
    phrases: [what does a product owner do, difference between a pm and a po, what is a product manager]
  - id: none
    role: none
    title: Not an ownership question
    why: Out of scope.
    phrases: [where is the coffee machine, what is the wifi password, book a meeting room]
`

// catalogue is the small catalogue extended with the custom intent, once:
// training a catalogue takes far longer than everything else a run does.
func catalogue() (*intent.Catalogue, error) {
	catOnce.Do(func() {
		base, err := intent.Load(fstest.MapFS{"catalogue.yaml": {Data: []byte(catalogueYAML)}})
		if err != nil {
			catErr = err
			return
		}
		cat, catErr = base.Extend([]ownership.CustomIntent{{ID: "hostile_review", Role: ownership.ProductOwner, Why: HostileWhy,
			Phrases: []string{"who owns the quarterly vendor review", "who runs the vendor review"}}}, nil)
	})
	return cat, catErr
}

// typed is what a transport lets through of text a person typed: a
// mention or channel link can only be picked, never typed, so typed "<@"
// and "<#" lose their bracket (Slack escapes them; Teams strips them).
var typed = strings.NewReplacer("<@", "@", "<#", "#")

// now is the fixed clock of every run, so golden files are stable.
var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// Input is what a person typed: a team name, a display name, a question
// (also the name of a second team and an unanswered question) and a custom
// intent's why.
type Input struct {
	Team, Person, Question, Why string
	// Ask also asks Question through the matcher. Golden files leave it out:
	// what the matcher makes of a question changes as it is tuned.
	Ask bool
}

// Drive builds a tenant from in and collects every kind of reply: answers
// (person, both, empty role, cover, custom intent, knowledge, pick a team,
// unknown), command replies, errors and announcements, the home views and
// the welcome. Answers are chosen by intent, as a click on "did you mean"
// does, so they do not depend on the matcher; the answers of the custom
// intent carry in.Why as their why (the catalogue is trained once, with
// HostileWhy).
func Drive(tb testing.TB, in Input) Output {
	team, person, question, why := in.Team, in.Person, in.Question, in.Why
	tb.Helper()
	cat, err := catalogue()
	if err != nil {
		tb.Fatal(err)
	}
	question = typed.Replace(question)
	lead := ownership.Person{ID: Lead, Name: person}
	holder := ownership.Person{ID: Holder, Name: person}
	d := ownership.NewDirectory(Tenant)
	d.Teams["t1"] = &ownership.Team{ID: "t1", Name: team,
		Roles: map[ownership.Role]ownership.Assignment{
			ownership.ProductOwner: {Person: holder, AssignedBy: lead, AssignedAt: now.Add(-time.Hour)},
			"designer":             {Person: holder},
		},
		Covers:   map[ownership.Role]ownership.Cover{ownership.ProductOwner: {Person: lead, Until: now.Add(48 * time.Hour), By: lead, At: now}},
		Members:  []ownership.Person{holder, lead},
		Channels: []ownership.Channel{{ID: Linked, Name: team}},
	}
	d.Teams["t2"] = &ownership.Team{ID: "t2", Name: question, Roles: map[ownership.Role]ownership.Assignment{ownership.ProductManager: {Person: holder}}}
	d.Leads = []ownership.Person{lead}
	d.Roles = []ownership.RoleDef{{ID: "designer", Name: person}}
	st := memstore.New(memstore.WithDirectory(d), memstore.WithClock(func() time.Time { return now }))
	svc := bot.New(st, cat, bot.WithClock(func() time.Time { return now }))
	ctx := context.Background()

	var out Output
	fail := func(err error) {
		if err != nil {
			out.Texts = append(out.Texts, ownership.ErrorText(err))
		}
	}
	msg := func(user ownership.Person, channel, text string) bot.Message {
		return bot.Message{Tenant: Tenant, Platform: bot.PlatformSlack, ID: "m" + text, User: user, Channel: ownership.Channel{ID: channel}, DM: strings.HasPrefix(channel, "D"), Text: text}
	}
	answer := func(a bot.Answer, err error) {
		fail(err)
		if err == nil {
			out.Answers = append(out.Answers, a)
		}
	}
	for _, id := range []string{"acceptance_criteria", "roadmap", "prioritization", "hostile_review", "role_difference"} {
		answer(svc.AnswerFor(ctx, msg(holder, Linked, question), id, "t1"))
	}
	// From nowhere in particular: which team? (listing the teams by name)
	answer(svc.AnswerFor(ctx, msg(ownership.Person{ID: Newcomer, Name: person}, "C0ELSE", ""), "roadmap", ""))
	answer(svc.AnswerFor(ctx, msg(holder, "C0ELSE", question), "acceptance_criteria", "t2"))
	// "I don't know", with the closest intents, and the question queued.
	answer(svc.AnswerFor(ctx, msg(holder, Linked, question), "none", ""))
	if in.Ask {
		answer(svc.Ask(ctx, msg(holder, Linked, question)))
	}

	label := strings.NewReplacer("<", "", ">", "", "|", "").Replace(person)
	link := "<#" + Linked + "|" + label + ">"
	command := func(c string) {
		res, err := svc.Command(ctx, msg(lead, DM, c))
		if err != nil {
			fail(err)
			return
		}
		out.Texts = append(out.Texts, res.Text)
		if res.Answer != nil {
			out.Answers = append(out.Answers, *res.Answer)
		}
		out.Announcements = append(out.Announcements, res.Announcements...)
		out.Onboardings = append(out.Onboardings, res.Welcomes...)
	}
	for _, c := range []string{"show " + link, "teams", "unanswered", "help",
		"set po <@" + Newcomer + "|" + label + "> " + link,
		"cover pm <@" + Holder + "|" + label + "> until 3d " + link,
		"member add <@" + Newcomer + "|" + label + "> " + link,
		"route roadmap po " + link,
		"onboard <@" + Newcomer + "|" + label + "> " + link,
		"history", "history " + link,
		"show " + question, "set po <@" + Newcomer + "> " + question, "frobnicate " + question,
		"team create " + question,
	} {
		command(c)
	}
	for _, u := range []ownership.Person{lead, {ID: Newcomer, Name: person}} {
		h, err := svc.Home(ctx, msg(u, "", ""))
		fail(err)
		out.Homes = append(out.Homes, h)
	}
	if o, send, err := svc.Welcome(ctx, msg(ownership.Person{ID: Late, Name: person}, "", ""), ""); err == nil && send {
		out.Onboardings = append(out.Onboardings, o)
	} else {
		fail(err)
	}
	command("team delete " + link)
	for i, a := range out.Answers {
		if a.Intent == "hostile_review" {
			out.Answers[i].Why = why
		}
	}
	return out
}
