package slack

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// decodersAgree fails unless decodeEnvelope and decodeInner, where they
// decode body, decode exactly what encoding/json does. It reports whether
// the targeted decoders read the envelope and the inner event themselves.
func decodersAgree(t *testing.T, body []byte) (envFast, innerFast bool) {
	t.Helper()
	var fast, slow envelope
	envFast = decodeEnvelope(body, &fast)
	slowErr := json.Unmarshal(body, &slow)
	if envFast {
		if slowErr != nil {
			t.Fatalf("%s: decoded, but encoding/json says %v", body, slowErr)
		}
		if !bytes.Equal(fast.Event, slow.Event) {
			t.Fatalf("%s: event %s, encoding/json %s", body, fast.Event, slow.Event)
		}
		if fast.eventText != string(fast.Event) {
			t.Fatalf("%s: event text %q, event %s", body, fast.eventText, fast.Event)
		}
		f, s := fast, slow
		f.Event, s.Event = nil, nil
		// The decoder's own scratch space, not what it read.
		f.eventText, f.authBuf = "", [1]authorization{}
		if !reflect.DeepEqual(f, s) {
			t.Fatalf("%s:\n got %#v\nwant %#v", body, f, s)
		}
	}
	if slowErr != nil || slow.Event == nil {
		return envFast, false
	}
	raw := slow.Event
	if envFast {
		raw = body[bytes.Index(body, raw):][:len(raw)]
	}
	var fi, si innerEvent
	if envFast {
		// As processEvent decodes it: from the envelope's copy of the body.
		innerFast = decodeInnerText(raw, fast.eventText, &fi)
	} else {
		innerFast = decodeInner(raw, &fi)
	}
	innerErr := json.Unmarshal(raw, &si)
	if innerFast {
		if innerErr != nil {
			t.Fatalf("%s: inner decoded, but encoding/json says %v", raw, innerErr)
		}
		if !reflect.DeepEqual(fi, si) {
			t.Fatalf("%s:\n got %#v\nwant %#v", raw, fi, si)
		}
	}
	return envFast, innerFast
}

// TestEventDecodersAgree: on the payloads of the tests and Slack's
// published shapes, and on odd JSON, the targeted decoders read what
// encoding/json reads, or leave it to encoding/json.
func TestEventDecodersAgree(t *testing.T) {
	t.Parallel()
	var bodies [][]byte
	for i, text := range []string{"who owns the roadmap?", "<@U0BOT> who & <#C1|x>", "ünïcode ✓ 🚀 \u2028", "quote \" back \\ slash / tab \t"} {
		bodies = append(bodies, eventBody("Ev"+string(rune('A'+i)), mention(uJules, cCheck, "1.1", text)), eventBody("EvD", dm(uJules, "D1", "1.2", text)))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "payloads", "*.json"))
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "block_actions") {
			continue // an interaction, not an event
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	normal := len(bodies)
	odd := []string{
		`{"type":"event_callback","team_id":"T1","event":{"type":"app_mention","user":"U1","text":"raw <@U0BOT> hi","channel":"C1","ts":"1.1"}}`,
		`{"type":"event_callback","event":{"type":"message","text":"\u003c@U0BOT\u003e \ud83d\ude80 \ud83d \udc00 \u00e9\/\b\f\n\r\t"}}`,
		`{"type":"event_callback","event":{"type":"message","text":"bad utf-8 ` + "\xff\xfe" + `"}}`,
		`{"Type":"event_callback","TEAM_ID":"T1"}`,
		`{"type":"event_callback","team_id":null,"event_id":"Ev1","event":null}`,
		`{"type":"event_callback","team_id":"T1","team_id":"T2","event":{"type":"a"},"event":{"type":"b","user":"U1","user":null}}`,
		`{"type":"event_callback","authorizations":[{"user_id":"U1","is_bot":true},{"user_id":"U2","is_bot":false,"team_id":"T1"}]}`,
		`{"type":"event_callback","authorizations":[]}`,
		`{"type":"event_callback","authorizations":null}`,
		`{"type":"event_callback","authorizations":[{"user_id":"U1","is_bot":true}],"authorizations":[{"user_id":"U2"}]}`,
		`{"type":"event_callback","authorizations":[null]}`,
		`{"type":"event_callback","authorizations":[{"is_bot":"yes"}]}`,
		`{"type":"event_callback","event":{"type":"team_join","user":{"id":"U1","profile":{"x":[1,2,{"y":"}"}]}}}}`,
		`{"type":"event_callback","event":{"type":"message","bot_profile":{"id":"B1"},"edited":null}}`,
		`{"type":"event_callback","event":{"type":"message","bot_profile":null,"edited":{"ts":"1"},"edited":{}}}`,
		`{"type":"event_callback","event":{"type":"message","edited":"yes"}}`,
		`{"type":"event_callback","event":{"type":"message","ts":1700000000.1}}`,
		`{"type":5}`,
		`{"type":"event_callback","x":[1,"]",{"a":"\"}"}],"y":-1.5e3,"z":true,"w":false,"v":null}`,
		` { "type" : "event_callback" , "event" : { "type" : "message" , "text" : "spaced" } } `,
		`{"type":"url_verification","challenge":"abc123","token":"x"}`,
		`{"typ\u0065":"event_callback"}`,
		`{"ſubtype":"x","type":"event_callback","event":{"ſubtype":"x","type":"message"}}`,
		`{"type":"event_callback","event":"not an object"}`,
		`{"type":"event_callback","event":[1,2]}`,
		`[]`, `"x"`, `nope`, `{"type":"event_callback",}`, `{}`, `{"event":{}}`,
	}
	for _, s := range odd {
		bodies = append(bodies, []byte(s))
	}
	for n, b := range bodies {
		e, i := decodersAgree(t, b)
		// Events as Slack sends them take the targeted path; otherwise
		// this test would prove little.
		if n < normal && (!e || !i) {
			t.Errorf("%s: the targeted decoders left it to encoding/json (envelope %v, event %v)", b, e, i)
		}
	}
}

// FuzzEventDecodersAgree: whatever the body, the targeted decoders read
// what encoding/json reads, or leave it to encoding/json.
func FuzzEventDecodersAgree(f *testing.F) {
	f.Add(eventBody("Ev1", mention(uJules, cCheck, "1.1", "who owns <the> roadmap?")))
	f.Add([]byte(`{"type":"event_callback","authorizations":[{"user_id":"U1","is_bot":true}],"event":{"type":"message","text":"\ud83d\ude80\u00e9","edited":{}}}`))
	f.Add([]byte(`{"TYPE":"x","event":{"Text":"y","bot_profile":null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		decodersAgree(t, body)
	})
}
