package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/stats"
)

// Service answers questions and runs commands for every tenant. It holds no
// per-tenant state of its own beyond caches, so replicas can share one Store.
type Service struct {
	store     ownership.Store
	catalogue *intent.Catalogue
	admins    map[string]bool
	now       func() time.Time
	log       *slog.Logger
	limits    Limits
	limiter   limiter
	observer  Observer
	learning  Learning
	// stats counts questions, picks and feedback per tenant and day, in
	// memory; nil counts nothing.
	stats *stats.Counter
	// reviewAfter is WHOOWNS_REVIEW_AFTER; zero: no reviews.
	reviewAfter time.Duration
	// handoverDirect applies handovers without a lead's approval
	// (WHOOWNS_HANDOVER=direct).
	handoverDirect bool
	// digest is WHOOWNS_DIGEST: when the leads' digest goes out.
	digest DigestSchedule

	mu       sync.Mutex
	extended map[ownership.TenantID]extendedCatalogue
	// teamNames holds the team index (see teamIndex) last read for each
	// tenant: ownership.TenantID → *teamIndex.
	teamNames sync.Map
}

type extendedCatalogue struct {
	key string
	cat *intent.Catalogue
}

// Limits caps how often one person may ask or command, per replica. Zero
// disables a limit.
type Limits struct {
	Questions int
	Commands  int
	Window    time.Duration
}

// Observer is told about answers and feedback, for metrics. All methods must
// be safe for concurrent use.
type Observer interface {
	Answered(platform string, a Answer, elapsed time.Duration)
	Feedback(platform, intent string, helpful bool)
}

type nopObserver struct{}

func (nopObserver) Answered(string, Answer, time.Duration) {}
func (nopObserver) Feedback(string, string, bool)          {}

// Option configures a Service.
type Option func(*Service)

// WithAdmins makes the given user ids leads in every tenant.
func WithAdmins(ids ...string) Option {
	return func(s *Service) {
		for _, id := range ids {
			if id = strings.TrimSpace(id); id != "" {
				s.admins[id] = true
			}
		}
	}
}

// WithClock replaces the clock, for tests.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithLimits sets per-user rate limits.
func WithLimits(l Limits) Option { return func(s *Service) { s.limits = l } }

// WithObserver reports answers and feedback to o.
func WithObserver(o Observer) Option { return func(s *Service) { s.observer = o } }

// WithStats counts questions, picks and feedback into c, which the
// replica flushes to the store; the stats command reads them back.
func WithStats(c *stats.Counter) Option { return func(s *Service) { s.stats = c } }

// New returns a Service over store using the catalogue.
func New(store ownership.Store, catalogue *intent.Catalogue, opts ...Option) *Service {
	s := &Service{
		store:     store,
		catalogue: catalogue,
		admins:    map[string]bool{},
		now:       time.Now,
		log:       slog.Default(),
		observer:  nopObserver{},
		extended:  map[ownership.TenantID]extendedCatalogue{},
		learning:  Learning{Mode: LearnOn, After: DefaultLearnAfter},
	}
	for _, o := range opts {
		o(s)
	}
	s.store = planningStore{Store: store, s: s}
	return s
}

// Store returns the store the service uses.
func (s *Service) Store() ownership.Store { return s.store }

// Catalogue returns the built-in catalogue.
func (s *Service) Catalogue() *intent.Catalogue { return s.catalogue }

// catalogueFor returns the catalogue extended with the tenant's custom intents
// and taught phrases, rebuilt only when those change.
func (s *Service) catalogueFor(d *ownership.Directory) (*intent.Catalogue, error) {
	if len(d.Intents) == 0 && len(d.Phrases) == 0 {
		return s.catalogue, nil
	}
	key := extensionKey(d)
	s.mu.Lock()
	e, ok := s.extended[d.Tenant]
	s.mu.Unlock()
	if ok && e.key == key {
		return e.cat, nil
	}
	cat, err := s.catalogue.Extend(d.Intents, d.Phrases)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.extended[d.Tenant] = extendedCatalogue{key: key, cat: cat}
	s.mu.Unlock()
	return cat, nil
}

