package teams

import (
	"context"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Replies to a 👍/👎.
const (
	feedbackThanks   = "Thanks for the feedback; the leads see it when they tune the answers."
	feedbackAgain    = "You already rated this answer; each person's vote on an answer counts once."
	feedbackNoAnswer = "I can't tell which answer this rates, so I didn't count it. Use the buttons under an answer."
	feedbackUnknown  = "I can't count that vote: it rates no answer topic of this organisation."
)

// onFeedback counts a 👍/👎 on an answer once per person and answer, for an
// intent of the tenant's catalogue. Thanks and refusals go to the voter
// alone (see tell). The answer is the card message the
// button sits on: Teams sets the submit activity's replyToId to its id.
func (a *Adapter) onFeedback(ctx context.Context, tenant ownership.TenantID, in *inbound, m bot.Message, d submitData) {
	if d.Helpful == nil {
		return // not a vote: nothing to count or answer
	}
	helpful := *d.Helpful
	if in.ReplyToID == "" {
		a.refuseVote(ctx, in, feedbackNoAnswer)
		return
	}
	if _, err := a.svc.Intent(ctx, tenant, d.Intent); err != nil {
		if code := ownership.ErrorCode(err); code != ownership.ErrNotFound && code != ownership.ErrInvalid {
			a.replyError(ctx, in, m, "feedback", err)
			return
		}
		a.refuseVote(ctx, in, feedbackUnknown)
		return
	}
	key := "teams:feedback:" + in.Conversation.ID + "|" + in.ReplyToID + "|" + in.From.ID
	first, err := a.store.Claim(ctx, key, feedbackTTL)
	if err != nil {
		a.replyError(ctx, in, m, "feedback", err)
		return
	}
	if !first {
		a.tell(ctx, in, textActivity(rich.Plain(feedbackAgain)))
		return
	}
	if err := a.svc.Feedback(ctx, m, d.Intent, helpful); err != nil {
		// Not counted: the person may vote again.
		if rerr := a.store.Release(ctx, key); rerr != nil {
			a.log.Warn("teams: releasing a vote that was not counted", "activity", in.ID, "err", rerr)
		}
		if code := ownership.ErrorCode(err); code == ownership.ErrNotFound || code == ownership.ErrInvalid {
			// The core refused it (the intent went away meanwhile) and
			// counts it.
			a.tell(ctx, in, textActivity(rich.Plain(feedbackUnknown)))
			return
		}
		a.replyError(ctx, in, m, "feedback", err)
		return
	}
	a.tell(ctx, in, textActivity(rich.Plain(feedbackThanks)))
}

// refuseVote counts a refused vote under the one reason every refused vote
// shares (intent ids come from the card's submit data: a forged one must add
// no series, nor a field in the store) and tells the voter why.
func (a *Adapter) refuseVote(ctx context.Context, in *inbound, why string) {
	a.metrics.Rejected(bot.PlatformTeams, rejectVote)
	a.log.Debug("teams: vote refused", "activity", in.ID, "user", in.From.ID)
	a.tell(ctx, in, textActivity(rich.Plain(why)))
}
