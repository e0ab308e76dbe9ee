package teams

import (
	"context"
	"encoding/json"
	"html"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Teams conversation types.
const (
	convPersonal = "personal"
	convChannel  = "channel"
)

// Store keys of conversation references.
const (
	// channelRefPrefix + channel id: how to post into a channel or group
	// chat (announcements).
	channelRefPrefix = "teams:channel:"
	// botRefKey: the tenant's service URL and bot account, enough to post
	// into any channel by id when that channel's own reference is missing.
	botRefKey = "teams:bot"
	// feedbackTTL is how long one person's vote on one answer is remembered.
	feedbackTTL = 30 * 24 * time.Hour
)

// handle processes one authenticated activity on a worker.
func (a *Adapter) handle(ctx context.Context, in *inbound) {
	ctx, cancel := context.WithTimeout(ctx, a.jobTimeout)
	defer cancel()
	// serveMessages lets only activities naming their tenant through; this
	// guards callers that skip it.
	if tenantOf(in) == "" {
		a.log.Warn("teams: activity without a tenant id ignored", "activity", in.ID, "type", in.Type)
		return
	}
	tenant := ownership.TenantID("teams:" + tenantOf(in))
	if !a.firstDelivery(ctx, in) {
		return
	}
	switch in.Type {
	case schema.Message:
		a.rememberConversation(ctx, tenant, in)
		a.noteNames(ctx, tenant, in)
		if d, ok := submitOf(in); ok {
			a.onSubmit(ctx, tenant, in, d)
			return
		}
		a.onMessage(ctx, tenant, in)
	case schema.Invoke:
		if d, ok := submitOf(in); ok {
			a.onSubmit(ctx, tenant, in, d)
		}
	case schema.ConversationUpdate:
		a.rememberConversation(ctx, tenant, in)
		a.noteNames(ctx, tenant, in)
		if botAdded(in) && in.Conversation.ConversationType != convPersonal {
			// The bot was added to a team or chat.
			a.onInstalled(ctx, tenant, in)
		}
		a.onMembersAdded(ctx, tenant, in)
		a.onMembersRemoved(ctx, tenant, in)
	case schema.InstallationUpdate:
		if installAdded(in) {
			a.onInstalled(ctx, tenant, in)
		}
	}
}

// botAdded reports a conversationUpdate that adds the bot itself.
func botAdded(in *inbound) bool {
	for _, m := range in.MembersAdded {
		if m.ID == in.Recipient.ID {
			return true
		}
	}
	return false
}

// onInstalled handles the app being installed, for a person (personal
// scope) or in a team or chat: the installer (from, as the signed activity
// names them) becomes the tenant's first lead when it has none, audited,
// and is welcomed; the welcome says they are the first lead. A personal
// install welcomes the installer in any case, once.
func (a *Adapter) onInstalled(ctx context.Context, tenant ownership.TenantID, in *inbound) {
	if !isUser(in.From.ID) {
		return
	}
	m := bot.Message{Tenant: tenant, Platform: bot.PlatformTeams, ID: in.ID, User: ownership.Person{ID: in.From.ID, Name: in.From.Name}, Channel: channelOf(in)}
	first, err := a.svc.InstalledBy(ctx, m, func(ctx context.Context) string {
		// Activities often carry ids only; the lead is kept with a name.
		name := a.memberName(ctx, in, in.From.ID)
		m.User.Name = name
		return name
	})
	if err != nil {
		a.log.Error("teams: could not record the installer as the first lead", "tenant", tenant, "user", in.From.ID, "activity", in.ID, "err", err)
	} else if first {
		a.log.Info("teams: installed; the installer is the tenant's first lead", "tenant", tenant, "user", in.From.ID, "conversation_type", in.Conversation.ConversationType)
	}
	if !first && in.Conversation.ConversationType != convPersonal {
		return
	}
	o, send, err := a.svc.WelcomeInstaller(ctx, m, first)
	if err != nil {
		a.log.Error("teams: onboarding failed", "user", in.From.ID, "activity", in.ID, "err", err)
		return
	}
	if !send {
		return
	}
	if o.User.Name == "" {
		o.User.Name = a.memberName(ctx, in, in.From.ID)
	}
	a.sendWelcome(ctx, in, o)
}

// memberName looks up a member's display name ("" when it cannot).
func (a *Adapter) memberName(ctx context.Context, in *inbound, id string) string {
	acct, err := a.conn.Member(ctx, in.ServiceURL, in.Conversation.ID, id)
	if err != nil {
		a.log.Warn("teams: could not look up a member's name", "user", id, "err", err)
		return ""
	}
	return acct.Name
}

// installAdded reports an installationUpdate that adds the app ("add", or
// "add-upgrade" when a newer version is installed over an older one).
func installAdded(in *inbound) bool {
	return in.Action == "add" || in.Action == "add-upgrade"
}

// isUser reports whether id is a Teams user's id for this bot ("29:…"),
// not a bot ("28:…"), an anonymous meeting participant ("229:…") or a
// phone or federated guest of a meeting.
func isUser(id string) bool {
	return strings.HasPrefix(id, "29:")
}

// onMembersAdded welcomes people who joined somewhere the welcome is for:
// a Microsoft Teams team with a channel linked to a team of the directory,
// or, in a personal chat, the person who installed the bot (Teams names
// only the bot there). Meeting and group chats, the bot itself and
// anonymous participants get nothing.
func (a *Adapter) onMembersAdded(ctx context.Context, tenant ownership.TenantID, in *inbound) {
	if len(in.MembersAdded) == 0 {
		return
	}
	switch in.Conversation.ConversationType {
	case convPersonal:
		// The person installed the bot for themselves.
		a.onInstalled(ctx, tenant, in)
	case convChannel:
		teamID, linked := a.linkedTeam(ctx, tenant, in)
		if !linked {
			return
		}
		for _, mem := range in.MembersAdded {
			if mem.ID != in.Recipient.ID && isUser(mem.ID) {
				a.welcomeMember(ctx, tenant, in, mem, teamID)
			}
		}
	}
}

// linkedTeam is the directory's team linked to the activity's channel, or
// to the General channel of its Microsoft Teams team (whose id is the
// team's), if any.
func (a *Adapter) linkedTeam(ctx context.Context, tenant ownership.TenantID, in *inbound) (string, bool) {
	for _, ch := range []string{channelOf(in).ID, in.channelData.Team.ID} {
		if ch == "" {
			continue
		}
		t, linked, err := a.svc.TeamForChannel(ctx, tenant, ch)
		if err != nil {
			a.log.Error("teams: cannot read the directory for onboarding", "activity", in.ID, "err", err)
			return "", false
		}
		if linked {
			return t.ID, true
		}
	}
	return "", false
}

// firstDelivery claims the activity so that a redelivery (the Bot Connector
// retries when our acknowledgement is slow or lost) or another replica does
// not answer it again. Activity ids are unique within a conversation, so the
// key names both. If the store is down the activity is handled anyway: a
// rare duplicate beats a lost answer.
func (a *Adapter) firstDelivery(ctx context.Context, in *inbound) bool {
	if in.ID == "" {
		return true
	}
	key := "teams:activity:" + in.Conversation.ID + "|" + in.ID
	first, err := a.store.Claim(ctx, key, a.dedupTTL)
	if err != nil {
		a.log.Warn("teams: dedup store unavailable; handling the activity anyway", "activity", in.ID, "err", err)
		return true
	}
	if !first {
		a.metrics.Redelivery(bot.PlatformTeams)
		a.log.Debug("teams: duplicate delivery dropped", "activity", in.ID)
		return false
	}
	// Given back if no reply can have arrived, for the redelivery.
	delivery.Claimed(ctx, key)
	return true
}

// tenantOf is the activity's Microsoft 365 tenant: conversation.tenantId,
// which the inbound policy requires (channelData's copy, where present, must
// agree with it).
func tenantOf(in *inbound) string {
	return in.Conversation.TenantID
}

// baseConversation strips the thread suffix Teams adds to a channel
// conversation id (";messageid=…"), leaving the channel's id.
func baseConversation(id string) string {
	base, _, _ := strings.Cut(id, ";")
	return base
}

// channelOf is the channel a message belongs to in the core's terms: the
// Teams channel (not the thread) in a team, the chat itself otherwise.
func channelOf(in *inbound) ownership.Channel {
	if in.Conversation.ConversationType != convChannel {
		return ownership.Channel{ID: in.Conversation.ID, Name: in.Conversation.Name}
	}
	id, name := in.channelData.Channel.ID, in.channelData.Channel.Name
	if id == "" {
		id = baseConversation(in.Conversation.ID)
	}
	if name == "" && id == in.channelData.Team.ID {
		// Teams leaves the General channel unnamed; its id is the team's.
		name = "General"
	}
	return ownership.Channel{ID: id, Name: name}
}

// message is the core's view of an activity.
func message(tenant ownership.TenantID, in *inbound, text string) bot.Message {
	return bot.Message{
		Tenant:   tenant,
		Platform: bot.PlatformTeams,
		ID:       in.ID,
		// from.id (29:…) is the user's id for this bot in Teams: mention
		// entities carry the same id, so people named in commands and the
		// people asking match. WHOOWNS_ADMINS lists these ids too.
		User:    ownership.Person{ID: in.From.ID, Name: in.From.Name},
		Channel: channelOf(in),
		DM:      in.Conversation.ConversationType == convPersonal,
		Text:    text,
	}
}

func (a *Adapter) onMessage(ctx context.Context, tenant ownership.TenantID, in *inbound) {
	text, addressed := messageText(in)
	if !addressed && in.Conversation.ConversationType != convPersonal {
		// With resource-specific consent Teams delivers every channel
		// message; whoowns speaks only when spoken to.
		return
	}
	m := message(tenant, in, text)
	m.CheckChannel = a.channelCheck(tenant, in)
	lower := strings.ToLower(text)
	// Leads' views and changes typed where others read along are answered
	// in the person's personal chat with the bot.
	out := a.replier(in)
	if !m.DM && (lower == "home" || bot.PrivateOnly(text)) {
		out = a.privateReplier(in)
	}
	switch {
	case lower == "home" || (lower == "show" && m.DM):
		a.home(ctx, in, m, out)
	case bot.LooksLikeCommand(text):
		a.command(ctx, in, m, out)
	default:
		// "ask" is listed as a command in the app manifest; the question
		// is what follows it.
		if verb, rest, ok := strings.Cut(text, " "); ok && strings.EqualFold(verb, "ask") {
			m.Text = strings.TrimSpace(rest)
		}
		ans, err := a.svc.Ask(ctx, m)
		if err != nil {
			a.replyError(ctx, in, m, "ask", err)
			return
		}
		a.reply(ctx, in, cardActivity(answerCard(ans)))
	}
}

// command runs a leads' command and delivers everything it produced: the
// reply through out, announcements in linked channels, welcomes by personal
// message.
func (a *Adapter) command(ctx context.Context, in *inbound, m bot.Message, out replier) {
	res, err := a.svc.Command(ctx, m)
	a.metrics.Command(bot.PlatformTeams, m.Text, err)
	if err != nil {
		if ownership.ErrorCode(err) == ownership.ErrForbidden {
			// Logged with both ids so an operator can copy the right one
			// into WHOOWNS_ADMINS.
			a.log.Info("teams: command refused: not a lead", "user", in.From.ID, "aad_object_id", in.From.AadObjectID, "name", in.From.Name)
		}
		out(ctx, a.errorActivity(ctx, in, m, "command", err))
		return
	}
	switch {
	case res.Answer != nil:
		out(ctx, cardActivity(answerCard(*res.Answer)))
	case !res.Private.Empty() && in.Conversation.ConversationType != convPersonal:
		// A short reply where it was typed, the rest in the personal chat
		// (help's full list).
		out(ctx, a.textFor(ctx, m.Tenant, in.ServiceURL, res.Text))
		a.tell(ctx, in, a.textFor(ctx, m.Tenant, in.ServiceURL, res.Private))
	case !res.Private.Empty():
		out(ctx, a.textFor(ctx, m.Tenant, in.ServiceURL, res.Private))
	default:
		out(ctx, a.textFor(ctx, m.Tenant, in.ServiceURL, res.Text))
	}
	for _, an := range res.Announcements {
		a.announce(ctx, m.Tenant, an)
	}
	for _, o := range res.Welcomes {
		a.sendWelcome(ctx, in, o)
	}
	for _, n := range res.Notices {
		a.sendNotice(ctx, in, n)
	}
}

func (a *Adapter) home(ctx context.Context, in *inbound, m bot.Message, out replier) {
	h, err := a.svc.Home(ctx, m)
	if err != nil {
		out(ctx, a.errorActivity(ctx, in, m, "home", err))
		return
	}
	out(ctx, cardActivity(homeCard(h)))
}

// onSubmit handles a card button: an Action.Submit arrives as a message
// with a value, an Action.Execute as an adaptiveCard/action invoke.
func (a *Adapter) onSubmit(ctx context.Context, tenant ownership.TenantID, in *inbound, d submitData) {
	m := message(tenant, in, d.Question)
	switch d.Action {
	case actChoose:
		if d.Intent == "" {
			a.reply(ctx, in, textActivity(rich.Plain("Pick one of the choices first.")))
			return
		}
		var ans bot.Answer
		var err error
		if d.Pick {
			// The clicker's pick teaches the bot (see bot.Service.Choose).
			ans, err = a.svc.Choose(ctx, m, m.User, d.Intent, d.Team)
		} else {
			ans, err = a.svc.AnswerFor(ctx, m, d.Intent, d.Team)
		}
		if err != nil {
			a.replyError(ctx, in, m, "choose", err)
			return
		}
		a.replace(ctx, in, cardActivity(answerCard(ans)))
	case actMore:
		it, err := a.svc.Intent(ctx, tenant, d.Intent)
		if err != nil {
			a.replyError(ctx, in, m, "more", err)
			return
		}
		more := it.More
		if more == "" {
			more = it.Why
		}
		a.reply(ctx, in, textActivity(rich.Lines(rich.Strong(it.Title), rich.Plain(more))))
	case actFeedback:
		a.onFeedback(ctx, tenant, in, m, d)
	case actDecide:
		a.onDecide(ctx, in, m, d)
	case actFill:
		a.onFill(ctx, in, m, d)
	case actJoin:
		o, err := a.svc.JoinTeam(ctx, m, d.Team)
		if err != nil {
			a.replyError(ctx, in, m, "join", err)
			return
		}
		a.replace(ctx, in, cardActivity(onboardingCard(o)))
	case actForm:
		a.openForm(ctx, in, m, d)
	case actSave:
		a.saveForm(ctx, in, m, d)
	case actCancel:
		a.cancelForm(ctx, in)
	case actManage:
		a.manageFromAnswer(ctx, in, m, d)
	case actSuggest:
		a.sendSuggestion(ctx, in, m, d)
	case actDismiss, actClear:
		a.changeQueue(ctx, in, m, d)
	case actReviewYes, actReviewNo, actReviewTo:
		a.onReview(ctx, in, m, d)
	default:
		a.log.Debug("teams: unknown card action ignored", "activity", in.ID, "action", d.Action)
	}
}

// submitOf reads a card action's data, if the activity carries one.
func submitOf(in *inbound) (submitData, bool) {
	raw := in.Value
	if in.Type == schema.Invoke {
		var v struct {
			Action struct {
				Data json.RawMessage `json:"data"`
			} `json:"action"`
		}
		if json.Unmarshal(raw, &v) != nil {
			return submitData{}, false
		}
		raw = v.Action.Data
	}
	var d submitData
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil || d.Action == "" {
		return submitData{}, false
	}
	return d, true
}

// messageText turns a Teams message into the core's text: the bot's own
// mention is removed, other people's mentions become the canonical
// <@ID|Name> (channel mentions <#ID|Name>) the command grammar reads, and
// the rest loses markup. addressed reports whether the bot was mentioned.
func messageText(in *inbound) (text string, addressed bool) {
	type hit struct {
		at, end int
		repl    string
	}
	raw := in.Text
	taken := make([]bool, len(raw))
	var hits []hit
	for _, e := range in.Entities {
		if e.Type != "mention" || e.Mentioned == nil || e.Text == "" {
			continue
		}
		at := freeIndex(raw, e.Text, taken)
		if at < 0 {
			continue
		}
		for i := at; i < at+len(e.Text); i++ {
			taken[i] = true
		}
		h := hit{at: at, end: at + len(e.Text), repl: " "}
		name := canonicalName(e.Mentioned.Name, e.Text)
		switch id := e.Mentioned.ID; {
		case id == in.Recipient.ID:
			addressed = true
		case strings.HasPrefix(id, "19:"):
			h.repl = "<#" + id + "|" + name + ">"
		default:
			h.repl = "<@" + id + "|" + name + ">"
		}
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].at < hits[j].at })
	var b strings.Builder
	pos := 0
	for _, h := range hits {
		b.WriteString(plainText(raw[pos:h.at]))
		b.WriteString(h.repl)
		pos = h.end
	}
	b.WriteString(plainText(raw[pos:]))
	text = strings.Join(strings.Fields(b.String()), " ")
	// Someone may type the bot's name instead of picking the mention.
	if low := strings.ToLower(text); strings.HasPrefix(low, "@whoowns") {
		text = strings.TrimSpace(text[len("@whoowns"):])
		addressed = true
	}
	return text, addressed
}

