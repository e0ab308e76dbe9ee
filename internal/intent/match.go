package intent

import "github.com/whoowns/whoowns/internal/ownership"

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

// highScore is the least Score answered without confirmation.
var highScore = 0.6

// Match classifies one question. It is deterministic and safe for concurrent
// use. An empty question (a bare mention) is a request for help.
func (c *Catalogue) Match(text string) Result {
	m := c.m
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	normalizeSentences(s, text)
	if len(s.norm) == 0 {
		if m.help >= 0 {
			return Result{Intent: c.intents[m.help].ID, Role: c.intents[m.help].Role, Score: 1, Confidence: ConfidenceHigh}
		}
		return c.noneResult(s, 1, false)
	}
	m.analyze(s, false)
	feats := m.features(s, false)

	// query weights and length; unknown words lengthen the question
	var qn float32
	informative := false
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
	var spread float32
	s.qw = s.qw[:0]
	for i, f := range feats {
		w := m.idf[f] * m.termWeight(s, f) * s.fw[i]
		if topic && m.roleFeat[f] {
			w *= float32(roleDamp)
		}
		s.qw = append(s.qw, w)
		qn += w * w
		if int(f) < len(m.stems) {
			if m.idf[f] >= m.informative {
				informative = true
			}
			if !m.function[f] {
				spread += m.idf[f]
			}
		}
	}
	// several middling words make a topic too ("how a feature works")
	if spread >= float32(spreadFactor)*m.informative {
		informative = true
	}
	for _, t := range s.terms {
		// words the lexicon knows but no phrase uses count as unknown too
		if (t.id < 0 || m.idf[t.id] == 0) && !t.team {
			u := float32(unknownWeight) * t.ctx
			qn += u * u
		}
	}
	if qn == 0 {
		return c.noneResult(s, 1, false)
	}
	inv := 1 / sqrt32(qn)

	clear(s.phrase)
	clear(s.cent)
	for i, f := range feats {
		w := s.qw[i] * inv
		for _, p := range m.phrasePost[f] {
			s.phrase[p.doc] += w * p.w
		}
		for _, p := range m.intentPost[f] {
			s.cent[p.doc] += w * p.w
		}
	}
	// regression probabilities
	k := m.nIntents
	for i := 0; i < k; i++ {
		s.z[i] = float64(m.bias[i])
	}
	for i, f := range feats {
		w := float64(s.qw[i] * inv)
		row := m.w[int(f)*k : int(f)*k+k]
		for j, v := range row {
			s.z[j] += w * float64(v)
		}
	}
	softmax(s.z)
	for i := 0; i < m.nIntents; i++ {
		var best float32
		for _, v := range s.phrase[m.firstOf[i]:m.firstOf[i+1]] {
			best = max(best, v)
		}
		s.intent[i] = float32(maxWeight)*best + float32(1-maxWeight)*s.cent[i]
		if int32(i) == m.none {
			// "none" is a grab bag of unrelated topics: its centroid means
			// nothing, only its nearest example does.
			s.intent[i] = best * float32(noneScale)
		}
		s.intent[i] = float32(1-probWeight)*s.intent[i] + float32(probWeight*s.z[i])
	}
	taught := int32(-1)
	if e, ok := m.taught[m.exactKey(s)]; ok {
		s.intent[e] = 1
		taught = e
	}

	best := m.top(s, m.none, -1, -1) // the best real intent
	if !informative {
		// only generic words ("who decides?"): out of scope, but the
		// closest intents are still worth offering
		conf := 1.0
		if best >= 0 {
			conf = max(0.5, 1-calibrate(s.intent[best]))
		}
		return c.noneResult(s, conf, true)
	}
	if best < 0 || s.intent[best] < float32(threshold) || m.outOfScope(s, best, taught) {
		// confidence that the question is out of scope
		conf := 0.0
		if best >= 0 {
			conf = 1 - calibrate(s.intent[best])
			if m.none >= 0 {
				conf = max(calibrate(s.intent[m.none]), conf)
			}
		}
		return c.noneResult(s, conf, true)
	}
	a1 := m.top(s, best, m.none, -1)
	a2 := m.top(s, best, m.none, a1)
	a3 := int32(-1)
	if a2 >= 0 {
		a3 = m.top3(s, best, a1, a2)
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
	r.Confidence = ConfidenceHigh
	if r.NearTie || r.Score < highScore {
		r.Confidence = ConfidenceMedium
	}
	return r
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
func (m *model) outOfScope(s *scratch, best, taught int32) bool {
	switch {
	case m.none < 0 || taught == best:
		return false
	case taught == m.none:
		return true
	}
	evidence := float64(s.intent[m.none]) + probWeight*(s.z[m.none]-s.z[best])
	return evidence > noneRatio*float64(s.intent[best])+noneBias
}

// noneResult answers "I don't know", offering the three closest real intents
// when scores were computed.
func (c *Catalogue) noneResult(s *scratch, conf float64, scored bool) Result {
	r := Result{Intent: NoneID, Role: ownership.None, Score: conf, Confidence: ConfidenceLow}
	if scored {
		m := c.m
		a1 := m.top(s, m.none, -1, -1)
		a2 := m.top(s, m.none, a1, -1)
		a3 := int32(-1)
		if a2 >= 0 {
			a3 = m.top3(s, m.none, a1, a2)
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
func (m *model) top(s *scratch, x1, x2, x3 int32) int32 {
	best := int32(-1)
	for i := int32(0); i < int32(m.nIntents); i++ {
		if i == x1 || i == x2 || i == x3 {
			continue
		}
		if best < 0 || s.intent[i] > s.intent[best] {
			best = i
		}
	}
	return best
}

// top3 is top excluding none as well as three others.
func (m *model) top3(s *scratch, x1, x2, x3 int32) int32 {
	best := int32(-1)
	for i := int32(0); i < int32(m.nIntents); i++ {
		if i == x1 || i == x2 || i == x3 || i == m.none {
			continue
		}
		if best < 0 || s.intent[i] > s.intent[best] {
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
