// Package dirfile reads and writes a tenant's directory as YAML: the format of
// `whoowns import` and `whoowns export`, and of the sample teams the binary
// ships with. Reading checks the whole file and reports every problem with its
// line, so an import is all-or-nothing.
package dirfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/whoowns/whoowns/internal/ownership"
)

// File is the YAML document.
type File struct {
	Tenant string   `yaml:"tenant,omitempty"`
	Leads  []Person `yaml:"leads,omitempty"`
	Roles  []Role   `yaml:"roles,omitempty"`
	Teams  []Team   `yaml:"teams"`
	// Intents and Phrases are the tenant's custom intents and taught
	// phrases. When a file leaves them out, an import keeps the ones the
	// tenant has.
	Intents []Intent `yaml:"intents,omitempty"`
	Phrases []Phrase `yaml:"phrases,omitempty"`
	// Requests are the pending handover and claim requests. When a file
	// leaves them out, an import keeps the ones the tenant has (on teams
	// the file keeps).
	Requests []Request `yaml:"requests,omitempty"`
	// Digest is where the leads' digest goes. When a file leaves it out,
	// an import keeps the tenant's setting.
	Digest *Digest `yaml:"digest,omitempty"`
}

// Digest is the leads' choice for the digest: To is "leads" (each lead
// privately), "channel" (Channel) or "off"; By and At say who chose and
// when.
type Digest struct {
	To      string   `yaml:"to"`
	Channel *Channel `yaml:"channel,omitempty"`
	By      *Person  `yaml:"by,omitempty"`
	At      string   `yaml:"at,omitempty"`
}

// The values of Digest.To.
const (
	digestLeads   = "leads"
	digestChannel = "channel"
	digestOff     = "off"
)

// Request is a pending handover or claim request. Team is the team's name;
// for a claim, Successor may be left out (it is From).
type Request struct {
	ID        string `yaml:"id"`
	Kind      string `yaml:"kind"`
	Team      string `yaml:"team"`
	Role      string `yaml:"role"`
	From      Person `yaml:"from"`
	Successor Person `yaml:"successor,omitempty"`
	Created   string `yaml:"created"`
	Expires   string `yaml:"expires"`
}

// Vacancy is a role whose holder left: Person held it until Since.
type Vacancy struct {
	Role   string `yaml:"role"`
	Person Person `yaml:"person"`
	Since  string `yaml:"since"`
	Reason string `yaml:"reason,omitempty"`
}

// Flag marks a role's assignment for review.
type Flag struct {
	Role   string `yaml:"role"`
	Since  string `yaml:"since"`
	Reason string `yaml:"reason,omitempty"`
}

// Intent is a custom intent.
type Intent struct {
	ID      string   `yaml:"id"`
	Role    string   `yaml:"role"`
	Why     string   `yaml:"why"`
	Phrases []string `yaml:"phrases,omitempty"`
}

// Phrase is a phrase taught for an intent.
type Phrase struct {
	Phrase string `yaml:"phrase"`
	Intent string `yaml:"intent"`
}

// Person is a user: a platform id and a display name.
type Person struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name,omitempty"`
}

// Role is a custom role.
type Role struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases,omitempty"`
}

// Team is one team. Roles maps a role id or short form ("pm", "po") to its
// holder; Routes maps an intent id to the role that owns it on this team.
type Team struct {
	Name     string            `yaml:"name"`
	Aliases  []string          `yaml:"aliases,omitempty"`
	Roles    map[string]Person `yaml:"roles,omitempty"`
	Members  []Person          `yaml:"members,omitempty"`
	Channels []Channel         `yaml:"channels,omitempty"`
	Routes   map[string]string `yaml:"routes,omitempty"`
	Covers   []Cover           `yaml:"covers,omitempty"`
	// LastConfirmed maps a role of Roles to when its holder last confirmed
	// it (RFC 3339, UTC).
	LastConfirmed map[string]string `yaml:"last_confirmed,omitempty"`
	// Vacated are roles whose holder left; Flagged are roles of Roles
	// flagged for review.
	Vacated []Vacancy `yaml:"vacated,omitempty"`
	Flagged []Flag    `yaml:"flagged,omitempty"`
}