// freeIndex finds s in raw where no byte was taken by an earlier mention:
// mentions' texts may overlap ("<at>Al</at>" inside "<at>Al</at>x"), and
// two replacements must never cover the same bytes.
func freeIndex(raw, s string, taken []bool) int {
	for from := 0; from <= len(raw)-len(s); {
		i := strings.Index(raw[from:], s)
		if i < 0 {
			return -1
		}
		at := from + i
		if !slices.Contains(taken[at:at+len(s)], true) {
			return at
		}
		from = at + 1
	}
	return -1
}

// canonicalName is a mention's display name fit for <@ID|Name>.
func canonicalName(name, text string) string {
	if name == "" {
		name = strings.TrimSuffix(strings.TrimPrefix(text, "<at>"), "</at>")
	}
	return strings.NewReplacer("|", " ", ">", "", "<", "").Replace(html.UnescapeString(name))
}

var markupTag = regexp.MustCompile(`</?[A-Za-z][^<>]*>`)

// plainText removes markup from user-typed text: tags (Teams wraps rich
// text in HTML), entities, and any "<@…" or "<#…" typed literally, which
// must not pass for a real mention.
func plainText(s string) string {
	s = html.UnescapeString(markupTag.ReplaceAllString(s, " "))
	return strings.NewReplacer("<@", "@", "<#", "#").Replace(s)
}

