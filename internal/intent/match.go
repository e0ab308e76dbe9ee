package intent

import (
	"math"

	"github.com/whoowns/whoowns/internal/ownership"
)

// informativeShare: a word used by more than this share of the intents
// ("who", "own", "decide") is not product vocabulary and cannot carry a
// question alone, so "who is it?" is out of scope rather than a weak guess.
var informativeShare = 0.6

// spreadFactor: words whose idf adds up to this many times the informative
// level carry a question together even when none does alone.
var spreadFactor = 2.0

// noneRatio and noneBias: how clearly the out-of-scope examples must beat
// the best real intent (see outOfScope).
var (
	noneRatio = 1.5
	noneBias  = 0.15
)

// leadFloor and leadRatio: an intent that scores at least leadFloor and
// leadRatio times any other real intent is clearly ahead (see clearLead).
var (
	leadFloor = 0.25
	leadRatio = 2.0
)

// pointBackMax: an ask of at most this many words besides question words
// ("who do I talk to?", "who looks after this?") can point back at the
// story around it; a longer one ("who owns the build infrastructure for
// the monorepo?") is about what it names.
const pointBackMax = 2

// askNoneMargin: how far the out-of-scope evidence of a message's asking
// sentences must exceed what makes a question out of scope before they
// overrule the rest of the message (see askVerdict).
var askNoneMargin = 0.2

// highScore is the least Score answered without confirmation.
var highScore = 0.6

// Match classifies one question. It is deterministic and safe for concurrent
// use. An empty question (a bare mention) is a request for help.
func (c *Catalogue) Match(text string) Result {
	s := c.m.pool.Get().(*scratch)
	defer c.m.pool.Put(s)
	return c.match(s, text)
}

