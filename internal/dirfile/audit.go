package dirfile

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// MaxImportEntries bounds the audit entries one import writes: past it the
// rest are counted in one last entry, so an import of a whole organisation
// cannot push the history (AuditCap entries per tenant) out at once.
const MaxImportEntries = 2000

// importChanges returns one audit entry per field an import changed, each
// with the old and the new value, in a stable order: teams by id, then the
// tenant-wide leads, custom roles, intents and taught phrases.
func importChanges(before, after *ownership.Directory, actor ownership.Person, now time.Time, source string) []ownership.Change {
	var out []ownership.Change
	add := func(team, field, old, new string) {
		if old == new {
			return
		}
		where := field
		if team != "" {
			where = team + " " + field
		}
		out = append(out, ownership.Change{At: now, Actor: actor, Team: team, Action: "import", Field: field, Old: old, New: new,
			Summary: fmt.Sprintf("%s imported %s: %s %s → %s", actor.Label(), source, where, orNone(old), orNone(new))})
	}
	ids := map[string]bool{}
	for id := range before.Teams {
		ids[id] = true
	}
	for id := range after.Teams {
		ids[id] = true
	}
	for _, id := range sortedKeys(ids) {
		o, n := before.Teams[id], after.Teams[id]
		switch {
		case o == nil:
			add(id, "team", "", n.Name)
			o = &ownership.Team{Name: n.Name}
		case n == nil:
			// Enough to restore it: the team as it was, in the file form.
			out = append(out, ownership.Change{At: now, Actor: actor, Team: id, Action: "import", Field: "team", Old: teamRecord(o),
				Summary: fmt.Sprintf("%s imported %s: team %s removed", actor.Label(), source, o.Name)})
			continue
		}
		add(id, "name", o.Name, n.Name)
		add(id, "aliases", strings.Join(o.Aliases, ", "), strings.Join(n.Aliases, ", "))
		for _, r := range unionKeys(o.Roles, n.Roles) {
			add(id, "role "+string(r), person(o.Roles[r].Person), person(n.Roles[r].Person))
			add(id, "vacated "+string(r), vacancy(o.Roles[r].Vacated), vacancy(n.Roles[r].Vacated))
		}
		for _, r := range unionKeys(o.Covers, n.Covers) {
			add(id, "cover "+string(r), cover(o.Covers[r]), cover(n.Covers[r]))
		}
		for _, k := range unionKeys(o.Routes, n.Routes) {
			add(id, "route "+k, string(o.Routes[k]), string(n.Routes[k]))
		}
		add(id, "members", people(o.Members), people(n.Members))
		add(id, "channels", channels(o.Channels), channels(n.Channels))
		for _, k := range unionKeys(o.Extra, n.Extra) {
			add(id, "extra "+k, o.Extra[k], n.Extra[k])
		}
	}
	add("", "leads", people(before.Leads), people(after.Leads))
	add("", "digest", digestRecord(before.Digest), digestRecord(after.Digest))
	oldReqs, newReqs := map[string]string{}, map[string]string{}
	for _, r := range before.Requests {
		oldReqs[r.ID] = before.Describe(r)
	}
	for _, r := range after.Requests {
		newReqs[r.ID] = after.Describe(r)
	}
	for _, k := range unionKeys(oldReqs, newReqs) {
		add("", "request "+k, oldReqs[k], newReqs[k])
	}
	oldRoles, newRoles := map[string]string{}, map[string]string{}
	for _, r := range before.Roles {
		oldRoles[string(r.ID)] = roleDef(r)
	}
	for _, r := range after.Roles {
		newRoles[string(r.ID)] = roleDef(r)
	}
	for _, k := range unionKeys(oldRoles, newRoles) {
		add("", "custom role "+k, oldRoles[k], newRoles[k])
	}
	oldIntents, newIntents := map[string]string{}, map[string]string{}
	for _, it := range before.Intents {
		oldIntents[it.ID] = intentRecord(it)
	}
	for _, it := range after.Intents {
		newIntents[it.ID] = intentRecord(it)
	}
	for _, k := range unionKeys(oldIntents, newIntents) {
		add("", "intent "+k, oldIntents[k], newIntents[k])
	}
	oldPhrases, newPhrases := map[string]string{}, map[string]string{}
	for _, p := range before.Phrases {
		oldPhrases[p.Phrase] = p.Intent
	}
	for _, p := range after.Phrases {
		newPhrases[p.Phrase] = p.Intent
	}
	for _, k := range unionKeys(oldPhrases, newPhrases) {
		add("", "phrase "+fmt.Sprintf("%q", k), oldPhrases[k], newPhrases[k])
	}
	if len(out) > MaxImportEntries {
		rest := len(out) - (MaxImportEntries - 1)
		out = append(out[:MaxImportEntries-1], ownership.Change{At: now, Actor: actor, Action: "import", New: source,
			Summary: fmt.Sprintf("%s imported %s: %d more changes not listed one by one", actor.Label(), source, rest)})
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func unionKeys[K ~string, V any](a, b map[K]V) []K {
	seen := map[K]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	keys := make([]K, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// person is a person as history shows it: "Name <ID>", or the id alone.
func person(p ownership.Person) string {
	switch {
	case p.ID == "":
		return ""
	case p.Name == "" || p.Name == p.ID:
		return p.ID
	}
	return p.Name + " <" + p.ID + ">"
}

func people(ps []ownership.Person) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = person(p)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func channels(cs []ownership.Channel) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.ID
		if c.Name != "" {
			s[i] = "#" + c.Name + " <" + c.ID + ">"
		}
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func cover(c ownership.Cover) string {
	if c.Person.ID == "" {
		return ""
	}
	return person(c.Person) + " until " + c.Until.UTC().Format(time.RFC3339)
}

func vacancy(v *ownership.Vacancy) string {
	if v == nil {
		return ""
	}
	return "was held by " + person(v.Person) + " until " + v.Since.UTC().Format(time.RFC3339)
}

func roleDef(r ownership.RoleDef) string {
	s := r.Name
	if len(r.Aliases) > 0 {
		s += " (aliases " + strings.Join(r.Aliases, ", ") + ")"
	}
	return s
}

func intentRecord(it ownership.CustomIntent) string {
	return fmt.Sprintf("role %s; why %q; phrases %q", it.Role, it.Why, it.Phrases)
}

// teamRecord is a deleted team in the directory file's form.
func teamRecord(t *ownership.Team) string {
	d := ownership.NewDirectory("")
	d.Teams[t.ID] = t
	b, err := Marshal(d)
	if err != nil {
		return t.Name
	}
	return strings.TrimSpace(string(b))
}

// digestRecord describes where the digest goes, as history shows it.
func digestRecord(d *ownership.DigestSetting) string {
	switch {
	case d == nil:
		return "every lead privately"
	case d.Off:
		return "off"
	case d.Channel.ID != "":
		return "channel " + d.Channel.ID
	}
	return "every lead privately"
}
