package teams

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Submit verbs of a review card.
const (
	actReviewYes = "review_yes" // "Yes, still me"
	actReviewNo  = "review_no"  // "No, hand over": asks for the successor
	actReviewTo  = "review_to"  // the successor picked
)

// noticeActivity renders a notice the bot starts; a review is a card with
// its two buttons, a fill one with a people picker. roster is the
// conversation (a Microsoft Teams team) whose members a fill's pick is
// looked up in; "" for the personal chat the pick comes from.
func noticeActivity(n bot.Notice, roster string) Activity {
	if n.Digest != nil {
		return cardActivity(digestCard(*n.Digest))
	}
	r := n.Review
	if r == nil {
		switch {
		case n.Request != nil:
			return cardActivity(noticeCard(n))
		case n.Fill != nil:
			return cardActivity(fillCard(n, roster))
		}
		return textActivity(n.Text)
	}
	c := newCard(cardRenderer(false))
	c.text(n.Text)
	d := submitData{Team: r.Team.ID, Role: string(r.Role)}
	yes, no := d, d
	yes.Action, no.Action = actReviewYes, actReviewNo
	c.body = append(c.body, element{Type: "ActionSet", Actions: []action{submit("Yes, still me", yes), submit("No, hand over", no)}})
	return cardActivity(c.attachment())
}

// digestCard renders the leads' digest as an Adaptive Card: a heading,
// each part under its title, a quiet week's one line and the footer. It
// names people without notifying them.
func digestCard(g bot.Digest) schema.Attachment {
	c := newCard(cardRenderer(true))
	c.text(rich.Plain(g.Title), heading)
	for _, sec := range g.Sections {
		c.text(rich.Plain(sec.Title), heading, spaced)
		for _, l := range sec.Lines {
			c.text(l)
		}
	}
	if !g.Quiet.Empty() {
		c.text(g.Quiet, spaced)
	}
	if !g.Footer.Empty() {
		c.text(g.Footer, subtle, spaced)
	}
	return c.attachment()
}

// successorCard asks whom the role goes to: the team's members to choose
// from, and a button that opens the handover.
func successorCard(r bot.ReviewAsk) Activity {
	c := newCard(cardRenderer(false))
	c.line(rich.Sprintf("Who takes over as %s of %s? Pick them, and a lead approves the handover.", r.RoleName, rich.Strong(r.Team.Name)))
	opts := make([]choice, 0, len(r.Candidates))
	for _, p := range r.Candidates {
		opts = append(opts, choice{Title: p.Label(), Value: p.ID})
	}
	if len(opts) == 0 {
		c.line(rich.Sprintf("%s has no other members I know of; ask a lead to add the successor to the team first.", r.Team.Name))
		return cardActivity(c.attachment())
	}
	c.body = append(c.body,
		element{Type: "Input.ChoiceSet", ID: "successor", Style: "compact", Label: "Successor", Choices: opts, IsRequired: true, ErrorMsg: "Pick who takes over."},
		element{Type: "ActionSet", Actions: []action{submit("Hand over", submitData{Action: actReviewTo, Team: r.Team.ID, Role: string(r.Role)})}})
	return cardActivity(c.attachment())
}

// onReview handles a review card's buttons, in place of the card.
func (a *Adapter) onReview(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	role := ownership.Role(d.Role)
	switch d.Action {
	case actReviewYes:
		reply, err := a.svc.ConfirmReview(ctx, m, d.Team, role)
		if err != nil {
			a.replyError(ctx, in, m, "review", err)
			return
		}
		a.replace(ctx, in, a.textFor(ctx, m.Tenant, in.ServiceURL, reply))
	case actReviewNo:
		r, err := a.svc.DeclineReview(ctx, m, d.Team, role)
		if err != nil {
			a.replyError(ctx, in, m, "review", err)
			return
		}
		a.replace(ctx, in, successorCard(r))
	case actReviewTo:
		res, err := a.svc.HandOverFromReview(ctx, m, d.Team, role, ownership.Person{ID: d.Successor})
		if err != nil {
			a.replyError(ctx, in, m, "review", err)
			return
		}
		reply := res.Text
		if !res.Private.Empty() {
			reply = res.Private
		}
		a.replace(ctx, in, a.textFor(ctx, m.Tenant, in.ServiceURL, reply))
		for _, an := range res.Announcements {
			a.announce(ctx, m.Tenant, an)
		}
		for _, n := range res.Notices {
			a.sendNotice(ctx, in, n)
		}
	}
}

// fillCard is a notice with a one-click fill of a role: Teams' people
// picker and a button that makes the person picked the holder.
func fillCard(n bot.Notice, roster string) schema.Attachment {
	f := n.Fill
	c := newCard(cardRenderer(false))
	for _, l := range n.Text.Split() {
		c.line(l)
	}
	picker := peoplePicker("person", "Who takes over as "+f.RoleName+" of "+f.Team.Name, "Search for a person")
	picker.IsRequired, picker.ErrorMsg = true, "Pick who takes over."
	c.body = append(c.body, picker)
	c.actions = append(c.actions, submit("Make them "+f.RoleName, submitData{Action: actFill, Team: f.Team.ID, Role: string(f.Role), Roster: roster}))
	return c.attachment()
}

// onFill fills a role with the person picked on a fill card: the picker
// gives an Azure AD object id, looked up in the card's roster. The clicker
// is the activity's signed sender; the core checks inside its update that
// they lead this tenant. A refusal goes to the clicker and leaves the card.
func (a *Adapter) onFill(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	if d.Team == "" || d.Role == "" {
		a.log.Debug("teams: malformed fill ignored", "activity", in.ID)
		return
	}
	var vals map[string]any
	_ = json.Unmarshal(in.Value, &vals)
	picked, _ := vals["person"].(string)
	if picked = strings.TrimSpace(picked); picked == "" {
		a.tell(ctx, in, textActivity(rich.Plain("Pick who takes over first.")))
		return
	}
	roster := d.Roster
	if roster == "" {
		roster = in.Conversation.ID
	}
	p, err := a.rosterPerson(ctx, in.ServiceURL, roster, picked)
	if err != nil {
		a.tell(ctx, in, textActivity(rich.Plain("I can't find that person in the team; pick someone else, or use set with a mention.")))
		return
	}
	res, err := a.svc.Fill(ctx, m, d.Team, ownership.Role(d.Role), p)
	if err != nil {
		a.tell(ctx, in, a.errorActivity(ctx, in, m, "fill", err))
		return
	}
	a.replace(ctx, in, a.textFor(ctx, m.Tenant, in.ServiceURL, res.Text))
	for _, an := range res.Announcements {
		a.announce(ctx, m.Tenant, an)
	}
	for _, n := range res.Notices {
		a.sendNotice(ctx, in, n)
	}
}

// rosterPerson turns a people picker's value (an Azure AD object id) into
// the person as the bot knows people: their id for this bot (29:…) and
// name, looked up in conversation's members.
func (a *Adapter) rosterPerson(ctx context.Context, serviceURL, conversation, id string) (ownership.Person, error) {
	acct, err := a.conn.Member(ctx, serviceURL, conversation, id)
	if err != nil {
		return ownership.Person{}, err
	}
	if acct.ID == "" {
		return ownership.Person{}, errors.New("teams: the member lookup gave no id")
	}
	return ownership.Person{ID: acct.ID, Name: acct.Name}, nil
}
