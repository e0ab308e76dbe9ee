package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack/slackevents"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/ownership"
)

// eventSpec describes one Events API event type the adapter handles.
type eventSpec struct {
	// Subscriptions are the manifest's bot_events that deliver this type
	// ("message" arrives through per-conversation-type subscriptions).
	Subscriptions []string
	// Scopes are the bot scopes those subscriptions need.
	Scopes []string
	handle func(a *Adapter, ctx context.Context, env *envelope)
}

// eventHandlers is the dispatch table of inner event types. The manifest
// test reads it, so the subscribed events and scopes cannot drift from what
// the code handles.
var eventHandlers = map[string]eventSpec{
	// Channels: answer only mentions. Subscribing to message.channels as
	// well would deliver each mention twice and read every message.
	"app_mention": {Subscriptions: []string{"app_mention"}, Scopes: []string{"app_mentions:read"}, handle: (*Adapter).onMention},
	// Direct messages: every message is for the bot.
	"message":               {Subscriptions: []string{"message.im"}, Scopes: []string{"im:history"}, handle: (*Adapter).onMessage},
	"team_join":             {Subscriptions: []string{"team_join"}, Scopes: []string{"users:read"}, handle: (*Adapter).onTeamJoin},
	"member_joined_channel": {Subscriptions: []string{"member_joined_channel"}, Scopes: []string{"channels:read", "groups:read"}, handle: (*Adapter).onMemberJoinedChannel},
	"app_home_opened":       {Subscriptions: []string{"app_home_opened"}, handle: (*Adapter).onHomeOpened},
	// Admin status makes a lead: a promotion or demotion counts at once.
	"user_change": {Subscriptions: []string{"user_change"}, Scopes: []string{"users:read"}, handle: (*Adapter).onUserChange},
	// Uninstall: the installation's tokens are deleted (installs.go).
	"app_uninstalled": {Subscriptions: []string{"app_uninstalled"}, handle: (*Adapter).onUninstalled},
	"tokens_revoked":  {Subscriptions: []string{"tokens_revoked"}, handle: (*Adapter).onUninstalled},
}

// commandScopes are the scopes of features outside the Events API: the
// slash command itself.
var commandScopes = []string{"commands"}

// envelope is the outer event_callback of the Events API, the same over
// HTTP and inside a Socket Mode envelope.
type envelope struct {
	Type   string `json:"type"`
	TeamID string `json:"team_id"`
	// EnterpriseID is the Enterprise Grid org, if any.
	EnterpriseID string          `json:"enterprise_id"`
	EventID      string          `json:"event_id"`
	Event        json.RawMessage `json:"event"`
	// Challenge is url_verification's, answered by the HTTP handler.
	Challenge string `json:"challenge"`
	// Authorizations name the bot user this delivery is for; a fallback
	// for the bot's own id while auth.test is unavailable.
	Authorizations []authorization `json:"authorizations"`
	// retry is the delivery attempt (X-Slack-Retry-Num / retry_attempt).
	retry int
	// inner is Event decoded once by processEvent; innerErr is what that
	// decoding said about a field of the wrong type, which only matters to
	// the handlers that read inner (the others decode Event themselves).
	inner    innerEvent
	innerErr error
	// origin is the workspace it came from, as admitted (processEvent);
	// admitted says it was, for eventCtx.
	origin   origin
	admitted bool
	// eventText is Event as a string, when the decoder had one (a slice
	// of its copy of the body).
	eventText string
	// authBuf holds Authorizations when there is one, as usual.
	authBuf [1]authorization
	// keyBuf holds the keys an answer claims (see deliveryKeys).
	keyBuf [2]string
}

// authorization is one of an envelope's authorizations.
type authorization struct {
	UserID string `json:"user_id"`
	IsBot  bool   `json:"is_bot"`
}

// innerEvent is what the adapter reads of an inner event in one decoding:
// the type to dispatch on, and the fields of the message and app_mention
// events that carry questions, the only events that come at message rate.
type innerEvent struct {
	Type    string `json:"type"`
	SubType string `json:"subtype"`
	User    string `json:"user"`
	BotID   string `json:"bot_id"`
	// AppID is set on messages an app posted, BotProfile on a bot's.
	AppID           string    `json:"app_id"`
	BotProfile      *struct{} `json:"bot_profile"`
	Text            string    `json:"text"`
	Channel         string    `json:"channel"`
	ChannelType     string    `json:"channel_type"`
	TimeStamp       string    `json:"ts"`
	ThreadTimeStamp string    `json:"thread_ts"`
	// Edited is set when a mention was added by editing an old message.
	Edited *struct{} `json:"edited"`
}