// match is Match on the caller's scratch, which keeps the scores (and
// s.trace, how the decision was taken) for inspection.
func (c *Catalogue) match(s *scratch, text string) Result {
	m := c.m
	s.trace = trace{}
	normalizeSentences(s, text)
	if len(s.norm) == 0 {
		if m.help >= 0 {
			return Result{Intent: c.intents[m.help].ID, Role: c.intents[m.help].Role, Score: 1, Confidence: ConfidenceHigh}
		}
		return c.noneResult(s, 1, false)
	}
	m.analyze(s, false)
	feats := m.features(s, false)

	// A question that names a topic ("is it the PO or the PM who writes the
	// business case?") asks which role owns that topic: the role words in it
	// are the choice the bot makes, not evidence for a role lookup.
	topic := false
	for _, f := range feats {
		if int(f) < len(m.stems) && m.idf[f] >= m.informative && m.topicWord[f] {
			topic = true
			break
		}
	}
	// Two views of the message: all of it (context sentences weighed down),
	// and the sentences that ask alone. They differ only when the message
	// has both (see normalizeSentences).
	var all, ask view
	split := false
	s.qw = s.qw[:0]
	for i, f := range feats {
		w := m.idf[f] * m.termWeight(s, f) * s.fw[i]
		if topic && m.roleFeat[f] {
			w *= float32(roleDamp)
		}
		s.qw = append(s.qw, w)
		all.add(m, f, w, s.fw[i])
		if s.fw[i] >= 1 {
			ask.add(m, f, w, 1)
		} else {
			split = true
		}
	}
	for _, t := range s.terms {
		// words the lexicon knows but no phrase uses count as unknown too
		if (t.id < 0 || m.idf[t.id] == 0) && !t.team {
			u := float32(unknownWeight) * t.ctx
			all.qn += u * u
			if t.ctx >= 1 {
				ask.qn += u * u
				ask.content++
			}
		}
	}
	all.done(m)
	ask.done(m)
	if all.qn == 0 {
		return c.noneResult(s, 1, false)
	}

	// Scores are linear in the question's weights: sum the asking
	// sentences' features first and score that view, then add the context.
	clear(s.phrase)
	clear(s.best)
	s.scan = false
	clear(s.cent)
	clear(s.zr)
	m.touch(s, feats)
	m.accumulate(s, feats, true)
	if split && ask.qn > 0 {
		m.mix(s, s.askScore, s.zAsk, 1/sqrt32(ask.qn))
	} else {
		split = false
	}
	if split {
		m.accumulate(s, feats, false)
	}
	m.mix(s, s.intent, s.z, 1/sqrt32(all.qn))
	taught := int32(-1)
	if e, ok := m.taught[m.exactKey(s)]; ok {
		s.intent[e] = 1
		taught = e
	}

	best := m.top(s.intent, m.none, -1, -1) // the best real intent
	if best < 0 {
		return c.noneResult(s, 1, true)
	}
	s.trace.informative = all.informative
	// The sentences that ask have the last word on scope when they name a
	// topic of their own: a story around the ask ("the wifi has been down
	// all morning", "we moved to kubernetes") neither takes a product
	// question out of scope nor brings an IT question into it. An ask
	// without a topic ("who do I escalate to?", "whose job is it?") leaves
	// it to the whole message.
	askSays := 0
	if split && ask.informative && taught < 0 {
		askSays = m.askVerdict(s.askScore, s.zAsk, ask.noneTopic)
		if askSays < 0 && !ask.noneTopic && ask.content <= pointBackMax && m.askVerdict(s.intent, s.z, false) > 0 {
			// the ask points back at the story ("who looks after
			// this?"), which is clearly about a product topic; an ask
			// that names a field the bot does not cover ("who owns the
			// build infrastructure?") stays out of scope
			askSays = 0
		}
		s.trace.ask = int8(askSays)
	}
	lead := m.clearLead(s.intent, best)
	s.trace.lead = lead
	conf := ConfidenceHigh
	switch {
	case taught >= 0 && taught != m.none:
		return c.answer(s, taught, ConfidenceHigh)
	case askSays < 0 || askSays == 0 && m.outOfScope(s.intent, s.z, best, taught):
		s.trace.path = pathOutOfScope
		// confidence that the question is out of scope
		oc := 1 - calibrate(s.intent[best])
		if m.none >= 0 {
			oc = max(calibrate(s.intent[m.none]), oc)
		}
		return c.noneResult(s, oc, true)
	case askSays > 0 && m.outOfScope(s.intent, s.z, best, taught):
		// the context alone pulled the message out of scope: answer what
		// the ask says, and confirm it
		s.trace.path = pathAskInScope
		copy(s.intent, s.askScore)
		return c.answer(s, m.top(s.intent, m.none, -1, -1), ConfidenceMedium)
	case !all.informative || s.intent[best] < float32(threshold):
		// only generic words ("who decides?") or a faint match: out of
		// scope, unless one intent is clearly ahead of all the others
		// (then the bot answers it and asks whether that was right)
		if !lead {
			s.trace.path = pathGeneric
			return c.noneResult(s, max(0.5, 1-calibrate(s.intent[best])), true)
		}
		s.trace.path = pathLead
		conf = ConfidenceMedium
	}
	return c.answer(s, best, conf)
}

// askVerdict is what the asking sentences of a message say about its
// scope on their own: -1 when the out-of-scope examples beat their best
// intent by a wide margin (askNoneMargin), or at all when the ask names a
// field the bot does not cover (noneTopic: "who owns the build
// infrastructure?"), 1 when they would be answered
// with high confidence on their own (not out of scope, a score of at least
// highScore, no near tie), 0 when they are not clear either way.
func (m *model) askVerdict(sc []float32, z []float64, noneTopic bool) int {
	best := m.top(sc, m.none, -1, -1)
	if best < 0 {
		return 0
	}
	evidence := float64(sc[m.none]) + probWeight*(z[m.none]-z[best])
	need := noneRatio*float64(sc[best]) + noneBias
	switch {
	case m.none < 0:
		return 0
	case evidence > need+askNoneMargin, noneTopic && evidence > need:
		return -1
	case evidence > need:
		return 0
	}
	r := m.top(sc, best, m.none, -1)
	if calibrate(sc[best]) >= highScore && (r < 0 || sc[best]-sc[r] >= float32(nearTieMargin)) {
		return 1
	}
	return 0
}

