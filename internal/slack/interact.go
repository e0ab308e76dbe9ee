package slack

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// actionHandlers dispatches block actions by the action id's prefix.
var actionHandlers = map[string]func(a *Adapter, ctx context.Context, in *interaction, act *slackapi.BlockAction){
	actionChoose:          (*Adapter).onChoose,
	actionPickTeam:        (*Adapter).onChoose,
	actionMore:            (*Adapter).onMore,
	actionWhy:             (*Adapter).onWhy,
	actionHelpful:         (*Adapter).onFeedback,
	actionNotHelpful:      (*Adapter).onFeedback,
	actionOnboardTeam:     (*Adapter).onOnboardTeam,
	actionHomePage:        (*Adapter).onHomePage,
	actionHomeFind:        (*Adapter).onHomeFind,
	actionTeamMenu:        (*Adapter).onTeamMenu,
	actionManageTeam:      (*Adapter).onManageTeam,
	actionNewTeam:         (*Adapter).onNewTeam,
	actionUnanswered:      (*Adapter).onUnanswered,
	actionLeads:           (*Adapter).onLeads,
	actionTeach:           (*Adapter).onTeach,
	actionDismiss:         (*Adapter).onDismiss,
	actionClearQueue:      (*Adapter).onClearQueue,
	actionPreview:         (*Adapter).onPreview,
	actionSuggest:         (*Adapter).onSuggest,
	actionReviewYes:       (*Adapter).onReviewYes,
	actionReviewNo:        (*Adapter).onReviewNo,
	actionReviewSuccessor: (*Adapter).onReviewSuccessor,
	actionApprove:         (*Adapter).onDecide,
	actionDecline:         (*Adapter).onDecide,
	actionFill:            (*Adapter).onFill,
}

// voteTTL is how long one person's vote on one answer is remembered.
const voteTTL = 30 * 24 * time.Hour

// interaction is a block_actions payload with where it happened.
type interaction struct {
	cb        *slackapi.InteractionCallback
	team      string
	channel   string
	messageTS string
	threadTS  string
	// ephemeral messages (slash command replies) cannot be touched with
	// chat.update or threaded; they are answered through response_url.
	ephemeral bool
}

func (a *Adapter) interactionJob(payload []byte) (job, error) {
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal(payload, &cb); err != nil {
		return job{}, err
	}
	id := "action:" + cb.Team.ID + ":" + cb.User.ID + ":" + cb.ActionTs
	if len(cb.ActionCallback.BlockActions) > 0 {
		id = "action:" + cb.Team.ID + ":" + cb.User.ID + ":" + cb.ActionCallback.BlockActions[0].ActionTs
	}
	return job{id: id, run: func(ctx context.Context) { a.processInteraction(ctx, &cb) }}, nil
}

func (a *Adapter) processInteraction(ctx context.Context, cb *slackapi.InteractionCallback) {
	if cb.Type != slackapi.InteractionTypeBlockActions {
		// Nothing else (view_submission, shortcuts…) is handled yet; a
		// foreign one is still counted.
		_, _ = a.admit(ctx, origin{Team: cmp.Or(cb.Team.ID, cb.User.TeamID), Enterprise: cb.Enterprise.ID}, kindInteraction)
		a.log.Debug("slack: ignoring interaction", "type", cb.Type)
		return
	}
	// The workspace, as Slack documents it: team.id, else the user's
	// team_id, else (an org-wide install) the enterprise.
	o := origin{Team: cb.Team.ID, Enterprise: cb.Enterprise.ID}
	if o.Team == "" {
		o.Team = cb.User.TeamID
	}
	ctx, adm := a.admit(ctx, o, kindInteraction)
	if adm != admitted {
		return
	}
	in := &interaction{
		cb:        cb,
		team:      dataKey(ctx, o),
		channel:   cb.Container.ChannelID,
		messageTS: cb.Container.MessageTs,
		threadTS:  cb.Container.ThreadTs,
		ephemeral: cb.Container.IsEphemeral,
	}
	if in.channel == "" {
		in.channel = cb.Channel.ID
	}
	if in.messageTS == "" {
		in.messageTS = cb.Message.Timestamp
	}
	if in.threadTS == "" {
		in.threadTS = cb.Message.ThreadTimestamp
	}
	for _, act := range cb.ActionCallback.BlockActions {
		name, _, _ := strings.Cut(act.ActionID, ":")
		h, ok := actionHandlers[name]
		if !ok {
			a.log.Debug("slack: ignoring action", "action", act.ActionID)
			continue
		}
		h(a, ctx, in, act)
	}
}

