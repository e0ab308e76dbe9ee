package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Leads' modals. A button or menu of App Home opens one with views.open and
// the interaction's trigger_id; its submission (view_submission) is
// answered synchronously: field errors keep it open, success closes it,
// then the change is announced and the App Home republished. Who may do
// what is decided by the core on the signed payload's user alone; the
// view's private_metadata only says which team the form is about.

// Forms, as callback ids (and as the first part of a team menu's value).
const (
	formEdit       = "edit"
	formNew        = "new"
	formDelete     = "delete"
	formCover      = "cover"
	formRoutes     = "routes"
	formLeads      = "leads"
	formTeach      = "teach"
	formUnanswered = "unanswered"
	formSuggest    = "suggest"
)

// Action ids of the leads' buttons and menus.
const (
	actionTeamMenu   = "team_menu"  // overflow on a team: value "<form>:<team key>"
	actionNewTeam    = "new_team"   // App Home: create a team
	actionUnanswered = "unanswered" // App Home: the unanswered questions
	actionLeads      = "leads"      // App Home: add or remove leads
	actionTeach      = "teach"      // unanswered modal: value the question
	actionDismiss    = "dismiss_q"  // unanswered modal: value the question's id
	actionClearQueue = "clear_q"    // unanswered modal: clear the whole queue
	actionPreview    = "preview"    // cover modal: an input that refreshes the preview
	actionSuggest    = "suggest"    // App Home, for members: value the team key
	// actionManageTeam is on an answer a lead asked for: value the team
	// key; it opens Edit team for a lead, and tells anyone else it is for
	// leads.
	actionManageTeam = "manage_team"
)

// field is the action id of every input of a form; the block id names the
// field.
const field = "field"

// Limits of a modal (Slack's).
const (
	maxModalTitle  = 24
	maxModalBlocks = 100
	maxInputText   = 150 // plain_text_input we ask for (team names are 80)
	maxPhraseText  = 200 // a phrase to teach: the bot takes up to 200 characters
	maxFormQueue   = 20  // unanswered questions listed in the modal
)

func modal(callback, title, submit, meta string, blocks ...slackapi.Block) slackapi.ModalViewRequest {
	v := slackapi.ModalViewRequest{Type: slackapi.VTModal, CallbackID: callback, PrivateMetadata: meta,
		Title: plain(title, maxModalTitle), Close: plain("Cancel", maxModalTitle), Blocks: slackapi.Blocks{BlockSet: capBlocks(blocks, maxModalBlocks)}}
	if submit != "" {
		v.Submit = plain(submit, maxModalTitle)
	} else {
		v.Close = plain("Close", maxModalTitle)
	}
	return v
}

// textInput is a one-line text input of at most maxLen characters; Slack
// refuses a view whose initial value is longer than that, so the initial
// value is cut to it.
func textInput(id, label, initial string, maxLen int, optional bool) *slackapi.InputBlock {
	el := slackapi.NewPlainTextInputBlockElement(plain("", 150), field)
	el.Placeholder = nil
	el.InitialValue = string([]rune(initial)[:min(maxLen, utf8.RuneCountInString(initial))])
	el.MaxLength = maxLen
	return slackapi.NewInputBlock(id, plain(label, 2000), nil, el).WithOptional(optional)
}

func userInput(id, label string, initial ownership.Person, action string) *slackapi.InputBlock {
	el := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeUser, plain("Pick a person", 150), action)
	el.InitialUser = initial.ID
	return slackapi.NewInputBlock(id, plain(label, 2000), nil, el).WithOptional(true)
}

func usersInput(id, label string, initial []ownership.Person) *slackapi.InputBlock {
	el := slackapi.NewOptionsMultiSelectBlockElement(slackapi.MultiOptTypeUser, plain("Pick people", 150), field)
	for _, p := range initial {
		el.InitialUsers = append(el.InitialUsers, p.ID)
	}
	return slackapi.NewInputBlock(id, plain(label, 2000), nil, el).WithOptional(true)
}

