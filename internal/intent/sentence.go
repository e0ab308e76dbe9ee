package intent

// Long messages: people explain the situation first and ask last, or ask
// first and add context after ("Who signs off the claims form? The agency
// handed it over on Monday and…"). The context says what the question is
// about, but a long story must not outvote the sentence that asks. Match
// therefore normalises a message sentence by sentence and weighs each word
// by its sentence: words of a sentence that asks count fully, words of the
// other sentences count contextWeight. A message with no asking sentence
// (a situation told as statements) or with nothing but asking sentences
// weighs every sentence alike.

// contextWeight is the weight of a word outside the asking sentences of a
// message that has both.
var contextWeight = 0.6

// fillerWeight is the weight of a word in a greeting, thanks, apology or
// sign-off sentence ("Hope everyone had a good weekend!", "Sorry if this is
// the wrong channel.") of a message that says something else too.
var fillerWeight = 0.0

// fillerMax is the most words a filler sentence has, fillerQuestionMax
// the most a filler question has ("hope that makes sense?").
const (
	fillerMax         = 8
	fillerQuestionMax = 4
)

// sentence is one sentence of a normalised message: it ends (exclusive) at
// end in scratch.norm.
type sentence struct {
	end    int32
	weight float32
	ask    bool
	filler bool
}

// askStart are words that make a sentence a question or a request when it
// starts with them ("who…", "can someone…", "need someone to…").
var askStart = map[string]bool{
	"who": true, "whos": true, "whose": true, "whom": true, "which": true, "what": true, "whats": true,
	"where": true, "how": true, "can": true, "could": true, "does": true, "do": true, "is": true,
	"are": true, "should": true, "would": true, "anyone": true, "anybody": true, "someone": true,
	"somebody": true, "need": true, "needs": true, "looking": true, "please": true, "pls": true,
	"any": true, "wondering": true, "whom's": true,
}

// askWord are words that make a sentence an ask wherever they stand ("the
// ticket for X, who fills in the details").
var askWord = map[string]bool{
	"who": true, "whos": true, "whose": true, "whom": true, "someone": true, "somebody": true,
	"anyone": true, "anybody": true,
}

// normalizeSentences normalises text into s.norm one sentence at a time,
// recording the sentences in s.sents with their weights.
func normalizeSentences(s *scratch, text string) {
	s.norm = s.norm[:0]
	s.sents = s.sents[:0]
	asks, fillers := 0, 0
	for len(text) > 0 {
		n := sentenceEnd(text)
		seg := text[:n]
		text = text[n:]
		start := len(s.norm)
		if start > 0 {
			s.norm = append(s.norm, ' ')
		}
		s.norm = appendNormalized(s.norm, seg)
		if len(s.norm) == start+1 || len(s.norm) == start {
			s.norm = s.norm[:start] // nothing but punctuation or markup
			continue
		}
		q := endsWithQuestionMark(seg)
		filler := isFiller(s.norm[start:], q)
		ask := !filler && (q || isAsk(s.norm[start:]))
		if ask {
			asks++
		}
		if filler {
			fillers++
		}
		s.sents = append(s.sents, sentence{end: int32(len(s.norm)), weight: 1, ask: ask, filler: filler})
	}
	if fillers == len(s.sents) {
		return // nothing but a greeting or thanks: that is the message
	}
	context := float32(1)
	if asks > 0 && asks+fillers < len(s.sents) {
		context = float32(contextWeight)
	}
	for i := range s.sents {
		switch {
		case s.sents[i].filler:
			s.sents[i].weight = float32(fillerWeight)
		case !s.sents[i].ask:
			s.sents[i].weight = context
		}
	}
}

// fillerStart are words that start a greeting, thanks, apology or sign-off.
var fillerStart = map[string]bool{
	"hi": true, "hello": true, "hey": true, "hiya": true, "morning": true, "afternoon": true,
	"evening": true, "greetings": true, "thanks": true, "thank": true, "thx": true, "ty": true,
	"tia": true, "cheers": true, "sorry": true, "apologies": true, "hope": true, "appreciate": true,
	"happy": true, "have": true, "quick": true,
}

