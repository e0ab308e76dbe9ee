package teams

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Leads' forms as Adaptive Cards: the home card's Manage part opens Edit
// team, Cover and Routes for the team picked; each is submitted with
// Action.Submit, and its card is updated in place (updateActivity) with
// the errors next to their fields, or with what changed. As in Slack, the
// core decides authority from the activity's signed sender, never from
// the card's data.

// Forms.
const (
	formEdit   = "edit"
	formNew    = "new"
	formDelete = "delete"
	formCover  = "cover"
	formRoutes = "routes"
	formLeads  = "leads"
	// The unanswered queue, and one of its questions (Item) taught as a
	// topic.
	formUnanswered = "unanswered"
	formTeach      = "teach"
)

// teamForm reports whether form is about one team, picked in Manage.
func teamForm(form string) bool {
	return form == formEdit || form == formDelete || form == formCover || form == formRoutes
}

// maxManageTeams is how many teams the home card's Manage picker lists.
const maxManageTeams = 200

// maxCardQueue is how many grouped questions the Unanswered card lists.
const maxCardQueue = 20

// maxTeachPhrase is the longest phrase the Teach card takes (the core's
// limit for a taught phrase).
const maxTeachPhrase = 200

// peoplePicker is Teams' people picker: its value is the person's Azure AD
// object id, which the adapter turns into their id for the bot.
func peoplePicker(id, label, placeholder string) element {
	return element{Type: "Input.ChoiceSet", ID: id, Label: label, Placeholder: placeholder, Style: "compact",
		ChoicesData: &dataQuery{Type: "Data.Query", Dataset: "graph.microsoft.com/users"}}
}

// aliasesInput is a team's other names, comma-separated.
func aliasesInput(aliases []string) element {
	return element{Type: "Input.Text", ID: "aliases", Label: "Aliases (other names, separated by commas)", Value: strings.Join(aliases, ", "), MaxLength: 2000}
}

// manage adds the leads' Manage part to the home card: a team picker and
// the forms' buttons. New team and Leads are about no one team: their
// buttons neither send nor check the picker.
func manage(c *card, h bot.Home) {
	if !h.Lead {
		return
	}
	c.text(rich.Plain("Manage"), heading, spaced)
	var opts []choice
	for i, t := range h.Teams {
		if i == maxManageTeams {
			break
		}
		opts = append(opts, choice{Title: t.Team.Name, Value: bot.TeamKey(t.Team.ID)})
	}
	whole := func(title, form string) action {
		a := submit(title, submitData{Action: actForm, Form: form})
		a.AssociatedInputs = "none"
		return a
	}
	if len(opts) > 0 {
		picker := element{Type: "Input.ChoiceSet", ID: "team", Label: "Team", Style: "compact", Choices: opts, IsRequired: true, ErrorMsg: "Pick a team."}
		if h.Focus != "" {
			picker.Value = bot.TeamKey(h.Focus)
		}
		c.body = append(c.body, picker,
			element{Type: "ActionSet", Actions: []action{
				submit("Edit team", submitData{Action: actForm, Form: formEdit}),
				submit("Cover a role", submitData{Action: actForm, Form: formCover}),
				submit("Routes", submitData{Action: actForm, Form: formRoutes}),
				submit("Delete team", submitData{Action: actForm, Form: formDelete}),
			}})
	}
	c.body = append(c.body, element{Type: "ActionSet", Actions: []action{whole("New team", formNew), whole("Leads", formLeads), whole("Unanswered questions", formUnanswered)}})
}