// clearLead reports whether intent best of scores sc is clearly ahead of
// every other real intent: at least leadFloor and leadRatio times the
// runner-up.
func (m *model) clearLead(sc []float32, best int32) bool {
	r := m.top(sc, best, m.none, -1)
	return sc[best] >= float32(leadFloor) && (r < 0 || sc[best] >= float32(leadRatio)*sc[r])
}

// answer is the Result for intent best, with the runners-up as
// alternatives; conf is the most confidence the decision allows.
func (c *Catalogue) answer(s *scratch, best int32, conf Confidence) Result {
	m := c.m
	a1 := m.top(s.intent, best, m.none, -1)
	a2 := m.top(s.intent, best, m.none, a1)
	a3 := int32(-1)
	if a2 >= 0 {
		a3 = m.top3(s.intent, best, a1, a2)
	}
	in := c.intents[best]
	r := Result{Intent: in.ID, Role: in.Role, Score: calibrate(s.intent[best])}
	if best == m.lookup {
		r.Role = m.askedRole(s)
	}
	r.Alternatives = c.candidates(s, a1, a2, a3)
	if a1 >= 0 && s.intent[best]-s.intent[a1] < float32(nearTieMargin) {
		r.NearTie = true
	}
	r.Confidence = conf
	if r.NearTie || r.Score < highScore {
		r.Confidence = ConfidenceMedium
	}
	return r
}

// view is what one reading of a message (all of it, or its asking
// sentences alone) has to say: the squared length of its weighted
// features, and whether its words name a topic.
type view struct {
	qn, spread  float32
	informative bool
	noneTopic   bool // a word only the out-of-scope examples use
	content     int  // words other than question words, unknown ones included
}

func (v *view) add(m *model, f int32, w, sent float32) {
	v.qn += w * w
	if int(f) < len(m.stems) && w > 0 {
		if m.noneWord[f] {
			v.noneTopic = true
		}
		if m.idf[f] >= m.informative {
			v.informative = true
		}
		if !m.function[f] {
			v.spread += m.idf[f] * sent
			v.content++
		}
	}
}

// done completes the view: several middling words make a topic too ("how
// a feature works").
func (v *view) done(m *model) {
	if v.spread >= float32(spreadFactor)*m.informative {
		v.informative = true
	}
}

// accumulate adds the unnormalised dot products of the question's features
// with every phrase, centroid and regression row: of the features of the
// asking sentences (ask) or of the others.
//
// It also keeps each intent's greatest phrase sum in s.best, so mix need
// not look through every phrase: when no weight is negative a sum only
// grows, and the greatest of all the sums an intent's phrases went
// through is the greatest of their sums at the end. A negative weight
// (which the catalogue does not produce) sets s.scan instead.
func (m *model) accumulate(s *scratch, feats []int32, ask bool) {
	k := m.nIntents
	phrase := s.phrase
	for i, f := range feats {
		if (s.fw[i] >= 1) != ask {
			continue
		}
		w := s.qw[i]
		if !(w >= 0) || !m.nonNeg {
			s.scan = true
		}
		at, next := m.feat[f], m.feat[f+1]
		start := at.post
		for _, sg := range m.segs[at.seg:next.seg] {
			s.best[sg.intent] = addPostings(phrase, m.posts[start:sg.end], w, s.best[sg.intent])
			start = sg.end
		}
		for _, p := range m.cents[at.cent:next.cent] {
			s.cent[p.doc] += w * p.w
		}
		wd := float64(w)
		row := m.w[int(f)*k : int(f)*k+k]
		for j, v := range row {
			s.zr[j] += wd * float64(v)
		}
	}
}

