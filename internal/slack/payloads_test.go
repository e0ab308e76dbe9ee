package slack

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// TestRealPayloads replays payloads in the shapes Slack publishes (see
// testdata/payloads/README.md) through the real handlers.
func TestRealPayloads(t *testing.T) {
	t.Parallel()
	type want struct {
		// answered is the channel an answer must be posted to, "" for none.
		answered string
		// contains is what the answer must say.
		contains []string
		// method is how the answer is posted (chat.postMessage by default).
		method string
	}
	for _, tc := range []struct {
		file string
		want want
	}{
		{"slackbot_removed_dm.json", want{}},
		{"bot_message_dm.json", want{}},
		{"app_message_dm.json", want{}},
		{"file_share_dm.json", want{answered: dmPriya, contains: []string{"backlog", "<@" + uMarco + ">"}}},
		// The click answers in place from T1's directory, not from an
		// empty one ("No teams are set up yet").
		{"block_actions_org_install.json", want{answered: cCheck, method: "chat.update", contains: []string{"Checkout", "<@" + uPriya + ">"}}},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".json"), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			raw, err := os.ReadFile(filepath.Join("testdata", "payloads", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			raw = bytes.ReplaceAll(raw, []byte("{{response_url}}"), []byte(h.fake.ResponseURL("act")))
			var resp *http.Response
			if strings.HasPrefix(tc.file, "block_actions") {
				form := url.Values{"payload": {string(raw)}}
				resp = h.post("/slack/interactivity", "application/x-www-form-urlencoded", []byte(form.Encode()), time.Now(), nil)
			} else {
				resp = h.post("/slack/events", "application/json", raw, time.Now(), nil)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if tc.want.answered == "" {
				h.sentinel("1")
				if n := len(h.fake.Calls("chat.postMessage")); n != 1 {
					for _, c := range h.fake.Calls("chat.postMessage") {
						t.Logf("posted to %s: %s", c.Params["channel"], c.AllText())
					}
					t.Fatalf("%d messages posted, want only the sentinel's", n)
				}
				return
			}
			method := tc.want.method
			if method == "" {
				method = "chat.postMessage"
			}
			c := h.fake.WaitCall(t, method, wait, func(c fakeslack.Call) bool { return c.Params["channel"] == tc.want.answered })
			text := c.AllText()
			for _, s := range tc.want.contains {
				if !strings.Contains(text, s) {
					t.Errorf("answer lacks %q:\n%s", s, text)
				}
			}
			if strings.Contains(text, "No teams") {
				t.Errorf("answered from an empty directory:\n%s", text)
			}
		})
	}
}
