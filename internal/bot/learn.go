package bot

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// LearnMode says what the bot does with the choices people make under
// answers it was unsure about (see Learning).
type LearnMode string

// Learning modes, as WHOOWNS_LEARN names them.
const (
	// LearnOn makes a question a taught phrase by itself once enough
	// different people picked the same intent for it.
	LearnOn LearnMode = "on"
	// LearnReview records the picks and lets a question wait for a
	// lead's "learned approve <n>" once enough people agree.
	LearnReview LearnMode = "review"
	// LearnOff records nothing.
	LearnOff LearnMode = "off"
)

// DefaultLearnAfter is how many different people must pick the same intent
// for a question before it is learned (or waits for approval).
const DefaultLearnAfter = 3

// MaxLearnAfter bounds WHOOWNS_LEARN_AFTER: a question keeps at most
// ownership.MaxVotes people's picks.
const MaxLearnAfter = 50

// Learning configures the learning loop.
type Learning struct {
	Mode LearnMode
	// After is how many different people must agree (1..MaxLearnAfter).
	After int
}

// ParseLearnMode reads a WHOOWNS_LEARN value; "" is the default, on.
func ParseLearnMode(s string) (LearnMode, error) {
	switch m := LearnMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return LearnOn, nil
	case LearnOn, LearnReview, LearnOff:
		return m, nil
	}
	return "", fmt.Errorf("%q is not on, review or off", s)
}

// WithLearning sets the learning loop's mode and threshold. Without it the
// loop is on and learns after DefaultLearnAfter people.
func WithLearning(l Learning) Option {
	return func(s *Service) {
		if l.Mode == "" {
			l.Mode = LearnOn
		}
		if l.After < 1 {
			l.After = DefaultLearnAfter
		}
		s.learning = l
	}
}

// Choose answers m as the intent a person picked from the buttons under an
// answer the bot was unsure about ("I read this as …, is that right?") or
// under an "I don't know", like AnswerFor, and records the pick for the
// learning loop. m is the question as its asker sent it (m.User is the
// asker, so the team resolves as it did for them); picker is who clicked.
//
// A pick is recorded only when the bot, matching the question now, would
// offer that intent as one of those buttons: a forged or stale button
// (the question has been learned or taught since) teaches nothing. Once
// enough different people picked the same intent for the question, it is
// learned (LearnOn) or waits for a lead (LearnReview). Recording never
// fails the answer: a store error is logged.
func (s *Service) Choose(ctx context.Context, m Message, picker ownership.Person, intentID, teamID string) (Answer, error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return Answer{}, err
	}
	cat, err := s.catalogueFor(d)
	if err != nil {
		return Answer{}, err
	}
	a, err := s.answerFor(ctx, d, cat, m, intentID, teamID)
	if err != nil {
		return Answer{}, err
	}
	if picker.ID != "" {
		s.stats.Pick(m.Tenant, intentID)
	}
	if d.AsOf.IsZero() {
		s.learnFrom(ctx, d, cat, m, picker, intentID)
	}
	return a, nil
}

// offered returns the intents the bot offers as buttons when it answers
// text unsure, as Ask builds them; nil when it answers without asking.
func offered(d *ownership.Directory, cat *intent.Catalogue, text string) []Choice {
	r := cat.Match(withoutChannelLinks(text))
	if _, ok := customRoleInText(d, text); ok && r.Role != ownership.Info {
		return nil // answered outright as a role lookup
	}
	a := Answer{Intent: r.Intent, Score: r.Score, NearTie: r.NearTie}
	for _, c := range r.Alternatives {
		a.Alternatives = append(a.Alternatives, Choice{Intent: c.Intent, Score: c.Score})
	}
	switch {
	case r.Role == ownership.None || r.Role == "":
		a.Kind = KindUnknown
	case r.Confidence == intent.ConfidenceMedium:
		a.Confirm = true
	default:
		return nil
	}
	return a.Choices()
}

// learnKey is the question as picks agree on it: lower case, markup
// dropped, punctuation and runs of space made one space. "" when the
// question cannot be learned (empty, or longer than a taught phrase may
// be).
func learnKey(question string) string {
	q := strings.TrimSpace(question)
	if len([]rune(q)) > maxPhrase {
		return ""
	}
	return intent.Normalize(q)
}