// extensionKey is a hash of everything the tenant added to the catalogue:
// every custom intent (id, role, why, phrases) and taught phrase. An edit to
// any of it, on any replica (an import, a teach), changes the key, so every
// replica serves the edit from its next question.
func extensionKey(d *ownership.Directory) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(strconv.Itoa(len(d.Intents)))
	for _, i := range d.Intents {
		field(i.ID)
		field(string(i.Role))
		field(i.Why)
		field(strconv.Itoa(len(i.Phrases)))
		for _, p := range i.Phrases {
			field(p)
		}
	}
	field(strconv.Itoa(len(d.Phrases)))
	for _, p := range d.Phrases {
		field(p.Intent)
		field(p.Phrase)
	}
	return string(h.Sum(nil))
}

func (s *Service) isLead(d *ownership.Directory, m Message) bool {
	return s.admins[m.User.ID] || m.PlatformAdmin || d.IsLead(m.User.ID)
}

func (s *Service) allow(kind string, limit int, m Message) error {
	if limit <= 0 || s.limits.Window <= 0 {
		return nil
	}
	key := kind + "\x00" + m.Platform + "\x00" + string(m.Tenant) + "\x00" + m.User.ID
	if !s.limiter.allow(key, limit, s.limits.Window, s.now()) {
		return ownership.Errorf(ownership.ErrRateLimited, "You're asking faster than I can keep up. Please wait a moment and try again.")
	}
	return nil
}

// Ask answers a question.
func (s *Service) Ask(ctx context.Context, m Message) (Answer, error) {
	start := s.now()
	if err := s.allow("q", s.limits.Questions, m); err != nil {
		return Answer{}, err
	}
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return Answer{}, err
	}
	return s.ask(ctx, d, m, start)
}

// AskOnce answers a question unless another delivery of it came first: it
// claims keys, the delivery's ids (see ownership.Store.ClaimAll), and reads
// the directory in one store round trip. For a repeat first is false, with
// no answer and no error; after an error the claim is unknown. Only a first
// delivery counts against the asker's rate limit.
func (s *Service) AskOnce(ctx context.Context, m Message, ttl time.Duration, keys ...string) (a Answer, first bool, err error) {
	start := s.now()
	d, first, err := s.store.ClaimDirectory(ctx, m.Tenant, ttl, keys...)
	if err != nil || !first {
		return Answer{}, first, err
	}
	if err := s.allow("q", s.limits.Questions, m); err != nil {
		return Answer{}, true, err
	}
	a, err = s.ask(ctx, d, m, start)
	return a, true, err
}

// ask answers m from the directory d.
func (s *Service) ask(ctx context.Context, d *ownership.Directory, m Message, start time.Time) (Answer, error) {
	cat, err := s.catalogueFor(d)
	if err != nil {
		return Answer{}, err
	}
	if strings.TrimSpace(m.Text) == "" {
		a := bareAnswer(cat, m)
		a.AsOf = d.AsOf
		a.Lead = s.isLead(d, m)
		s.observer.Answered(m.Platform, a, s.now().Sub(start))
		return a, nil
	}
	r := cat.Match(withoutChannelLinks(m.Text))
	if role, ok := customRoleInText(d, m.Text); ok && r.Role != ownership.Info {
		// The matcher knows the built-in roles; a tenant's own roles ("who is
		// the designer for checkout?") are looked up by name here.
		r = intent.Result{Intent: "role_lookup", Role: role, Score: 1}
	}
	a := s.answer(ctx, d, cat, m, r)
	a.AsOf = d.AsOf
	a.Lead = s.isLead(d, m)
	if r.Confidence == intent.ConfidenceMedium {
		switch a.Kind {
		case KindPerson, KindBoth, KindKnowledge:
			// Two-stage fallback: answer, and ask whether the reading was right.
			a.Confirm = true
		}
	}
	s.observer.Answered(m.Platform, a, s.now().Sub(start))
	s.count(m, a)
	return a, nil
}

// count adds a question and its answer to the tenant's statistics, in
// memory: no store round trip. Questions from nobody in particular (the
// command line) are not counted.
func (s *Service) count(m Message, a Answer) {
	if s.stats == nil || m.User.ID == "" {
		return
	}
	o := stats.Asked
	switch a.Kind {
	case KindPerson, KindBoth, KindKnowledge:
		o = stats.Answered
	case KindUnknown:
		o = stats.Unknown
	}
	team := ""
	if a.Team != nil {
		team = a.Team.ID
	}
	s.stats.Question(m.Tenant, o, a.Confirm, team)
}