// message is the core's view of the click, as if the clicker had typed text.
func (in *interaction) message(ctx context.Context, a *Adapter, text string) bot.Message {
	m := a.newMessage(ctx, in.team, in.cb.User.ID, in.channel, text)
	if in.cb.User.Name != "" {
		m.User.Name = in.cb.User.Name
	}
	return m
}

// replace swaps the clicked message for msg: chat.update for a normal
// message, response_url for an ephemeral one.
func (a *Adapter) replace(ctx context.Context, in *interaction, msg message) error {
	if in.ephemeral || in.messageTS == "" || in.channel == "" {
		return a.respond(ctx, in.cb.ResponseURL, true, msg)
	}
	msg.Channel = in.channel
	return a.updateMessage(ctx, in.messageTS, msg)
}

// tell shows msg to the clicker only, next to the clicked message.
func (a *Adapter) tell(ctx context.Context, in *interaction, msg message) error {
	if in.ephemeral || in.channel == "" {
		return a.respond(ctx, in.cb.ResponseURL, false, msg)
	}
	msg.Channel, msg.ThreadTS = in.channel, in.threadTS
	return a.postEphemeral(ctx, in.cb.User.ID, msg)
}

// reply posts msg in the clicked message's thread, for everyone to see.
func (a *Adapter) reply(ctx context.Context, in *interaction, msg message) error {
	if in.ephemeral || in.channel == "" {
		return a.respond(ctx, in.cb.ResponseURL, false, msg)
	}
	msg.Channel, msg.ThreadTS = in.channel, in.threadTS
	if msg.ThreadTS == "" {
		msg.ThreadTS = in.messageTS
	}
	_, err := a.postMessage(ctx, msg)
	return err
}