// learnFrom records picker's pick of intentID for m's question and learns
// the question when that made enough people agree (see Choose).
func (s *Service) learnFrom(ctx context.Context, d *ownership.Directory, cat *intent.Catalogue, m Message, picker ownership.Person, intentID string) {
	if s.learning.Mode == LearnOff || picker.ID == "" {
		return
	}
	key := learnKey(m.Text)
	if key == "" {
		return
	}
	ok := false
	for _, c := range offered(d, cat, m.Text) {
		ok = ok || c.Intent == intentID
	}
	if !ok {
		return
	}
	c, err := s.store.RecordPick(ctx, m.Tenant, ownership.Pick{Key: key, Question: strings.TrimSpace(m.Text), Intent: intentID, Person: picker, At: s.now()})
	if err != nil {
		s.log.Warn("could not record a pick for learning", "err", err, "tenant", m.Tenant, "id", m.ID)
		return
	}
	winner, people, _ := c.Leader(s.learning.After)
	if winner == "" || s.learning.Mode != LearnOn {
		return
	}
	if _, _, err := s.learn(ctx, m.Tenant, c, winner, people, nil); err != nil {
		s.log.Warn("could not learn a phrase", "err", err, "tenant", m.Tenant, "intent", winner)
	}
}

// learn makes candidate c's question a taught phrase for intentID, in one
// atomic update with its audit entry, then forgets the candidate's picks.
// approved is the lead's command when a lead approves it (review mode),
// nil when the bot learns by itself. A phrase already there (another
// replica learned it first) changes nothing; a phrase a lead taught as
// another intent wins over the picks.
func (s *Service) learn(ctx context.Context, tenant ownership.TenantID, c ownership.Candidate, intentID string, people int, approved *cmd) (reply rich.Text, changed bool, err error) {
	fn := func(d *ownership.Directory) ([]ownership.Change, error) {
		reply = nil
		if approved != nil && !s.isLead(d, approved.m) {
			return nil, forbidden(approved.verb)
		}
		cat, err := s.catalogueFor(d)
		if err != nil {
			return nil, err
		}
		in, ok := cat.Get(intentID)
		if !ok {
			return nil, ownership.Errorf(ownership.ErrNotFound, "The intent %s people picked no longer exists; nothing was learned.", intentID)
		}
		for _, p := range d.Phrases {
			if intent.Normalize(p.Phrase) != c.Key {
				continue
			}
			if p.Intent == intentID {
				reply = rich.Sprintf("I already know %q as %s; nothing changed.", p.Phrase, in.Title)
				return nil, nil
			}
			return nil, ownership.Errorf(ownership.ErrInvalid, "A lead taught %q as %s, so the picks for %s are not learned; nothing changed.", p.Phrase, p.Intent, intentID)
		}
		if len(d.Phrases) >= maxPhrases {
			return nil, ownership.Errorf(ownership.ErrInvalid, "I already know %d taught phrases, the most I keep per workspace; nothing was learned.", len(d.Phrases))
		}
		tp := ownership.TaughtPhrase{Phrase: c.Question, Intent: intentID, At: s.now().UTC(), People: people}
		summary := fmt.Sprintf("Learned %q as %s after %s picked it", c.Question, intentID, peopleCount(people))
		if approved != nil {
			tp.By = approved.m.User
			summary = fmt.Sprintf("%s approved learning %q as %s (%s picked it)", approved.m.User.Label(), c.Question, intentID, peopleCount(people))
		}
		// The intent exists and the phrase has words (its key is not
		// empty), all Extend checks: no catalogue is compiled inside the
		// update.
		d.Phrases = append(d.Phrases, tp)
		reply = rich.Sprintf("Learned: questions like %q now go to %s (%s). It works from the next question on; %s undoes it.", c.Question, rich.Strong(in.Title), in.ID, rich.Command("unlearn <n>"))
		return []ownership.Change{{At: s.now().UTC(), Action: "learn", Field: intentID, New: c.Question, Summary: summary}}, nil
	}
	if approved != nil {
		var res CommandResult
		res, err = approved.change(ctx, func(_ *cmd, d *ownership.Directory, r *rich.Text, _ **ownership.Team, _ *[]rich.Text) ([]ownership.Change, error) {
			ch, err := fn(d)
			*r = reply
			return ch, err
		})
		reply, changed = res.Text, res.Changed
	} else {
		var ch []ownership.Change
		var d *ownership.Directory
		d, ch, err = s.store.Update(ctx, tenant, fn)
		changed = len(ch) > 0
		if changed {
			// Compile the tenant's catalogue now, off the question path,
			// so the next question on this replica is answered at once;
			// other replicas compile it on their next question.
			if _, err := s.catalogueFor(d); err != nil {
				s.log.Warn("learned phrase does not compile", "err", err, "tenant", tenant)
			}
		}
	}
	if err != nil {
		return nil, false, err
	}
	if err := s.store.DropCandidate(ctx, tenant, c.Key); err != nil {
		s.log.Warn("could not forget the picks of a learned question", "err", err, "tenant", tenant)
	}
	return reply, changed, nil
}