// AnswerFor answers m as the given intent, skipping the matcher: the user
// chose it from "did you mean" or the closest intents. teamID may be empty.
func (s *Service) AnswerFor(ctx context.Context, m Message, intentID, teamID string) (Answer, error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return Answer{}, err
	}
	cat, err := s.catalogueFor(d)
	if err != nil {
		return Answer{}, err
	}
	return s.answerFor(ctx, d, cat, m, intentID, teamID)
}

// answerFor is AnswerFor on the directory d and its catalogue.
func (s *Service) answerFor(ctx context.Context, d *ownership.Directory, cat *intent.Catalogue, m Message, intentID, teamID string) (Answer, error) {
	in, ok := cat.Get(intentID)
	if !ok {
		return Answer{}, ownership.Errorf(ownership.ErrNotFound, "I don't know the intent %q any more; please ask your question again.", intentID)
	}
	r := intent.Result{Intent: in.ID, Role: in.Role, Score: 1}
	if in.Role == intent.RoleLookup {
		r.Role = cat.Match(m.Text).Role
		if r.Role != ownership.ProductManager && r.Role != ownership.ProductOwner {
			r.Role = ownership.ProductOwner
		}
	}
	// A team chosen earlier matters only for intents a person answers.
	if teamID != "" && r.Role != ownership.Info && r.Role != ownership.None {
		if t := d.Team(teamID); t != nil {
			a := s.answerForTeam(d, cat, m, r, t, "chosen")
			a.AsOf = d.AsOf
			a.Lead = s.isLead(d, m)
			return a, nil
		}
	}
	a := s.answer(ctx, d, cat, m, r)
	a.AsOf = d.AsOf
	a.Lead = s.isLead(d, m)
	return a, nil
}

// live refuses what only live data may serve (commands, the home view)
// when d is what the replica kept while the store is unreachable; only
// answers, which say how old their data is, are given from it. change
// says the refused command would change data.
func live(d *ownership.Directory, change bool) error {
	if d.AsOf.IsZero() {
		return nil
	}
	at := d.AsOf.UTC().Format("15:04")
	if change {
		return ownership.Errorf(ownership.ErrUnavailable,
			"Ownership data is briefly unavailable, so no change can be made right now; nothing was changed. Please try again shortly (questions are still answered from the data as of %s UTC).", at)
	}
	return ownership.Errorf(ownership.ErrUnavailable,
		"Live ownership data is briefly unavailable, so this has to wait. Please try again shortly; questions are still answered from the data as of %s UTC.", at)
}

// Intent returns an intent of the tenant's catalogue, for "More" buttons.
func (s *Service) Intent(ctx context.Context, tenant ownership.TenantID, id string) (intent.Intent, error) {
	d, err := s.store.Directory(ctx, tenant)
	if err != nil {
		return intent.Intent{}, err
	}
	cat, err := s.catalogueFor(d)
	if err != nil {
		return intent.Intent{}, err
	}
	in, ok := cat.Get(id)
	if !ok {
		return intent.Intent{}, ownership.Errorf(ownership.ErrNotFound, "There is no intent %q.", id)
	}
	return in, nil
}

// Feedback counts a 👍 or 👎 on an answer. The intent must be one of the
// tenant's catalogue: a forged id is refused (ErrInvalid) and creates no
// store field and no metric series.
func (s *Service) Feedback(ctx context.Context, m Message, intentID string, helpful bool) error {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return err
	}
	cat, err := s.catalogueFor(d)
	if err != nil {
		return err
	}
	if _, ok := cat.Get(intentID); !ok {
		return ownership.Errorf(ownership.ErrInvalid, "That answer is not one I can take feedback on; nothing was counted.")
	}
	s.observer.Feedback(m.Platform, intentID, helpful)
	s.stats.Feedback(m.Tenant, intentID, helpful)
	return s.store.AddFeedback(ctx, m.Tenant, intentID, helpful)
}