// channelsInput lists this workspace's channels only: Slack Connect
// channels shared with other organisations are left out, and the
// submission is checked with conversations.info as a typed link is.
func channelsInput(id, label string, initial []ownership.Channel) *slackapi.InputBlock {
	el := slackapi.NewOptionsMultiSelectBlockElement(slackapi.MultiOptTypeConversations, plain("Pick channels", 150), field)
	el.Filter = &slackapi.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeExternalSharedChannels: true, ExcludeBotUsers: true}
	for _, c := range initial {
		el.InitialConversations = append(el.InitialConversations, c.ID)
	}
	return slackapi.NewInputBlock(id, plain(label, 2000), plain("Channels of this workspace; changes to the team are announced there.", 2000), el).WithOptional(true)
}

func selectOption(value, label string) *slackapi.OptionBlockObject {
	return slackapi.NewOptionBlockObject(truncate(value, maxOptionValue), plain(label, 75), nil)
}

// maxAliasesText bounds the aliases field: a team keeps at most 20
// aliases of up to 80 letters.
const maxAliasesText = 2000

// aliasesInput is a team's other names, comma-separated.
func aliasesInput(aliases []string) *slackapi.InputBlock {
	el := slackapi.NewPlainTextInputBlockElement(nil, field)
	el.InitialValue = strings.Join(aliases, ", ")
	el.MaxLength = maxAliasesText
	return slackapi.NewInputBlock("aliases", plain("Aliases", 2000), plain("Other names people use for the team in questions, separated by commas.", 2000), el).WithOptional(true)
}

// roleField is the block id of a role's holder.
func roleField(r ownership.Role) string { return "role:" + string(r) }

// editTeamView is the Edit team modal: name, each role's holder, members
// and linked channels.
func editTeamView(v bot.LeadView) slackapi.ModalViewRequest {
	t := v.Team
	blocks := []slackapi.Block{textInput("name", "Name", t.Name, maxInputText, false), aliasesInput(t.Aliases)}
	for _, r := range v.Roles {
		blocks = append(blocks, userInput(roleField(r.ID), r.Name, t.Holders[r.ID], field))
	}
	blocks = append(blocks, usersInput("members", "Members", t.Members), channelsInput("channels", "Linked channels", t.Channels),
		contextBlock(rich.Sprintf("Each change is announced in the team's channels and kept in %s, as if typed as a command.", rich.Command("history"))))
	return modal(formEdit, "Edit team", "Save", t.Key, blocks...)
}

// newTeamView is the New team modal.
func newTeamView(v bot.LeadView) slackapi.ModalViewRequest {
	blocks := []slackapi.Block{textInput("name", "Name", "", maxInputText, false), aliasesInput(nil)}
	for _, r := range v.Roles[:2] {
		blocks = append(blocks, userInput(roleField(r.ID), r.Name, ownership.Person{}, field))
	}
	blocks = append(blocks, usersInput("members", "Members", nil), channelsInput("channels", "Linked channels", nil))
	return modal(formNew, "New team", "Create", "", blocks...)
}

// deleteTeamView asks to confirm a deletion.
func deleteTeamView(v bot.LeadView) slackapi.ModalViewRequest {
	t := v.Team
	return modal(formDelete, "Delete team", "Delete", t.Key,
		section(rich.Sprintf("Delete %s? Its roles, members and routes go, and its %d linked channels are unlinked. The history keeps a copy.", rich.Strong(t.Name), len(t.Channels))))
}

// coverView is the Cover modal: role, person, until (date and time, UTC)
// and what the cover would do.
func coverView(v bot.LeadView, preview rich.Text) slackapi.ModalViewRequest {
	t := v.Team
	var opts []*slackapi.OptionBlockObject
	for _, r := range v.Roles {
		opts = append(opts, selectOption(string(r.ID), r.Name))
	}
	role := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Pick a role", 150), actionPreview, opts...)
	person := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeUser, plain("Pick a person", 150), actionPreview)
	date := slackapi.NewDatePickerBlockElement(actionPreview)
	date.InitialDate = v.Now.AddDate(0, 0, 7).Format("2006-01-02")
	tm := slackapi.NewTimePickerBlockElement(actionPreview)
	tm.InitialTime = "17:00"
	var now []rich.Text
	for _, r := range v.Roles {
		if c, ok := t.Covers[r.ID]; ok {
			now = append(now, rich.Sprintf("%s covers as %s until %s.", personSpan(c.Person), r.Name, c.Until.UTC().Format("2 Jan 2006 15:04 UTC")))
		}
	}
	if len(now) == 0 {
		now = append(now, rich.Plain("Nobody is covering on this team now."))
	}
	if preview.Empty() {
		preview = rich.Plain("Pick a role, a person and when the cover ends to see what it does.")
	}
	blocks := []slackapi.Block{
		section(rich.Lines(append([]rich.Text{rich.Strong(t.Name)}, now...)...)),
		slackapi.NewInputBlock("role", plain("Role", 2000), nil, role).WithDispatchAction(true),
		slackapi.NewInputBlock("person", plain("Who covers", 2000), nil, person).WithDispatchAction(true),
		slackapi.NewInputBlock("date", plain("Until (day)", 2000), nil, date).WithDispatchAction(true),
		slackapi.NewInputBlock("time", plain("Until (time, UTC)", 2000), nil, tm).WithDispatchAction(true),
		slackapi.NewContextBlock("preview", mrkdwn(mrkdwnOf(preview))),
	}
	return modal(formCover, "Cover a role", "Start cover", t.Key, blocks...)
}