// slackbot is the user id of Slackbot, whose system messages ("You have
// been removed from #…") arrive as ordinary DMs.
const slackbot = "USLACKBOT"

// questionSubtypes are the message subtypes whose text a person typed to
// the bot: a plain message, and a file shared with a comment.
var questionSubtypes = map[string]bool{"": true, "file_share": true}

// fromBot reports whether no person typed the message: a bot or app posted
// it, Slackbot sent it, or it names no user at all.
func (ev *innerEvent) fromBot() bool {
	return ev.User == "" || ev.User == slackbot || ev.BotID != "" || ev.AppID != "" || ev.BotProfile != nil
}

// eventJob queues a raw Events API payload, decoded by the worker (Socket
// Mode, and HTTP bodies that are JSON but no envelope).
func (a *Adapter) eventJob(body []byte, eventID string, retry int) job {
	return job{id: eventID, run: func(ctx context.Context) {
		env := new(envelope)
		if !decodeEnvelope(body, env) {
			*env = envelope{}
			if err := json.Unmarshal(body, env); err != nil {
				a.log.Warn("slack: malformed event", "err", err)
				return
			}
		}
		env.retry = retry
		a.processEvent(ctx, env)
	}}
}

// envelopeJob queues an envelope the HTTP handler already decoded.
func (a *Adapter) envelopeJob(env *envelope) job {
	return job{id: env.EventID, tags: true, run: func(ctx context.Context) {
		a.processEvent(&eventCtx{Context: ctx, env: env}, env)
	}}
}

// eventCtx is the context an envelope's job runs with: the delivery id
// (withDelivery's) and, once admitted, the origin (admit's) are read from
// the envelope, in one allocation instead of a context.WithValue and a
// boxed copy each.
type eventCtx struct {
	context.Context
	env *envelope
}

// Value implements context.Context.
func (c *eventCtx) Value(key any) any {
	switch key.(type) {
	case deliveryKey:
		return &c.env.EventID
	case originKey:
		if c.env.admitted {
			return &c.env.origin
		}
	}
	return c.Context.Value(key)
}

// String names the context as context.WithValue's would.
func (c *eventCtx) String() string {
	return fmt.Sprint(c.Context) + ".WithValue(slack event " + c.env.EventID + ")"
}

func (a *Adapter) processEvent(ctx context.Context, env *envelope) {
	if env.retry > 0 {
		// The store may then prefer silence to a second reply it cannot
		// rule out (see ownership.WithRedelivery).
		ctx = ownership.WithRedelivery(ctx)
	}
	switch env.Type {
	case "event_callback":
	case "app_rate_limited":
		a.log.Error("slack: Slack is rate limiting this app's events; some were not delivered", "team", env.TeamID)
		return
	default:
		a.log.Debug("slack: ignoring outer event", "type", env.Type)
		return
	}
	// A field of the wrong type (team_join's user is an object) leaves the
	// rest decoded; only bad JSON or a missing type stop here.
	decoded := false
	if env.eventText != "" {
		decoded = decodeInnerText(env.Event, env.eventText, &env.inner)
	} else {
		decoded = decodeInner(env.Event, &env.inner)
	}
	if !decoded {
		env.inner = innerEvent{}
		err := json.Unmarshal(env.Event, &env.inner)
		var typeErr *json.UnmarshalTypeError
		if err != nil && (env.inner.Type == "" || !errors.As(err, &typeErr)) {
			a.log.Warn("slack: malformed inner event", "event", env.EventID, "err", err)
			return
		}
		env.innerErr = err
	}
	spec, ok := eventHandlers[env.inner.Type]
	if !ok {
		a.log.Debug("slack: ignoring event", "type", env.inner.Type, "event", env.EventID)
		return
	}
	// Only the token's own workspace (or org) is served; nothing of another
	// is claimed, read, stored or answered.
	// The origin lives in env, so the context carries a pointer to it
	// rather than a copy of its own.
	env.origin = origin{Team: env.TeamID, Enterprise: env.EnterpriseID}
	ctx, adm := a.admitRef(ctx, &env.origin, kindEvent)
	if adm != admitted {
		return
	}
	// Handlers key the workspace's (or org's) data by TeamID.
	env.TeamID = dataKey(ctx, env.origin)
	spec.handle(a, ctx, env)
}