func (s *Service) answer(ctx context.Context, d *ownership.Directory, cat *intent.Catalogue, m Message, r intent.Result) Answer {
	in, _ := cat.Summary(r.Intent)
	a := Answer{Question: m.Text, Intent: r.Intent, Custom: in.Custom, Title: in.Title, Score: r.Score, Role: r.Role, Why: in.Why, More: in.More, NearTie: r.NearTie}
	if r.Role != ownership.None && r.Role != "" && r.Role != ownership.Info {
		// A team's answer; answerForTeam lists the alternatives.
		t, from, choices := s.findTeam(d, m)
		if t != nil {
			return s.answerForTeam(d, cat, m, r, t, from)
		}
		a.Alternatives = alternatives(cat, r)
		a.Kind = KindPickTeam
		a.Teams = choices
		return a
	}
	a.Alternatives = alternatives(cat, r)
	switch r.Role {
	case ownership.None, "":
		a.Kind = KindUnknown
		a.Role = ownership.None
		closest := make([]string, 0, len(a.Alternatives))
		for _, c := range a.Alternatives {
			closest = append(closest, c.Intent)
		}
		// Questions from nobody in particular (the command line) would only
		// clutter the leads' queue.
		if m.User.ID != "" {
			err := s.store.AddUnanswered(ctx, m.Tenant, ownership.Unanswered{
				At: s.now().UTC(), Asker: m.User, Channel: m.Channel.ID, Text: m.Text, Closest: closest, Platform: m.Platform,
			})
			if err != nil {
				s.log.Warn("could not queue unanswered question", "err", err, "id", m.ID)
			}
			a.Queued = err == nil
		}
		return a
	default: // ownership.Info
		a.Kind = KindKnowledge
		a.Knowledge = knowledge(r.Intent, in)
		return a
	}
}

// alternatives are r's other readings, with their titles; nil for none.
func alternatives(cat *intent.Catalogue, r intent.Result) []Choice {
	if len(r.Alternatives) == 0 {
		return nil
	}
	out := make([]Choice, 0, len(r.Alternatives))
	for _, c := range r.Alternatives {
		ci, _ := cat.Summary(c.Intent)
		out = append(out, Choice{Intent: c.Intent, Title: ci.Title, Score: c.Score})
	}
	return out
}

func (s *Service) answerForTeam(d *ownership.Directory, cat *intent.Catalogue, m Message, r intent.Result, t *ownership.Team, from string) Answer {
	in, _ := cat.Summary(r.Intent)
	a := Answer{Question: m.Text, Intent: r.Intent, Custom: in.Custom, Title: in.Title, Score: r.Score, Role: r.Role, Why: in.Why, More: in.More,
		NearTie: r.NearTie, Team: &TeamRef{ID: t.ID, Name: t.Name}, TeamFrom: from, Rule: RuleCatalogue, Alternatives: alternatives(cat, r)}
	now := s.now()
	pm := holder(d, t, ownership.ProductManager, now)
	po := holder(d, t, ownership.ProductOwner, now)
	a.SamePerson = !pm.Empty() && pm.Person.ID == po.Person.ID

	role := r.Role
	if over, ok := t.Routes[r.Intent]; ok && over != role {
		role = over
		a.Rule = RuleOverride
		// The catalogue's why argues for the default role; say what this
		// team decided instead.
		a.Why = fmt.Sprintf("%s routes %s to the %s (by default it belongs to the %s).", t.Name, strings.ToLower(in.Title), roleTitle(role), roleTitle(r.Role))
	}
	if r.Intent == "role_lookup" {
		switch role {
		case ownership.ProductManager:
			a.Why = pmInShort
		case ownership.ProductOwner:
			a.Why = poInShort
		}
	}
	a.Role = role
	if role == ownership.Both {
		a.Kind = KindBoth
		pm.Decides = "ranks initiatives and themes by business impact"
		po.Decides = "orders the backlog and sets what the team picks up next"
		s.markReview(&pm, t, now)
		s.markReview(&po, t, now)
		a.Both = []Holder{pm, po}
		if pm.Empty() || po.Empty() {
			// The lines above already say which role is empty.
			a.FillHint = fillHint(firstEmpty(pm, po), t, true)
		}
		return a
	}
	a.Kind = KindPerson
	h := holder(d, t, role, now)
	s.markReview(&h, t, now)
	a.Holder = &h
	// Copied, so that only the one shown goes to the heap.
	switch role {
	case ownership.ProductManager:
		cp := po
		a.Counterpart = &cp
	case ownership.ProductOwner:
		cp := pm
		a.Counterpart = &cp
	}
	if h.Vacated != nil {
		// Whom to ask meanwhile, and for leads only how to fill it.
		a.FillHint = rich.Sprintf("Meanwhile, ask %s.", meanwhile(d, t, role, s.leadsOf(d), now))
		if s.isLead(d, m) {
			a.FillHint = rich.Sprintf("%s A lead can fill it with %s.", a.FillHint, FillCommand(h.Role, t.Name))
		}
	} else if h.Empty() {
		// The headline already says the team has nobody in the role.
		a.FillHint = fillHint(h, t, false)
	}
	return a
}