// routesView is the Routes modal: a topic of the tenant's catalogue and
// the role it goes to on this team.
func routesView(v bot.LeadView) slackapi.ModalViewRequest {
	t := v.Team
	groups := map[string][]*slackapi.OptionBlockObject{}
	var order []string
	for _, tp := range v.Topics {
		g := "Default: " + roleLabel(v, tp.Role)
		if tp.Custom {
			g = "Added here"
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], selectOption(tp.ID, tp.Title))
	}
	var og []*slackapi.OptionGroupBlockObject
	n := 0
	for _, g := range order {
		opts := groups[g]
		if n+len(opts) > maxOptions {
			opts = opts[:maxOptions-n]
		}
		n += len(opts)
		if len(opts) > 0 {
			og = append(og, slackapi.NewOptionGroupBlockElement(plain(g, 75), opts...))
		}
	}
	topic := slackapi.NewOptionsGroupSelectBlockElement(slackapi.OptTypeStatic, plain("Pick a topic", 150), field, og...)
	roles := []*slackapi.OptionBlockObject{selectOption("default", "Back to the default")}
	for _, r := range v.Roles {
		roles = append(roles, selectOption(string(r.ID), r.Name))
	}
	roles = append(roles, selectOption(string(ownership.Both), "Both PM and PO"))
	role := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Pick a role", 150), field, roles...)
	var cur []rich.Text
	for _, id := range sortedRouteKeys(t.Routes) {
		cur = append(cur, rich.Sprintf("• %s → %s", topicTitle(v, id), roleLabel(v, t.Routes[id])))
	}
	if len(cur) == 0 {
		cur = append(cur, rich.Plain("None: every topic goes to its default role."))
	}
	return modal(formRoutes, "Routes", "Save", t.Key,
		section(rich.Lines(append([]rich.Text{rich.Sprintf("%s routes these topics away from the default:", rich.Strong(t.Name))}, cur...)...)),
		slackapi.NewInputBlock("topic", plain("Topic", 2000), nil, topic),
		slackapi.NewInputBlock("route_role", plain("Goes to", 2000), nil, role))
}

// leadsView is the Leads modal.
func leadsView(v bot.LeadView) slackapi.ModalViewRequest {
	return modal(formLeads, "Leads", "Save", "",
		usersInput("leads", "Leads", v.Leads),
		contextBlock(rich.Plain("Workspace admins and owners are leads too, and so are the people named in WHOOWNS_ADMINS; they are not listed here.")))
}

