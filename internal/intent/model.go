package intent

import (
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Tuning knobs. They were set on the development questions and checked on
// the held-out set (testdata/heldout.jsonl); see the eval tests. They are
// variables only so the tuning test can sweep them.
var (
	// bigramWeight scales word-pair features against single words: pairs
	// such as "sprint goal" or "market share" sharpen a match but must not
	// outvote the words themselves.
	bigramWeight = 0.6
	// maxWeight mixes the best single phrase with the intent's centroid: the
	// nearest phrase catches exact wordings (and taught phrases), the centroid
	// generalises over all of an intent's phrases.
	maxWeight = 0.55
	// unknownWeight is what a word the catalogue has never seen adds to the
	// question's length: a question mostly made of foreign words ("who owns
	// the terraform state bucket") must score low.
	unknownWeight = 1.6
	// correctedWeight discounts a word reached through typo correction.
	correctedWeight = 0.8
	// realWordWeight discounts a correction of a common English word
	// ("store" → "story"): the writer may well have meant the word itself.
	realWordWeight = 0.25
	// threshold is the score under which no intent is claimed.
	threshold = 0.08
	// noneScale weighs the nearest out-of-scope example against the real
	// intents' mixed scores.
	noneScale = 0.9
	// probWeight mixes the regression probability into each intent's score.
	probWeight = 0.5
	// nearTieMargin: best and runner-up closer than this are a near tie.
	nearTieMargin = 0.10
	// roleDamp scales the role words (PM, PO) of a question that also names
	// a product topic.
	roleDamp = 0.4
)

// lexicon holds the stemmed form of the lexicon, computed once.
type lexicon struct {
	abbrev   map[string][]string // word → expansion words
	fold     map[string]string   // stem → canonical stem
	stop     map[string]bool     // canonical stems
	concepts [][2][]string       // stemmed key words → canonical target stems
	teamNoun map[string]bool     // canonical stems
	function map[string]bool     // canonical stems
	teamPrep map[string]bool     // surface words
	words    []string            // every lexicon surface word, for the vocabulary
}

var (
	lexOnce sync.Once
	lex     *lexicon
)

func stemString(w string) string {
	b := stem([]byte(w))
	return string(b)
}

func getLexicon() *lexicon {
	lexOnce.Do(func() {
		l := &lexicon{function: map[string]bool{}, abbrev: map[string][]string{}, fold: map[string]string{}, stop: map[string]bool{}, teamNoun: map[string]bool{}, teamPrep: map[string]bool{}}
		for k, v := range abbreviations {
			l.abbrev[k] = strings.Fields(v)
			// the short form itself must be in the vocabulary, or a
			// question using it ("the reqs") would never reach the expansion
			l.words = append(l.words, k)
			l.words = append(l.words, strings.Fields(v)...)
		}
		for _, g := range synonyms {
			canon := stemString(g[0])
			for _, w := range g {
				s := stemString(w)
				if prev, ok := l.fold[s]; ok && prev != canon {
					panic("intent lexicon: " + w + " folds to both " + prev + " and " + canon)
				}
				if s != canon {
					l.fold[s] = canon
				}
				l.words = append(l.words, w)
			}
		}
		canon := func(w string) string {
			s := stemString(w)
			if c, ok := l.fold[s]; ok {
				return c
			}
			return s
		}
		for _, w := range stopWords {
			if canon(w) != stemString(w) {
				panic("intent lexicon: stop word " + w + " is in a synonym group")
			}
			l.stop[canon(w)] = true
			l.words = append(l.words, w)
		}
		for _, c := range concepts {
			var key, target []string
			for _, w := range strings.Fields(c[0]) {
				key = append(key, stemString(w))
				l.words = append(l.words, w)
			}
			for _, w := range strings.Fields(c[1]) {
				target = append(target, canon(w))
			}
			l.concepts = append(l.concepts, [2][]string{key, target})
		}
		for _, w := range teamNouns {
			l.teamNoun[canon(w)] = true
		}
		for _, w := range functionWords {
			l.function[canon(w)] = true
		}
		for _, w := range teamPrepositions {
			l.teamPrep[w] = true
		}
		sort.Strings(l.words)
		lex = l
	})
	return lex
}

// model is the compiled matcher of one catalogue. It is immutable after
// build, so any number of goroutines may score against it.
type model struct {
	// vocabulary: surface word → stem ids (after abbreviation expansion)
	surface  map[string]span
	expand   []int32 // backing store of the spans
	stemID   map[string]int32
	stems    []string
	fold     []int32         // stem id → canonical stem id
	stop     []bool          // canonical stem id → stop word
	teamNoun []bool          // canonical stem id → team noun
	function []bool          // canonical stem id → question word, kept out of pairs
	concepts map[uint64]span // packed stem ids → canonical targets (in expand)
	maxSpan  int
	// conceptLen: stem id → the most words, up to 4, of a concept whose
	// key starts with it, 0 when none does (see analyze); nil when ids do
	// not fit a key's 16 bits
	conceptLen []uint8
	typo       *typoIndex
	typoSpan   []span // typo word index → its surface span

	// features: ids < len(stems) are words; bigrams follow
	bigram map[uint64]int32
	idf    []float32
	// feat locates each feature's postings: its phrase postings are
	// posts[feat[f].post:feat[f+1].post] (in phrase order), cut by intent
	// into segs[feat[f].seg:feat[f+1].seg] (an intent's phrases are
	// consecutive), and its intent centroid postings are
	// cents[feat[f].cent:feat[f+1].cent]. One array each keeps a
	// feature's postings together and its offsets in one place.
	feat  []featPostings
	posts []posting
	segs  []segment
	cents []posting
	// nonNeg: every phrase posting weighs at least 0, so adding a
	// question's features (weights at least 0 too) never lowers a phrase's
	// sum (see accumulate)
	nonNeg      bool
	phraseOf    []int32          // phrase → intent index
	firstOf     []int32          // intent → first phrase index (phrases are grouped)
	taught      map[uint64]int32 // canonical form of a taught or custom phrase → intent
	informative float32          // least idf of a word that is product vocabulary
	nIntents    int
	nPhrases    int
	none        int32 // index of the "none" intent, -1 if absent
	help        int32
	lookup      int32
	pmID, poID  int32          // canonical ids of the two roles, for role_lookup
	hello       int32          // canonical id of the greeting words, -1 if absent
	who, is     int32          // canonical ids of "who" and "is", -1 if absent
	name        int32          // canonical id of "name", -1 if absent
	holderNoun  map[int32]bool // canonical ids of teamNouns and holderNouns
	chatWord    []bool         // word id → a help word that no product intent uses ("good")
	roleFeat    []bool         // feature id → a role word (PM, PO) or a pair with one
	topicWord   []bool         // word id → product vocabulary of a topic intent, never a team name of a lookup
	noneWord    []bool         // word id → used by the out-of-scope examples alone ("monorepo", "payslip")
	w           []float32      // regression weights, feature-major
	bias        []float32
	trainKey    uint64 // what the weights were fitted on (see fit)
	pretrained  bool   // the weights came from weights.bin

	pool sync.Pool
}

type span struct {
	off, n int32
	// prep: the surface word whose span this is is a team preposition
	// (teamPrep), read with the span in one look-up
	prep bool
}

// segment is a run of a phrase posting list whose phrases belong to one
// intent; end is where it stops in posts.
type segment struct{ intent, end int32 }

// featPostings is where a feature's postings start (see model.feat).
type featPostings struct{ post, seg, cent int32 }

type posting struct {
	doc int32
	w   float32
}

// term is one analysed word of a text.
type term struct {
	id     int32   // canonical stem id, -1 if unknown
	weight float32 // 1, or less for typo corrections
	ctx    float32 // weight of the word's sentence: 1 in the ask, less in context
	team   bool    // unknown word that looks like a team name
	prep   bool    // a preposition that can introduce a team ("for", "on")
	// afterPrep: a team preposition, dropped as a stop word, came right
	// before this term
	afterPrep bool
}

func (m *model) addStem(s string) int32 {
	if id, ok := m.stemID[s]; ok {
		return id
	}
	id := int32(len(m.stems))
	m.stemID[s] = id
	m.stems = append(m.stems, s)
	return id
}

// addSurface registers a word as the catalogue or lexicon spells it.
func (m *model) addSurface(w string, l *lexicon) {
	if _, ok := m.surface[w]; ok {
		return
	}
	parts := []string{w}
	if e, ok := l.abbrev[w]; ok {
		parts = e
	}
	sp := span{off: int32(len(m.expand))}
	for _, p := range parts {
		m.expand = append(m.expand, m.addStem(stemString(p)))
	}
	sp.n = int32(len(m.expand)) - sp.off
	sp.prep = l.teamPrep[w]
	m.surface[w] = sp
}

func packKey(ids []int32) uint64 {
	var k uint64
	for _, id := range ids {
		k = k<<16 | uint64(id+1)
	}
	return k
}

func build(intents []Intent) *model {
	l := getLexicon()
	m := &model{
		surface:  make(map[string]span, 2048),
		stemID:   make(map[string]int32, 2048),
		concepts: map[uint64]span{},
		bigram:   map[uint64]int32{},
		taught:   map[uint64]int32{},
		nIntents: len(intents),
		none:     -1, help: -1, lookup: -1,
	}
	for i, in := range intents {
		switch in.ID {
		case "none":
			m.none = int32(i)
		case "help":
			m.help = int32(i)
		case "role_lookup":
			m.lookup = int32(i)
		}
	}
	// 1. vocabulary: lexicon words, then every phrase word (counted for typo ties)
	freq := map[string]int32{}
	for _, w := range l.words {
		m.addSurface(w, l)
	}
	normed := make([]string, 0, 1024)
	for _, in := range intents {
		for j, p := range in.Phrases {
			var n string
			if len(in.norm) == len(in.Phrases) {
				n = in.norm[j]
			} else {
				n = Normalize(p)
			}
			normed = append(normed, n)
			for w := range strings.FieldsSeq(n) {
				m.addSurface(w, l)
				freq[w]++
			}
		}
	}
	// canonical ids for every stem
	canon := func(s string) int32 {
		if c, ok := l.fold[s]; ok {
			return m.addStem(c)
		}
		return m.addStem(s)
	}
	for _, c := range l.concepts {
		for _, s := range c[1] {
			m.addStem(s)
		}
	}
	n := len(m.stems)
	m.fold = make([]int32, n)
	for i := 0; i < n; i++ {
		m.fold[i] = canon(m.stems[i])
	}
	for len(m.fold) < len(m.stems) { // canon may have added fold targets
		m.fold = append(m.fold, canon(m.stems[len(m.fold)]))
	}
	m.stop = make([]bool, len(m.stems))
	m.teamNoun = make([]bool, len(m.stems))
	m.function = make([]bool, len(m.stems))
	for i, s := range m.stems {
		m.stop[i] = l.stop[s]
		m.teamNoun[i] = l.teamNoun[s]
		m.function[i] = l.function[s]
	}
	// 2. multi-word concepts over stem ids
	for _, c := range l.concepts {
		ids := make([]int32, len(c[0]))
		for i, s := range c[0] {
			ids[i] = m.addStem(s)
		}
		sp := span{off: int32(len(m.expand))}
		for _, s := range c[1] {
			m.expand = append(m.expand, m.stemID[s])
		}
		sp.n = int32(len(m.expand)) - sp.off
		m.concepts[packKey(ids)] = sp
		m.maxSpan = max(m.maxSpan, len(ids))
	}
	if len(m.stems) < 1<<16-1 {
		// A key packs 16 bits per id and keeps the last four: a longer
		// concept's key starts at its fourth word from the end.
		m.conceptLen = make([]uint8, len(m.stems))
		for _, c := range l.concepts {
			if n := len(c[0]); n > 0 {
				id := m.stemID[c[0][max(0, n-4)]]
				m.conceptLen[id] = uint8(max(int(m.conceptLen[id]), min(n, 4)))
			}
		}
	}
	// addStem above may have grown stems; keep the tables in step
	for len(m.fold) < len(m.stems) {
		id := len(m.fold)
		m.fold = append(m.fold, int32(id))
		m.stop = append(m.stop, false)
		m.teamNoun = append(m.teamNoun, false)
		m.function = append(m.function, false)
	}
	// 3. typo candidates: every surface word of the vocabulary
	words := make([]string, 0, len(m.surface))
	for w := range m.surface {
		if isASCIIWord([]byte(w)) {
			words = append(words, w)
		}
	}
	sort.Strings(words)
	fr := make([]int32, len(words))
	m.typoSpan = make([]span, len(words))
	for i, w := range words {
		fr[i] = freq[w]
		m.typoSpan[i] = m.surface[w]
	}
	m.typo = newTypoIndex(words, fr)
	m.foldMisspellings(words, fr, intents, normed, l)

	// 4. features of every phrase
	m.nPhrases = len(normed)
	s := m.newScratch()
	type doc struct {
		intent int32
		feats  []int32
	}
	docs := make([]doc, 0, len(normed))
	// cf: feature → the intents using it, a bitset of words per feature
	sw := (len(intents) + 63) / 64
	var cf []uint64
	has := func(f, i int32) bool {
		return i >= 0 && cf[int(f)*sw+int(i)/64]&(1<<(uint(i)%64)) != 0
	}
	k := 0
	m.firstOf = make([]int32, len(intents)+1)
	for i, in := range intents {
		m.firstOf[i] = int32(len(docs))
		for range in.Phrases {
			s.norm = append(s.norm[:0], normed[k]...)
			k++
			m.analyze(s, true)
			feats := m.features(s, true)
			d := doc{intent: int32(i), feats: append([]int32(nil), feats...)}
			docs = append(docs, d)
			if need := (len(m.stems) + len(m.bigram)) * sw; len(cf) < need {
				cf = append(cf, make([]uint64, need-len(cf)+need/2)...)
			}
			for _, f := range d.feats {
				cf[int(f)*sw+i/64] |= 1 << (uint(i) % 64)
			}
			if in.Custom {
				m.taught[m.exactKey(s)] = int32(i)
			}
		}
	}
	m.firstOf[len(intents)] = int32(len(docs))
	nf := len(m.stems) + len(m.bigram)
	cf = cf[:nf*sw]
	users := func(f int) int {
		n := 0
		for _, b := range cf[f*sw : f*sw+sw] {
			n += bits.OnesCount64(b)
		}
		return n
	}
	// topic words: used by an intent about a product topic and never by a
	// role lookup, whose phrases name teams ("the PO for onboarding"); a
	// question word ("why") is no topic
	diff := int32(-1)
	for i, in := range intents {
		if in.ID == "role_difference" {
			diff = int32(i)
		}
	}
	m.topicWord = make([]bool, len(m.stems))
	m.chatWord = make([]bool, len(m.stems))
	m.noneWord = make([]bool, len(m.stems))
	for f := range m.stems {
		n := users(f)
		if n == 0 {
			continue
		}
		m.noneWord[f] = n == 1 && has(int32(f), m.none)
		if !has(int32(f), m.lookup) && !m.function[f] {
			for i := int32(0); i < int32(len(intents)); i++ {
				if has(int32(f), i) && i != m.none && i != m.help && i != diff {
					m.topicWord[f] = true
				}
			}
		}
		chat := has(int32(f), m.help)
		for i := int32(0); i < int32(len(intents)); i++ {
			if has(int32(f), i) && i != m.help && i != m.none {
				chat = false
			}
		}
		m.chatWord[f] = chat
	}
	m.informative = float32(math.Log(1 + float64(len(intents))/max(1, informativeShare*float64(len(intents)))))
	m.idf = make([]float32, nf)
	N := float64(len(intents))
	for f := 0; f < nf; f++ {
		n := users(f)
		if n == 0 {
			continue
		}
		w := math.Log(1 + N/float64(n))
		if f >= len(m.stems) {
			w *= bigramWeight
		}
		m.idf[f] = float32(w)
	}
	phrasePost := make([][]posting, nf)
	intentPost := make([][]posting, nf)
	m.phraseOf = make([]int32, len(docs))
	vecs := make([][]posting, len(docs))
	labels := make([]int32, len(docs))
	centroid := make([]float64, nf) // of the intent being summed, dense
	var touched []int32
	for i := range intents {
		touched = touched[:0]
		for p := m.firstOf[i]; p < m.firstOf[i+1]; p++ {
			d := docs[p]
			m.phraseOf[p] = d.intent
			labels[p] = d.intent
			var norm float64
			for _, f := range d.feats {
				norm += float64(m.idf[f]) * float64(m.idf[f])
			}
			norm = math.Sqrt(norm)
			if norm == 0 {
				continue
			}
			vecs[p] = make([]posting, 0, len(d.feats))
			for _, f := range d.feats {
				w := float64(m.idf[f]) / norm
				phrasePost[f] = append(phrasePost[f], posting{doc: p, w: float32(w)})
				vecs[p] = append(vecs[p], posting{doc: f, w: float32(w)}) // doc holds the feature here
				if centroid[f] == 0 {
					touched = append(touched, f)
				}
				centroid[f] += w
			}
		}
		slices.Sort(touched)
		var norm float64
		for _, f := range touched {
			norm += centroid[f] * centroid[f]
		}
		norm = math.Sqrt(norm)
		for _, f := range touched {
			intentPost[f] = append(intentPost[f], posting{doc: int32(i), w: float32(centroid[f] / norm)})
			centroid[f] = 0
		}
	}
	m.feat = make([]featPostings, nf+1)
	var nPosts, nCents int
	for f := range nf {
		nPosts += len(phrasePost[f])
		nCents += len(intentPost[f])
	}
	m.posts = make([]posting, 0, nPosts)
	m.cents = make([]posting, 0, nCents)
	m.nonNeg = true
	for f, post := range phrasePost {
		m.feat[f] = featPostings{post: int32(len(m.posts)), seg: int32(len(m.segs)), cent: int32(len(m.cents))}
		for j, p := range post {
			if j+1 == len(post) || m.phraseOf[post[j+1].doc] != m.phraseOf[p.doc] {
				m.segs = append(m.segs, segment{intent: m.phraseOf[p.doc], end: int32(len(m.posts) + j + 1)})
			}
			if !(p.w >= 0) {
				m.nonNeg = false
			}
		}
		m.posts = append(m.posts, post...)
		m.cents = append(m.cents, intentPost[f]...)
	}
	m.feat[nf] = featPostings{post: int32(len(m.posts)), seg: int32(len(m.segs)), cent: int32(len(m.cents))}
	m.fit(vecs, labels)
	m.pmID, m.poID = m.stemID["pm"], m.stemID["po"]
	m.roleFeat = make([]bool, nf)
	for _, r := range [2]string{"pm", "po"} {
		if id, ok := m.stemID[r]; ok {
			m.roleFeat[m.fold[id]] = true
		}
	}
	for k, f := range m.bigram {
		a, b := int32(k>>32), int32(uint32(k))
		if m.roleFeat[a] || m.roleFeat[b] {
			m.roleFeat[f] = true
		}
	}
	m.hello = m.canonID("hello")
	m.who, m.is, m.name = m.canonID("who"), m.canonID("is"), m.canonID("name")
	m.holderNoun = map[int32]bool{}
	for _, w := range append(slices.Clone(teamNouns), holderNouns...) {
		if id := m.canonID(w); id >= 0 {
			m.holderNoun[id] = true
		}
	}
	m.pool.New = func() any { return m.newScratch() }
	return m
}

// Misspelling folds: a catalogue may hold a word misspelt on purpose ("who
// grooms the backlgo"), so that questions with that slip match. Kept as a
// word of its own it would be a rare, heavy feature of one intent, and a
// question with the same slip would lean on that one phrase instead of on
// every phrase about the backlog. A rare catalogue word that is not an
// English word and is one slip from a word its own intent uses several
// times (and the catalogue far more often) is read as that word, in the
// phrases and in questions alike. A rare real word ("booth", "lease") has
// no such neighbour in its intent and stays itself.
const (
	misspeltMaxFreq = 2 // a misspelling is used at most this often
	misspeltRatio   = 4 // its correction at least this many times as often
	misspeltMinLen  = 5
	misspeltInOwn   = 2 // the correction's uses in the misspelling's intent
)

type wordIn struct {
	w      string
	intent int32
}

// foldMisspellings points the surface form of each misspelt catalogue word
// (see misspeltMaxFreq) at its correction's stems. normed holds the
// normalised phrases of intents in order.
func (m *model) foldMisspellings(words []string, freq []int32, intents []Intent, normed []string, l *lexicon) {
	// candidates: rare words one slip from a far more frequent word
	type fold struct{ w, c int32 }
	var folds []fold
	var buf []byte
	for i, w := range words {
		f := freq[i]
		if f == 0 || f > misspeltMaxFreq || len(w) < misspeltMinLen || isCommonWord([]byte(w)) {
			continue
		}
		if _, lexWord := slices.BinarySearch(l.words, w); lexWord {
			continue
		}
		m.typo.skip = int32(i)
		c := m.typo.correctWithin([]byte(w), 1, &buf)
		m.typo.skip = -1
		if c < 0 || freq[c] < misspeltRatio*f {
			continue
		}
		if cw := words[c]; len(w) >= len(cw) && osaDistance([]byte(w), cw, 1) > 1 {
			continue // two slips that add letters: another word ("presidents")
		}
		folds = append(folds, fold{int32(i), c})
	}
	if len(folds) == 0 {
		return
	}
	// count the words involved per intent
	count := make(map[wordIn]int32, 4*len(folds))
	for _, f := range folds {
		count[wordIn{w: words[f.w], intent: -1}] = 0
		count[wordIn{w: words[f.c], intent: -1}] = 0
	}
	k := 0
	for i, in := range intents {
		for range in.Phrases {
			for w := range strings.FieldsSeq(normed[k]) {
				if _, ok := count[wordIn{w: w, intent: -1}]; ok {
					count[wordIn{w: w, intent: int32(i)}]++
				}
			}
			k++
		}
	}
	for _, f := range folds {
		w, c := words[f.w], words[f.c]
		own := false
		for i := int32(0); i < int32(len(intents)) && !own; i++ {
			own = count[wordIn{w, i}] > 0 && count[wordIn{c, i}] >= misspeltInOwn
		}
		if own {
			sp := m.typoSpan[f.c]
			sp.prep = l.teamPrep[w]
			m.surface[w] = sp
			m.typoSpan[f.w] = m.typoSpan[f.c]
		}
	}
}

// scratch is the per-call working memory of Match, pooled so a match does
// not allocate it.
type scratch struct {
	norm    []byte
	word    []byte
	typoBuf []byte
	stems   []term
	terms   []term
	feats   []int32
	phrase  []float32
	// best holds each intent's greatest phrase sum so far, as the bits of
	// a float32 read as an int32 (see bestSum); scan is set when it cannot
	// be kept (see accumulate), and mix then looks through every sum
	best     []int32
	scan     bool
	sink     uint32 // what touch read, kept so that it is read
	intent   []float32
	cent     []float32
	qw       []float32
	fw       []float32 // sentence weight of each of feats
	z        []float64
	zr       []float64 // regression sums before scaling
	zAsk     []float64 // regression probabilities of the asking sentences
	askScore []float32 // intent scores of the asking sentences
	sents    []sentence
	trace    trace
}

func (m *model) newScratch() *scratch {
	return &scratch{
		norm:     make([]byte, 0, 256),
		word:     make([]byte, 0, 64),
		typoBuf:  make([]byte, 0, 128),
		stems:    make([]term, 0, 64),
		terms:    make([]term, 0, 64),
		feats:    make([]int32, 0, 128),
		phrase:   make([]float32, m.nPhrases),
		best:     make([]int32, m.nIntents),
		intent:   make([]float32, m.nIntents),
		cent:     make([]float32, m.nIntents),
		qw:       make([]float32, 0, 128),
		fw:       make([]float32, 0, 128),
		sents:    make([]sentence, 0, 16),
		z:        make([]float64, m.nIntents),
		zr:       make([]float64, m.nIntents),
		zAsk:     make([]float64, m.nIntents),
		askScore: make([]float32, m.nIntents),
	}
}

// analyze turns s.norm (normalised text) into canonical terms in s.terms.
// While building, every word is known; at match time unknown words are
// stemmed, then typo-corrected, and otherwise kept as unknown.
func (m *model) analyze(s *scratch, building bool) {
	s.stems = s.stems[:0]
	text := s.norm
	prevPrep := false
	sent, sw := 0, float32(1)
	for len(text) > 0 {
		if !building && len(s.sents) > 0 {
			pos := int32(len(s.norm) - len(text))
			for sent < len(s.sents)-1 && pos >= s.sents[sent].end {
				sent++
			}
			sw = s.sents[sent].weight
		}
		i := 0
		for i < len(text) && text[i] != ' ' {
			i++
		}
		w := text[:i]
		if i < len(text) {
			i++
		}
		text = text[i:]
		if len(w) == 0 {
			continue
		}
		if sp, ok := m.surface[string(w)]; ok {
			isPrep := sp.prep
			for _, id := range m.expand[sp.off : sp.off+sp.n] {
				s.stems = append(s.stems, term{id: id, weight: 1, ctx: sw, prep: isPrep})
			}
			prevPrep = isPrep
			continue
		}
		s.word = append(s.word[:0], w...)
		st := stem(s.word)
		if id, ok := m.stemID[string(st)]; ok {
			s.stems = append(s.stems, term{id: id, weight: 1, ctx: sw})
			prevPrep = false
			continue
		}
		if !building && isASCIIWord(w) {
			c := m.typo.correct(w, &s.typoBuf)
			if c < 0 && len(st) < len(w) && isASCIIWord(st) {
				// the stem may be one slip away where the inflected word is
				// not ("stroys" → "stroy" → "story")
				c = m.typo.correct(st, &s.typoBuf)
			}
			wt := float32(correctedWeight)
			if c >= 0 && isCommonWord(w) {
				wt = float32(realWordWeight)
				if m.allStop(m.typoSpan[c]) {
					c = -1 // "bike" is not a slip for "like"
				}
			}
			if c >= 0 {
				sp := m.typoSpan[c]
				for _, id := range m.expand[sp.off : sp.off+sp.n] {
					s.stems = append(s.stems, term{id: id, weight: wt, ctx: sw})
				}
				prevPrep = false
				continue
			}
		}
		s.stems = append(s.stems, term{id: -1, weight: 1, ctx: sw, team: prevPrep})
		prevPrep = false
	}
	m.markTeamNames(s.stems)
	// concepts (longest first), folding and stop words
	s.terms = s.terms[:0]
	var key [8]int32
	afterPrep := false
	for i := 0; i < len(s.stems); {
		matched := false
		// the most words, up to 4, of a key starting with this word: a key
		// of 2 to 4 words holds all of them, one of more only the last 4
		short := 4
		if id := s.stems[i].id; id < 0 {
			short = 0 // an unknown word starts no concept
		} else if int(id) < len(m.conceptLen) {
			short = int(m.conceptLen[id])
		}
		for n := min(m.maxSpan, len(s.stems)-i); n >= 2; n-- {
			if n <= 4 && n > short {
				continue
			}
			ok := true
			w, cw := float32(1), float32(0)
			for j := 0; j < n; j++ {
				if s.stems[i+j].id < 0 {
					ok = false
					break
				}
				key[j] = s.stems[i+j].id
				w = min(w, s.stems[i+j].weight)
				cw = max(cw, s.stems[i+j].ctx)
			}
			if !ok {
				continue
			}
			if sp, hit := m.concepts[packKey(key[:n])]; hit {
				for _, id := range m.expand[sp.off : sp.off+sp.n] {
					s.terms = append(s.terms, term{id: id, weight: w, ctx: cw, afterPrep: afterPrep})
					afterPrep = false
				}
				i += n
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		t := s.stems[i]
		i++
		if t.id >= 0 {
			t.id = m.fold[t.id]
			if m.stop[t.id] {
				afterPrep = afterPrep || t.prep
				continue
			}
		}
		t.afterPrep, afterPrep = afterPrep, false
		s.terms = append(s.terms, t)
	}
	if !building {
		m.markRoleHolders(s.terms)
		m.dropGreeting(s)
	}
}

// markRoleHolders blanks the team or product named after a role the
// question asks for ("who is our product manager for the logistics tracking
// product", "the name of our PO on the streaming app"): those words say
// whose PM, not what the question is about, so they must not pull it to a
// topic ("tracking" to metrics). Only the asking frames "who is [the] ROLE
// for X" and "name of [the] ROLE for X" count, and only when X names a
// holder: a word the catalogue does not know (a team's own name) or a
// product noun ("app", "service", "team"). "Who is the PM for the roadmap"
// and "is the PO in charge of the backlog" keep their topic.
func (m *model) markRoleHolders(ts []term) {
	for i, t := range ts {
		if t.id < 0 || !m.isRole(t.id) || i+1 >= len(ts) || !ts[i+1].afterPrep || !m.asksForHolder(ts[:i]) {
			continue
		}
		end := -1
		for j := i + 1; j < len(ts) && j <= i+4; j++ {
			u := ts[j]
			if u.ctx != t.ctx || (u.id >= 0 && (m.isRole(u.id) || u.id == m.who)) {
				break
			}
			if u.id < 0 || m.holderNoun[u.id] {
				end = j
			}
		}
		for j := i + 1; j <= end; j++ {
			ts[j] = term{id: -1, weight: 1, ctx: ts[j].ctx, team: true}
		}
	}
}

// isRole reports whether a canonical word id is a role word (PM, PO).
func (m *model) isRole(id int32) bool {
	return int(id) < len(m.roleFeat) && m.roleFeat[id]
}

// asksForHolder reports whether the terms before a role word ask who holds
// it: "who is [one word] ROLE" or "name [of] [one word] ROLE".
func (m *model) asksForHolder(before []term) bool {
	n := len(before)
	for skip := 0; skip <= 1 && n-skip >= 1; skip++ {
		last := before[n-1-skip].id
		if last == m.name && last >= 0 {
			return true
		}
		if n-skip >= 2 && last == m.is && last >= 0 && before[n-2-skip].id == m.who {
			return true
		}
	}
	return false
}

// addressTerms: a word about the bot ("bot", "whoowns") among a message's
// first terms addresses it ("hey bot, who grooms the backlog?"); further on
// it is what the message is about ("no idea what the bot is for").
const addressTerms = 2

// dropGreeting removes greetings, and the bot's own name where it
// addresses the bot, from a question that has a topic ("hey @whoowns, who
// grooms the backlog?"): only a bare greeting or a question about the bot
// asks for help.
func (m *model) dropGreeting(s *scratch) {
	chat, topic := false, false
	for _, t := range s.terms {
		switch {
		case t.id < 0 || int(t.id) >= len(m.idf):
		case t.id == m.hello || m.chatWord[t.id]:
			chat = true
		case m.idf[t.id] >= m.informative:
			topic = true
		}
	}
	if !chat || !topic {
		return
	}
	out := s.terms[:0]
	for i, t := range s.terms {
		if t.id < 0 || int(t.id) >= len(m.idf) || t.id != m.hello && !(m.chatWord[t.id] && i < addressTerms) {
			out = append(out, t)
		}
	}
	s.terms = out
}

// canonID is the canonical id of a word, -1 if the vocabulary lacks it.
func (m *model) canonID(w string) int32 {
	if id, ok := m.stemID[stemString(w)]; ok {
		return m.fold[id]
	}
	return -1
}

// allStop reports whether every word of a vocabulary span is a stop word.
func (m *model) allStop(sp span) bool {
	for _, id := range m.expand[sp.off : sp.off+sp.n] {
		if !m.stop[m.fold[id]] {
			return false
		}
	}
	return true
}

// markTeamNames blanks out words that name a team, so "the backlog for the
// sales tools team" reads as "the backlog": up to three words between a
// preposition and "team"/"squad"/…, an unknown word right before such a noun,
// and an unknown word right after one ("team phoenix").
func (m *model) markTeamNames(ts []term) {
	isNoun := func(t term) bool { return t.id >= 0 && m.teamNoun[m.fold[t.id]] }
	for i, t := range ts {
		if !isNoun(t) {
			continue
		}
		if i+1 < len(ts) && ts[i+1].id < 0 {
			ts[i+1].team = true
		}
		if i > 0 && ts[i-1].id < 0 {
			ts[i-1].team = true
		}
		words := 0
		for j := i - 1; j >= 0; j-- {
			u := ts[j]
			if u.prep {
				if words > 0 {
					for k := j + 1; k < i; k++ {
						if ts[k].id < 0 || !m.stop[m.fold[ts[k].id]] {
							ts[k] = term{id: -1, weight: 1, ctx: ts[k].ctx, team: true}
						}
					}
				}
				break
			}
			if u.id >= 0 && m.stop[m.fold[u.id]] {
				continue
			}
			if words++; words > 3 || isNoun(u) {
				break
			}
		}
	}
}

// features lists the distinct feature ids of s.terms: words and adjacent
// word pairs. While building, new pairs are added to the feature space.
func (m *model) features(s *scratch, building bool) []int32 {
	s.feats = s.feats[:0]
	s.fw = s.fw[:0]
	prev := int32(-1)
	prevCtx := float32(1)
	for _, t := range s.terms {
		if t.id < 0 {
			continue
		}
		s.feats, s.fw = appendFeature(s.feats, s.fw, t.id, t.ctx)
		if m.function[t.id] {
			// "who decides" pairs would tie a question to whichever intent
			// happens to start its phrases the same way
			prev = -1
			continue
		}
		if prev >= 0 {
			k := uint64(prev)<<32 | uint64(t.id)
			f, ok := m.bigram[k]
			if !ok && building {
				// the vocabulary is complete while phrases are analysed,
				// so pair ids can follow the word ids directly
				f = int32(len(m.stems) + len(m.bigram))
				m.bigram[k] = f
				ok = true
			}
			if ok {
				s.feats, s.fw = appendFeature(s.feats, s.fw, f, min(prevCtx, t.ctx))
			}
		}
		prev, prevCtx = t.id, t.ctx
	}
	return s.feats
}

// appendFeature adds feature f with sentence weight w, or raises the weight
// of f already listed.
func appendFeature(fs []int32, ws []float32, f int32, w float32) ([]int32, []float32) {
	for i, g := range fs {
		if g == f {
			ws[i] = max(ws[i], w)
			return fs, ws
		}
	}
	return append(fs, f), append(ws, w)
}

// exactKey identifies a text by its canonical terms, so a question worded
// exactly like a taught phrase (up to case, inflection and stop words)
// matches it outright.
func (m *model) exactKey(s *scratch) uint64 {
	h := uint64(14695981039346656037)
	for _, t := range s.terms {
		h ^= uint64(uint32(t.id))
		h *= 1099511628211
	}
	return h
}

func sqrt32(v float32) float32 { return float32(math.Sqrt(float64(v))) }