// learnItem is one line of "learned": a learned phrase or a question
// waiting for a lead's approval.
type learnItem struct {
	phrase  string
	intent  string
	key     string
	people  int
	at      time.Time
	learned bool
	cand    ownership.Candidate // waiting items only
}

// learnItems lists d's learned phrases, in the order they were learned,
// then the candidates enough people agree on that are not taught yet,
// in the order they got there: the numbering of "learned", "learned
// approve <n>" and "unlearn <n>".
func (s *Service) learnItems(d *ownership.Directory, cat *intent.Catalogue, cands []ownership.Candidate) []learnItem {
	var out []learnItem
	known := map[string]bool{}
	for _, p := range d.Phrases {
		known[intent.Normalize(p.Phrase)] = true
		if p.Learned() {
			out = append(out, learnItem{phrase: p.Phrase, intent: p.Intent, key: intent.Normalize(p.Phrase), people: p.People, at: p.At, learned: true})
		}
	}
	var waiting []learnItem
	for _, c := range cands {
		id, people, at := c.Leader(s.learning.After)
		if id == "" || known[c.Key] {
			continue
		}
		if _, ok := cat.Get(id); !ok {
			continue
		}
		waiting = append(waiting, learnItem{phrase: c.Question, intent: id, key: c.Key, people: people, at: at, cand: c})
	}
	sort.SliceStable(waiting, func(i, j int) bool {
		if !waiting[i].at.Equal(waiting[j].at) {
			return waiting[i].at.Before(waiting[j].at)
		}
		return waiting[i].key < waiting[j].key
	})
	return append(out, waiting...)
}

// peopleCount says "1 person", "3 people".
func peopleCount(n int) string {
	if n == 1 {
		return "1 person"
	}
	return strconv.Itoa(n) + " people"
}

// learnModeLine says how the loop is set, for the top of "learned".
func (s *Service) learnModeLine() rich.Text {
	switch s.learning.Mode {
	case LearnOff:
		return rich.Plain("Learning from people's choices is off (WHOOWNS_LEARN=off): no picks are recorded.")
	case LearnReview:
		return rich.Sprintf("When the same answer is picked by %s for a question I was unsure about, it waits here for a lead's approval.", s.differentPeople())
	}
	return rich.Sprintf("When the same answer is picked by %s for a question I was unsure about, I learn it by myself.", s.differentPeople())
}

// differentPeople says how many people must agree: "3 different people".
func (s *Service) differentPeople() string {
	if s.learning.After == 1 {
		return "one person"
	}
	return strconv.Itoa(s.learning.After) + " different people"
}

// learned runs "learned" and "learned approve <n>".
func (c *cmd) learned(ctx context.Context) (CommandResult, error) {
	if len(c.args) > 0 {
		if !strings.EqualFold(c.args[0].text, "approve") || c.args[0].quoted {
			return CommandResult{}, c.usage("%q is not something %s does.", c.args[0].text, rich.Command("learned"))
		}
		return c.approve(ctx)
	}
	items, cat, err := c.learnList(ctx)
	if err != nil {
		return CommandResult{}, err
	}
	if len(items) == 0 {
		return CommandResult{Text: rich.Lines(
			rich.Plain("Nothing learned yet, and no question is waiting for approval."),
			c.s.learnModeLine())}, nil
	}
	lines := []rich.Text{rich.Plain("What I learned from the answers people picked, and what waits for a lead (newest last):")}
	waiting := false
	for i, it := range items {
		title := it.intent
		if in, ok := cat.Get(it.intent); ok {
			title = in.Title
		}
		state := rich.Plain("learned")
		if !it.learned {
			state, waiting = rich.Plain("waiting for approval"), true
		}
		lines = append(lines, rich.Sprintf("%d. %q → %s · %s · %s · %s", i+1, it.phrase, rich.Strong(title), peopleCount(it.people), when(it.at), state))
	}
	lines = append(lines, c.s.learnModeLine())
	if waiting {
		lines = append(lines, rich.Sprintf("Approve a waiting one with %s; %s removes a learned one or drops a waiting one.", rich.Command("learned approve <n>"), rich.Command("unlearn <n>")))
	} else {
		lines = append(lines, rich.Sprintf("%s removes a learned one; questions like it are then answered as before.", rich.Command("unlearn <n>")))
	}
	return CommandResult{Text: rich.Lines(lines...)}, nil
}