// unansweredView lists the grouped questions waiting for a lead, each
// with Teach… and Dismiss, under what the last action did (notice).
func unansweredView(v bot.LeadView, notice rich.Text) slackapi.ModalViewRequest {
	var blocks []slackapi.Block
	if !notice.Empty() {
		blocks = append(blocks, section(notice), slackapi.NewDividerBlock())
	}
	if len(v.Unanswered) == 0 {
		blocks = append(blocks, section(rich.Plain("No unanswered questions. 🎉")))
	}
	for i, g := range v.Unanswered {
		if i == maxFormQueue {
			break
		}
		q := g.Latest
		text := rich.Sprintf("“%s”\n%s · %s", q.Text, personSpan(q.Asker), q.At.UTC().Format("2 Jan 15:04"))
		if g.Count > 1 {
			text = append(text, rich.Sprintf(" · asked %d times", g.Count)...)
		}
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(mrkdwnOf(text)), nil, nil),
			slackapi.NewActionBlock("q:"+g.ID,
				button(actionTeach+":"+strconv.Itoa(i), "Teach…", truncate(q.Text, 200)),
				button(actionDismiss+":"+strconv.Itoa(i), "Dismiss", g.ID)))
	}
	if len(v.Unanswered) > 0 {
		var more rich.Text
		if v.Queued > len(v.Unanswered) {
			more = rich.Sprintf("The newest %d of %d questions. ", len(v.Unanswered), v.Queued)
		}
		more = append(more, rich.Plain("Teach… tells me what a question is about, so the next one like it is answered; Dismiss takes every ask of it off the queue.")...)
		clear := button(actionClearQueue, "Clear the queue", "clear")
		clear.Style = slackapi.StyleDanger
		clear.Confirm = slackapi.NewConfirmationBlockObject(plain("Clear the queue?", maxModalTitle),
			plain(fmt.Sprintf("This takes %s off the queue, for every lead. Nobody is told.", allQuestions(v.Queued)), 300),
			plain("Clear", 30), plain("Keep them", 30))
		clear.Confirm.Style = slackapi.StyleDanger
		blocks = append(blocks, contextBlock(more), slackapi.NewActionBlock("queue", clear))
	}
	return modal(formUnanswered, "Unanswered", "", "", blocks...)
}

// allQuestions says "all n questions", or "the question" for one.
func allQuestions(n int) string {
	if n == 1 {
		return "the question"
	}
	return fmt.Sprintf("all %d questions", n)
}

// teachView teaches a phrase (prefilled with the question, editable) as a
// topic.
func teachView(v bot.LeadView, phrase string) slackapi.ModalViewRequest {
	var opts []*slackapi.OptionBlockObject
	for i, tp := range v.Topics {
		if i == maxOptions {
			break
		}
		opts = append(opts, selectOption(tp.ID, tp.Title))
	}
	topic := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Pick a topic", 150), field, opts...)
	return modal(formTeach, "Teach", "Teach", "",
		textInput("phrase", "When people ask", phrase, maxPhraseText, false),
		slackapi.NewInputBlock("topic", plain("they mean", 2000), nil, topic),
		contextBlock(rich.Plain("Edit the words to what people would ask; I learn the phrase, not the person.")))
}

// suggestView lets a member who is not a lead ask the leads for a change:
// in their words, or as a claim of one of the team's roles (a request the
// leads approve or decline).
func suggestView(team bot.TeamRef, roles []bot.Holder) slackapi.ModalViewRequest {
	el := slackapi.NewPlainTextInputBlockElement(nil, field)
	el.Multiline = true
	el.MaxLength = 500
	blocks := []slackapi.Block{
		section(rich.Sprintf("What is out of date on %s? The leads get your words in a private message.", rich.Strong(team.Name))),
		slackapi.NewInputBlock("what", plain("What should change", 2000), nil, el).WithOptional(len(roles) > 0),
	}
	if len(roles) > 0 {
		opts := make([]*slackapi.OptionBlockObject, 0, len(roles))
		for _, r := range roles {
			opts = append(opts, selectOption(string(r.Role), "I am the new "+r.RoleName))
		}
		claim := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Pick a role", 150), field, opts...)
		blocks = append(blocks, slackapi.NewInputBlock("claim", plain("Or: a role you hold now", 2000), nil, claim).WithOptional(true),
			contextBlock(rich.Plain("A role you pick is a claim: the leads approve or decline it, and you hear which.")))
	}
	return modal(formSuggest, "Suggest a change", "Send to leads", bot.TeamKey(team.ID), blocks...)
}

// noticeView is a modal that only says something (an error, a refusal).
func noticeView(t rich.Text) slackapi.ModalViewRequest {
	return modal("notice", "whoowns", "", "", section(t))
}

func roleLabel(v bot.LeadView, r ownership.Role) string {
	if r == ownership.Both {
		return "PM and PO"
	}
	for _, d := range v.Roles {
		if d.ID == r {
			return d.Name
		}
	}
	return string(r)
}

func topicTitle(v bot.LeadView, id string) string {
	for _, tp := range v.Topics {
		if tp.ID == id {
			return tp.Title
		}
	}
	return id
}