// firstDelivery claims the event id and any extra keys in the store, all in
// one round trip, and reports whether this replica is the first to handle
// them. Slack retries deliveries it thinks failed and replicas share the
// load, so without it a question could be answered twice. If the store
// cannot be reached the event is handled anyway: a rare duplicate beats a
// lost answer.
func (a *Adapter) firstDelivery(ctx context.Context, env *envelope, extra ...string) bool {
	return a.claimed(ctx, env, deliveryKeys(env, extra...))
}

// deliveryKeys are the keys claimed for an event: its id and extra keys.
func deliveryKeys(env *envelope, extra ...string) []string {
	if env.EventID == "" {
		return extra
	}
	keys := make([]string, 0, 1+len(extra))
	return append(append(keys, "slack:event:"+env.EventID), extra...)
}

// claimed is firstDelivery with the keys already made.
func (a *Adapter) claimed(ctx context.Context, env *envelope, keys []string) bool {
	if len(keys) == 0 {
		return true
	}
	first, err := a.store.ClaimAll(ctx, a.cfg.DedupTTL, keys...)
	if err != nil {
		a.log.Warn("slack: dedup store unavailable; handling the event anyway", "event", env.EventID, "err", err)
		return true
	}
	if !first {
		a.duplicate(env, keys)
		return false
	}
	delivery.Claimed(ctx, keys...)
	return true
}

// duplicate counts and logs a delivery dropped because another came first.
func (a *Adapter) duplicate(env *envelope, keys []string) {
	a.metrics.Redelivery(platform)
	a.log.Debug("slack: duplicate delivery dropped", "event", env.EventID, "keys", keys, "retry", env.retry)
}

// questionKeys are deliveryKeys(env, messageKey(team, channel, ts)), made
// as one string that both keys are slices of, in env's own array.
func questionKeys(env *envelope, team, channel, ts string) []string {
	if env.EventID == "" {
		return deliveryKeys(env, messageKey(team, channel, ts))
	}
	const event, msg = "slack:event:", "slack:msg:"
	var b strings.Builder
	b.Grow(len(event) + len(env.EventID) + len(msg) + len(team) + len(channel) + len(ts) + 2)
	b.WriteString(event)
	b.WriteString(env.EventID)
	n := b.Len()
	b.WriteString(msg)
	b.WriteString(team)
	b.WriteByte(':')
	b.WriteString(channel)
	b.WriteByte(':')
	b.WriteString(ts)
	s := b.String()
	env.keyBuf = [2]string{s[:n], s[n:]}
	return env.keyBuf[:]
}

// messageKey identifies one chat message, whichever event delivered it.
func messageKey(team, channel, ts string) string {
	return "slack:msg:" + team + ":" + channel + ":" + ts
}

// botUser returns the bot's user id: auth.test's answer, else the event's
// authorizations.
func (a *Adapter) botUser(ctx context.Context, env *envelope) string {
	if id := a.botUserID(ctx); id != "" {
		return id
	}
	for _, au := range env.Authorizations {
		if au.IsBot {
			return au.UserID
		}
	}
	return ""
}

