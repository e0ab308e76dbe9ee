package intent

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize turns a chat message into lower-case words separated by single
// spaces, so that Slack and Teams markup never reaches the matcher or team-name
// detection: user mentions (<@U123>, <@U123|name>, Teams <at>Name</at>) and
// links (<https://…|label>, bare URLs) are dropped, channel links
// (<#C123|name>) keep their name as words, emoji (:smile: and unicode) are
// dropped, curly quotes are straightened, contractions are expanded ("who's" →
// "who is", "don't" → "do not"), possessives lose their "'s", and all other
// punctuation becomes a word break.
func Normalize(text string) string {
	var b []byte
	b = appendNormalized(b, text)
	return string(b)
}

// AppendNormalized appends Normalize(s) to dst, for callers that compare
// normalized text without keeping it (a buffer of their own, no string).
func AppendNormalized(dst []byte, s string) []byte { return appendNormalized(dst, s) }

// appendNormalized is Normalize writing into dst, so Match can reuse a pooled
// buffer and stay allocation-free on this step.
func appendNormalized(dst []byte, s string) []byte {
	start := len(dst)
	wordStart := -1 // index in dst where the current word began
	inWord := false
	endWord := func() {
		if inWord {
			dst = fixApostrophes(dst, wordStart)
			inWord = false
		}
	}
	space := func() {
		endWord()
		if len(dst) > start && dst[len(dst)-1] != ' ' {
			dst = append(dst, ' ')
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '<':
			if n, keep := markup(s[i:]); n > 0 {
				space()
				if keep != "" {
					dst = appendNormalized(dst, keep)
					// appendNormalized may end with a word; separate it.
				}
				space()
				i += n
				continue
			}
			space()
			i++
			continue
		case c == '&':
			if n, r := entity(s[i:]); n > 0 {
				i += n
				if r == '\'' {
					if inWord {
						dst = append(dst, '\'')
					}
				} else {
					space()
				}
				continue
			}
			space()
			i++
			continue
		case c == ':':
			if n := shortcode(s[i:]); n > 0 {
				space()
				i += n
				continue
			}
			space()
			i++
			continue
		case (c == 'h' || c == 'H' || c == 'w' || c == 'W') && !inWord && isURL(s[i:]):
			space()
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
				i++
			}
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			if !inWord {
				inWord, wordStart = true, len(dst)
			}
			dst = append(dst, byte(r))
		case r >= 'A' && r <= 'Z':
			if !inWord {
				inWord, wordStart = true, len(dst)
			}
			dst = append(dst, byte(r)+'a'-'A')
		case r == '\'' || r == '\u2019' || r == '\u2018' || r == '`' || r == '\u00b4' || r == '\u02bc':
			// An apostrophe only matters inside a word (who's, team's).
			if inWord {
				dst = append(dst, '\'')
			}
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if !inWord {
				inWord, wordStart = true, len(dst)
			}
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		case unicode.Is(unicode.Mn, r) && inWord:
			// combining accents stay with their letter
			dst = utf8.AppendRune(dst, r)
		default:
			// punctuation, spaces, symbols and emoji all break words
			space()
		}
	}
	endWord()
	for len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// markup recognises Slack's <…> escapes and Teams' <at>…</at> and other HTML
