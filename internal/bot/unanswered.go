package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// The unanswered queue: the questions the bot could not answer, grouped at
// read time (the same words, case, spacing and punctuation aside, are one
// question) and without those since taught. Leads teach the bot a
// question's topic, dismiss a question (every queued ask of it) or clear
// the queue; dismissals and clears are audited.

// unansweredRead is how much of the queue is read to group: all of it
// (both stores keep the newest 500).
const unansweredRead = 500

// maxListed is how many grouped questions a list shows, in chat and in
// the forms.
const maxListed = 20

// UnansweredGroup is one question of the queue with how often it was asked.
type UnansweredGroup struct {
	// ID names the question by its normalized words, so a button or a
	// number from an older list still finds the same question, or finds
	// that it is gone, however the queue changed since.
	ID string `json:"id"`
	// Latest is the newest ask, in its own words.
	Latest ownership.Unanswered `json:"latest"`
	Count  int                  `json:"count"`
	// texts are the different wordings queued, which a dismissal takes.
	texts []string
}

// unansweredID is a group's ID: a short hash of its normalized words.
func unansweredID(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:8])
}

// groupUnanswered folds the queue (newest first) into one group per
// question, newest first, and leaves out questions since taught as
// phrases: once a lead or the people's picks taught it, it is answered.
func groupUnanswered(qs []ownership.Unanswered, d *ownership.Directory) []UnansweredGroup {
	taught := map[string]bool{}
	if d != nil {
		for _, p := range d.Phrases {
			taught[intent.Normalize(p.Phrase)] = true
		}
	}
	index := map[string]int{}
	var out []UnansweredGroup
	for _, q := range qs {
		key := intent.Normalize(q.Text)
		if key == "" || taught[key] {
			continue
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, UnansweredGroup{ID: unansweredID(key), Latest: q})
		}
		g := &out[i]
		g.Count++
		if !slices.Contains(g.texts, q.Text) {
			g.texts = append(g.texts, q.Text)
		}
	}
	return out
}

// asks says how often a question was asked.
func asks(n int) string {
	if n == 1 {
		return "asked once"
	}
	return fmt.Sprintf("asked %d times", n)
}

// queueSize says how much a set of groups holds.
func queueSize(gs []UnansweredGroup) string {
	n := 0
	for _, g := range gs {
		n += g.Count
	}
	q := "questions"
	if len(gs) == 1 {
		q = "question"
	}
	if n == len(gs) {
		return fmt.Sprintf("%d %s", len(gs), q)
	}
	return fmt.Sprintf("%d %s, asked %d times in all", len(gs), q, n)
}

// unansweredGroups reads the tenant's grouped queue.
func (s *Service) unansweredGroups(ctx context.Context, tenant ownership.TenantID, d *ownership.Directory) ([]UnansweredGroup, error) {
	qs, err := s.store.Unanswered(ctx, tenant, unansweredRead)
	if err != nil {
		return nil, err
	}
	return groupUnanswered(qs, d), nil
}

// seenKey is the ref under which the list a lead last saw in chat is kept,
// so that "unanswered dismiss <n>" means the n they saw.
func seenKey(user string) string { return "unanswered:seen:" + user }

// seenItem is one numbered line of the list a lead saw.
type seenItem struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// unanswered runs "unanswered", "unanswered dismiss <n>" and
// "unanswered clear [confirm]".
func (c *cmd) unanswered(ctx context.Context) (CommandResult, error) {
	if len(c.args) == 0 {
		return c.listUnanswered(ctx)
	}
	switch sub := strings.ToLower(c.args[0].text); sub {
	case "dismiss":
		return c.dismissUnanswered(ctx)
	case "clear":
		switch {
		case len(c.args) == 1:
			return c.confirmClear(ctx)
		case len(c.args) == 2 && strings.EqualFold(c.args[1].text, "confirm"):
			return c.s.clearUnanswered(ctx, c.m, c.d)
		}
		return CommandResult{}, c.usage("%s takes nothing after it but %s.", rich.Code("unanswered clear"), rich.Code("confirm"))
	default:
		return CommandResult{}, c.usage("%s lists the questions I couldn't answer; after it come only %s or %s.",
			rich.Code("unanswered"), rich.Code("dismiss <n>"), rich.Code("clear"))
	}
}