func sortedRouteKeys(m map[string]ownership.Role) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// --- opening forms ---

// onTeamMenu opens the form a lead picked in a team's menu.
func (a *Adapter) onTeamMenu(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	form, key, _ := strings.Cut(act.SelectedOption.Value, ":")
	a.openForm(ctx, in, form, key, "")
}

// onManageTeam opens Edit team for the team of an answer: the click may
// come from anyone who reads the answer, so openForm's check of the
// clicker decides, and a non-lead gets a modal saying it is for leads.
func (a *Adapter) onManageTeam(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	a.openForm(ctx, in, formEdit, act.Value, "")
}

func (a *Adapter) onNewTeam(ctx context.Context, in *interaction, _ *slackapi.BlockAction) {
	a.openForm(ctx, in, formNew, "", "")
}

func (a *Adapter) onUnanswered(ctx context.Context, in *interaction, _ *slackapi.BlockAction) {
	a.openForm(ctx, in, formUnanswered, "", "")
}

func (a *Adapter) onLeads(ctx context.Context, in *interaction, _ *slackapi.BlockAction) {
	a.openForm(ctx, in, formLeads, "", "")
}

// onSuggest opens the Suggest a change form for a member's team; anyone
// may open it, since it changes nothing.
func (a *Adapter) onSuggest(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	name := act.Value
	var roles []bot.Holder
	if h, err := a.svc.Home(ctx, a.homeMessage(ctx, in.team, in.cb.User.ID)); err == nil {
		for _, t := range h.Teams {
			if bot.TeamKey(t.Team.ID) == act.Value {
				name = t.Team.Name
				for _, r := range t.Roles {
					roles = append(roles, r.Holder)
				}
			}
		}
	}
	view := suggestView(bot.TeamRef{ID: act.Value, Name: name}, roles)
	if err := a.openView(ctx, in.cb.TriggerID, false, view); err != nil {
		a.log.Warn("slack: could not open a form", "form", formSuggest, "err", err)
	}
}

// onTeach opens the Teach form over the unanswered modal.
func (a *Adapter) onTeach(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	a.openForm(ctx, in, formTeach, "", act.Value)
}

// onDismiss takes a question off the queue from the unanswered modal and
// shows the modal again without it, with what happened on top.
func (a *Adapter) onDismiss(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	a.changeQueue(ctx, in, func(m bot.Message) (bot.CommandResult, error) { return a.svc.DismissUnanswered(ctx, m, act.Value) })
}

// onClearQueue empties the queue from the unanswered modal (Slack asked
// the lead to confirm first).
func (a *Adapter) onClearQueue(ctx context.Context, in *interaction, _ *slackapi.BlockAction) {
	a.changeQueue(ctx, in, func(m bot.Message) (bot.CommandResult, error) { return a.svc.ClearUnanswered(ctx, m) })
}

// changeQueue runs a change to the queue for the clicker (the core checks
// they are a lead) and updates the modal it came from in place, then
// republishes their App Home, whose summary counts the queue.
func (a *Adapter) changeQueue(ctx context.Context, in *interaction, change func(bot.Message) (bot.CommandResult, error)) {
	if in.cb.View.ID == "" || in.cb.View.CallbackID != formUnanswered {
		return
	}
	m := a.homeMessage(ctx, in.team, in.cb.User.ID)
	res, err := change(m)
	notice := res.Text
	if err != nil {
		if code := ownership.ErrorCode(err); code != ownership.ErrForbidden && code != ownership.ErrNotFound {
			a.logCoreError("unanswered", m, err)
		}
		notice = ownership.ErrorText(err)
	}
	v, verr := a.svc.LeadView(ctx, m, "")
	view := unansweredView(v, notice)
	if verr != nil {
		view = noticeView(ownership.ErrorText(verr))
	}
	if err := a.updateView(ctx, in.cb.View.ID, view); err != nil {
		a.log.Warn("slack: could not update the unanswered modal", "err", err)
	}
	if res.Changed {
		_ = a.showHome(ctx, in.team, in.cb.User.ID, 0)
	}
}