// Channel is a linked channel.
type Channel struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name,omitempty"`
}

// Cover is a temporary stand-in. Until takes the forms chat commands take
// (2026-12-24T17:00:00Z, "2026-12-24 17:00", 2026-12-24 …), in UTC.
type Cover struct {
	Role   string `yaml:"role"`
	Person Person `yaml:"person"`
	Until  string `yaml:"until"`
}

// Problem is one thing wrong in a file, with its line.
type Problem struct {
	Line    int
	Message string
}

// Problems is every problem found in a file.
type Problems struct {
	Name string
	List []Problem
}

func (p *Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s); nothing was changed:", p.Name, len(p.List))
	for _, q := range p.List {
		if q.Line > 0 {
			fmt.Fprintf(&b, "\n  %s:%d: %s", p.Name, q.Line, q.Message)
		} else {
			fmt.Fprintf(&b, "\n  %s: %s", p.Name, q.Message)
		}
	}
	return b.String()
}

// Options says what a file may refer to.
type Options struct {
	// KnownIntent reports whether a built-in intent id exists, for routes,
	// phrases, and to keep custom intents from reusing built-in ids.
	KnownIntent func(id string) bool
	// Now is the clock covers are checked against (default time.Now).
	Now func() time.Time
	// Note, when set, hears about what a valid file loses on the way in:
	// covers that already ended (an export taken after a cover ran out
	// still imports; the cover is dropped).
	Note func(line int, msg string)
}