// welcomeMember sends mem the welcome, for the team they joined if any
// (joining a channel linked to a team says which team they're on).
func (a *Adapter) welcomeMember(ctx context.Context, tenant ownership.TenantID, in *inbound, mem schema.ChannelAccount, teamID string) {
	ch := channelOf(in)
	m := bot.Message{Tenant: tenant, Platform: bot.PlatformTeams, ID: in.ID, User: ownership.Person{ID: mem.ID, Name: mem.Name}, Channel: ch}
	o, send, err := a.svc.Welcome(ctx, m, teamID)
	if err != nil {
		a.log.Error("teams: onboarding failed", "user", mem.ID, "activity", in.ID, "err", err)
		return
	}
	if !send {
		return
	}
	if o.User.Name == "" {
		// conversationUpdate carries ids only; the welcome greets by name.
		if acct, err := a.conn.Member(ctx, in.ServiceURL, in.Conversation.ID, mem.ID); err == nil {
			o.User.Name = acct.Name
		} else {
			a.log.Warn("teams: could not look up a new member's name", "user", mem.ID, "err", err)
		}
	}
	a.sendWelcome(ctx, in, o)
}

// sendWelcome delivers an onboarding message in the person's personal chat
// with the bot, opening it first (Teams returns the existing one if any).
func (a *Adapter) sendWelcome(ctx context.Context, in *inbound, o bot.Onboarding) {
	conv, err := a.conn.CreatePersonal(ctx, in.ServiceURL, in.Recipient, schema.ChannelAccount{ID: o.User.ID}, tenantOf(in))
	if err == nil {
		_, err = a.conn.Send(ctx, in.ServiceURL, conv, cardActivity(onboardingCard(o)))
	}
	if err != nil {
		a.log.Error("teams: welcome message failed", "user", o.User.ID, "activity", in.ID, "err", err)
	}
}

