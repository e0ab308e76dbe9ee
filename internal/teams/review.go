package teams

import (
	"context"

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
// its two buttons.
func noticeActivity(n bot.Notice) Activity {
	r := n.Review
	if r == nil {
		if n.Request != nil {
			return cardActivity(noticeCard(n))
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