// openForm opens form (about team, a TeamKey) for the clicker, if the core
// says they are a lead; anyone else gets a modal saying why not.
func (a *Adapter) openForm(ctx context.Context, in *interaction, form, team, phrase string) {
	m := a.homeMessage(ctx, in.team, in.cb.User.ID)
	needsTeam := form == formEdit || form == formDelete || form == formCover || form == formRoutes
	if !needsTeam {
		team = ""
	}
	v, err := a.svc.LeadView(ctx, m, team)
	var view slackapi.ModalViewRequest
	switch {
	case err != nil:
		if ownership.ErrorCode(err) != ownership.ErrForbidden {
			a.logCoreError("form", m, err)
		}
		view = noticeView(ownership.ErrorText(err))
	case needsTeam && v.Team == nil:
		view = noticeView(rich.Plain("That team no longer exists."))
	default:
		switch form {
		case formEdit:
			view = editTeamView(v)
		case formNew:
			view = newTeamView(v)
		case formDelete:
			view = deleteTeamView(v)
		case formCover:
			view = coverView(v, nil)
		case formRoutes:
			view = routesView(v)
		case formLeads:
			view = leadsView(v)
		case formUnanswered:
			view = unansweredView(v, nil)
		case formTeach:
			view = teachView(v, phrase)
		default:
			a.log.Debug("slack: unknown form", "form", form)
			return
		}
	}
	push := in.cb.View.Type == slackapi.VTModal
	if err := a.openView(ctx, in.cb.TriggerID, push, view); err != nil {
		a.log.Warn("slack: could not open a form", "form", form, "err", err)
	}
}

// onPreview refreshes the cover modal's preview as its fields change.
func (a *Adapter) onPreview(ctx context.Context, in *interaction, _ *slackapi.BlockAction) {
	if in.cb.View.CallbackID != formCover || in.cb.View.ID == "" {
		return
	}
	m := a.homeMessage(ctx, in.team, in.cb.User.ID)
	v, err := a.svc.LeadView(ctx, m, in.cb.View.PrivateMetadata)
	if err != nil || v.Team == nil {
		return
	}
	st := formState(in.cb.View.State)
	role, user := ownership.Role(st.selectOption("role")), st.user("person")
	until, ok := st.until()
	var preview rich.Text
	if role != "" && user != "" && ok {
		name := roleLabel(v, role)
		p := a.person(in.team, user, "")
		preview = bot.CoverPreview(v.Team.Name, name, p, until)
		if !until.After(v.Now) {
			preview = rich.Plain("That time is in the past; a cover has to end in the future.")
		}
	}
	_ = a.updateView(ctx, in.cb.View.ID, coverView(v, preview))
}

// --- submissions ---

// state reads a submitted view's values by block id.
type state map[string]slackapi.BlockAction

func formState(s *slackapi.ViewState) state {
	out := state{}
	if s == nil {
		return out
	}
	for block, acts := range s.Values {
		for _, act := range acts {
			out[block] = act
		}
	}
	return out
}

func (s state) text(id string) string         { return strings.TrimSpace(s[id].Value) }
func (s state) selectOption(id string) string { return s[id].SelectedOption.Value }
func (s state) user(id string) string         { return s[id].SelectedUser }