var leadingMention = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>[\s,:]*`)

// mentionRE is the compiled pattern of one bot's mention.
type mentionRE struct {
	botID string
	re    *regexp.Regexp
}

// lastMention caches the pattern of the bot's mention: the bot id rarely
// changes, and compiling it for every message cost more than matching.
var lastMention atomic.Pointer[mentionRE]

func botMention(botID string) *regexp.Regexp {
	if m := lastMention.Load(); m != nil && m.botID == botID {
		return m.re
	}
	m := &mentionRE{botID: botID, re: regexp.MustCompile(`<@` + regexp.QuoteMeta(botID) + `(\|[^>]*)?>[,:]?`)}
	lastMention.Store(m)
	return m.re
}

// questionText removes the bot's own mention and undoes Slack's escapes, so
// the core sees what the person typed; the renderers escape it again
// wherever it is shown. Real mentions and channel links arrive as "<@…>" and
// "<#…>"; typed ones arrive escaped and lose their bracket here, so they can
// never pass for real ones in a command.
//
// With the bot's id known, which is every question's case, it is one pass
// over text that builds the result in a buffer of its own, and text itself
// when nothing changes: the same as questionTextSlow, whose regexp,
// Replacer and Fields each made copies.
func questionText(text, botID string) string {
	if botID == "" {
		return questionTextSlow(text, botID)
	}
	var buf [256]byte
	out := buf[:0]
	space := false // a space is due before the next character
	for i := 0; i < len(text); {
		c := text[i]
		switch c {
		case '<':
			if n := botMentionAt(text[i:], botID); n > 0 {
				space = true
				i += n
				continue
			}
		case '&':
			if n, r := slackEscapeAt(text[i:]); n > 0 {
				if space && len(out) > 0 {
					out = append(out, ' ')
				}
				out, space = append(out, r), false
				i += n
				continue
			}
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if unicode.IsSpace(r) {
			space = true
		} else {
			if space && len(out) > 0 {
				out = append(out, ' ')
			}
			out, space = append(out, text[i:i+size]...), false
		}
		i += size
	}
	if string(out) == text {
		return text
	}
	return string(out)
}

// botMentionAt is the length of the bot's mention at the start of s, as
// botMention(botID) matches it: "<@ID>" or "<@ID|label>", then an optional
// ',' or ':'; 0 if s does not start with one.
func botMentionAt(s, botID string) int {
	if !strings.HasPrefix(s, "<@") || !strings.HasPrefix(s[2:], botID) {
		return 0
	}
	n := 2 + len(botID)
	switch {
	case n < len(s) && s[n] == '>':
		n++
	case n < len(s) && s[n] == '|':
		end := strings.IndexByte(s[n:], '>')
		if end < 0 {
			return 0
		}
		n += end + 1
	default:
		return 0
	}
	if n < len(s) && (s[n] == ',' || s[n] == ':') {
		n++
	}
	return n
}

// slackEscapeAt is unescaper's replacement at the start of s: its length
// and the character it stands for, or 0.
func slackEscapeAt(s string) (int, byte) {
	switch {
	case strings.HasPrefix(s, "&lt;@"):
		return 5, '@'
	case strings.HasPrefix(s, "&lt;#"):
		return 5, '#'
	case strings.HasPrefix(s, "&lt;"):
		return 4, '<'
	case strings.HasPrefix(s, "&gt;"):
		return 4, '>'
	case strings.HasPrefix(s, "&amp;"):
		return 5, '&'
	}
	return 0, 0
}

// questionTextSlow is questionText written with a regexp and a Replacer;
// it serves when the bot's id is unknown, and tests hold questionText to
// it.
func questionTextSlow(text, botID string) string {
	if botID != "" {
		text = botMention(botID).ReplaceAllString(text, " ")
	} else {
		text = leadingMention.ReplaceAllString(text, "")
	}
	text = unescaper.Replace(text)
	return strings.Join(strings.Fields(text), " ")
}

var unescaper = strings.NewReplacer("&lt;@", "@", "&lt;#", "#", "&lt;", "<", "&gt;", ">", "&amp;", "&")

// newMessage builds the core's neutral message.
func (a *Adapter) newMessage(ctx context.Context, team, user, channel, text string) bot.Message {
	return bot.Message{
		Tenant:   tenant(team),
		Platform: platform,
		ID:       deliveryOf(ctx),
		User:     a.person(team, user, ""),
		Channel:  ownership.Channel{ID: channel},
		DM:       strings.HasPrefix(channel, "D"),
		Text:     text,
	}
}

// onMention answers a question asked by mentioning the bot in a channel,
// in the thread of that message.
func (a *Adapter) onMention(ctx context.Context, env *envelope) {
	ev := &env.inner
	if err := env.innerErr; err != nil {
		a.log.Warn("slack: malformed app_mention", "event", env.EventID, "err", err)
		return
	}
	// Bots, apps, Slackbot, edits of an old mention, and the bot itself
	// are not questions.
	if ev.fromBot() || ev.Edited != nil {
		return
	}
	botID := a.botUser(ctx, env)
	if ev.User == botID {
		return
	}
	// A question is claimed together with reading the directory it is
	// answered from (AskOnce); anything else claims on its own.
	keys := questionKeys(env, env.TeamID, ev.Channel, ev.TimeStamp)
	thread := ev.ThreadTimeStamp
	if thread == "" {
		thread = ev.TimeStamp
	}
	text := questionText(ev.Text, botID)
	m := a.newMessage(ctx, env.TeamID, ev.User, ev.Channel, text)
	if bot.PrivateOnly(text) {
		if !a.claimed(ctx, env, keys) {
			return
		}
		// Changes and leads' views typed in a channel are answered to the
		// lead alone; only a change's announcement is public.
		a.privateCommand(ctx, m, ev.Channel, thread)
		return
	}
	if bot.LooksLikeCommand(text) {
		if !a.claimed(ctx, env, keys) {
			return
		}
		// Read-only commands (help, show, teams, history) answer in the thread.
		a.dmCommand(ctx, m, ev.Channel, thread)
		return
	}
	a.answer(ctx, env, keys, m, ev.Channel, thread)
}

// onMessage handles direct messages: a question, or a lead's command.
func (a *Adapter) onMessage(ctx context.Context, env *envelope) {
	ev := &env.inner
	if err := env.innerErr; err != nil {
		a.log.Warn("slack: malformed message", "event", env.EventID, "err", err)
		return
	}
	// Only DMs: channel messages are answered through app_mention. Posts
	// of bots, apps and Slackbot, edits, deletions, joins and every other
	// subtype are not questions; a file shared with a question is one.
	if ev.ChannelType != "im" || !questionSubtypes[ev.SubType] || ev.fromBot() {
		return
	}
	botID := a.botUser(ctx, env)
	if ev.User == botID {
		return
	}
	keys := deliveryKeys(env, messageKey(env.TeamID, ev.Channel, ev.TimeStamp))
	text := questionText(ev.Text, botID)
	m := a.newMessage(ctx, env.TeamID, ev.User, ev.Channel, text)
	m.DM = true
	// In a DM the reply goes under the message only if it is in a thread.
	thread := ev.ThreadTimeStamp
	if bot.LooksLikeCommand(text) {
		if !a.claimed(ctx, env, keys) {
			return
		}
		a.dmCommand(ctx, m, ev.Channel, thread)
		return
	}
	a.answer(ctx, env, keys, m, ev.Channel, thread)
}

// answer asks the core, unless another delivery of the question came first,
// and posts the rendered answer. The claim of keys and the directory read
// are one store round trip.
func (a *Adapter) answer(ctx context.Context, env *envelope, keys []string, m bot.Message, channel, thread string) {
	var msg message
	// A bare mention (nothing typed) is answered by the core with how to ask.
	ans, first, err := a.svc.AskOnce(ctx, m, a.cfg.DedupTTL, keys...)
	if err == nil && !first {
		a.duplicate(env, keys)
		return
	}
	if first {
		// Given back if the answer cannot be posted, for Slack's retry.
		delivery.Claimed(ctx, keys...)
	}
	if err != nil {
		a.logCoreError("ask", m, err)
		msg = notice(ownership.ErrorText(err))
	} else {
		msg = answerPostMessage(ans, m.User.ID)
	}
	msg.Channel, msg.ThreadTS = channel, thread
	// A failure is logged with the delivery id and counted by call.
	_, _ = a.postMessage(ctx, msg)
}

// logCoreError logs failures that are ours, not the user's.
func (a *Adapter) logCoreError(op string, m bot.Message, err error) {
	switch ownership.ErrorCode(err) {
	case ownership.ErrInternal, ownership.ErrUnavailable, ownership.ErrConflict:
		a.log.Error("slack: core failed", "op", op, "delivery", m.ID, "tenant", m.Tenant, "err", err)
	}
}

// onTeamJoin welcomes a new member of the workspace.
func (a *Adapter) onTeamJoin(ctx context.Context, env *envelope) {
	var ev slackevents.TeamJoinEvent
	if err := json.Unmarshal(env.Event, &ev); err != nil || ev.User == nil {
		a.log.Warn("slack: malformed team_join", "event", env.EventID, "err", err)
		return
	}
	u := ev.User
	if u.ID == "" || u.IsBot || u.Deleted || u.ID == slackbot {
		return
	}
	name := u.Profile.DisplayName
	if name == "" {
		name = u.Name
	}
	a.users.put(env.TeamID+"/"+u.ID, userInfo{Name: name, Admin: (u.IsAdmin || u.IsOwner) && !u.Deleted, Bot: u.IsBot})
	if !a.firstDelivery(ctx, env) {
		return
	}
	a.welcome(ctx, env.TeamID, ownership.Person{ID: u.ID, Name: name}, "")
}

// onMemberJoinedChannel welcomes someone who joins a channel linked to a
// team, for that team.
func (a *Adapter) onMemberJoinedChannel(ctx context.Context, env *envelope) {
	var ev slackevents.MemberJoinedChannelEvent
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		a.log.Warn("slack: malformed member_joined_channel", "event", env.EventID, "err", err)
		return
	}
	if ev.User == "" || ev.User == a.botUser(ctx, env) {
		return
	}
	t, linked, err := a.svc.TeamForChannel(ctx, tenant(env.TeamID), ev.Channel)
	if err != nil {
		a.log.Error("slack: cannot read the directory for onboarding", "event", env.EventID, "err", err)
		return
	}
	if !linked {
		return
	}
	u, err := a.lookupUser(ctx, env.TeamID, ev.User)
	if err == nil && u.Bot {
		return
	}
	if !a.firstDelivery(ctx, env) {
		return
	}
	a.welcome(ctx, env.TeamID, ownership.Person{ID: ev.User, Name: u.Name}, t.ID)
}

// welcome sends the onboarding DM unless the person already had it for
// that team; the core's MarkOnboarded makes that hold across replicas.
func (a *Adapter) welcome(ctx context.Context, team string, p ownership.Person, teamID string) {
	m := bot.Message{Tenant: tenant(team), Platform: platform, ID: deliveryOf(ctx), User: p, DM: true}
	o, send, err := a.svc.Welcome(ctx, m, teamID)
	if err != nil {
		a.logCoreError("welcome", m, err)
		return
	}
	if send {
		_ = a.sendWelcome(ctx, o)
	}
}

// sendWelcome opens the DM and posts the onboarding.
func (a *Adapter) sendWelcome(ctx context.Context, o bot.Onboarding) error {
	ch, err := a.openDM(ctx, o.User.ID)
	if err != nil {
		return err
	}
	msg := onboardingMessage(o)
	msg.Channel = ch
	_, err = a.postMessage(ctx, msg)
	return err
}

// onHomeOpened publishes the App Home. Publishing is idempotent, so a
// redelivery needs no dedup.
func (a *Adapter) onHomeOpened(ctx context.Context, env *envelope) {
	var ev slackevents.AppHomeOpenedEvent
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		a.log.Warn("slack: malformed app_home_opened", "event", env.EventID, "err", err)
		return
	}
	if ev.Tab != "home" || ev.User == "" {
		return
	}
	_ = a.showHome(ctx, env.TeamID, ev.User, 0)
}

// showHome publishes user's App Home with page of the list of teams.
func (a *Adapter) showHome(ctx context.Context, team, user string, page int) error {
	return a.showHomeFocused(ctx, team, user, page, "")
}

// showHomeFocused publishes user's App Home with the team whose key is
// focus (found with the search) shown in full above the list.
func (a *Adapter) showHomeFocused(ctx context.Context, team, user string, page int, focus string) error {
	m := a.homeMessage(ctx, team, user)
	h, err := a.svc.Home(ctx, m)
	for _, t := range h.Teams {
		if focus != "" && bot.TeamKey(t.Team.ID) == focus {
			h.Focus = t.Team.ID
		}
	}
	blocks := homePage(h, page)
	if err != nil {
		a.logCoreError("home", m, err)
		blocks = homeErrorBlocks(ownership.ErrorText(err))
	}
	return a.publishHome(ctx, user, blocks)
}

// homeMessage is the core's view of user looking at their home or a form:
// leads see more, and workspace admins are leads, so Slack is asked
// (cached) who the user is.
func (a *Adapter) homeMessage(ctx context.Context, team, user string) bot.Message {
	m := a.newMessage(ctx, team, user, "", "")
	if u, err := a.lookupUser(ctx, team, user); err == nil {
		m.User.Name, m.PlatformAdmin = u.Name, u.Admin
	}
	return m
}