func (c *cmd) listUnanswered(ctx context.Context) (CommandResult, error) {
	groups, err := c.s.unansweredGroups(ctx, c.m.Tenant, c.d)
	if err != nil {
		return CommandResult{}, err
	}
	if len(groups) == 0 {
		return CommandResult{Text: rich.Plain("No unanswered questions. 🎉")}, nil
	}
	head := rich.Sprintf("Questions I couldn't answer, newest first (%s):", queueSize(groups))
	shown := groups[:min(len(groups), maxListed)]
	lines := []rich.Text{head}
	seen := make([]seenItem, 0, len(shown))
	for i, g := range shown {
		q := g.Latest
		l := rich.Sprintf("%d. “%s” · %s · %s", i+1, q.Text, mention(q.Asker), q.At.UTC().Format("2006-01-02 15:04"))
		if g.Count > 1 {
			l = append(l, rich.Sprintf(" (%s)", asks(g.Count))...)
		}
		if len(q.Closest) > 0 {
			l = append(l, rich.Sprintf(" (closest: %s)", strings.Join(q.Closest, ", "))...)
		}
		lines = append(lines, l)
		seen = append(seen, seenItem{ID: g.ID, Text: truncateRunes(q.Text, 100)})
	}
	if len(groups) > len(shown) {
		lines = append(lines, rich.Sprintf("…and %d more; dismissing or teaching these brings them up.", len(groups)-len(shown)))
	}
	lines = append(lines, rich.Sprintf("Teach me one with %s, take one off with %s, or all with %s.",
		TeachCommand(), rich.Command("unanswered dismiss <n>"), rich.Command("unanswered clear")))
	if b, err := json.Marshal(seen); err == nil {
		if err := c.s.store.PutRef(ctx, c.m.Tenant, seenKey(c.m.User.ID), b); err != nil {
			c.s.log.Warn("could not keep the unanswered list a lead saw", "err", err, "tenant", c.m.Tenant)
		}
	}
	return CommandResult{Text: rich.Lines(lines...)}, nil
}

// dismissUnanswered runs "unanswered dismiss <n>": n is a number of the
// list the lead last saw, so a queue that changed since takes off the
// question they read, or says that it is gone.
func (c *cmd) dismissUnanswered(ctx context.Context) (CommandResult, error) {
	list := rich.Command("unanswered")
	if len(c.args) != 2 {
		return CommandResult{}, c.usage("Say which number to dismiss, one at a time, as %s lists them.", list)
	}
	arg := c.args[1].text
	n, err := strconv.Atoi(strings.TrimPrefix(arg, "#"))
	if err != nil || n < 1 {
		return CommandResult{}, c.usage("%q is not a number from the list; %s shows them.", arg, list)
	}
	raw, err := c.s.store.Ref(ctx, c.m.Tenant, seenKey(c.m.User.ID))
	if err != nil {
		return CommandResult{}, err
	}
	var seen []seenItem
	if raw != nil {
		if err := json.Unmarshal(raw, &seen); err != nil {
			seen = nil
		}
	}
	if len(seen) == 0 {
		return CommandResult{}, ownership.Errorf(ownership.ErrNotFound, "List the questions with %s first; the number is the one that list shows. Nothing changed.", list)
	}
	if n > len(seen) {
		return CommandResult{}, ownership.Errorf(ownership.ErrNotFound, "There is no number %d: the list you last saw goes from 1 to %d. Nothing changed; %s shows it again.", n, len(seen), list)
	}
	it := seen[n-1]
	res, err := c.s.dismissUnanswered(ctx, c.m, c.d, it.ID)
	if ownership.ErrorCode(err) == ownership.ErrNotFound {
		return CommandResult{}, ownership.Errorf(ownership.ErrNotFound, "Number %d of the list you last saw, “%s”, is no longer in the queue: it was taught or dismissed since. Nothing changed; %s shows the queue now.", n, it.Text, list)
	}
	return res, err
}

// confirmClear answers "unanswered clear": what clearing would take, and
// how to go ahead.
func (c *cmd) confirmClear(ctx context.Context) (CommandResult, error) {
	groups, err := c.s.unansweredGroups(ctx, c.m.Tenant, c.d)
	if err != nil {
		return CommandResult{}, err
	}
	if len(groups) == 0 {
		return CommandResult{Text: rich.Plain("The queue is already empty; there is nothing to clear.")}, nil
	}
	return CommandResult{Text: rich.Sprintf("Clearing takes every question off the queue (%s), for every lead; nobody is told, and %s keeps a note. To go ahead, send %s.",
		queueSize(groups), rich.Command("history"), rich.Command("unanswered clear confirm"))}, nil
}