// announce posts a change to a channel linked to the team, as a new message.
func (a *Adapter) announce(ctx context.Context, tenant ownership.TenantID, an bot.Announcement) {
	ref, ok := a.channelRef(ctx, tenant, an.Channel.ID)
	if !ok {
		a.log.Warn("teams: cannot announce: whoowns has not seen this channel or tenant yet", "channel", an.Channel.ID, "tenant", tenant)
		return
	}
	if _, err := a.conn.Send(ctx, ref.ServiceURL, ref.Conversation.ID, a.textFor(ctx, tenant, ref.ServiceURL, an.Text)); err != nil {
		a.log.Error("teams: announcement failed", "channel", an.Channel.ID, "err", err)
	}
}

// channelRef returns how to post into a channel: its stored reference, or
// else the tenant's service URL with the channel's id.
func (a *Adapter) channelRef(ctx context.Context, tenant ownership.TenantID, channelID string) (schema.ConversationReference, bool) {
	for _, key := range []string{channelRefPrefix + channelID, botRefKey} {
		b, err := a.store.Ref(ctx, tenant, key)
		if err != nil {
			a.log.Warn("teams: reading a conversation reference", "key", key, "err", err)
			continue
		}
		var ref schema.ConversationReference
		if b == nil || json.Unmarshal(b, &ref) != nil || ref.ServiceURL == "" {
			continue
		}
		ref.Conversation.ID = channelID
		return ref, true
	}
	return schema.ConversationReference{}, false
}

