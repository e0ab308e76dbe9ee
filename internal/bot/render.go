package bot

import (
	"fmt"
	"strings"
)

// Headline is the answer's first line: the role and the person.
func (a Answer) Headline(f Format) string {
	switch a.Kind {
	case KindPerson:
		h := a.Holder
		if h.Empty() {
			return fmt.Sprintf("%s is the %s's call, but %s has no %s yet.", a.Title, h.RoleName, a.Team.Name, h.RoleName)
		}
		s := fmt.Sprintf("%s: %s, the %s of %s.", a.Title, f.Mention(h.Person), h.RoleName, f.Bold(a.Team.Name))
		if a.Intent == "role_lookup" {
			s = fmt.Sprintf("The %s of %s is %s.", h.RoleName, f.Bold(a.Team.Name), f.Mention(h.Person))
		}
		if h.Covering() {
			s += fmt.Sprintf(" %s covers until %s", f.Mention(h.Person), when(h.CoverUntil))
			if !h.Usual.IsZero() {
				s += fmt.Sprintf("; %s is the usual %s", f.Mention(h.Usual), h.RoleName)
			}
			s += "."
		}
		return s
	case KindBoth:
		return fmt.Sprintf("Two people share this on %s: the Product Manager and the Product Owner each decide a part.", f.Bold(a.Team.Name))
	case KindKnowledge:
		return a.Title
	case KindUnknown:
		return "I don't know who owns that. It doesn't look like a product ownership question I can answer."
	case KindPickTeam:
		if len(a.Teams) == 0 {
			return "No teams are set up yet, so I can't name a person."
		}
		return fmt.Sprintf("Which team do you mean? %s is a question for a person on a team.", a.Title)
	}
	return ""
}

// Text renders the whole answer as plain lines in the given format.
func (a Answer) Text(f Format) string {
	var lines []string
	add := func(s string) {
		if s != "" {
			lines = append(lines, s)
		}
	}
	switch a.Kind {
	case KindKnowledge:
		add(a.Knowledge)
	case KindUnknown:
		add(a.Headline(f))
		if len(a.Alternatives) > 0 {
			titles := make([]string, 0, len(a.Alternatives))
			for _, c := range a.Alternatives {
				titles = append(titles, fmt.Sprintf("%s (%s)", c.Title, f.Code(c.Intent)))
			}
			add("Closest things I can answer: " + strings.Join(titles, ", ") + ".")
		}
		add(fmt.Sprintf("I've kept the question for the leads; they can teach me with %s.", f.Code(f.CommandPrefix()+` teach "<phrase>" <intent>`)))
	case KindPickTeam:
		add(a.Headline(f))
		if len(a.Teams) > 0 {
			names := make([]string, 0, len(a.Teams))
			for _, t := range a.Teams {
				names = append(names, t.Name)
			}
			add("Teams: " + strings.Join(names, ", ") + ". Ask again naming one, e.g. \"… for " + a.Teams[0].Name + "\".")
		} else {
			add(fmt.Sprintf("A lead can create one with %s.", f.Code(f.CommandPrefix()+" team create <name>")))
		}
	case KindPerson:
		add(a.Headline(f))
		add("Why: " + a.Why)
		if a.SamePerson && a.Holder != nil && !a.Holder.Empty() {
			add(fmt.Sprintf("%s is both Product Manager and Product Owner on %s.", f.Mention(a.Holder.Person), a.Team.Name))
		} else if c := a.Counterpart; c != nil {
			if c.Empty() {
				add(fmt.Sprintf("Counterpart: no %s on %s yet.", c.RoleName, a.Team.Name))
			} else {
				add(fmt.Sprintf("Counterpart: %s is the %s.", f.Mention(c.Person), c.RoleName))
			}
		}
		add(a.FillHint)
	case KindBoth:
		add(a.Headline(f))
		if a.SamePerson {
			add(fmt.Sprintf("On %s both roles are held by %s, who %s, and %s.", a.Team.Name, f.Mention(a.Both[0].Person), a.Both[0].Decides, a.Both[1].Decides))
		} else {
			for _, h := range a.Both {
				if h.Empty() {
					add(fmt.Sprintf("• %s (nobody yet) %s.", h.RoleName, h.Decides))
				} else {
					add(fmt.Sprintf("• %s, the %s, %s.", f.Mention(h.Person), h.RoleName, h.Decides))
				}
			}
		}
		add("Why: " + a.Why)
		add(a.FillHint)
	}
	if a.NearTie && len(a.Alternatives) > 0 && a.Kind != KindUnknown {
		add(fmt.Sprintf("Did you mean %s instead?", a.Alternatives[0].Title))
	}
	return strings.Join(lines, "\n")
}