// unansweredCard lists the grouped questions of the queue, each with
// Teach… and Dismiss, under what the last action did (notice), and a
// Clear the queue that asks first.
func unansweredCard(v bot.LeadView, notice rich.Text) schema.Attachment {
	c := newCard(cardRenderer(true))
	c.text(rich.Plain("Unanswered questions"), heading)
	if !notice.Empty() {
		c.text(notice, func(e *element) { e.Color = "Accent" })
	}
	if len(v.Unanswered) == 0 {
		c.text(rich.Plain("No unanswered questions. 🎉"))
	}
	for i, g := range v.Unanswered {
		if i == maxCardQueue {
			break
		}
		q := g.Latest
		c.text(rich.Sprintf("“%s”", q.Text), spaced, func(e *element) { e.Separator = true })
		meta := rich.Sprintf("%s · %s", rich.Mention(q.Asker.ID, q.Asker.Label()), q.At.UTC().Format("2 Jan 15:04"))
		if g.Count > 1 {
			meta = append(meta, rich.Sprintf(" · asked %d times", g.Count)...)
		}
		c.text(meta, subtle)
		c.body = append(c.body, element{Type: "ActionSet", Actions: []action{
			submit("Teach…", submitData{Action: actForm, Form: formTeach, Item: g.ID}),
			submit("Dismiss", submitData{Action: actDismiss, Item: g.ID}),
		}})
	}
	if len(v.Unanswered) > 0 {
		var more rich.Text
		if v.Queued > len(v.Unanswered) {
			more = rich.Sprintf("The newest %d of %d questions. ", len(v.Unanswered), v.Queued)
		}
		c.text(append(more, rich.Plain("Teach… tells me what a question is about, so the next one like it is answered; Dismiss takes every ask of it off the queue.")...), subtle, spaced)
		all := "all " + strconv.Itoa(v.Queued) + " questions"
		if v.Queued == 1 {
			all = "the question"
		}
		confirm := &adaptiveCard{Type: "AdaptiveCard", Body: []element{{Type: "TextBlock", Wrap: true,
			Text: "This takes " + all + " off the queue, for every lead. Nobody is told."}},
			Actions: []action{{Type: "Action.Submit", Title: "Clear", Style: "destructive", Data: &submitData{Action: actClear}}}}
		c.actions = append(c.actions, action{Type: "Action.ShowCard", Title: "Clear the queue…", Card: confirm})
	}
	return c.attachment()
}

// teachCard teaches a question of the queue: the phrase, prefilled with
// the question and editable, and the topic it is about.
func teachCard(v bot.LeadView, g bot.UnansweredGroup, phrase, topic string, errs map[string]string) schema.Attachment {
	c := newCard(cardRenderer(true))
	c.text(rich.Plain("Teach me a question"), heading)
	c.text(rich.Sprintf("“%s” (%s)", g.Latest.Text, rich.Mention(g.Latest.Asker.ID, g.Latest.Asker.Label())), subtle)
	field := func(e element) {
		c.body = append(c.body, e)
		if msg := errs[e.ID]; msg != "" {
			c.line(rich.Plain(msg), func(e *element) { e.Color = "Attention" })
		}
	}
	var topics []choice
	for _, tp := range v.Topics {
		topics = append(topics, choice{Title: tp.Title, Value: tp.ID})
	}
	field(element{Type: "Input.Text", ID: "phrase", Label: "When people ask", Value: phrase, MaxLength: maxTeachPhrase, IsRequired: true, ErrorMsg: "Say what people would ask."})
	field(element{Type: "Input.ChoiceSet", ID: "topic", Label: "they mean", Style: "compact", Choices: topics, Value: topic, IsRequired: true, ErrorMsg: "Pick a topic."})
	c.text(rich.Plain("Edit the words to what people would ask; I learn the phrase, not the person."), subtle)
	back := submit("Back", submitData{Action: actForm, Form: formUnanswered})
	back.AssociatedInputs = "none"
	c.actions = append(c.actions, submit("Teach", submitData{Action: actSave, Form: formTeach, Item: g.ID}), back)
	return c.attachment()
}

// queueGroup finds the question item of v's queue.
func queueGroup(v bot.LeadView, item string) (bot.UnansweredGroup, bool) {
	for _, g := range v.Unanswered {
		if g.ID == item {
			return g, true
		}
	}
	return bot.UnansweredGroup{}, false
}

// openQueue shows a lead the Unanswered card (or the Teach card of one of
// its questions) in place of the card they clicked.
func (a *Adapter) openQueue(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	v, err := a.svc.LeadView(ctx, m, "")
	if err != nil {
		a.replyError(ctx, in, m, "form", err)
		return
	}
	if d.Form == formTeach {
		if g, ok := queueGroup(v, d.Item); ok {
			a.replace(ctx, in, cardActivity(teachCard(v, g, truncateRunes(g.Latest.Text, maxTeachPhrase), "", nil)))
			return
		}
		a.replace(ctx, in, cardActivity(unansweredCard(v, rich.Plain("That question is no longer in the queue: it was taught or dismissed meanwhile."))))
		return
	}
	a.replace(ctx, in, cardActivity(unansweredCard(v, nil)))
}