var (
	slackTenant = regexp.MustCompile(`^slack:[TE][A-Z0-9]+$`)
	teamsTenant = regexp.MustCompile(`^teams:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// CheckTenant reports whether t names a tenant: a Slack workspace or
// Enterprise org (slack:T0123ABC, slack:E0123ABC), a Microsoft 365 tenant
// (teams:<tenant id, a GUID>) or local (the sample data).
func CheckTenant(t string) error {
	if t == "local" || slackTenant.MatchString(t) || teamsTenant.MatchString(t) {
		return nil
	}
	hint := "use slack:<team id> (slack:T0123ABC), teams:<tenant id> (teams:72f988bf-86f1-41af-91ab-2d7cd011db47) or local"
	switch {
	case strings.HasPrefix(t, "slack:"):
		return fmt.Errorf("tenant %q is not a Slack workspace: a team id starts with T (or E for an Enterprise org) and is upper-case letters and digits; %s", t, hint)
	case strings.HasPrefix(t, "teams:"):
		return fmt.Errorf("tenant %q is not a Microsoft 365 tenant: the tenant id is a GUID (Azure portal → Microsoft Entra ID → Overview → Tenant ID); %s", t, hint)
	}
	return fmt.Errorf("tenant %q is not a tenant name; %s", t, hint)
}

// Parse reads and validates a directory file. name is used in messages. On
// any problem it returns *Problems listing all of them, and no directory.
func Parse(name string, data []byte, tenant ownership.TenantID, opts Options) (*ownership.Directory, error) {
	probs := &Problems{Name: name}
	add := func(line int, format string, args ...any) {
		probs.List = append(probs.List, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		add(0, "not valid YAML: %v", err)
		return nil, probs
	}
	if len(root.Content) == 0 {
		add(0, "the file is empty; it needs a list of teams under \"teams:\"")
		return nil, probs
	}
	doc := root.Content[0]
	// A second document (after ---) would be silently ignored: refuse it.
	multi := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if multi.Decode(&first) == nil {
		if err := multi.Decode(&second); err == nil && len(second.Content) > 0 && second.Content[0].Tag != "!!null" {
			add(second.Line, "the file holds more than one YAML document (separated by ---); only one is read, so put every team in one document")
		}
	}
	if f := fileTenant(doc); f != nil {
		if err := CheckTenant(f.Value); err != nil {
			add(f.Line, "%v", err)
		}
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		// A field of the wrong shape is one problem among others: report
		// each with its line and go on checking what did decode.
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			add(0, "%v", strings.TrimPrefix(err.Error(), "yaml: "))
			return nil, probs
		}
		for _, e := range te.Errors {
			ln := 0
			if m := yamlLine.FindStringSubmatch(e); m != nil {
				ln, _ = strconv.Atoi(m[1])
				e = m[2]
			}
			add(ln, "%s", strings.Replace(e, "in type dirfile.", "in a ", 1))
		}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	d := ownership.NewDirectory(tenant)
	lineOf := func(path ...any) int { return line(doc, path...) }

	seenLead := map[string]bool{}
	for i, l := range f.Leads {
		if strings.TrimSpace(l.ID) == "" {
			add(lineOf("leads", i), "lead %d has no id; give the person's platform user id (for example U0123ABC)", i+1)
			continue
		}
		if seenLead[l.ID] {
			add(lineOf("leads", i), "lead %s is listed twice", l.ID)
			continue
		}
		seenLead[l.ID] = true
		d.Leads = append(d.Leads, ownership.Person(l))
	}
	for i, r := range f.Roles {
		ln := lineOf("roles", i)
		id := strings.TrimSpace(r.ID)
		switch {
		case id == "":
			add(ln, "role %d has no id", i+1)
			continue
		case ownership.Slug(id) != strings.ReplaceAll(id, "_", "-"):
			add(ln, "role id %q may use only lower-case letters, digits and _", id)
			continue
		}
		if _, ok := d.LookupRole(id); ok || id == "both" || id == "info" || id == "none" {
			add(ln, "role %q already exists or is reserved", id)
			continue
		}
		name := r.Name
		if name == "" {
			name = strings.ReplaceAll(id, "_", " ")
		}
		d.Roles = append(d.Roles, ownership.RoleDef{ID: ownership.Role(id), Name: name, Aliases: r.Aliases})
	}
	custom := map[string]bool{}
	for i, in := range f.Intents {
		ln := lineOf("intents", i)
		id := strings.TrimSpace(in.ID)
		switch {
		case !intentIDPattern.MatchString(id):
			add(ln, "intent id %q: use lower-case letters, digits and _, starting with a letter", in.ID)
			continue
		case opts.KnownIntent != nil && opts.KnownIntent(id):
			add(ln, "intent %q is built in; a custom intent needs an id of its own", id)
			continue
		case custom[id]:
			add(ln, "intent %q is listed twice", id)
			continue
		case strings.TrimSpace(in.Why) == "":
			add(ln, "intent %q has no why: say in one line why its role owns it", id)
			continue
		}
		role := ownership.Role(in.Role)
		if in.Role != string(ownership.Both) {
			r, ok := d.LookupRole(in.Role)
			if !ok {
				add(ln, "intent %q: unknown role %q", id, in.Role)
				continue
			}
			role = r.ID
		}
		custom[id] = true
		d.Intents = append(d.Intents, ownership.CustomIntent{ID: id, Role: role, Why: strings.TrimSpace(in.Why), Phrases: in.Phrases})
	}
	known := func(id string) bool { return custom[id] || opts.KnownIntent == nil || opts.KnownIntent(id) }
	for i, p := range f.Phrases {
		ln := lineOf("phrases", i)
		switch {
		case strings.TrimSpace(p.Phrase) == "":
			add(ln, "phrase %d is empty", i+1)
		case !known(p.Intent):
			add(ln, "phrase %q: unknown intent %q", p.Phrase, p.Intent)
		default:
			d.Phrases = append(d.Phrases, ownership.TaughtPhrase{Phrase: strings.TrimSpace(p.Phrase), Intent: p.Intent})
		}
	}
	if len(f.Teams) == 0 && !hasKey(doc, "teams") {
		// An explicit "teams: []" (the export of an empty tenant) is valid.
		add(lineOf("teams"), "there are no teams; list them under \"teams:\", each with a name (or write \"teams: []\" to remove them all)")
	}
	channelOwner := map[string]string{}
	for i, ft := range f.Teams {
		ln := lineOf("teams", i)
		name := strings.TrimSpace(ft.Name)
		if name == "" || ownership.Slug(name) == "" {
			add(ln, "team %d has no usable name", i+1)
			continue
		}
		id := ownership.Slug(name)
		if prev := d.Teams[id]; prev != nil {
			add(ln, "team %q is listed twice (or clashes with %q)", name, prev.Name)
			continue
		}
		t := &ownership.Team{ID: id, Name: name, Aliases: ft.Aliases}
		for _, a := range ft.Aliases {
			if other := d.Team(a); other != nil {
				add(lineOf("teams", i, "aliases"), "alias %q of %s is already the name of %s", a, name, other.Name)
			}
		}
		for _, rk := range sortedKeys(ft.Roles) {
			p := ft.Roles[rk]
			rl := lineOf("teams", i, "roles", rk)
			r, ok := d.LookupRole(rk)
			if !ok {
				add(rl, "%s: unknown role %q; use product_manager (pm), product_owner (po) or a role listed under \"roles:\"", name, rk)
				continue
			}
			if strings.TrimSpace(p.ID) == "" {
				add(rl, "%s: the %s has no id", name, r.Name)
				continue
			}
			if t.Roles == nil {
				t.Roles = map[ownership.Role]ownership.Assignment{}
			}
			if _, dup := t.Roles[r.ID]; dup {
				add(rl, "%s: the %s is given twice", name, r.Name)
				continue
			}
			t.Roles[r.ID] = ownership.Assignment{Person: ownership.Person(p)}
		}
		seenMember := map[string]bool{}
		for j, m := range ft.Members {
			if strings.TrimSpace(m.ID) == "" {
				add(lineOf("teams", i, "members", j), "%s: member %d has no id", name, j+1)
				continue
			}
			if seenMember[m.ID] {
				add(lineOf("teams", i, "members", j), "%s: member %s is listed twice", name, m.ID)
				continue
			}
			seenMember[m.ID] = true
			t.Members = append(t.Members, ownership.Person(m))
		}
		for j, c := range ft.Channels {
			cl := lineOf("teams", i, "channels", j)
			if strings.TrimSpace(c.ID) == "" {
				add(cl, "%s: channel %d has no id; give the channel's id (for example C0123ABC)", name, j+1)
				continue
			}
			if other, ok := channelOwner[c.ID]; ok {
				add(cl, "channel %s is linked to both %s and %s; a channel belongs to one team", c.ID, other, name)
				continue
			}
			channelOwner[c.ID] = name
			t.Channels = append(t.Channels, ownership.Channel(c))
		}
		for _, ik := range sortedKeys(ft.Routes) {
			rv := ft.Routes[ik]
			rl := lineOf("teams", i, "routes", ik)
			if !known(ik) {
				add(rl, "%s: unknown intent %q in routes; `whoowns intents` lists them", name, ik)
				continue
			}
			var role ownership.Role
			if rv == string(ownership.Both) {
				role = ownership.Both
			} else if r, ok := d.LookupRole(rv); ok {
				role = r.ID
			} else {
				add(rl, "%s: route %s → unknown role %q", name, ik, rv)
				continue
			}
			if t.Routes == nil {
				t.Routes = map[string]ownership.Role{}
			}
			t.Routes[ik] = role
		}
		for j, c := range ft.Covers {
			cl := lineOf("teams", i, "covers", j)
			r, ok := d.LookupRole(c.Role)
			switch {
			case !ok:
				add(cl, "%s: cover for unknown role %q", name, c.Role)
			case c.Person.ID == "":
				add(cl, "%s: cover %d has no person id", name, j+1)
			case strings.TrimSpace(c.Until) == "":
				add(cl, "%s: cover %d has no \"until\" time (e.g. 2026-12-24T17:00:00Z or \"2026-12-24 17:00\")", name, j+1)
			default:
				until, ok := ownership.ParseUntil(c.Until, now())
				switch {
				case !ok:
					add(cl, "%s: cover %d: can't read %q as a time; use 2026-12-24T17:00:00Z, \"2026-12-24 17:00\" or 2026-12-24 (UTC)", name, j+1, c.Until)
				case !until.After(now()):
					if opts.Note != nil {
						opts.Note(cl, fmt.Sprintf("%s: the %s cover by %s ended at %s; it is not imported", name, r.ID, c.Person.ID, until.Format(time.RFC3339)))
					}
				default:
					if t.Covers == nil {
						t.Covers = map[ownership.Role]ownership.Cover{}
					}
					t.Covers[r.ID] = ownership.Cover{Person: ownership.Person(c.Person), Until: until}
				}
			}
		}
		parseLifecycle(d, t, ft, i, lineOf, add)
		d.Teams[id] = t
	}
	parseRequests(d, f.Requests, now(), lineOf, add, opts.Note)
	if f.Digest != nil {
		d.Digest = parseDigest(*f.Digest, lineOf("digest"), add)
	}
	if len(probs.List) > 0 {
		sort.SliceStable(probs.List, func(i, j int) bool { return probs.List[i].Line < probs.List[j].Line })
		return nil, probs
	}
	return d, nil
}

// Marshal writes d in the file format, teams ordered by name.
func Marshal(d *ownership.Directory) ([]byte, error) {
	f := File{Tenant: string(d.Tenant)}
	for _, l := range d.Leads {
		f.Leads = append(f.Leads, Person(l))
	}
	for _, r := range d.Roles {
		f.Roles = append(f.Roles, Role{ID: string(r.ID), Name: r.Name, Aliases: r.Aliases})
	}
	for _, t := range d.SortedTeams() {
		ft := Team{Name: t.Name, Aliases: t.Aliases}
		for _, r := range sortedKeys(t.Roles) {
			a := t.Roles[r]
			if a.Vacated != nil && !a.Held() {
				v := a.Vacated
				ft.Vacated = append(ft.Vacated, Vacancy{Role: string(r), Person: Person(v.Person), Since: stamp(v.Since), Reason: v.Reason})
				continue
			}
			if !a.Held() {
				continue
			}
			if ft.Roles == nil {
				ft.Roles = map[string]Person{}
			}
			ft.Roles[string(r)] = Person(a.Person)
			if !a.ConfirmedAt.IsZero() {
				if ft.LastConfirmed == nil {
					ft.LastConfirmed = map[string]string{}
				}
				ft.LastConfirmed[string(r)] = stamp(a.ConfirmedAt)
			}
			if a.Flagged != nil {
				ft.Flagged = append(ft.Flagged, Flag{Role: string(r), Since: stamp(a.Flagged.Since), Reason: a.Flagged.Reason})
			}
		}
		for _, m := range t.Members {
			ft.Members = append(ft.Members, Person(m))
		}
		for _, c := range t.Channels {
			ft.Channels = append(ft.Channels, Channel(c))
		}
		for k, v := range t.Routes {
			if ft.Routes == nil {
				ft.Routes = map[string]string{}
			}
			ft.Routes[k] = string(v)
		}
		for _, r := range sortedKeys(t.Covers) {
			c := t.Covers[r]
			ft.Covers = append(ft.Covers, Cover{Role: string(r), Person: Person(c.Person), Until: c.Until.UTC().Format(time.RFC3339)})
		}
		f.Teams = append(f.Teams, ft)
	}
	for _, in := range d.Intents {
		f.Intents = append(f.Intents, Intent{ID: in.ID, Role: string(in.Role), Why: in.Why, Phrases: in.Phrases})
	}
	for _, p := range d.Phrases {
		f.Phrases = append(f.Phrases, Phrase{Phrase: p.Phrase, Intent: p.Intent})
	}
	for _, r := range d.Requests {
		team := r.Team
		if t := d.Teams[r.Team]; t != nil {
			team = t.Name
		}
		fr := Request{ID: r.ID, Kind: string(r.Kind), Team: team, Role: string(r.Role), From: Person(r.From), Created: stamp(r.Created), Expires: stamp(r.Expires)}
		if r.Kind != ownership.ClaimRole || r.Successor != r.From {
			fr.Successor = Person(r.Successor)
		}
		f.Requests = append(f.Requests, fr)
	}
	f.Digest = &Digest{To: digestLeads}
	if dg := d.Digest; dg != nil {
		switch {
		case dg.Off:
			f.Digest.To = digestOff
		case dg.Channel.ID != "":
			f.Digest.To = digestChannel
			c := Channel(dg.Channel)
			f.Digest.Channel = &c
		}
		if dg.By.ID != "" {
			p := Person(dg.By)
			f.Digest.By = &p
		}
		f.Digest.At = stampIf(dg.At)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// Replace makes dst's teams, leads and roles those of src, and its custom
// intents and taught phrases too when src has any (a file without them keeps
// the tenant's). Assignments that did not change keep who made them and
// when. It returns one audit change per field the import changed, with its
// old and new value (see importChanges), or none when the import changes
// nothing.
func Replace(dst, src *ownership.Directory, actor ownership.Person, now time.Time, source string) []ownership.Change {
	before := fingerprint(dst)
	old := dst.Clone()
	for id, t := range src.Teams {
		old := dst.Teams[id]
		for r, a := range t.Roles {
			if old != nil {
				if oa, ok := old.Roles[r]; ok && oa.Person.ID == a.Person.ID {
					a.AssignedBy, a.AssignedAt = oa.AssignedBy, oa.AssignedAt
					if a.ConfirmedAt.IsZero() {
						a.ConfirmedAt = oa.ConfirmedAt
					}
					if a.Person.Name == "" {
						a.Person.Name = oa.Person.Name
					}
					t.Roles[r] = a
					continue
				}
			}
			if a.Held() {
				a.AssignedBy, a.AssignedAt = actor, now
			}
			t.Roles[r] = a
		}
		if old != nil {
			for r, c := range t.Covers {
				if oc, ok := old.Covers[r]; ok && oc.Person.ID == c.Person.ID && oc.Until.Equal(c.Until) {
					c.By, c.At = oc.By, oc.At
					t.Covers[r] = c
				}
			}
		}
	}
	dst.Teams = src.Teams
	dst.Leads = src.Leads
	dst.Roles = src.Roles
	if len(src.Intents) > 0 || len(src.Phrases) > 0 {
		// A phrase the file keeps as it was keeps who taught it and when,
		// and whether it was learned from people's picks: an export
		// imported back changes nothing.
		was := map[[2]string]ownership.TaughtPhrase{}
		for _, p := range dst.Phrases {
			was[[2]string{p.Phrase, p.Intent}] = p
		}
		for i, p := range src.Phrases {
			if o, ok := was[[2]string{p.Phrase, p.Intent}]; ok {
				src.Phrases[i] = o
			}
		}
		dst.Intents, dst.Phrases = src.Intents, src.Phrases
	}
	if len(src.Requests) > 0 {
		dst.Requests = src.Requests
	} else {
		var keep []ownership.Request
		for _, r := range dst.Requests {
			if dst.Teams[r.Team] != nil {
				keep = append(keep, r)
			}
		}
		dst.Requests = keep
	}
	if src.Digest != nil {
		dst.Digest = src.Digest
		if *dst.Digest == (ownership.DigestSetting{}) {
			// "to: leads" is the default: the same as no setting.
			dst.Digest = nil
		}
	}
	if fingerprint(dst) == before {
		return nil
	}
	if ch := importChanges(old, dst, actor, now, source); len(ch) > 0 {
		return ch
	}
	// Only what the file form does not show changed (an assignment's
	// provenance, say): one entry says the import ran.
	return []ownership.Change{{At: now, Actor: actor, Action: "import", New: source,
		Summary: fmt.Sprintf("%s imported %d teams from %s", actor.Label(), len(src.Teams), source)}}
}

// fingerprint is the file form of d: equal fingerprints mean an import
// would change nothing a file can express.
func fingerprint(d *ownership.Directory) string {
	b, err := Marshal(d)
	if err != nil {
		return ""
	}
	return string(b)
}

var (
	yamlLine        = regexp.MustCompile(`^line (\d+): (.*)$`)
	intentIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,40}$`)
)

