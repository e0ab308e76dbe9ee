package loadgen

import (
	"encoding/json"
	"net/url"
	"testing"
)

// TestEventBodyIsSlacksJSON: the appended body decodes to the event Slack
// would send, whatever the question's characters.
func TestEventBodyIsSlacksJSON(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"who owns the roadmap?", `what's "done" for a story\task?`, "tabs\tand\nnewlines \x01", "ünïcode — ✓ <b>&amp;"} {
		b := appendEventBody(nil, "TLOAD", "Ev1", "C1", "U1", q, "1700000000.000001", 1700000000)
		var got struct {
			Type    string `json:"type"`
			TeamID  string `json:"team_id"`
			EventID string `json:"event_id"`
			Event   struct {
				Type, User, Text, TS, Channel string
			} `json:"event"`
			Authorizations []struct {
				UserID string `json:"user_id"`
				IsBot  bool   `json:"is_bot"`
			} `json:"authorizations"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %v\n%s", q, err, b)
		}
		if got.Type != "event_callback" || got.TeamID != "TLOAD" || got.EventID != "Ev1" || got.Event.Type != "app_mention" ||
			got.Event.Text != "<@UBOT> "+q || got.Event.TS != "1700000000.000001" || got.Event.Channel != "C1" ||
			len(got.Authorizations) != 1 || !got.Authorizations[0].IsBot {
			t.Errorf("%q decodes to %+v", q, got)
		}
	}
}

// TestFakeAPIParameters: the fake reads the parameters it records from a
// form (query and body) or a JSON body, in any order.
func TestFakeAPIParameters(t *testing.T) {
	t.Parallel()
	keys := []string{"thread_ts", "channel"}
	form := url.Values{"blocks": {`[{"type":"section"}]`}, "thread_ts": {"1.2"}, "channel": {"C 1&"}}.Encode()
	out := make([]string, 2)
	formValues([]byte("channel=Q&x=1"), keys, out)
	formValues([]byte(form), keys, out)
	if out[0] != "1.2" || out[1] != "C 1&" {
		t.Errorf("form values = %q", out)
	}
	for _, body := range []string{
		`{"channel":"C1","thread_ts":"1.2","text":"x","blocks":[{"a":[1,2,{"channel":"no"}]}]}`,
		`{"blocks":[{"a":[1,2,{"channel":"no"}]}],"text":"x","thread_ts":"1.2","channel":"C1"}`,
	} {
		out := make([]string, 2)
		jsonFields([]byte(body), keys, out)
		if out[0] != "1.2" || out[1] != "C1" {
			t.Errorf("%s: values = %q", body, out)
		}
	}
}