func firstEmpty(hs ...Holder) Holder {
	for _, h := range hs {
		if h.Empty() {
			return h
		}
	}
	return Holder{}
}

func holder(d *ownership.Directory, t *ownership.Team, role ownership.Role, now time.Time) Holder {
	p, usual, cover := t.Holder(role, now)
	a := t.Roles[role]
	h := Holder{Role: role, RoleName: d.RoleName(role), Person: p, AssignedBy: a.AssignedBy, AssignedAt: a.AssignedAt}
	if p.IsZero() && a.Vacated != nil {
		v := *a.Vacated
		h.Vacated = &v
	}
	if cover != nil {
		h.Usual = usual
		h.CoverUntil = cover.Until
		h.AssignedBy = cover.By
		h.AssignedAt = cover.At
	} else if c, ok := t.Covers[role]; ok && !c.Person.IsZero() {
		ended := c // on the heap only when there is one
		h.EndedCover = &ended
	}
	return h
}

// fillHint tells a lead how to fill the empty role h on t. The answer's
// other lines say the role is empty, so the hint does not say it again;
// naming says which role to fill, where the answer names several.
func fillHint(h Holder, t *ownership.Team, naming bool) rich.Text {
	if naming {
		return rich.Sprintf("A lead can fill the %s role with %s.", h.RoleName, FillCommand(h.Role, t.Name))
	}
	return rich.Sprintf("A lead can fill it with %s.", FillCommand(h.Role, t.Name))
}

// FillCommand is the command a lead types to fill role on team
// ("set po @person Checkout"), for the renderer to prefix.
func FillCommand(role ownership.Role, team string) rich.Text {
	return rich.Command(fmt.Sprintf("set %s @person %s", shortRole(role), teamArg(team)))
}

func shortRole(r ownership.Role) string {
	switch r {
	case ownership.ProductManager:
		return "pm"
	case ownership.ProductOwner:
		return "po"
	}
	return string(r)
}

func teamArg(name string) string {
	if strings.ContainsAny(name, " \t") {
		return `"` + name + `"`
	}
	return name
}

// findTeam decides which team a question is about: a team named in the text,
// else the channel's team, else the asker's only team, else the tenant's only
// team. With none of those it returns the teams to choose from.
func (s *Service) findTeam(d *ownership.Directory, m Message) (*ownership.Team, string, []TeamRef) {
	if t := channelInText(d, m.Text); t != nil {
		return t, "text", nil
	}
	// A team named in the text, else one named with a typo or in part
	// ("paymnts", "the pay team"): a sure match is used, an uncertain one
	// is confirmed with the person, never replaced by the channel's team.
	x := s.teamIndex(d)
	if t, maybe := x.named(d, m.Text); t != nil {
		return t, "text", nil
	} else if len(maybe) > 0 {
		return nil, "", maybe
	}
	if t := d.ChannelTeam(m.Channel.ID); t != nil {
		return t, "channel", nil
	}
	mine := x.memberTeams(d, m.User.ID)
	if len(mine) == 1 {
		return mine[0], "member", nil
	}
	if len(d.Teams) == 1 {
		for _, t := range d.Teams {
			return t, "only", nil
		}
	}
	if len(mine) == 0 {
		return nil, "", x.refs() // every team, by name
	}
	refs := make([]TeamRef, 0, len(mine))
	for _, t := range mine {
		refs = append(refs, TeamRef{ID: t.ID, Name: t.Name})
	}
	return nil, "", refs
}

// channelLinks are chat channel references (Slack "<#C1|name>", and the same
// form the Teams transport produces). They say where, not what: the matcher
// never sees them, team resolution does.
var channelLinks = regexp.MustCompile(`<#[^>]*>`)

// withoutChannelLinks is text with each channel link a space. Most
// questions have none, and those are returned as they are, without a pass
// of the regexp and a copy.
func withoutChannelLinks(text string) string {
	if !strings.Contains(text, "<#") {
		return text
	}
	return channelLinks.ReplaceAllString(text, " ")
}