// line finds the line of the node at path (map keys and list indexes) below
// n, falling back to the nearest ancestor that exists.
func line(n *yaml.Node, path ...any) int {
	cur := n
	best := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch k := p.(type) {
		case string:
			if cur.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(cur.Content); i += 2 {
					if cur.Content[i].Value == k {
						next = cur.Content[i+1]
						best = cur.Content[i].Line
						break
					}
				}
			}
		case int:
			if cur.Kind == yaml.SequenceNode && k < len(cur.Content) {
				next = cur.Content[k]
				best = next.Line
			}
		}
		if next == nil {
			return best
		}
		cur = next
	}
	return best
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// fileTenant is the document's tenant: value node, if any.
func fileTenant(doc *yaml.Node) *yaml.Node {
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "tenant" && doc.Content[i+1].Kind == yaml.ScalarNode {
			return doc.Content[i+1]
		}
	}
	return nil
}

// hasKey reports whether the document's top-level mapping has key.
func hasKey(doc *yaml.Node, key string) bool {
	if doc.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == key {
			return true
		}
	}
	return false
}

// stamp writes a time as the file does: RFC 3339 in UTC.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// stampIf is stamp, or "" for the zero time.
func stampIf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stamp(t)
}

// parseDigest reads the file's digest setting.
func parseDigest(fd Digest, ln int, add func(int, string, ...any)) *ownership.DigestSetting {
	dg := &ownership.DigestSetting{}
	switch fd.To {
	case digestLeads, digestOff:
		if fd.Channel != nil {
			add(ln, "digest: a channel is only for \"to: channel\"; this one says to: %s", fd.To)
		}
		dg.Off = fd.To == digestOff
	case digestChannel:
		switch {
		case fd.Channel == nil || fd.Channel.ID == "":
			add(ln, "digest: \"to: channel\" needs the channel's id under \"channel:\" (for example id: C0123ABC)")
		default:
			dg.Channel = ownership.Channel(*fd.Channel)
		}
	case "":
		add(ln, "digest: \"to:\" is missing; use leads (each lead privately), channel or off")
	default:
		add(ln, "digest: unknown \"to: %s\"; use leads (each lead privately), channel or off", fd.To)
	}
	if fd.By != nil {
		dg.By = ownership.Person(*fd.By)
	}
	if fd.At != "" {
		at, err := time.Parse(time.RFC3339, fd.At)
		if err != nil {
			add(ln, "digest: can't read at: %q as a time; use 2026-12-24T17:00:00Z", fd.At)
		}
		dg.At = at.UTC()
	}
	return dg
}