// tags at the start of s. It returns how many bytes to skip (0 if s is not
// markup) and the text to keep in its place.
func markup(s string) (n int, keep string) {
	if len(s) >= 4 && strings.EqualFold(s[:4], "<at>") {
		if end := indexFold(s, "</at>"); end >= 0 {
			return end + len("</at>"), ""
		}
		return 4, ""
	}
	end := strings.IndexByte(s, '>')
	if end < 0 {
		return 0, ""
	}
	inner := s[1:end]
	if strings.ContainsAny(inner, "<\n") {
		return 0, ""
	}
	label := ""
	if bar := strings.IndexByte(inner, '|'); bar >= 0 {
		label = inner[bar+1:]
		inner = inner[:bar]
	}
	switch {
	case strings.HasPrefix(inner, "@"): // user mention
		return end + 1, ""
	case strings.HasPrefix(inner, "#"): // channel link: keep its name
		return end + 1, label
	case strings.HasPrefix(inner, "!subteam^"): // user group: its handle names a team
		return end + 1, strings.TrimPrefix(label, "@")
	case strings.HasPrefix(inner, "!"): // <!here>, <!channel>, <!date…>
		return end + 1, ""
	case strings.Contains(inner, "://") || strings.HasPrefix(inner, "mailto:") || strings.HasPrefix(inner, "tel:"):
		return end + 1, ""
	}
	// An HTML tag such as <p>, </div>, <br/>: drop the tag, keep what follows.
	t := strings.TrimPrefix(inner, "/")
	if t != "" && isTagName(t) {
		return end + 1, ""
	}
	return 0, ""
}

func isTagName(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == ' ' || c == '/' || c == '=' || c == '"' {
			return i > 0
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// entity decodes the few HTML entities chat platforms send in plain text.
func entity(s string) (n int, r rune) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 8 {
		return 0, 0
	}
	switch strings.ToLower(s[1:end]) {
	case "#39", "#x27", "apos", "rsquo", "lsquo":
		return end + 1, '\''
	case "amp", "lt", "gt", "nbsp", "quot", "ldquo", "rdquo", "#34":
		return end + 1, ' '
	}
	return 0, 0
}

// shortcode matches an emoji shortcode such as :smile: or :+1: at s.
func shortcode(s string) int {
	letter := false
	for i := 1; i < len(s) && i < 64; i++ {
		c := s[i]
		switch {
		case c == ':':
			if i > 1 && (letter || s[1] == '+' || s[1] == '-') {
				return i + 1
			}
			return 0
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || c == '_' || c == '-' || c == '+':
		default:
			return 0
		}
	}
	return 0
}

func isURL(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// fixApostrophes rewrites the word dst[from:] that may hold apostrophes:
// contractions are expanded and possessives dropped, so "who's" and "whos"
// style questions tokenise the same way.
func fixApostrophes(dst []byte, from int) []byte {
	w := dst[from:]
	q := -1
	for i, c := range w {
		if c == '\'' {
			q = i
			break
		}
	}
	if q < 0 {
		return dst
	}
	// trailing apostrophes (plural possessive "devs'") and leading ones go
	for len(w) > 0 && w[len(w)-1] == '\'' {
		w = w[:len(w)-1]
	}
	dst = dst[:from+len(w)]
	if q >= len(w) || q == 0 {
		return removeQuotes(dst, from)
	}
	head, tail := w[:q], w[q+1:]
	var rest string
	switch string(tail) {
	case "s":
		switch string(head) {
		case "who", "what", "where", "when", "how", "that", "there", "it", "he", "she", "here", "which", "why":
			rest = "is"
		}
	case "re":
		rest = "are"
	case "ll":
		rest = "will"
	case "ve":
		rest = "have"
	case "d":
		rest = "would"
	case "m":
		rest = "am"
	case "t":
		switch string(head) {
		case "can":
			rest = "not"
		case "won":
			return append(dst[:from], "will not"...)
		case "ain":
			return append(dst[:from], "is not"...)
		default:
			if head[len(head)-1] == 'n' && len(head) > 1 {
				head, rest = head[:len(head)-1], "not"
			}
		}
	default:
		// o'clock, rock'n'roll: just drop the marks
		return removeQuotes(dst, from)
	}
	dst = dst[:from+len(head)] // head already sits at dst[from:]
	if rest != "" {
		dst = append(dst, ' ')
		dst = append(dst, rest...)
	}
	return dst
}

func removeQuotes(dst []byte, from int) []byte {
	j := from
	for i := from; i < len(dst); i++ {
		if dst[i] != '\'' {
			dst[j] = dst[i]
			j++
		}
	}
	return dst[:j]
}