// channelInText finds the team of a channel linked in the question
// ("who owns the roadmap for <#C0PAY|payments>?"), whatever the channel is
// called.
func channelInText(d *ownership.Directory, text string) *ownership.Team {
	for rest := text; ; {
		i := strings.Index(rest, "<#")
		if i < 0 {
			return nil
		}
		rest = rest[i+2:]
		end := strings.IndexAny(rest, "|>")
		if end < 0 {
			return nil
		}
		if t := d.ChannelTeam(rest[:end]); t != nil {
			return t
		}
	}
}

// containsWords reports whether words occurs in text between spaces; text
// starts and ends with one.
func containsWords(text, words []byte) bool {
	for i := 0; ; {
		j := bytes.Index(text[i:], words)
		if j < 0 {
			return false
		}
		j += i
		if j > 0 && text[j-1] == ' ' && j+len(words) < len(text) && text[j+len(words)] == ' ' {
			return true
		}
		i = j + 1
	}
}

// teamSpanStart are the words after which a question names a team ("the
// roadmap for paymnts", "the PO of the pay team").
var teamSpanStart = map[string]bool{"for": true, "on": true, "in": true, "of": true, "at": true, "from": true, "with": true, "about": true, "does": true, "is": true}

// teamSpanEnd are the words a team name comes before ("the pay team").
var teamSpanEnd = map[string]bool{"team": true, "teams": true, "squad": true, "tribe": true, "crew": true, "pod": true}

// customRoleInText reports a tenant-defined role named in a question that
// asks for a person ("who is our designer", "ux for checkout?").
func customRoleInText(d *ownership.Directory, text string) (ownership.Role, bool) {
	if len(d.Roles) == 0 {
		return "", false
	}
	norm := " " + intent.Normalize(text) + " "
	for _, r := range d.Roles {
		for _, n := range append([]string{r.Name, strings.ReplaceAll(string(r.ID), "_", " ")}, r.Aliases...) {
			if nn := strings.TrimSpace(intent.Normalize(n)); nn != "" && strings.Contains(norm, " "+nn+" ") {
				return r.ID, true
			}
		}
	}
	return "", false
}

// isGenericWord keeps team names that are everyday words of ownership
// questions from hijacking them ("product", "team").
func isGenericWord(s string) bool {
	switch s {
	case "product", "team", "the", "our", "we", "us", "it", "pm", "po":
		return true
	}
	return false
}

// Teams lists the tenant's teams, for pickers.
func (s *Service) Teams(ctx context.Context, tenant ownership.TenantID) ([]TeamRef, error) {
	d, err := s.store.Directory(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]TeamRef, 0, len(d.Teams))
	for _, t := range d.SortedTeams() {
		out = append(out, TeamRef{ID: t.ID, Name: t.Name})
	}
	return out, nil
}