// parseLifecycle reads a team's last confirmations, vacancies and flags
// into t, whose roles are already read.
func parseLifecycle(d *ownership.Directory, t *ownership.Team, ft Team, i int, lineOf func(...any) int, add func(int, string, ...any)) {
	for _, rk := range sortedKeys(ft.LastConfirmed) {
		ln := lineOf("teams", i, "last_confirmed", rk)
		r, ok := d.LookupRole(rk)
		if !ok {
			add(ln, "%s: last_confirmed names an unknown role %q", t.Name, rk)
			continue
		}
		a, held := t.Roles[r.ID]
		if !held {
			add(ln, "%s: last_confirmed for the %s, which the team's roles do not give", t.Name, r.Name)
			continue
		}
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(ft.LastConfirmed[rk]))
		if err != nil {
			add(ln, "%s: last_confirmed for the %s: can't read %q as a time; use 2026-12-24T17:00:00Z", t.Name, r.Name, ft.LastConfirmed[rk])
			continue
		}
		a.ConfirmedAt = at.UTC()
		t.Roles[r.ID] = a
	}
	for j, v := range ft.Vacated {
		ln := lineOf("teams", i, "vacated", j)
		r, ok := d.LookupRole(v.Role)
		switch {
		case !ok:
			add(ln, "%s: vacated names an unknown role %q", t.Name, v.Role)
			continue
		case strings.TrimSpace(v.Person.ID) == "":
			add(ln, "%s: the vacated %s has no person id (who held it)", t.Name, r.Name)
			continue
		}
		if _, dup := t.Roles[r.ID]; dup {
			add(ln, "%s: the %s is both held (under roles) and vacated", t.Name, r.Name)
			continue
		}
		since, err := time.Parse(time.RFC3339, strings.TrimSpace(v.Since))
		if err != nil {
			add(ln, "%s: the vacated %s: can't read since %q as a time; use 2026-12-24T17:00:00Z", t.Name, r.Name, v.Since)
			continue
		}
		if t.Roles == nil {
			t.Roles = map[ownership.Role]ownership.Assignment{}
		}
		t.Roles[r.ID] = ownership.Assignment{Vacated: &ownership.Vacancy{Person: ownership.Person(v.Person), Since: since.UTC(), Reason: v.Reason}}
	}
	for j, fl := range ft.Flagged {
		ln := lineOf("teams", i, "flagged", j)
		r, ok := d.LookupRole(fl.Role)
		if !ok {
			add(ln, "%s: flagged names an unknown role %q", t.Name, fl.Role)
			continue
		}
		a := t.Roles[r.ID]
		if !a.Held() {
			add(ln, "%s: the %s is flagged for review but nobody holds it", t.Name, r.Name)
			continue
		}
		since, err := time.Parse(time.RFC3339, strings.TrimSpace(fl.Since))
		if err != nil {
			add(ln, "%s: the flagged %s: can't read since %q as a time; use 2026-12-24T17:00:00Z", t.Name, r.Name, fl.Since)
			continue
		}
		a.Flagged = &ownership.Flag{Since: since.UTC(), Reason: fl.Reason}
		t.Roles[r.ID] = a
	}
}