// touch reads the first bytes of every table accumulate reads for feats,
// so that the memory of all of them is on its way to the cache at once
// (each feature's postings and regression row lie anywhere in tables of
// megabytes, and accumulate would otherwise wait for each in turn). It
// changes nothing.
func (m *model) touch(s *scratch, feats []int32) {
	k := m.nIntents
	var sink uint32
	for _, f := range feats {
		at := m.feat[f]
		if int(at.seg) < len(m.segs) {
			sink += uint32(m.segs[at.seg].end)
		}
		if int(at.post) < len(m.posts) {
			sink += uint32(m.posts[at.post].doc)
		}
		if int(at.cent) < len(m.cents) {
			sink += uint32(m.cents[at.cent].doc)
		}
		if k > 0 {
			row := m.w[int(f)*k : int(f)*k+k]
			sink += math.Float32bits(row[0]) ^ math.Float32bits(row[k/2]) ^ math.Float32bits(row[k-1])
		}
	}
	s.sink = sink
}

// addPostings adds w times each posting's weight to its phrase's sum and
// returns the greatest of best and the new sums' bits (see bestSum).
func addPostings(phrase []float32, post []posting, w float32, best int32) int32 {
	for _, p := range post {
		v := phrase[p.doc] + w*p.w
		phrase[p.doc] = v
		best = max(best, int32(math.Float32bits(v)))
	}
	return best
}

// mix turns the accumulated sums, scaled by inv (one over the question's
// length), into each intent's score in out and its regression probability
// in z.
func (m *model) mix(s *scratch, out []float32, z []float64, inv float32) {
	for i := 0; i < m.nIntents; i++ {
		z[i] = float64(m.bias[i]) + s.zr[i]*float64(inv)
	}
	softmax(z)
	for i := 0; i < m.nIntents; i++ {
		// the intent's nearest phrase
		best := math.Float32frombits(uint32(s.best[i]))
		if s.scan {
			best = bestSum(s.phrase[m.firstOf[i]:m.firstOf[i+1]])
		}
		best *= inv
		out[i] = float32(maxWeight)*best + float32(1-maxWeight)*s.cent[i]*inv
		if int32(i) == m.none {
			// "none" is a grab bag of unrelated topics: its centroid means
			// nothing, only its nearest example does.
			out[i] = best * float32(noneScale)
		}
		out[i] = float32(1-probWeight)*out[i] + float32(probWeight*z[i])
	}
}

// bestSum is the greatest of sums greater than 0, or 0: what
//
//	for _, v := range sums { if v > best { best = v } }
//
// finds from best = 0, without its branches (the float max() would cost
// more still, for its NaN and ±0 rules). It compares the sums' bits as
// signed integers, which order like the floats themselves from +0 up, and
// put every negative float (-0 included) below +0's zero bits. The sums
// are finite, never NaN.
func bestSum(sums []float32) float32 {
	var b0, b1, b2, b3 int32
	i := 0
	for ; i+4 <= len(sums); i += 4 {
		b0 = max(b0, int32(math.Float32bits(sums[i])))
		b1 = max(b1, int32(math.Float32bits(sums[i+1])))
		b2 = max(b2, int32(math.Float32bits(sums[i+2])))
		b3 = max(b3, int32(math.Float32bits(sums[i+3])))
	}
	for ; i < len(sums); i++ {
		b0 = max(b0, int32(math.Float32bits(sums[i])))
	}
	return math.Float32frombits(uint32(max(b0, b1, b2, b3)))
}

// outOfScope decides between the best real intent and "none". The
// out-of-scope examples are a grab bag, so a question is out of scope only
// when they clearly beat the best real intent: the nearest example's score,
// plus how much more likely the regression finds "none" than that intent,
// must exceed noneRatio times the intent's score plus noneBias. A long
// message whose context shares a word with an example ("the payroll
// build", "what time is it") keeps its topic; a question about a field the
// bot does not cover ("who manages the AWS accounts") has no topic score to
// speak of and goes to none.
func (m *model) outOfScope(sc []float32, z []float64, best, taught int32) bool {
	switch {
	case m.none < 0 || taught == best:
		return false
	case taught == m.none:
		return true
	}
	evidence := float64(sc[m.none]) + probWeight*(z[m.none]-z[best])
	return evidence > noneRatio*float64(sc[best])+noneBias
}

