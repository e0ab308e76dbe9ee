package slack

import (
	"context"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Action ids of a review's buttons and its successor picker. The buttons
// carry "<team>/<role>" as their value; the picker, which has no value,
// carries it in its block id after reviewBlockPrefix.
const (
	actionReviewYes       = "review_yes"
	actionReviewNo        = "review_no"
	actionReviewSuccessor = "review_successor"
	reviewBlockPrefix     = "review:"
)

func reviewKey(r bot.ReviewAsk) string { return r.Team.ID + "/" + string(r.Role) }

func parseReviewKey(s string) (string, ownership.Role, bool) {
	team, role, ok := strings.Cut(s, "/")
	return team, ownership.Role(role), ok && team != "" && role != ""
}

// successorMessage asks whom the role goes to, with a user picker.
func successorMessage(r bot.ReviewAsk) message {
	q := rich.Sprintf("Who takes over as %s of %s? Pick them, and a lead approves the handover.", r.RoleName, rich.Strong(r.Team.Name))
	pick := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeUser, plain("Choose the successor", maxButtonText), actionReviewSuccessor)
	return message{Text: truncateMrkdwn(mrkdwnOf(q), maxFallback), Blocks: []slackapi.Block{section(q), slackapi.NewActionBlock(reviewBlockPrefix+reviewKey(r), pick)}}
}

// onReviewYes records the holder's confirmation in place of the question.
func (a *Adapter) onReviewYes(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	team, role, ok := parseReviewKey(act.Value)
	if !ok {
		return
	}
	m := in.message(ctx, a, "")
	reply, err := a.svc.ConfirmReview(ctx, m, team, role)
	if err != nil {
		a.logCoreError("review_yes", m, err)
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	_ = a.replace(ctx, in, notice(reply))
}

// onReviewNo asks, in place of the question, whom the role goes to.
func (a *Adapter) onReviewNo(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	team, role, ok := parseReviewKey(act.Value)
	if !ok {
		return
	}
	m := in.message(ctx, a, "")
	r, err := a.svc.DeclineReview(ctx, m, team, role)
	if err != nil {
		a.logCoreError("review_no", m, err)
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	_ = a.replace(ctx, in, successorMessage(r))
}

// onReviewSuccessor opens the handover to the person picked.
func (a *Adapter) onReviewSuccessor(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	team, role, ok := parseReviewKey(strings.TrimPrefix(act.BlockID, reviewBlockPrefix))
	if !ok || act.SelectedUser == "" {
		return
	}
	m := in.message(ctx, a, "")
	successor := ownership.Person{ID: act.SelectedUser}
	if u, err := a.lookupUser(ctx, in.team, act.SelectedUser); err == nil {
		successor.Name = u.Name
	}
	res, err := a.svc.HandOverFromReview(ctx, m, team, role, successor)
	if err != nil {
		a.logCoreError("review_successor", m, err)
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	reply := res.Text
	if !res.Private.Empty() {
		reply = res.Private
	}
	_ = a.replace(ctx, in, notice(reply))
	a.deliver(ctx, res)
}