// rememberConversation stores how to reach the channel or group chat an
// activity came from (announcements need it later), and the tenant's service
// URL and bot account as a fallback for channels not seen yet.
func (a *Adapter) rememberConversation(ctx context.Context, tenant ownership.TenantID, in *inbound) {
	base := schema.ConversationReference{Bot: in.Recipient, ChannelID: in.ChannelID, ServiceURL: in.ServiceURL}
	a.putRef(ctx, tenant, botRefKey, base)
	if in.Conversation.ConversationType == convPersonal {
		return
	}
	ch := channelOf(in)
	ref := base
	ref.Conversation = schema.ConversationAccount{ID: ch.ID, Name: ch.Name, ConversationType: in.Conversation.ConversationType,
		IsGroup: true, TenantID: tenantOf(in)}
	a.putRef(ctx, tenant, channelRefPrefix+ch.ID, ref)
	if team := in.channelData.Team.ID; team != "" && in.Conversation.ConversationType == convChannel {
		// Lets a lead link this channel from a personal chat later.
		a.putRaw(ctx, tenant, teamOfChannelPrefix+ch.ID, []byte(team))
	}
}

// putRef writes a reference unless this replica already wrote the same one.
func (a *Adapter) putRef(ctx context.Context, tenant ownership.TenantID, key string, ref schema.ConversationReference) {
	b, err := json.Marshal(ref)
	if err != nil {
		return
	}
	a.putRaw(ctx, tenant, key, b)
}

