package slack

import (
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A targeted decoder for the Events API envelope and the inner fields the
// adapter reads (envelope, innerEvent). encoding/json decodes them by
// reflection, one allocation per string and a copy of the inner event,
// scanning the inner event three times; a question delivery is mostly
// that. This reads the common shape in one pass, each string a slice of
// one copy of the body, and gives up (false) on anything it is not sure to
// read exactly as encoding/json does: a key that differs only in case from
// a field's, a value of an unexpected type, an escaped key. The caller then
// decodes with encoding/json as before, so what the adapter sees never
// depends on which decoder ran. TestEventDecodersAgree and
// FuzzEventDecodersAgree hold the two to the same result.

// decodeEnvelope decodes body into env, which must be zero; false means
// use encoding/json (env is then to be reset).
func decodeEnvelope(body []byte, env *envelope) bool {
	if !json.Valid(body) {
		return false
	}
	d := jsonReader{b: body, s: string(body)}
	seenAuth := false
	return d.object(func(key string) bool {
		switch key {
		case "type":
			return d.str(&env.Type)
		case "team_id":
			return d.str(&env.TeamID)
		case "enterprise_id":
			return d.str(&env.EnterpriseID)
		case "event_id":
			return d.str(&env.EventID)
		case "challenge":
			return d.str(&env.Challenge)
		case "event":
			start := d.i
			if !d.skip() {
				return false
			}
			// The body is not reused: the event may alias it.
			env.Event = json.RawMessage(body[start:d.i:d.i])
			env.eventText = d.s[start:d.i]
			return true
		case "authorizations":
			// encoding/json decodes a repeated array into the elements
			// of the first; that is its business.
			if seenAuth {
				return false
			}
			seenAuth = true
			return d.authorizations(env)
		}
		return d.other(key, envelopeKeys)
	})
}

var authorizationKeys = []string{"user_id", "is_bot"}

var envelopeKeys = []string{"type", "team_id", "enterprise_id", "event_id", "challenge", "event", "authorizations"}

// decodeInner decodes an inner event (valid JSON: a value encoding/json
// accepted, or a part of a body json.Valid accepted) into ev, which must be
// zero; false means use encoding/json.
func decodeInner(raw []byte, ev *innerEvent) bool {
	return decodeInnerText(raw, string(raw), ev)
}

// decodeInnerText is decodeInner with text, string(raw), at hand: the
// envelope's decoder keeps the event as a slice of its copy of the body,
// and the inner event's strings are then slices of that.
func decodeInnerText(raw []byte, text string, ev *innerEvent) bool {
	d := jsonReader{b: raw, s: text}
	return d.object(func(key string) bool {
		switch key {
		case "type":
			return d.str(&ev.Type)
		case "subtype":
			return d.str(&ev.SubType)
		case "user":
			return d.str(&ev.User)
		case "bot_id":
			return d.str(&ev.BotID)
		case "app_id":
			return d.str(&ev.AppID)
		case "bot_profile":
			return d.present(&ev.BotProfile)
		case "text":
			return d.str(&ev.Text)
		case "channel":
			return d.str(&ev.Channel)
		case "channel_type":
			return d.str(&ev.ChannelType)
		case "ts":
			return d.str(&ev.TimeStamp)
		case "thread_ts":
			return d.str(&ev.ThreadTimeStamp)
		case "edited":
			return d.present(&ev.Edited)
		}
		return d.other(key, innerKeys)
	})
}

var innerKeys = []string{"type", "subtype", "user", "bot_id", "app_id", "bot_profile", "text", "channel", "channel_type", "ts", "thread_ts", "edited"}

// jsonReader reads JSON from b; s is b as one string, which the decoded
// strings are slices of.
type jsonReader struct {
	b []byte
	s string
	i int
}

func (d *jsonReader) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// object reads an object, calling field with each key, the reader at the
// key's value, which field must consume.
func (d *jsonReader) object(field func(key string) bool) bool {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return false
	}
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return true
	}
	for {
		d.ws()
		key, ok := d.rawString()
		if !ok || strings.IndexByte(key, '\\') >= 0 {
			return false
		}
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		d.ws()
		if !field(key) {
			return false
		}
		if done, ok := d.next('}'); done || !ok {
			return ok
		}
	}
}

