package bot

import (
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// The answer's words. They are typed text (see package rich): names, teams
// and whys people typed stay plain parts that each renderer escapes.

// mention names p so that the platform notifies them.
func mention(p ownership.Person) rich.Text { return rich.Mention(p.ID, p.Label()) }

// channelLink links c.
func channelLink(c ownership.Channel) rich.Text { return rich.Channel(c.ID, c.Name) }

// Headline is the answer's first line: the role and the person.
func (a Answer) Headline() rich.Text {
	switch a.Kind {
	case KindPerson:
		h := a.Holder
		if v := h.Vacated; v != nil && h.Empty() {
			// The person who left is named in plain text: never a mention.
			if a.Intent == "role_lookup" {
				return rich.Textf("The %s role of %s is vacant since %s: %s held it until then.", h.RoleName, rich.Strong(a.Team.Name), day(v.Since), v.Person.Label())
			}
			return rich.Textf("%s is the %s's call, but the %s role of %s is vacant since %s: %s held it until then.", a.Title, h.RoleName, h.RoleName, rich.Strong(a.Team.Name), day(v.Since), v.Person.Label())
		}
		if h.Empty() {
			return rich.Textf("%s is the %s's call, but %s has no %s yet.", a.Title, h.RoleName, a.Team.Name, h.RoleName)
		}
		if h.Covering() {
			// The person covering is named once, with whom they cover for.
			var forWhom rich.Text
			if !h.Usual.IsZero() {
				forWhom = rich.Textf(" for %s", mention(h.Usual))
			}
			if a.Intent == "role_lookup" {
				return rich.Textf("The %s of %s is %s, covering%s until %s.", h.RoleName, rich.Strong(a.Team.Name), mention(h.Person), forWhom, when(h.CoverUntil))
			}
			return rich.Textf("%s: %s, covering as %s of %s%s until %s.", a.Title, mention(h.Person), h.RoleName, rich.Strong(a.Team.Name), forWhom, when(h.CoverUntil))
		}
		if a.Intent == "role_lookup" {
			return rich.Textf("The %s of %s is %s.", h.RoleName, rich.Strong(a.Team.Name), mention(h.Person))
		}
		return rich.Textf("%s: %s, the %s of %s.", a.Title, mention(h.Person), h.RoleName, rich.Strong(a.Team.Name))
	case KindBoth:
		return rich.Textf("Two people share this on %s: the Product Manager and the Product Owner each decide a part.", rich.Strong(a.Team.Name))
	case KindKnowledge:
		return rich.Plain(a.Title)
	case KindUnknown:
		return rich.Plain("I don't know who owns that. It doesn't look like a product ownership question I can answer.")
	case KindPickTeam:
		if len(a.Teams) == 0 {
			return rich.Plain("No teams are set up yet, so I can't name a person.")
		}
		return rich.Textf("Which team do you mean? %s is a question for a person on a team.", a.Title)
	}
	return nil
}

// Text is the whole answer as lines, for transports without richer
// layouts, notification fallbacks and the command line.
func (a Answer) Text() rich.Text {
	var lines []rich.Text
	add := func(t rich.Text) {
		if !t.Empty() {
			lines = append(lines, t)
		}
	}
	switch a.Kind {
	case KindKnowledge:
		add(a.Knowledge)
	case KindUnknown:
		add(a.Headline())
		if len(a.Alternatives) > 0 {
			titles := make([]rich.Text, 0, len(a.Alternatives))
			for _, c := range a.Alternatives {
				if a.Lead {
					titles = append(titles, rich.Textf("%s (%s)", c.Title, rich.Code(c.Intent)))
				} else {
					titles = append(titles, rich.Plain(c.Title))
				}
			}
			add(rich.Textf("Closest things I can answer: %s.", rich.Join(titles, ", ")))
		}
		add(a.KeptHint())
	case KindPickTeam:
		add(a.Headline())
		if len(a.Teams) > 0 {
			names := make([]rich.Text, 0, len(a.Teams))
			for _, t := range a.Teams {
				names = append(names, rich.Plain(t.Name))
			}
			add(rich.Textf("Teams: %s. Ask again naming one, e.g. \"… for %s\".", rich.Join(names, ", "), a.Teams[0].Name))
		} else {
			add(rich.Textf("A lead can create one with %s.", rich.Command("team create <name>")))
		}
	case KindPerson:
		add(a.Headline())
		if a.Why != "" {
			add(rich.Textf("Why: %s", a.Why))
		}
		if a.SamePerson && a.Holder != nil && !a.Holder.Empty() {
			add(rich.Textf("%s is both Product Manager and Product Owner on %s.", mention(a.Holder.Person), a.Team.Name))
		} else if c := a.Counterpart; c != nil {
			if c.Empty() {
				add(rich.Textf("Counterpart: no %s on %s yet.", c.RoleName, a.Team.Name))
			} else {
				add(rich.Textf("Counterpart: %s is the %s.", mention(c.Person), c.RoleName))
			}
		}
		add(a.FillHint)
	case KindBoth:
		add(a.Headline())
		if a.SamePerson {
			add(rich.Textf("On %s both roles are held by %s, who %s, and %s.", a.Team.Name, mention(a.Both[0].Person), a.Both[0].Decides, a.Both[1].Decides))
		} else {
			for _, h := range a.Both {
				if h.Vacated != nil && h.Empty() {
					add(rich.Textf("• %s (vacant since %s; %s held it) %s.", h.RoleName, day(h.Vacated.Since), h.Vacated.Person.Label(), h.Decides))
				} else if h.Empty() {
					add(rich.Textf("• %s (nobody yet) %s.", h.RoleName, h.Decides))
				} else {
					add(rich.Textf("• %s, the %s, %s.", mention(h.Person), h.RoleName, h.Decides))
				}
			}
		}
		if a.Why != "" {
			add(rich.Textf("Why: %s", a.Why))
		}
		add(a.FillHint)
	}
	switch {
	case a.Confirm:
		add(a.ConfirmLine())
		if alts := a.Choices()[1:]; len(alts) > 0 {
			titles := make([]rich.Text, 0, len(alts))
			for _, c := range alts {
				titles = append(titles, rich.Plain(c.Title))
			}
			add(rich.Textf("Other topics it may be: %s.", rich.Join(titles, ", ")))
		}
		add(a.TeachHint())
	case a.NearTie && len(a.Alternatives) > 0 && a.Kind != KindUnknown:
		add(rich.Textf("Did you mean %s instead?", a.Alternatives[0].Title))
	}
	return rich.Lines(lines...)
}

// ConfirmLine is the question of a two-stage fallback: how the bot read a
// question it is not sure of.
func (a Answer) ConfirmLine() rich.Text {
	return rich.Sprintf("I read this as %s, is that right?", rich.Strong(a.Title))
}

// KeptHint closes an "I don't know": the question waits for the leads, and
// a lead is told how to teach the bot.
// It says the question was kept only when it was (Queued); empty when there
// is nothing to say.
func (a Answer) KeptHint() rich.Text {
	switch {
	case a.Queued && a.Lead:
		return rich.Sprintf("I've kept the question for the leads; you can teach me with %s.", TeachCommand())
	case a.Queued:
		return rich.Plain("I've kept the question for the leads.")
	case a.Lead:
		return rich.Sprintf("You can teach me with %s.", TeachCommand())
	}
	return nil
}

// TeachHint tells a lead, under a confirmation, how to teach the bot the
// right reading for good; empty for everyone else.
func (a Answer) TeachHint() rich.Text {
	if !a.Lead {
		return nil
	}
	return rich.Sprintf("If I read it wrong, you can teach me with %s.", TeachCommand())
}

// TeachCommand is the command that teaches the bot a phrase, shown with
// questions it could not answer.
func TeachCommand() rich.Text { return rich.Command(`teach "<phrase>" <intent>`) }