// Reasoning explains how an answer was reached, for the "Why?" button: the
// matched intent and its confidence, the rule that chose the role, and who
// assigned the person and when.
func (a Answer) Reasoning() []rich.Text {
	if a.Bare {
		// Nothing was typed, so nothing was read: no reading, no confidence.
		return []rich.Text{
			rich.Plain("You mentioned me without a question, so there was nothing to read; I showed how to ask instead."),
			rich.Textf("Mention me with your question, for example %s.", rich.Code("who owns the roadmap for checkout?")),
		}
	}
	var out []rich.Text
	if a.Intent != "" && a.Intent != "none" {
		out = append(out, rich.Textf("I read the question as %s (%s) with %.0f%% confidence.", rich.Strong(a.Title), rich.Code(a.Intent), a.Score*100))
	}
	if a.Team != nil {
		from := teamFromWhy[a.TeamFrom]
		if from == "" {
			from = "resolved from context"
		}
		out = append(out, rich.Textf("Team: %s (%s).", rich.Strong(a.Team.Name), from))
	}
	switch a.Rule {
	case RuleOverride:
		out = append(out, rich.Textf("%s overrides the default here: it routes %s to the %s.", a.Team.Name, rich.Code(a.Intent), roleTitle(a.Role)))
	case RuleCatalogue:
		out = append(out, rich.Textf("By default %s belongs to the %s.", rich.Code(a.Intent), roleTitle(a.Role)))
	}
	hs := a.Both
	if a.Holder != nil {
		hs = []Holder{*a.Holder}
	}
	for _, h := range hs {
		if c := h.EndedCover; c != nil {
			out = append(out, rich.Textf("%s's cover as %s ended on %s.", mention(c.Person), h.RoleName, when(c.Until)))
		}
		switch {
		case h.Vacated != nil:
			out = append(out, rich.Textf("The %s role is vacant since %s: %s held it until then (%s).", h.RoleName, when(h.Vacated.Since), h.Vacated.Person.Label(), h.Vacated.Reason))
		case h.Empty():
			out = append(out, rich.Textf("Nobody holds the %s role yet.", h.RoleName))
		case h.Covering():
			out = append(out, rich.Textf("%s covers as %s until %s, set by %s on %s.", mention(h.Person), h.RoleName, when(h.CoverUntil), by(h.AssignedBy), when(h.AssignedAt)))
		case !h.AssignedAt.IsZero() && h.ConfirmedAt.After(h.AssignedAt):
			out = append(out, rich.Textf("%s was made %s by %s on %s; last confirmed on %s.", mention(h.Person), h.RoleName, by(h.AssignedBy), when(h.AssignedAt), when(h.ConfirmedAt)))
		case !h.AssignedAt.IsZero():
			out = append(out, rich.Textf("%s was made %s by %s on %s; last confirmed then, when it was set.", mention(h.Person), h.RoleName, by(h.AssignedBy), when(h.AssignedAt)))
		case !h.ConfirmedAt.IsZero():
			out = append(out, rich.Textf("%s is %s (from the imported directory); last confirmed on %s.", mention(h.Person), h.RoleName, when(h.ConfirmedAt)))
		default:
			out = append(out, rich.Textf("%s is %s (from the imported directory, with no date it was set); never confirmed.", mention(h.Person), h.RoleName))
		}
	}
	return out
}

// AppendReasoning appends the plain text of Reasoning's lines (as
// rich.Text.AppendPlain renders them; they hold no command) with a newline
// between them: the "Why?" of a Slack answer, written without building
// the lines first. It says exactly what Reasoning says
// (TestAppendReasoning).
func (a Answer) AppendReasoning(b []byte) []byte {
	if a.Bare {
		b = append(b, "You mentioned me without a question, so there was nothing to read; I showed how to ask instead."...)
		return append(b, "\nMention me with your question, for example `who owns the roadmap for checkout?`."...)
	}
	start := len(b)
	if a.Intent != "" && a.Intent != "none" {
		b = append(b, "I read the question as "...)
		b = append(b, a.Title...)
		b = append(b, " (`"...)
		b = append(b, a.Intent...)
		b = append(b, "`) with "...)
		b = strconv.AppendFloat(b, a.Score*100, 'f', 0, 64)
		b = append(b, "% confidence."...)
	}
	if a.Team != nil {
		from := teamFromWhy[a.TeamFrom]
		if from == "" {
			from = "resolved from context"
		}
		b = append(newLine(b, start), "Team: "...)
		b = append(b, a.Team.Name...)
		b = append(b, " ("...)
		b = append(b, from...)
		b = append(b, ")."...)
	}
	switch a.Rule {
	case RuleOverride:
		b = append(newLine(b, start), a.Team.Name...)
		b = append(b, " overrides the default here: it routes `"...)
		b = append(b, a.Intent...)
		b = append(b, "` to the "...)
		b = append(b, roleTitle(a.Role)...)
		b = append(b, '.')
	case RuleCatalogue:
		b = append(newLine(b, start), "By default `"...)
		b = append(b, a.Intent...)
		b = append(b, "` belongs to the "...)
		b = append(b, roleTitle(a.Role)...)
		b = append(b, '.')
	}
	if a.Holder != nil {
		return appendHolderReasoning(b, start, a.Holder)
	}
	for i := range a.Both {
		b = appendHolderReasoning(b, start, &a.Both[i])
	}
	return b
}

// newLine appends a newline unless b is empty past start.
func newLine(b []byte, start int) []byte {
	if len(b) > start {
		return append(b, '\n')
	}
	return b
}

