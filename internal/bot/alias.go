package bot

import (
	"fmt"
	"slices"
	"strings"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// maxAliases bounds a team's other names.
const maxAliases = 20

// applyTeamAlias runs "team alias add|remove <alias> <team>" on d (see
// applyFunc): another name the team is known by in questions and commands.
func (c *cmd) applyTeamAlias(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	args := c.args[1:] // after "alias"
	if len(args) < 2 {
		return nil, c.usage("Say add or remove, the alias and the team.")
	}
	op := strings.ToLower(args[0].text)
	if op != "add" && op != "remove" {
		return nil, c.usage("%q is not add or remove.", args[0].text)
	}
	alias := strings.Join(strings.Fields(args[1].text), " ")
	if alias == "" || ownership.Slug(alias) == "" {
		return nil, c.usage("The alias is empty: use letters or digits (quote an alias with spaces).")
	}
	if err := tooLong("alias", alias, maxName); err != nil {
		return nil, err
	}
	t, err := c.team(d, args[2:])
	if err != nil {
		return nil, err
	}
	me := mention(c.m.User)
	if op == "remove" {
		i := slices.IndexFunc(t.Aliases, func(a string) bool { return strings.EqualFold(a, alias) || ownership.Slug(a) == ownership.Slug(alias) })
		if i < 0 {
			return nil, ownership.Errorf(ownership.ErrNotFound, "%s has no alias %q; nothing changed.", t.Name, alias)
		}
		old := t.Aliases[i]
		t.Aliases = slices.Delete(slices.Clone(t.Aliases), i, i+1)
		*touched = t
		*reply = rich.Sprintf("%s is no longer known as %q.", rich.Strong(t.Name), old)
		*announce = []rich.Text{rich.Sprintf("%s removed the alias %q of %s.", me, old, t.Name)}
		return []ownership.Change{{Team: t.ID, Action: "team.alias.remove", Old: old,
			Summary: fmt.Sprintf("%s removed the alias %q of %s", c.m.User.Label(), old, t.Name)}}, nil
	}
	if o := d.Team(alias); o != nil {
		if o.ID == t.ID {
			*reply = rich.Sprintf("%s is already known as %q; nothing changed.", t.Name, alias)
			return nil, nil
		}
		return nil, ownership.Errorf(ownership.ErrInvalid, "%q already names the team %s, so it can't be an alias of %s; nothing changed.", alias, o.Name, t.Name)
	}
	if isGenericWord(strings.TrimSpace(intent.Normalize(alias))) {
		return nil, ownership.Errorf(ownership.ErrInvalid, "%q is too common a word in questions to name a team; pick another alias.", alias)
	}
	if len(t.Aliases) >= maxAliases {
		return nil, ownership.Errorf(ownership.ErrInvalid, "%s already has %d aliases, the most I keep; remove one first.", t.Name, len(t.Aliases))
	}
	t.Aliases = append(slices.Clone(t.Aliases), alias)
	*touched = t
	*reply = rich.Sprintf("%s is now also known as %q: questions and commands can name it that way.", rich.Strong(t.Name), alias)
	*announce = []rich.Text{rich.Sprintf("%s added the alias %q for %s.", me, alias, t.Name)}
	return []ownership.Change{{Team: t.ID, Action: "team.alias.add", New: alias,
		Summary: fmt.Sprintf("%s added the alias %q for %s", c.m.User.Label(), alias, t.Name)}}, nil
}