// putRaw writes a stored value unless this replica already wrote the same one.
func (a *Adapter) putRaw(ctx context.Context, tenant ownership.TenantID, key string, b []byte) {
	a.putOnce(ctx, tenant, key, string(b), b)
}

// putOnce writes a stored value unless this replica already wrote one with
// the same signature sig under key.
func (a *Adapter) putOnce(ctx context.Context, tenant ownership.TenantID, key, sig string, b []byte) {
	ck := string(tenant) + "|" + key
	a.refsMu.Lock()
	same, ok := a.refs[ck]
	a.refsMu.Unlock()
	if ok && same == sig {
		return
	}
	if err := a.store.PutRef(ctx, tenant, key, b); err != nil {
		a.log.Warn("teams: storing a conversation reference", "key", key, "err", err)
		return
	}
	a.remember(tenant, key, sig)
}

// remember notes that key holds a value with signature sig.
func (a *Adapter) remember(tenant ownership.TenantID, key, sig string) {
	a.refsMu.Lock()
	if len(a.refs) >= 10000 {
		clear(a.refs) // a bound, not a cache policy: rewrites are cheap
	}
	a.refs[string(tenant)+"|"+key] = sig
	a.refsMu.Unlock()
}

// reply answers in the activity's conversation and thread.
func (a *Adapter) reply(ctx context.Context, in *inbound, act Activity) {
	act.From = &in.Recipient
	if err := a.conn.Reply(ctx, in.ServiceURL, in.Conversation.ID, in.ID, act); err != nil {
		a.log.Error("teams: reply failed", "activity", in.ID, "conversation", in.Conversation.ID, "err", err)
	}
}

