package bot

import (
	"context"
	"strings"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// verb is one command of the leads' grammar: its usage, who may run it,
// where its reply may be shown and what runs it. The table below is the
// only place these facts live; Command, help, PrivateOnly and the usage
// errors all read it.
type verb struct {
	name  string
	usage string
	// lead: only leads may run it.
	lead bool
	// private: its reply reaches only its author (PrivateOnly); typed in
	// a channel it is answered privately.
	private bool
	// mutating: it changes data, so it waits while the data is only known
	// from before an outage.
	mutating bool
	// needsNoDirectory: it runs before the directory is read (ask).
	needsNoDirectory bool
	// check runs before the change, outside the update (e.g. asking the
	// platform about a channel).
	check func(c *cmd, ctx context.Context) error
	// Exactly one of view and apply is set. apply runs inside one atomic
	// store update, where the actor's authority is checked again.
	view  func(c *cmd, ctx context.Context) (CommandResult, error)
	apply applyFunc
}

// applyFunc validates a change against d (the directory inside the atomic
// update) and mutates d; it returns the audit entries and sets the reply,
// the team to announce in and the announcement lines.
type applyFunc func(c *cmd, d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error)

// verbs is the grammar, in the order help lists it; verbByName indexes it.
// Both are set in init: the handlers refer back to the table for usage.
var (
	verbs      []*verb
	verbByName map[string]*verb
)

func init() {
	verbs = []*verb{
		{name: "ask", usage: "ask <question>", needsNoDirectory: true, view: (*cmd).ask},
		{name: "show", usage: "show [team]", view: func(c *cmd, _ context.Context) (CommandResult, error) { return c.show() }},
		{name: "teams", usage: "teams", view: func(c *cmd, _ context.Context) (CommandResult, error) { return c.teams() }},
		{name: "team", usage: "team create <team> | team rename <team> <new name> | team delete <team> | team alias add <alias> <team> | team alias remove <alias> <team>", lead: true, private: true, mutating: true, apply: (*cmd).applyTeam},
		{name: "set", usage: "set <role> @user [team]", lead: true, private: true, mutating: true, check: (*cmd).checkUsers, apply: (*cmd).applySet},
		{name: "unset", usage: "unset <role> [team]", lead: true, private: true, mutating: true, apply: (*cmd).applyUnset},
		{name: "channel", usage: "channel #channel <team> | channel here <team> | channel remove #channel", lead: true, private: true, mutating: true, check: (*cmd).checkChannel, apply: (*cmd).applyChannel},
		{name: "member", usage: "member add @user <team> | member remove @user <team>", lead: true, private: true, mutating: true, check: (*cmd).checkUsers, apply: (*cmd).applyMember},
		{name: "cover", usage: "cover <role> @user until <date/time> [team] | cover <role> end [team]", lead: true, private: true, mutating: true, check: (*cmd).checkUsers, apply: (*cmd).applyCover},
		{name: "route", usage: "route <intent> <role> [team] | route <intent> default [team]", lead: true, private: true, mutating: true, apply: (*cmd).applyRoute},
		{name: "lead", usage: "lead add @user | lead remove @user", lead: true, private: true, mutating: true, apply: (*cmd).applyLead},
		{name: "role", usage: `role add <id> "<name>"`, lead: true, private: true, mutating: true, apply: (*cmd).applyRole},
		{name: "handover", usage: "handover <role> @successor [team]", private: true, mutating: true, view: (*cmd).handover},
		{name: "claim", usage: "claim <role> [team]", private: true, mutating: true, view: (*cmd).claim},
		{name: "requests", usage: "requests", lead: true, private: true, view: (*cmd).requests},
		{name: "history", usage: "history [team]", private: true, view: (*cmd).history},
		{name: "digest", usage: "digest | digest here | digest private | digest off | digest now", lead: true, private: true, mutating: true, view: (*cmd).digestCmd},
		{name: "unanswered", usage: "unanswered | unanswered dismiss <n> | unanswered clear", lead: true, private: true, view: (*cmd).unanswered},
		{name: "stats", usage: "stats [days]", lead: true, private: true, view: (*cmd).stats},
		{name: "teach", usage: `teach "<phrase>" <intent>`, lead: true, private: true, mutating: true, apply: (*cmd).applyTeach},
		{name: "learned", usage: "learned | learned approve <n>", lead: true, private: true, mutating: true, view: (*cmd).learned},
		{name: "unlearn", usage: "unlearn <n>", lead: true, private: true, mutating: true, view: (*cmd).unlearn},
		{name: "intents", usage: "intents", lead: true, private: true, view: (*cmd).intents},
		{name: "intent", usage: `intent add <id> <role> "<why>"`, lead: true, private: true, mutating: true, apply: (*cmd).applyIntent},
		{name: "onboard", usage: "onboard @user [team]", lead: true, private: true, mutating: true, view: (*cmd).onboard},
		{name: "help", usage: "help", view: func(c *cmd, _ context.Context) (CommandResult, error) { return c.help(), nil }},
	}

	verbByName = make(map[string]*verb, len(verbs))
	for _, v := range verbs {
		if (v.view == nil) == (v.apply == nil) {
			panic("bot: verb " + v.name + " needs exactly one of view and apply")
		}
		verbByName[v.name] = v
	}
}

// lookupVerb returns the verb named by word, in any case.
func lookupVerb(word string) (*verb, bool) {
	v, ok := verbByName[strings.ToLower(word)]
	return v, ok
}

// ask answers the rest of the command line as a question.
func (c *cmd) ask(ctx context.Context) (CommandResult, error) {
	if len(c.args) == 0 {
		return CommandResult{}, c.usage("The question is missing.")
	}
	q := c.m
	q.Text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.m.Text), c.word))
	a, err := c.s.Ask(ctx, q)
	if err != nil {
		return CommandResult{}, err
	}
	return CommandResult{Answer: &a, Text: a.Text()}, nil
}

// intents lists the tenant's intent ids and titles, the ids route, teach
// and intent add take.
func (c *cmd) intents(ctx context.Context) (CommandResult, error) {
	cat, err := c.s.catalogueFor(c.d)
	if err != nil {
		return CommandResult{}, err
	}
	all := cat.Intents()
	lines := []rich.Text{rich.Sprintf("%d intents (id: title); use the id in %s, %s or %s:", len(all),
		rich.Command("route <intent> <role> [team]"), TeachCommand(), rich.Command(`intent add <id> <role> "<why>"`))}
	for _, in := range all {
		l := rich.Sprintf("• %s: %s", rich.Code(in.ID), in.Title)
		if in.Custom {
			l = append(l, rich.Plain(" (added here)")...)
		}
		lines = append(lines, l)
	}
	return CommandResult{Text: rich.Lines(lines...)}, nil
}