// noneResult answers "I don't know", offering the three closest real intents
// when scores were computed.
func (c *Catalogue) noneResult(s *scratch, conf float64, scored bool) Result {
	r := Result{Intent: NoneID, Role: ownership.None, Score: conf, Confidence: ConfidenceLow}
	if scored {
		m := c.m
		a1 := m.top(s.intent, m.none, -1, -1)
		a2 := m.top(s.intent, m.none, a1, -1)
		a3 := int32(-1)
		if a2 >= 0 {
			a3 = m.top3(s.intent, m.none, a1, a2)
		}
		r.Alternatives = c.candidates(s, a1, a2, a3)
	}
	return r
}

func (c *Catalogue) candidates(s *scratch, ids ...int32) []Candidate {
	n := 0
	for _, id := range ids {
		if id >= 0 && s.intent[id] > 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Candidate, 0, n)
	for _, id := range ids {
		if id >= 0 && s.intent[id] > 0 {
			out = append(out, Candidate{Intent: c.intents[id].ID, Score: calibrate(s.intent[id])})
		}
	}
	return out
}

// top returns the best-scoring intent other than the excluded ones; ties go
// to catalogue order, which keeps results deterministic.
func (m *model) top(sc []float32, x1, x2, x3 int32) int32 {
	best := int32(-1)
	for i := int32(0); i < int32(m.nIntents); i++ {
		if i == x1 || i == x2 || i == x3 {
			continue
		}
		if best < 0 || sc[i] > sc[best] {
			best = i
		}
	}
	return best
}

// top3 is top excluding none as well as three others.
func (m *model) top3(sc []float32, x1, x2, x3 int32) int32 {
	best := int32(-1)
	for i := int32(0); i < int32(m.nIntents); i++ {
		if i == x1 || i == x2 || i == x3 || i == m.none {
			continue
		}
		if best < 0 || sc[i] > sc[best] {
			best = i
		}
	}
	return best
}

// askedRole reads which role a role_lookup question asks for: the first of
// PM or PO it mentions, the product manager when it names neither.
func (m *model) askedRole(s *scratch) ownership.Role {
	for _, t := range s.terms {
		switch {
		case t.id >= 0 && t.id == m.poID:
			return ownership.ProductOwner
		case t.id >= 0 && t.id == m.pmID:
			return ownership.ProductManager
		}
	}
	return ownership.ProductManager
}

// termWeight is the typo discount of feature f in the current question.
func (m *model) termWeight(s *scratch, f int32) float32 {
	if int(f) >= len(m.stems) {
		return 1 // pairs only form between matched words; keep them whole
	}
	w := float32(0)
	for _, t := range s.terms {
		if t.id == f {
			w = max(w, t.weight)
		}
	}
	return w
}

// calibrate maps a raw score onto a confidence in [0,1] where 0.5 is exactly
// the threshold: callers can read Score ≥ 0.5 as "the matcher claims this
// intent" without knowing the matcher's internal scale. Above the threshold
// the curve is concave, since raw scores of good matches spread widely
// (0.3 to 1) while all of them deserve fair confidence.
func calibrate(raw float32) float64 {
	v, t := float64(raw), threshold
	switch {
	case v <= 0:
		return 0
	case v >= 1:
		return 1
	case v < t:
		return 0.5 * v / t
	}
	d := (1 - v) / (1 - t)
	return 1 - 0.5*d*d
}

// trace records how match decided, for the explain tool (TestExplain).
type trace struct {
	path        decisionPath
	ask         int8 // askVerdict of the asking sentences, 0 when not consulted
	lead        bool // the best intent is clearly ahead (clearLead)
	informative bool // the message names a topic
}

type decisionPath uint8

const (
	pathAnswer     decisionPath = iota // answered
	pathGeneric                        // none: generic words only or a faint match
	pathOutOfScope                     // none: the out-of-scope examples (or the ask) say so
	pathAskInScope                     // the ask alone overruled its context
	pathLead                           // generic or faint, but one intent clearly ahead
)

func (p decisionPath) String() string {
	return [...]string{"answer", "generic", "out-of-scope", "ask-in-scope", "clear-lead"}[p]
}