// replace puts act in place of the card whose button sent the activity
// (Teams names it in replyToId), as Slack's chat.update does; a card it
// cannot name or update gets act as a reply instead.
func (a *Adapter) replace(ctx context.Context, in *inbound, act Activity) {
	if in.ReplyToID == "" {
		a.reply(ctx, in, act)
		return
	}
	act.From = &in.Recipient
	if err := a.conn.Update(ctx, in.ServiceURL, in.Conversation.ID, in.ReplyToID, act); err != nil {
		a.log.Warn("teams: updating the card failed; replying instead", "activity", in.ID, "card", in.ReplyToID, "err", err)
		a.reply(ctx, in, act)
	}
}

// tell answers the person who wrote the activity alone and leaves nothing
// where others read along: in a personal chat it is a reply; elsewhere it
// goes to their personal chat with the bot, without a note in the thread
// (feedback thanks, as Slack shows them ephemerally).
func (a *Adapter) tell(ctx context.Context, in *inbound, act Activity) {
	if in.Conversation.ConversationType == convPersonal {
		a.reply(ctx, in, act)
		return
	}
	conv, err := a.conn.CreatePersonal(ctx, in.ServiceURL, in.Recipient, schema.ChannelAccount{ID: in.From.ID}, tenantOf(in))
	if err == nil {
		act.From = &in.Recipient
		_, err = a.conn.Send(ctx, in.ServiceURL, conv, act)
	}
	if err != nil {
		a.log.Error("teams: private reply failed", "activity", in.ID, "user", in.From.ID, "err", err)
	}
}

// replier delivers the replies to one activity.
type replier func(ctx context.Context, act Activity)

// replier answers in the activity's conversation and thread.
func (a *Adapter) replier(in *inbound) replier {
	return func(ctx context.Context, act Activity) { a.reply(ctx, in, act) }
}

// privateReplier answers the person who wrote the activity in their
// personal chat with the bot, opened as for a proactive message (Teams
// returns the existing one), and leaves a note without any of the reply in
// the activity's thread. When the personal chat cannot be reached the reply
// is dropped, not posted publicly: the note says so.
func (a *Adapter) privateReplier(in *inbound) replier {
	noted := false
	return func(ctx context.Context, act Activity) {
		conv, err := a.conn.CreatePersonal(ctx, in.ServiceURL, in.Recipient, schema.ChannelAccount{ID: in.From.ID}, tenantOf(in))
		if err == nil {
			act.From = &in.Recipient
			_, err = a.conn.Send(ctx, in.ServiceURL, conv, act)
		}
		note := privateNote
		if err != nil {
			a.log.Error("teams: private reply failed", "activity", in.ID, "user", in.From.ID, "err", err)
			note = privateFailedNote
		}
		if !noted {
			noted = true
			a.reply(ctx, in, textActivity(rich.Plain(note)))
		}
	}
}

// The public notes left where a private reply was asked for. They name
// nothing from the reply.
const (
	privateNote       = "I've answered you privately, in our personal chat."
	privateFailedNote = "This reply is for you only, and I couldn't reach you in a personal chat with me. Open a chat with whoowns and type the command there; a change you made is announced in its team's channels."
)

// replyError tells the user what went wrong in words fit for them.
func (a *Adapter) replyError(ctx context.Context, in *inbound, m bot.Message, op string, err error) {
	a.reply(ctx, in, a.errorActivity(ctx, in, m, op, err))
}

// errorActivity is the message for an error; the cause of an internal error
// goes to the log only.
func (a *Adapter) errorActivity(ctx context.Context, in *inbound, m bot.Message, op string, err error) Activity {
	switch ownership.ErrorCode(err) {
	case ownership.ErrInternal, ownership.ErrUnavailable, ownership.ErrConflict:
		a.log.Error("teams: "+op+" failed", "activity", in.ID, "user", m.User.ID, "err", err)
	}
	return a.textFor(ctx, m.Tenant, in.ServiceURL, ownership.ErrorText(err))
}

// textActivity renders t as a markdown message carrying the entities of the
// mentions in it.
func textActivity(t rich.Text) Activity {
	r := newRenderer()
	text := r.markdown(t)
	return Activity{Type: string(schema.Message), Text: text, TextFormat: schema.MARKDOWN, Entities: r.entitiesIn(text)}
}

func cardActivity(att schema.Attachment) Activity {
	return Activity{Type: string(schema.Message), Attachments: []schema.Attachment{att}}
}
