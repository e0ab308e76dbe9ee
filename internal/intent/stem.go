package intent

// stem folds English inflection and derivation so that "grooming", "groomed"
// and "grooms" meet, and British spellings meet American ones. It is not a
// full Porter stemmer: it only has to be consistent, because training phrases
// and questions go through the same function. It rewrites w in place and
// returns the stem (a prefix of w, possibly shortened).
func stem(w []byte) []byte {
	if len(w) <= 3 || !isASCIIWord(w) {
		return w
	}
	for _, k := range keepWords {
		if string(w) == k {
			return w
		}
	}
	if st, ok := stemExceptions[string(w)]; ok {
		return append(w[:0], st...)
	}
	w = britishToAmerican(w)
	// step 1: inflection: plural first, then -ed/-ing ("meetings" → "meet")
	switch {
	case hasSuffix(w, "ies") && len(w) > 4:
		w = append(w[:len(w)-3], 'y')
	case hasSuffix(w, "ied") && len(w) > 4:
		w = append(w[:len(w)-3], 'y')
	case hasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case hasSuffix(w, "ss") || hasSuffix(w, "us") || hasSuffix(w, "is"):
	case hasSuffix(w, "s"):
		w = w[:len(w)-1]
		if hasSuffix(w, "che") || hasSuffix(w, "she") || hasSuffix(w, "xe") || hasSuffix(w, "zze") {
			w = w[:len(w)-1]
		}
	}
	switch {
	case hasSuffix(w, "eed"):
	case hasSuffix(w, "ed") && len(w) >= 5 && hasVowel(w[:len(w)-2]):
		w = w[:len(w)-2]
	case hasSuffix(w, "ing") && len(w) >= 6 && hasVowel(w[:len(w)-3]):
		w = w[:len(w)-3]
	}
	// step 2: derivation
	switch {
	case hasSuffix(w, "ntation") && len(w) > 9:
		// "implementation" → "implement", "presentation" → "present"
		w = w[:len(w)-5]
	case hasSuffix(w, "ization") && len(w) > 9:
		w = append(w[:len(w)-7], "ize"...)
	case hasSuffix(w, "ation") && len(w) > 7:
		w = append(w[:len(w)-5], "ate"...)
	case hasSuffix(w, "ment") && len(w) >= 8:
		w = w[:len(w)-4]
	}
	// step 3: tidy the end so "write"/"writing" and "plan"/"planning" meet
	if len(w) >= 4 && w[len(w)-1] == 'e' {
		w = w[:len(w)-1]
	}
	if n := len(w); n >= 4 && w[n-1] == w[n-2] && !isVowel(w[n-1]) {
		w = w[:n-1]
	}
	return w
}

// keepWords would be mangled by the rules, or must stay apart from a word the
// rules would merge them with ("marketing" is not "market").
var keepWords = []string{"marketing", "business", "status", "analysis", "news", "series", "less", "always", "thanks", "sales", "ops", "kudos", "evening"}

// stemExceptions are words the rules would send to the stem of a stop word
// or of an unrelated word ("themes" → "them"). Each stem is no longer than
// its word, since stem rewrites in place.
var stemExceptions = map[string]string{
	"theme": "theme", "themes": "theme", "themed": "theme", "thematic": "theme",
}

func britishToAmerican(w []byte) []byte {
	for _, p := range [...][2]string{
		{"isation", "ization"}, {"isations", "izations"}, {"ise", "ize"}, {"ised", "ized"}, {"ises", "izes"}, {"ising", "izing"},
		{"yse", "yze"}, {"ysed", "yzed"}, {"yses", "yzes"}, {"ysing", "yzing"}, {"our", "or"}, {"ours", "ors"},
		{"tre", "ter"}, {"tres", "ters"}, {"mme", "m"}, {"mmes", "ms"},
	} {
		if hasSuffix(w, p[0]) && len(w) > len(p[0])+3 {
			return append(w[:len(w)-len(p[0])], p[1]...)
		}
	}
	return w
}

func hasSuffix(w []byte, s string) bool {
	return len(w) >= len(s) && string(w[len(w)-len(s):]) == s
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'
}

func hasVowel(w []byte) bool {
	for _, c := range w {
		if isVowel(c) {
			return true
		}
	}
	return false
}

func isASCIIWord(w []byte) bool {
	for _, c := range w {
		if !(c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