// changeQueue dismisses a question or clears the queue for the clicker (the
// core checks they are a lead) and updates the card in place.
func (a *Adapter) changeQueue(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	var res bot.CommandResult
	var err error
	if d.Action == actClear {
		res, err = a.svc.ClearUnanswered(ctx, m)
	} else {
		res, err = a.svc.DismissUnanswered(ctx, m, d.Item)
	}
	notice := res.Text
	switch code := ownership.ErrorCode(err); {
	case err == nil:
	case code == ownership.ErrNotFound:
		notice = ownership.ErrorText(err)
	default:
		a.replyError(ctx, in, m, "unanswered", err)
		return
	}
	a.showQueue(ctx, in, m, notice)
}

// showQueue puts the Unanswered card, read again, in place of the clicked
// card, with notice on top.
func (a *Adapter) showQueue(ctx context.Context, in *inbound, m bot.Message, notice rich.Text) {
	v, err := a.svc.LeadView(ctx, m, "")
	if err != nil {
		a.replyError(ctx, in, m, "form", err)
		return
	}
	a.replace(ctx, in, cardActivity(unansweredCard(v, notice)))
}

// saveTeach teaches a question of the queue from the Teach card: errors
// come back on the same card; success shows the queue with what was taught.
func (a *Adapter) saveTeach(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	var vals map[string]any
	_ = json.Unmarshal(in.Value, &vals)
	str := func(k string) string { s, _ := vals[k].(string); return strings.TrimSpace(s) }
	phrase, topic := str("phrase"), str("topic")
	v, err := a.svc.LeadView(ctx, m, "")
	if err != nil {
		a.replyError(ctx, in, m, "form", err)
		return
	}
	g, ok := queueGroup(v, d.Item)
	if !ok {
		g = bot.UnansweredGroup{ID: d.Item, Latest: ownership.Unanswered{Text: phrase}}
	}
	errs := map[string]string{}
	if phrase == "" {
		errs["phrase"] = "Say what people would ask."
	}
	if topic == "" {
		errs["topic"] = "Pick a topic."
	}
	if len(errs) == 0 {
		res, err := a.svc.ApplyEdits(ctx, m, bot.EditTeach("phrase", phrase, topic))
		switch {
		case fieldErrors(errs, err): // shown on the card again, below
		case err != nil:
			a.replyError(ctx, in, m, "form", err)
			return
		default:
			a.showQueue(ctx, in, m, res.Text)
			return
		}
	}
	a.replace(ctx, in, cardActivity(teachCard(v, g, phrase, topic, errs)))
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// suggest adds, for someone who is not a lead, a way to ask the leads for
// a change to one of their teams.
func suggest(c *card, h bot.Home) {
	if h.Lead || h.Mine == 0 {
		return
	}
	c.text(rich.Plain("Something out of date?"), heading, spaced)
	var opts []choice
	for _, t := range h.Teams[:h.Mine] {
		opts = append(opts, choice{Title: t.Team.Name, Value: bot.TeamKey(t.Team.ID)})
	}
	c.body = append(c.body, element{Type: "Input.ChoiceSet", ID: "team", Label: "Team", Style: "compact", Choices: opts, Value: opts[0].Value, IsRequired: true, ErrorMsg: "Pick a team."},
		element{Type: "Input.Text", ID: "what", Label: "What should change", IsMultiline: true, MaxLength: 500, IsRequired: true, ErrorMsg: "Say what should change."},
		element{Type: "ActionSet", Actions: []action{submit("Suggest a change", submitData{Action: actSuggest})}})
}

// sendSuggestion sends a member's suggestion to each lead in their personal
// chat with the bot and tells the member it went.
func (a *Adapter) sendSuggestion(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	var vals map[string]any
	_ = json.Unmarshal(in.Value, &vals)
	text, _ := vals["what"].(string)
	sg, err := a.svc.Suggest(ctx, m, d.Team, text)
	if err != nil {
		a.replyError(ctx, in, m, "suggest", err)
		return
	}
	for _, l := range sg.Leads {
		conv, err := a.conn.CreatePersonal(ctx, in.ServiceURL, in.Recipient, schema.ChannelAccount{ID: l.ID}, tenantOf(in))
		if err == nil {
			_, err = a.conn.Send(ctx, in.ServiceURL, conv, textActivity(sg.Text))
		}
		if err != nil {
			a.log.Warn("teams: a suggestion did not reach a lead", "lead", l.ID, "err", err)
		}
	}
	a.replace(ctx, in, textActivity(rich.Sprintf("Sent to the leads (%d). Thanks for keeping %s right!", len(sg.Leads), sg.Team.Name)))
}

// formCard renders form (for v's team, when it is about one) with errs
// next to their fields.
func formCard(form string, v bot.LeadView, errs map[string]string) schema.Attachment {
	c := newCard(cardRenderer(true))
	t := v.Team
	field := func(e element) {
		c.body = append(c.body, e)
		if msg := errs[e.ID]; msg != "" {
			c.line(rich.Plain(msg), func(e *element) { e.Color = "Attention" })
		}
	}
	var title string
	save := "Save"
	switch form {
	case formEdit:
		title = "Edit team"
		field(element{Type: "Input.Text", ID: "name", Label: "Name", Value: t.Name, IsRequired: true, ErrorMsg: "A team needs a name."})
		field(aliasesInput(t.Aliases))
		for _, r := range v.Roles {
			now := "nobody yet"
			if p, ok := t.Holders[r.ID]; ok {
				now = p.Label()
			}
			// The picker starts empty (it takes Azure AD ids, which the
			// directory does not keep): empty means no change.
			field(peoplePicker("role:"+string(r.ID), r.Name+" (now: "+now+")", "Leave empty to keep"))
		}
	case formNew:
		title, save = "New team", "Create"
		field(element{Type: "Input.Text", ID: "name", Label: "Name", IsRequired: true, ErrorMsg: "Give the team a name."})
		field(aliasesInput(nil))
		for _, r := range v.Roles[:min(2, len(v.Roles))] {
			field(peoplePicker("role:"+string(r.ID), r.Name, "Search for a person (or leave empty)"))
		}
	case formDelete:
		title, save = "Delete team", "Delete"
		what := rich.Plain("Its roles, members and routes go.")
		if n := len(t.Channels); n > 0 {
			what = rich.Sprintf("Its roles, members and routes go, and its %d linked channels are unlinked.", n)
		}
		c.text(rich.Sprintf("Delete %s? %s The history keeps a copy.", rich.Strong(t.Name), what))
	case formLeads:
		title = "Leads"
		var leads []choice
		var ids []string
		for _, p := range v.Leads {
			leads = append(leads, choice{Title: p.Label(), Value: p.ID})
			ids = append(ids, p.ID)
		}
		if len(leads) > 0 {
			field(element{Type: "Input.ChoiceSet", ID: "leads", Label: "Leads (clear a box to remove that lead)", Style: "expanded", IsMultiSelect: true,
				Choices: leads, Value: strings.Join(ids, ",")})
		} else {
			c.text(rich.Plain("Nobody has been added as a lead yet."), subtle)
		}
		field(peoplePicker("add", "Add a lead", "Search for a person"))
		c.text(rich.Plain("The people named in WHOOWNS_ADMINS are leads too; they are not listed here."), subtle)
	case formCover:
		title = "Cover a role"
		var roles []choice
		for _, r := range v.Roles {
			roles = append(roles, choice{Title: r.Name, Value: string(r.ID)})
		}
		field(element{Type: "Input.ChoiceSet", ID: "role", Label: "Role", Style: "compact", Choices: roles, IsRequired: true, ErrorMsg: "Pick a role."})
		field(peoplePicker("person", "Who covers", "Search for a person"))
		field(element{Type: "Input.Date", ID: "date", Label: "Until (day)", Value: v.Now.AddDate(0, 0, 7).Format("2006-01-02"), IsRequired: true, ErrorMsg: "Pick the day the cover ends."})
		field(element{Type: "Input.Time", ID: "time", Label: "Until (time, UTC)", Value: "17:00", IsRequired: true, ErrorMsg: "Pick the time the cover ends."})
	case formRoutes:
		title = "Routes"
		var topics []choice
		for _, tp := range v.Topics {
			topics = append(topics, choice{Title: tp.Title, Value: tp.ID})
		}
		roles := []choice{{Title: "Back to the default", Value: "default"}}
		for _, r := range v.Roles {
			roles = append(roles, choice{Title: r.Name, Value: string(r.ID)})
		}
		roles = append(roles, choice{Title: "Both PM and PO", Value: string(ownership.Both)})
		for _, id := range sortedRoutes(t.Routes) {
			c.text(rich.Sprintf("Now: %s → %s", id, string(t.Routes[id])), subtle)
		}
		field(element{Type: "Input.ChoiceSet", ID: "topic", Label: "Topic", Style: "compact", Choices: topics, IsRequired: true, ErrorMsg: "Pick a topic."})
		field(element{Type: "Input.ChoiceSet", ID: "route_role", Label: "Goes to", Style: "compact", Choices: roles, IsRequired: true, ErrorMsg: "Pick a role."})
	}
	head := newCard(cardRenderer(true))
	key := ""
	if t != nil {
		head.text(rich.Sprintf("%s: %s", title, t.Name), heading)
		key = t.Key
	} else {
		head.text(rich.Plain(title), heading)
	}
	c.body = append(head.body, c.body...)
	c.texts = append(c.texts, head.texts...)
	if msg := errs[""]; msg != "" {
		c.line(rich.Plain(msg), func(e *element) { e.Color = "Attention" })
	}
	sv := submit(save, submitData{Action: actSave, Form: form, Team: key})
	if form == formDelete {
		sv.Style = "destructive"
	}
	cancel := submit("Cancel", submitData{Action: actCancel, Form: form})
	cancel.AssociatedInputs = "none"
	c.actions = append(c.actions, sv, cancel)
	return c.attachment()
}

func sortedRoutes(m map[string]ownership.Role) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// openForm shows a lead the form they asked for, in place of the home
// card; anyone else is told why not.
func (a *Adapter) openForm(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	if d.Form == formUnanswered || d.Form == formTeach {
		a.openQueue(ctx, in, m, d)
		return
	}
	if !teamForm(d.Form) {
		d.Team = ""
	}
	v, err := a.svc.LeadView(ctx, m, d.Team)
	if err != nil {
		a.replyError(ctx, in, m, "form", err)
		return
	}
	if teamForm(d.Form) && v.Team == nil {
		a.reply(ctx, in, textActivity(rich.Plain("Pick a team first.")))
		return
	}
	a.replace(ctx, in, cardActivity(formCard(d.Form, v, nil)))
}

// cancelForm closes a form: the card says nothing changed.
func (a *Adapter) cancelForm(ctx context.Context, in *inbound) {
	if in.Conversation.ConversationType != convPersonal {
		// Forms live in the personal chat; elsewhere the card is an answer
		// others read.
		return
	}
	a.replace(ctx, in, textActivity(rich.Sprintf("Nothing changed. Type %s to start again.", rich.Command("home"))))
}

// saveForm applies a submitted form: errors come back on the same card,
// success replaces it with what changed and announces it like the command.
func (a *Adapter) saveForm(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	if d.Form == formTeach {
		a.saveTeach(ctx, in, m, d)
		return
	}
	var vals map[string]any
	_ = json.Unmarshal(in.Value, &vals)
	str := func(k string) string { s, _ := vals[k].(string); return strings.TrimSpace(s) }
	if !teamForm(d.Form) {
		d.Team = ""
	}
	v, err := a.svc.LeadView(ctx, m, d.Team)
	if err != nil {
		a.replyError(ctx, in, m, "form", err)
		return
	}
	if teamForm(d.Form) && v.Team == nil {
		a.replace(ctx, in, textActivity(rich.Plain("That team no longer exists.")))
		return
	}
	errs := map[string]string{}
	person := func(k string) (ownership.Person, bool) {
		id := str(k)
		if id == "" {
			return ownership.Person{}, false
		}
		// The picker gives an Azure AD object id; the bot knows people by
		// their id for this bot (29:…), which Teams looks up.
		p, err := a.rosterPerson(ctx, in.ServiceURL, in.Conversation.ID, id)
		if err != nil {
			errs[k] = "I can't find that person in this organisation; pick someone else."
			return ownership.Person{}, false
		}
		return p, true
	}
	var edits []bot.Edit
	switch d.Form {
	case formEdit:
		edits = append(edits, bot.EditRenameTeam("name", v.Team.Key, str("name")), bot.EditAliases("aliases", v.Team.Key, str("aliases")))
		for _, r := range v.Roles {
			if p, ok := person("role:" + string(r.ID)); ok {
				edits = append(edits, bot.EditHolder("role:"+string(r.ID), v.Team.Key, r.ID, p))
			}
		}
	case formNew:
		// The team is named by its name until it exists, in the same
		// update.
		name := str("name")
		edits = append(edits, bot.EditCreateTeam("name", name), bot.EditAliases("aliases", name, str("aliases")))
		for _, r := range v.Roles[:min(2, len(v.Roles))] {
			if p, ok := person("role:" + string(r.ID)); ok {
				edits = append(edits, bot.EditHolder("role:"+string(r.ID), name, r.ID, p))
			}
		}
	case formDelete:
		edits = append(edits, bot.EditDeleteTeam("", v.Team.Key))
	case formLeads:
		// Only people already leads can be kept: the boxes' values are
		// the card's, the current leads are the directory's.
		keep := map[string]bool{}
		for _, id := range strings.Split(str("leads"), ",") {
			keep[strings.TrimSpace(id)] = true
		}
		var leads []ownership.Person
		for _, p := range v.Leads {
			if keep[p.ID] {
				leads = append(leads, p)
			}
		}
		if p, ok := person("add"); ok {
			leads = append(leads, p)
		}
		edits = append(edits, bot.EditLeads("leads", leads))
	case formCover:
		p, _ := person("person")
		if str("person") == "" {
			errs["person"] = "Pick who covers."
		}
		until, perr := time.Parse("2006-01-02 15:04", str("date")+" "+str("time"))
		if perr != nil {
			errs["date"] = "Pick the day and the time the cover ends."
		}
		edits = append(edits, bot.EditCover("date", v.Team.Key, ownership.Role(str("role")), p, until.UTC()))
	case formRoutes:
		edits = append(edits, bot.EditRoute("route_role", v.Team.Key, str("topic"), ownership.Role(str("route_role"))))
	default:
		return
	}
	if len(errs) == 0 {
		res, err := a.svc.ApplyEdits(ctx, m, edits...)
		switch {
		case fieldErrors(errs, err): // shown on the card again, below
		case err != nil:
			a.replyError(ctx, in, m, "form", err)
			return
		default:
			a.replace(ctx, in, a.textFor(ctx, m.Tenant, in.ServiceURL, res.Text))
			for _, an := range res.Announcements {
				a.announce(ctx, m.Tenant, an)
			}
			return
		}
	}
	a.replace(ctx, in, cardActivity(formCard(d.Form, v, errs)))
}

// manageFromAnswer answers Manage on an answer card. Anyone who reads the
// answer may click it: a lead gets their home card, with Manage and the
// answer's team picked, in their personal chat (a new message: the answer
// stays); anyone else is told there, privately, that it is for leads.
func (a *Adapter) manageFromAnswer(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	h, err := a.svc.Home(ctx, m)
	if err != nil {
		a.tell(ctx, in, a.errorActivity(ctx, in, m, "home", err))
		return
	}
	if !h.Lead {
		a.tell(ctx, in, textActivity(rich.Sprintf("Manage is for leads, and you are not one. If something is out of date, type %s in our chat and use Suggest a change.", rich.Command("home"))))
		return
	}
	for _, t := range h.Teams {
		if bot.TeamKey(t.Team.ID) == d.Team {
			h.Focus = t.Team.ID
		}
	}
	a.tell(ctx, in, cardActivity(homeCard(h)))
}

// fieldErrors adds the field-level errors err carries, worded for Teams,
// to errs, and reports whether it carried any.
func fieldErrors(errs map[string]string, err error) bool {
	fe := bot.Fields(err)
	for f, t := range fe {
		errs[f] = t.Plain("@whoowns")
	}
	return fe != nil
}