// appendHolderReasoning appends the plain text of Reasoning's lines about
// h: its ended cover, then who holds it and since when.
func appendHolderReasoning(b []byte, start int, h *Holder) []byte {
	if c := h.EndedCover; c != nil {
		b = appendMention(newLine(b, start), c.Person)
		b = append(b, "'s cover as "...)
		b = append(b, h.RoleName...)
		b = append(b, " ended on "...)
		b = append(appendWhen(b, c.Until), '.')
	}
	b = newLine(b, start)
	switch {
	case h.Vacated != nil:
		b = append(b, "The "...)
		b = append(b, h.RoleName...)
		b = append(b, " role is vacant since "...)
		b = append(appendWhen(b, h.Vacated.Since), ": "...)
		b = append(b, h.Vacated.Person.Label()...)
		b = append(b, " held it until then ("...)
		b = append(b, h.Vacated.Reason...)
		b = append(b, ")."...)
	case h.Empty():
		b = append(b, "Nobody holds the "...)
		b = append(b, h.RoleName...)
		b = append(b, " role yet."...)
	case h.Covering():
		b = appendMention(b, h.Person)
		b = append(b, " covers as "...)
		b = append(b, h.RoleName...)
		b = append(b, " until "...)
		b = append(appendWhen(b, h.CoverUntil), ", set by "...)
		b = append(appendBy(b, h.AssignedBy), " on "...)
		b = append(appendWhen(b, h.AssignedAt), '.')
	case !h.AssignedAt.IsZero() && h.ConfirmedAt.After(h.AssignedAt):
		b = appendMention(b, h.Person)
		b = append(b, " was made "...)
		b = append(b, h.RoleName...)
		b = append(b, " by "...)
		b = append(appendBy(b, h.AssignedBy), " on "...)
		b = append(appendWhen(b, h.AssignedAt), "; last confirmed on "...)
		b = append(appendWhen(b, h.ConfirmedAt), '.')
	case !h.AssignedAt.IsZero():
		b = appendMention(b, h.Person)
		b = append(b, " was made "...)
		b = append(b, h.RoleName...)
		b = append(b, " by "...)
		b = append(appendBy(b, h.AssignedBy), " on "...)
		b = append(appendWhen(b, h.AssignedAt), "; last confirmed then, when it was set."...)
	case !h.ConfirmedAt.IsZero():
		b = appendMention(b, h.Person)
		b = append(b, " is "...)
		b = append(b, h.RoleName...)
		b = append(b, " (from the imported directory); last confirmed on "...)
		b = append(appendWhen(b, h.ConfirmedAt), '.')
	default:
		b = appendMention(b, h.Person)
		b = append(b, " is "...)
		b = append(b, h.RoleName...)
		b = append(b, " (from the imported directory, with no date it was set); never confirmed."...)
	}
	return b
}

// appendMention, appendBy and appendWhen append the plain text of mention,
// by and when.
func appendMention(b []byte, p ownership.Person) []byte {
	return append(append(b, '@'), p.Label()...)
}

func appendBy(b []byte, p ownership.Person) []byte {
	if p.IsZero() {
		return append(b, "an import"...)
	}
	return appendMention(b, p)
}

func appendWhen(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "an unknown date"...)
	}
	return t.UTC().AppendFormat(b, "2 Jan 2006 15:04 UTC")
}

// bareAnswer answers a message with no question in it (a bare mention): it
// says so and shows how to ask.
func bareAnswer(cat *intent.Catalogue, m Message) Answer {
	in, _ := cat.Get("help")
	said := "You mentioned me without a question."
	if m.DM {
		said = "Your message had no question in it."
	}
	return Answer{Kind: KindKnowledge, Bare: true, Intent: "help", Title: in.Title, Role: ownership.Info,
		Knowledge: rich.Lines(rich.Plain(said), helpText())}
}

// teamFromWhy says, for the "Why?", how the team was found (Answer.TeamFrom).
var teamFromWhy = map[string]string{
	"text":    "named in the question",
	"channel": "the team this channel belongs to",
	"member":  "the team you belong to",
	"only":    "the only team here",
	"chosen":  "the team you chose",
}

func by(p ownership.Person) rich.Text {
	if p.IsZero() {
		return rich.Plain("an import")
	}
	return mention(p)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

func roleTitle(r ownership.Role) string {
	switch r {
	case ownership.Both:
		return "Product Manager and the Product Owner together"
	case ownership.Info, ownership.None:
		return "no one role"
	}
	var none *ownership.Directory // the built-in roles' names
	return none.RoleName(r)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