// isFiller reports whether a normalised sentence is a greeting, thanks,
// apology or sign-off: short, starting with such a word and not naming
// the person wanted ("sorry, who owns this?" asks). A question (q) is
// filler only when very short ("hi all, how are you?" is not, "sorry,
// what does a PO do?" asks).
func isFiller(norm []byte, q bool) bool {
	limit := fillerMax
	if q {
		limit = fillerQuestionMax
	}
	words, first := 0, true
	for len(norm) > 0 {
		var w []byte
		if w, norm = nextWord(norm); len(w) == 0 {
			continue
		}
		if first && !fillerStart[string(w)] || askWord[string(w)] {
			return false
		}
		first = false
		if words++; words > limit {
			return false
		}
	}
	return words > 0
}

// sentenceEnd returns the length of the first sentence of text: up to and
// including a '.', '?', '!' or ';' followed by white space (or the end), or
// a line break. Dots inside words ("v2.1", "docs.example.com") do not end a
// sentence.
func sentenceEnd(text string) int {
	words := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case ' ':
			// chat often drops the full stop: "who owns the roadmap Thanks!"
			if words++; words >= 3 && i > 0 && isLowerOrDigit(text[i-1]) && startsSentence(text[i+1:]) {
				return i + 1
			}
		case '\n':
			return i + 1
		case '.', '?', '!', ';':
			j := i + 1
			for j < len(text) && (text[j] == '.' || text[j] == '?' || text[j] == '!') {
				j++
			}
			if j == len(text) || text[j] == ' ' || text[j] == '\n' || text[j] == '\t' || text[j] == '\r' {
				return j
			}
			i = j - 1
		}
	}
	return len(text)
}

// sentenceStart are capitalised words that start a new sentence when they
// follow a lower-case word without a full stop ("who owns the roadmap
// Sorry if…"); names and product names are not among them.
var sentenceStart = map[string]bool{
	"The": true, "We": true, "We're": true, "We've": true, "Our": true, "It": true, "It's": true,
	"This": true, "That": true, "There": true, "Thanks": true, "Thank": true, "Sorry": true,
	"Hope": true, "Also": true, "Anyone": true, "Cheers": true, "Not": true, "No": true, "My": true,
	"So": true, "But": true, "Btw": true, "BTW": true, "Who": true, "Whose": true, "What": true,
	"How": true, "Can": true, "Could": true, "Is": true, "Are": true, "Does": true, "Should": true,
	"Need": true, "Please": true, "Context": true, "Background": true, "Apologies": true,
	"Hi": true, "Hey": true, "Currently": true, "Yesterday": true, "Today": true, "Any": true,
	"They": true, "He": true, "She": true, "I'm": true, "I've": true, "Just": true,
}

// sentenceStartFirst marks the first bytes of the words of sentenceStart:
// a word starting otherwise (most words: they are lower case) is not
// looked up.
var sentenceStartFirst = func() (first [256]bool) {
	for w := range sentenceStart {
		first[w[0]] = true
	}
	return first
}()

// startsSentence reports whether text starts with a word of sentenceStart
// followed by a space or punctuation.
func startsSentence(text string) bool {
	if len(text) == 0 || !sentenceStartFirst[text[0]] {
		return false
	}
	i := 0
	for i < len(text) && (text[i] >= 'a' && text[i] <= 'z' || text[i] >= 'A' && text[i] <= 'Z' || text[i] == '\'') {
		i++
	}
	if i == 0 || i < len(text) && text[i] != ' ' && text[i] != ',' && text[i] != '!' && text[i] != '.' && text[i] != ':' {
		return false
	}
	return sentenceStart[text[:i]]
}

func isLowerOrDigit(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func endsWithQuestionMark(seg string) bool {
	for i := len(seg) - 1; i >= 0; i-- {
		switch c := seg[i]; c {
		case ' ', '\t', '\r', '\n', '.', '!', ')', '"', '\'':
			continue
		case '?':
			return true
		default:
			return false
		}
	}
	return false
}

// nextWord splits a normalised sentence's first word (up to a space) from
// the rest after that space.
func nextWord(norm []byte) (w, rest []byte) {
	i := 0
	for i < len(norm) && norm[i] != ' ' {
		i++
	}
	w = norm[:i]
	if i < len(norm) {
		i++
	}
	return w, norm[i:]
}

// isAsk reports whether a normalised sentence asks something: it starts
// with a question or request word, or names the person wanted ("who",
// "someone") anywhere.
func isAsk(norm []byte) bool {
	first := true
	for len(norm) > 0 {
		var w []byte
		if w, norm = nextWord(norm); len(w) == 0 {
			continue
		}
		if first && askStart[string(w)] || askWord[string(w)] {
			return true
		}
		first = false
	}
	return false
}