// next reads what follows a member of an object or array: a ',' before
// the next member (ok, not done) or the closing byte (ok and done);
// anything else is malformed (not ok).
func (d *jsonReader) next(closing byte) (done, ok bool) {
	d.ws()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return false, true
	case closing:
		d.i++
		return true, true
	}
	return false, false
}

// other skips the value of a key the decoder does not read, unless
// encoding/json would read it into a field (it matches keys without regard
// to case).
func (d *jsonReader) other(key string, known []string) bool {
	for _, k := range known {
		if strings.EqualFold(key, k) {
			return false
		}
	}
	return d.skip()
}

// rawString reads a string and returns what is between its quotes, escapes
// undone by nobody.
func (d *jsonReader) rawString() (string, bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		switch d.b[j] {
		case '\\':
			j++
		case '"':
			d.i = j + 1
			return d.s[start:j], true
		}
	}
	return "", false
}

// str reads a string into *dst, as encoding/json would: null leaves *dst as
// it is; any other type gives up.
func (d *jsonReader) str(dst *string) bool {
	if d.null() {
		return true
	}
	start := d.i
	s, ok := d.rawString()
	if !ok {
		return false
	}
	if strings.IndexByte(s, '\\') >= 0 || !utf8.ValidString(s) {
		// Escapes ("\u003c" for "<" from some encoders), or bytes
		// encoding/json replaces.
		u, ok := unquote(s)
		if !ok {
			return json.Unmarshal(d.b[start:d.i], dst) == nil
		}
		s = u
	}
	*dst = s
	return true
}

// unquote undoes the escapes of a JSON string's contents as encoding/json
// does: a lone or broken surrogate and each byte of invalid UTF-8 become
// U+FFFD. false on an escape it does not know.
func unquote(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			switch s[i+1] {
			case '"', '\\', '/':
				b = append(b, s[i+1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := hex4(s, i+2)
				if !ok {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", false
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(b), true
}

// hex4 reads the four hex digits of a \u escape at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// present reads a value into a *struct{} field: an object sets it, null
// clears it, anything else gives up.
func (d *jsonReader) present(dst **struct{}) bool {
	if d.null() {
		*dst = nil
		return true
	}
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return false
	}
	*dst = &struct{}{}
	return d.skip()
}

func (d *jsonReader) null() bool {
	if strings.HasPrefix(d.s[d.i:], "null") {
		d.i += 4
		return true
	}
	return false
}

// authorizations reads the envelope's authorizations: null, or an array of
// objects.
func (d *jsonReader) authorizations(env *envelope) bool {
	if d.null() {
		env.Authorizations = nil
		return true
	}
	if d.i >= len(d.b) || d.b[d.i] != '[' {
		return false
	}
	d.i++
	// Usually one: kept in the envelope's own array.
	env.Authorizations = env.authBuf[:0]
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return true // empty, not nil, as encoding/json leaves it
	}
	for {
		d.ws()
		env.Authorizations = append(env.Authorizations, authorization{})
		au := &env.Authorizations[len(env.Authorizations)-1]
		ok := d.object(func(key string) bool {
			switch key {
			case "user_id":
				return d.str(&au.UserID)
			case "is_bot":
				switch {
				case d.null():
				case strings.HasPrefix(d.s[d.i:], "true"):
					au.IsBot = true
					d.i += 4
				case strings.HasPrefix(d.s[d.i:], "false"):
					au.IsBot = false
					d.i += 5
				default:
					return false
				}
				return true
			}
			return d.other(key, authorizationKeys)
		})
		if !ok {
			return false
		}
		if done, ok := d.next(']'); done || !ok {
			return ok
		}
	}
}

// skip passes over one value of valid JSON.
func (d *jsonReader) skip() bool {
	d.ws()
	if d.i >= len(d.b) {
		return false
	}
	switch d.b[d.i] {
	case '"':
		_, ok := d.rawString()
		return ok
	case '{', '[':
		depth := 0
		for d.i < len(d.b) {
			switch d.b[d.i] {
			case '"':
				if _, ok := d.rawString(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					d.i++
					return true
				}
			}
			d.i++
		}
		return false
	}
	// A number, true, false or null.
	start := d.i
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return d.i > start
		}
		d.i++
	}
	return d.i > start
}