// parseRequests reads the pending requests into d, whose teams are read.
// A request that expired by now is valid but not imported (note hears).
func parseRequests(d *ownership.Directory, rs []Request, now time.Time, lineOf func(...any) int, add func(int, string, ...any), note func(int, string)) {
	seen := map[string]bool{}
	for i, fr := range rs {
		ln := lineOf("requests", i)
		kind := ownership.RequestKind(strings.TrimSpace(fr.Kind))
		t := d.Team(fr.Team)
		r, roleOK := d.LookupRole(fr.Role)
		created, errC := time.Parse(time.RFC3339, strings.TrimSpace(fr.Created))
		expires, errE := time.Parse(time.RFC3339, strings.TrimSpace(fr.Expires))
		succ := fr.Successor
		if kind == ownership.ClaimRole && succ.ID == "" {
			succ = fr.From
		}
		switch {
		case strings.TrimSpace(fr.ID) == "":
			add(ln, "request %d has no id", i+1)
		case seen[fr.ID]:
			add(ln, "request %s is listed twice", fr.ID)
		case kind != ownership.Handover && kind != ownership.ClaimRole:
			add(ln, "request %s: kind %q is not handover or claim", fr.ID, fr.Kind)
		case t == nil:
			add(ln, "request %s: unknown team %q", fr.ID, fr.Team)
		case !roleOK:
			add(ln, "request %s: unknown role %q", fr.ID, fr.Role)
		case strings.TrimSpace(fr.From.ID) == "":
			add(ln, "request %s has no \"from\" person id", fr.ID)
		case strings.TrimSpace(succ.ID) == "":
			add(ln, "request %s: a handover needs a successor with an id", fr.ID)
		case errC != nil || errE != nil:
			add(ln, "request %s: created and expires must be times like 2026-12-24T17:00:00Z", fr.ID)
		case !expires.After(created):
			add(ln, "request %s expires before it was created", fr.ID)
		case !expires.After(now):
			if note != nil {
				note(ln, fmt.Sprintf("request %s expired at %s; it is not imported", fr.ID, stamp(expires)))
			}
		default:
			if len(d.Requests) >= ownership.MaxPendingRequests {
				add(ln, "more than %d pending requests; a tenant keeps at most that many", ownership.MaxPendingRequests)
				return
			}
			d.Requests = append(d.Requests, ownership.Request{ID: fr.ID, Kind: kind, Team: t.ID, Role: r.ID,
				From: ownership.Person(fr.From), Successor: ownership.Person(succ), Created: created.UTC(), Expires: expires.UTC(), State: ownership.Pending})
		}
		seen[fr.ID] = true
	}
}