// DismissUnanswered takes the question id (an UnansweredGroup's ID), every
// queued ask of it, off the queue for m.User, who must be a lead; it is
// audited. A question no longer queued is ErrNotFound and changes nothing.
func (s *Service) DismissUnanswered(ctx context.Context, m Message, id string) (CommandResult, error) {
	d, err := s.leadDirectory(ctx, m)
	if err != nil {
		return CommandResult{}, err
	}
	return s.dismissUnanswered(ctx, m, d, id)
}

// ClearUnanswered empties the queue for m.User, who must be a lead; it is
// audited, and the reply says what it took.
func (s *Service) ClearUnanswered(ctx context.Context, m Message) (CommandResult, error) {
	d, err := s.leadDirectory(ctx, m)
	if err != nil {
		return CommandResult{}, err
	}
	return s.clearUnanswered(ctx, m, d)
}

// leadDirectory reads the directory for a form's action by m.User and
// refuses anyone who is not a lead on it.
func (s *Service) leadDirectory(ctx context.Context, m Message) (*ownership.Directory, error) {
	if err := s.allow("c", s.limits.Commands, m); err != nil {
		return nil, err
	}
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return nil, err
	}
	if err := live(d, true); err != nil {
		return nil, err
	}
	if !s.isLead(d, m) {
		return nil, forbidden("unanswered")
	}
	return d, nil
}

// dismissUnanswered takes group id off the queue; d is the directory on
// which m.User was found to be a lead.
func (s *Service) dismissUnanswered(ctx context.Context, m Message, d *ownership.Directory, id string) (CommandResult, error) {
	groups, err := s.unansweredGroups(ctx, m.Tenant, d)
	if err != nil {
		return CommandResult{}, err
	}
	var g *UnansweredGroup
	for i := range groups {
		if groups[i].ID == id {
			g = &groups[i]
		}
	}
	gone := ownership.Errorf(ownership.ErrNotFound, "That question is no longer in the queue: it was taught or dismissed meanwhile. Nothing changed.")
	if g == nil {
		return CommandResult{}, gone
	}
	taken, err := s.store.RemoveUnanswered(ctx, m.Tenant, g.texts)
	if err != nil {
		return CommandResult{}, err
	}
	if len(taken) == 0 {
		return CommandResult{}, gone
	}
	text := g.Latest.Text
	s.auditQueue(ctx, m, ownership.Change{Action: "unanswered.dismiss", Old: text,
		Summary: fmt.Sprintf("%s dismissed the unanswered question “%s” (%s)", m.User.Label(), truncateRunes(text, 200), asks(len(taken)))})
	return CommandResult{Changed: true, Text: rich.Sprintf("Dismissed “%s” (%s): it is off the queue for every lead.", text, asks(len(taken)))}, nil
}

// clearUnanswered empties the queue; d is the directory on which m.User
// was found to be a lead.
func (s *Service) clearUnanswered(ctx context.Context, m Message, d *ownership.Directory) (CommandResult, error) {
	taken, err := s.store.ClearUnanswered(ctx, m.Tenant)
	if err != nil {
		return CommandResult{}, err
	}
	groups := groupUnanswered(taken, d)
	if len(groups) == 0 {
		return CommandResult{Changed: len(taken) > 0, Text: rich.Plain("The queue was already empty; nothing changed.")}, nil
	}
	size := queueSize(groups)
	s.auditQueue(ctx, m, ownership.Change{Action: "unanswered.clear",
		Summary: fmt.Sprintf("%s cleared the unanswered queue: %s", m.User.Label(), size)})
	return CommandResult{Changed: true, Text: rich.Sprintf("Cleared the queue: took off %s.", size)}, nil
}

// auditQueue records a change to the queue in the tenant's history. The
// queue has already changed, so a failure is logged, not returned.
func (s *Service) auditQueue(ctx context.Context, m Message, ch ownership.Change) {
	ch.At, ch.Actor = s.now().UTC(), m.User
	if _, _, err := s.store.Update(ctx, m.Tenant, func(*ownership.Directory) ([]ownership.Change, error) {
		return []ownership.Change{ch}, nil
	}); err != nil {
		s.log.Error("a change to the unanswered queue is not in the history", "err", err, "tenant", m.Tenant, "action", ch.Action)
	}
}

// truncateRunes cuts s to at most n runes, marking a cut with "…".
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