// until is the cover's end: the date and time fields, in UTC.
func (s state) until() (time.Time, bool) {
	d, tm := s["date"].SelectedDate, s["time"].SelectedTime
	if d == "" || tm == "" {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02 15:04", d+" "+tm)
	return t.UTC(), err == nil
}

// viewResponse is the synchronous answer to a view_submission: nil closes
// the modal.
type viewResponse = slackapi.ViewSubmissionResponse

// people turns picked user ids into people, refusing (as a field error)
// anyone who left the workspace or is a bot.
func (a *Adapter) people(ctx context.Context, team, fieldID string, ids []string, errs map[string]string) []ownership.Person {
	var out []ownership.Person
	for _, id := range ids {
		u, err := a.lookupUser(ctx, team, id)
		switch {
		case err != nil && strings.Contains(err.Error(), "user_not_found"):
			errs[fieldID] = "That person is not in this workspace (any more)."
		case err != nil:
			errs[fieldID] = "I couldn't check that person with Slack just now; try again in a minute."
		case u.Deleted:
			errs[fieldID] = fmt.Sprintf("%s has left the workspace; pick someone who is here.", nameOr(u.Name, id))
		case u.Bot:
			errs[fieldID] = fmt.Sprintf("%s is a bot or an app, not a person.", nameOr(u.Name, id))
		default:
			out = append(out, ownership.Person{ID: id, Name: u.Name})
			continue
		}
		return nil
	}
	return out
}

// submitView applies a submitted form and returns what Slack should do
// with the modal: nil to close it, errors to keep it open.
func (a *Adapter) submitView(ctx context.Context, cb *slackapi.InteractionCallback) *viewResponse {
	o := origin{Team: cb.Team.ID, Enterprise: cb.Enterprise.ID}
	if o.Team == "" {
		o.Team = cb.User.TeamID
	}
	ctx = withDelivery(ctx, "view:"+cb.View.ID+":"+cb.View.Hash)
	ctx, adm := a.admit(ctx, o, kindInteraction)
	if adm != admitted {
		return nil
	}
	team := o.key()
	m := a.homeMessage(ctx, team, cb.User.ID)
	m.CheckChannel = a.checkChannel(team)
	key := cb.View.PrivateMetadata
	st := formState(cb.View.State)
	errs := map[string]string{}
	var edits []bot.Edit
	switch cb.View.CallbackID {
	case formEdit, formNew:
		name := st.text("name")
		teamRef := key
		if cb.View.CallbackID == formNew {
			edits = append(edits, bot.EditCreateTeam("name", name))
			teamRef = name
		} else {
			edits = append(edits, bot.EditRenameTeam("name", key, name))
		}
		edits = append(edits, bot.EditAliases("aliases", teamRef, st.text("aliases")))
		for block, act := range st {
			role, ok := strings.CutPrefix(block, "role:")
			if !ok {
				continue
			}
			var p ownership.Person
			if act.SelectedUser != "" {
				ps := a.people(ctx, team, block, []string{act.SelectedUser}, errs)
				if len(ps) == 0 {
					continue
				}
				p = ps[0]
			}
			edits = append(edits, bot.EditHolder(block, teamRef, ownership.Role(role), p))
		}
		members := a.people(ctx, team, "members", st["members"].SelectedUsers, errs)
		var chans []ownership.Channel
		for _, id := range st["channels"].SelectedConversations {
			chans = append(chans, ownership.Channel{ID: id})
		}
		edits = append(edits, bot.EditMembers("members", teamRef, members), bot.EditChannels("channels", teamRef, chans))
		sortEdits(edits)
	case formDelete:
		edits = append(edits, bot.EditDeleteTeam("team", key))
	case formCover:
		until, ok := st.until()
		if !ok {
			errs["date"] = "Pick the day and the time the cover ends."
		}
		var p ownership.Person
		if ps := a.people(ctx, team, "person", []string{st.user("person")}, errs); len(ps) == 1 {
			p = ps[0]
		}
		if st.user("person") == "" {
			errs["person"] = "Pick who covers."
		}
		edits = append(edits, bot.EditCover("date", key, ownership.Role(st.selectOption("role")), p, until))
	case formRoutes:
		edits = append(edits, bot.EditRoute("route_role", key, st.selectOption("topic"), ownership.Role(st.selectOption("route_role"))))
	case formLeads:
		edits = append(edits, bot.EditLeads("leads", a.people(ctx, team, "leads", st["leads"].SelectedUsers, errs)))
	case formTeach:
		edits = append(edits, bot.EditTeach("phrase", st.text("phrase"), st.selectOption("topic")))
	case formSuggest:
		return a.suggest(ctx, m, key, st.text("what"), ownership.Role(st.selectOption("claim")))
	default:
		return nil
	}
	if len(errs) > 0 {
		return slackapi.NewErrorsViewSubmissionResponse(errs)
	}
	res, err := a.svc.ApplyEdits(ctx, m, edits...)
	if fe := bot.Fields(err); fe != nil {
		for f, t := range fe {
			errs[f] = truncate(t.Plain(commandPrefix), 2000)
		}
		return slackapi.NewErrorsViewSubmissionResponse(errs)
	}
	if err != nil {
		if code := ownership.ErrorCode(err); code != ownership.ErrForbidden && code != ownership.ErrInvalid && code != ownership.ErrNotFound {
			a.logCoreError("form", m, err)
		}
		v := noticeView(ownership.ErrorText(err))
		return slackapi.NewUpdateViewSubmissionResponse(&v)
	}
	user := cb.User.ID
	job := job{id: "view:" + cb.View.ID + ":" + cb.View.Hash, run: carryInstallation(ctx, func(ctx context.Context) {
		a.deliver(ctx, res)
		_ = a.showHome(ctx, team, user, 0)
	})}
	if !a.enqueue(job) {
		a.log.Error("slack: queue full; a form's announcements and App Home refresh not sent", "delivery", job.id)
	}
	if cb.View.CallbackID == formTeach {
		// Taught from the unanswered list: close both.
		return &viewResponse{ResponseAction: slackapi.RAClear}
	}
	return nil
}

// sortEdits orders a team form's edits: the name first (a new team must
// exist before its roles are set), then aliases, roles, members and
// channels.
func sortEdits(es []bot.Edit) {
	rank := func(e bot.Edit) string {
		switch {
		case e.Field == "name":
			return "0"
		case e.Field == "aliases":
			return "05"
		case strings.HasPrefix(e.Field, "role:"):
			return "1" + e.Field
		case e.Field == "members":
			return "2"
		}
		return "3"
	}
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && rank(es[j]) < rank(es[j-1]); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// isViewSubmission reports whether an interaction payload submits a modal.
func isViewSubmission(payload []byte) bool {
	var p struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(payload, &p) == nil && p.Type == string(slackapi.InteractionTypeViewSubmission)
}

// viewSubmission decodes and applies a view_submission payload.
func (a *Adapter) viewSubmission(ctx context.Context, payload []byte) (*viewResponse, error) {
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal(payload, &cb); err != nil {
		return nil, err
	}
	if cb.User.ID == "" || cb.View.ID == "" {
		return nil, errors.New("slack: view_submission without a user or view")
	}
	return a.submitView(ctx, &cb), nil
}

// suggest sends a member's suggested change to each lead by direct
// message, files their claim of the role picked as a request to the
// leads, and says so in the modal.
func (a *Adapter) suggest(ctx context.Context, m bot.Message, team, text string, claim ownership.Role) *viewResponse {
	var claimed *bot.CommandResult
	if claim != "" {
		res, err := a.svc.Claim(ctx, m, claim, team)
		if err != nil {
			if c := ownership.ErrorCode(err); c == ownership.ErrInvalid || c == ownership.ErrForbidden {
				return slackapi.NewErrorsViewSubmissionResponse(map[string]string{"claim": ownership.ErrorText(err).Plain(commandPrefix)})
			}
			v := noticeView(ownership.ErrorText(err))
			return slackapi.NewUpdateViewSubmissionResponse(&v)
		}
		claimed = &res
	}
	var sg bot.Suggestion
	if strings.TrimSpace(text) != "" || claimed == nil {
		var err error
		if sg, err = a.svc.Suggest(ctx, m, team, text); err != nil {
			if ownership.ErrorCode(err) == ownership.ErrInvalid {
				return slackapi.NewErrorsViewSubmissionResponse(map[string]string{"what": ownership.ErrorText(err).Plain(commandPrefix)})
			}
			v := noticeView(ownership.ErrorText(err))
			return slackapi.NewUpdateViewSubmissionResponse(&v)
		}
	}
	j := job{id: deliveryOf(ctx) + ":suggest", run: carryInstallation(ctx, func(ctx context.Context) {
		if claimed != nil {
			a.deliver(ctx, *claimed)
		}
		for _, l := range sg.Leads {
			ch, err := a.openDM(ctx, l.ID)
			if err != nil {
				continue
			}
			msg := textMessage(sg.Text)
			msg.Channel = ch
			_, _ = a.postMessage(ctx, msg)
		}
	})}
	if !a.enqueue(j) {
		v := noticeView(rich.Plain("I'm overloaded and could not send it; please try again in a minute."))
		return slackapi.NewUpdateViewSubmissionResponse(&v)
	}
	if claimed != nil {
		done := claimed.Text
		if len(sg.Leads) > 0 {
			done = rich.Lines(done, rich.Sprintf("Your words went to the leads (%d) too.", len(sg.Leads)))
		}
		v := noticeView(done)
		return slackapi.NewUpdateViewSubmissionResponse(&v)
	}
	v := noticeView(rich.Sprintf("Sent to the leads (%d). Thanks for keeping %s right!", len(sg.Leads), sg.Team.Name))
	return slackapi.NewUpdateViewSubmissionResponse(&v)
}