// learnList reads the candidates and numbers everything "learned" shows.
func (c *cmd) learnList(ctx context.Context) ([]learnItem, *intent.Catalogue, error) {
	cat, err := c.s.catalogueFor(c.d)
	if err != nil {
		return nil, nil, err
	}
	cands, err := c.s.store.Candidates(ctx, c.m.Tenant)
	if err != nil {
		return nil, nil, err
	}
	return c.s.learnItems(c.d, cat, cands), cat, nil
}

// item resolves the number argument of "learned approve <n>" and
// "unlearn <n>" against the list "learned" shows.
func (c *cmd) item(ctx context.Context, arg token, what string) (learnItem, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(arg.text, "#"))
	if err != nil || n < 1 {
		return learnItem{}, c.usage("%q is not a number from the list; %s shows them.", arg.text, rich.Command("learned"))
	}
	items, _, err := c.learnList(ctx)
	if err != nil {
		return learnItem{}, err
	}
	if len(items) == 0 {
		return learnItem{}, ownership.Errorf(ownership.ErrNotFound, "There is nothing to %s: nothing is learned and no question is waiting for approval.", what)
	}
	if n > len(items) {
		return learnItem{}, ownership.Errorf(ownership.ErrNotFound, "There is no number %d: %s lists 1 to %d.", n, rich.Command("learned"), len(items))
	}
	return items[n-1], nil
}

// approve runs "learned approve <n>".
func (c *cmd) approve(ctx context.Context) (CommandResult, error) {
	c.verb = "learned"
	if len(c.args) != 2 {
		return CommandResult{}, c.usage("Say which number to approve, as %s lists them.", rich.Command("learned"))
	}
	it, err := c.item(ctx, c.args[1], "approve")
	if err != nil {
		return CommandResult{}, err
	}
	if it.learned {
		return CommandResult{}, ownership.Errorf(ownership.ErrInvalid, "Number %s, %q, is already learned; nothing changed.", c.args[1].text, it.phrase)
	}
	reply, changed, err := c.s.learn(ctx, c.m.Tenant, it.cand, it.intent, it.people, c)
	if err != nil {
		return CommandResult{}, err
	}
	return CommandResult{Text: reply, Changed: changed}, nil
}

// unlearn runs "unlearn <n>": a learned phrase is removed from the
// tenant's phrases (every replica stops answering from it with its next
// question) and its picks are forgotten; a waiting question is dropped.
// Both are audited.
func (c *cmd) unlearn(ctx context.Context) (CommandResult, error) {
	if len(c.args) != 1 {
		return CommandResult{}, c.usage("Say which number to remove, as %s lists them.", rich.Command("learned"))
	}
	it, err := c.item(ctx, c.args[0], "remove")
	if err != nil {
		return CommandResult{}, err
	}
	res, err := c.change(ctx, func(c *cmd, d *ownership.Directory, reply *rich.Text, _ **ownership.Team, _ *[]rich.Text) ([]ownership.Change, error) {
		if !it.learned {
			*reply = rich.Sprintf("Dropped %q: the picks for it are forgotten; it needs %s picking the same answer again to be learned.", it.phrase, c.s.differentPeople())
			return []ownership.Change{{Action: "learn.drop", Field: it.intent, Old: it.phrase,
				Summary: fmt.Sprintf("%s dropped %q, waiting to be learned as %s (%s picked it)", c.m.User.Label(), it.phrase, it.intent, peopleCount(it.people))}}, nil
		}
		for i, p := range d.Phrases {
			if p.Learned() && p.Phrase == it.phrase && p.Intent == it.intent {
				d.Phrases = append(d.Phrases[:i:i], d.Phrases[i+1:]...)
				*reply = rich.Sprintf("Unlearned %q: questions like it are answered as before from the next one on.", it.phrase)
				return []ownership.Change{{Action: "unlearn", Field: it.intent, Old: it.phrase,
					Summary: fmt.Sprintf("%s unlearned %q (was %s)", c.m.User.Label(), it.phrase, it.intent)}}, nil
			}
		}
		return nil, ownership.Errorf(ownership.ErrNotFound, "%q is no longer learned (someone removed it just now); nothing changed.", it.phrase)
	})
	if err != nil {
		return CommandResult{}, err
	}
	if err := c.s.store.DropCandidate(ctx, c.m.Tenant, it.key); err != nil {
		c.s.log.Warn("could not forget the picks of an unlearned question", "err", err, "tenant", c.m.Tenant)
	}
	return res, nil
}