// onChoose answers in place with the intent (and team) the user picked:
// "did you mean", the closest intents of an "I don't know", or a team.
func (a *Adapter) onChoose(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	var c choice
	var err error
	if string(act.Type) == "static_select" {
		c, err = decodeChoice(strings.TrimPrefix(act.BlockID, pickTeamBlockPrefix))
		c.Team = act.SelectedOption.Value
	} else {
		c, err = decodeChoice(act.Value)
	}
	if err != nil {
		a.log.Warn("slack: bad action value", "action", act.ActionID, "err", err)
		return
	}
	m := in.message(ctx, a, c.Question)
	picker := m.User
	asker := in.cb.User.ID
	if c.Asker != "" {
		// Resolve the team as for the person who asked, whoever clicks.
		asker = c.Asker
		m.User = a.person(in.team, c.Asker, "")
	}
	var ans bot.Answer
	if name, _, _ := strings.Cut(act.ActionID, ":"); name == actionChoose {
		// An intent picked under "is that right?" or "I don't know": the
		// clicker's pick teaches the bot (see bot.Service.Choose).
		ans, err = a.svc.Choose(ctx, m, picker, c.Intent, c.Team)
	} else {
		ans, err = a.svc.AnswerFor(ctx, m, c.Intent, c.Team)
	}
	if err != nil {
		a.logCoreError("answer_for", m, err)
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	_ = a.replace(ctx, in, answerMessage(ans, asker))
}

// onMore posts the intent's longer explanation in the thread.
func (a *Adapter) onMore(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	it, err := a.svc.Intent(ctx, tenant(in.team), act.Value)
	if err != nil {
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	text := it.More
	if text == "" {
		text = it.Why
	}
	_ = a.reply(ctx, in, textMessage(rich.Lines(rich.Sprintf("More on %s", rich.Strong(it.Title)), rich.Plain(text))))
}

// onWhy shows the clicker how the answer was reached; the reasoning was
// rendered into the button when the answer was.
func (a *Adapter) onWhy(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	_ = a.tell(ctx, in, textMessage(rich.Lines(rich.Strong("Why this answer"), rich.Plain(act.Value))))
}

// onFeedback counts a 👍 or 👎 for the answer's intent, once per person and
// answer, and thanks the voter privately. A vote must name an intent of the
// tenant's catalogue and the message it was cast on; anything else (a
// forged payload) is refused privately, changes nothing, and is counted under
// one fixed reason so the metric's series stay bounded.
func (a *Adapter) onFeedback(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	helpful := strings.HasPrefix(act.ActionID, actionHelpful)
	m := in.message(ctx, a, "")
	if in.messageTS == "" {
		a.refuseVote(ctx, in, rich.Plain("I can't tell which answer this vote is for, so I didn't count it."))
		return
	}
	// Checked before the vote is claimed, so a bad vote costs no good one.
	if _, err := a.svc.Intent(ctx, m.Tenant, act.Value); err != nil {
		if badVote(err) {
			a.refuseVote(ctx, in, rich.Plain("That answer's topic is not one I know any more, so I didn't count the vote."))
			return
		}
		a.logCoreError("feedback", m, err)
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	first, err := a.store.Claim(ctx, fmt.Sprintf("slack:vote:%s:%s:%s:%s", in.team, in.channel, in.messageTS, in.cb.User.ID), voteTTL)
	if err == nil && !first {
		_ = a.tell(ctx, in, notice(rich.Plain("You've already voted on this answer; thanks!")))
		return
	}
	if err := a.svc.Feedback(ctx, m, act.Value, helpful); err != nil {
		if badVote(err) {
			a.refuseVote(ctx, in, ownership.ErrorText(err))
			return
		}
		a.logCoreError("feedback", m, err)
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	thanks := rich.Plain("Thanks! Glad it helped. 👍")
	if !helpful {
		thanks = rich.Sprintf("Thanks for telling me. 👎 The leads see the count; if the answer is out of date, ask a lead to fix it with %s.", rich.Command("set <role> @person <team>"))
	}
	_ = a.tell(ctx, in, notice(thanks))
}

// badVote reports the core's refusal of a vote's intent.
func badVote(err error) bool {
	code := ownership.ErrorCode(err)
	return code == ownership.ErrInvalid || code == ownership.ErrNotFound
}

// refuseVote counts a refused vote and tells the voter alone why.
func (a *Adapter) refuseVote(ctx context.Context, in *interaction, why rich.Text) {
	a.metrics.Rejected(platform, rejectVote)
	a.log.Debug("slack: vote refused", "delivery", deliveryOf(ctx), "team", in.team, "user", in.cb.User.ID)
	_ = a.tell(ctx, in, notice(why))
}

// onOnboardTeam records the team a new member picked in their welcome and
// shows them who's who there.
func (a *Adapter) onOnboardTeam(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	m := in.message(ctx, a, "")
	o, err := a.svc.JoinTeam(ctx, m, act.SelectedOption.Value)
	if err != nil {
		a.logCoreError("join_team", m, err)
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	_ = a.replace(ctx, in, onboardingMessage(o))
}

// onHomePage shows another page of the App Home's list of teams.
func (a *Adapter) onHomePage(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	page, err := strconv.Atoi(act.Value)
	if err != nil || page < 0 {
		a.log.Debug("slack: bad home page", "value", act.Value)
		return
	}
	_ = a.showHome(ctx, in.team, in.cb.User.ID, page)
}

// onHomeFind shows the team picked in the App Home's search above the
// list of teams.
func (a *Adapter) onHomeFind(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	if act.SelectedOption.Value == "" {
		return
	}
	_ = a.showHomeFocused(ctx, in.team, in.cb.User.ID, 0, act.SelectedOption.Value)
}

// isBlockSuggestion reports whether an interaction payload asks for the
// options of an external_select.
func isBlockSuggestion(payload []byte) bool {
	var p struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(payload, &p) == nil && p.Type == string(slackapi.InteractionTypeBlockSuggestion)
}

// blockSuggestion answers a block_suggestion: the teams whose names hold
// what the person typed. Slack shows the answer as it comes, so it is the
// response itself.
func (a *Adapter) blockSuggestion(ctx context.Context, payload []byte) (findOptions, error) {
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal(payload, &cb); err != nil {
		return findOptions{}, err
	}
	if cb.User.ID == "" {
		return findOptions{}, fmt.Errorf("slack: block_suggestion without a user")
	}
	none := findOptions{Options: []*slackapi.OptionBlockObject{}}
	if cb.ActionID != actionHomeFind {
		return none, nil
	}
	o := origin{Team: cb.Team.ID, Enterprise: cb.Enterprise.ID}
	if o.Team == "" {
		o.Team = cb.User.TeamID
	}
	ctx, adm := a.admit(ctx, o, kindInteraction)
	if adm != admitted {
		return none, nil
	}
	m := a.newMessage(ctx, dataKey(ctx, o), cb.User.ID, "", "")
	ts, err := a.svc.FindTeams(ctx, m, cb.Value, maxFindOptions)
	if err != nil {
		a.logCoreError("find_teams", m, err)
		return none, nil
	}
	return foundOptions(ts), nil
}
