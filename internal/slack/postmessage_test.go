package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"reflect"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// awkward are texts whose every byte must reach Slack as it was: form and
// JSON metacharacters, mrkdwn mentions and links, non-ASCII, line and
// paragraph separators, control characters.
var awkward = []string{
	"",
	"plain",
	"a b&c=d+e%f;g#h?i",
	`"quoted" \back\slash /slash`,
	"line\nbreak\ttab\r\x00\x01\x1f",
	"*Why:* <@U1> owns <#C1|checkout>, see <https://x.example/?a=1&b=2|the doc> &lt;not a tag&gt;",
	"ünïcode ✓ — 日本語 🚀 \u2028\u2029",
}

// TestEncodePostMessage: chat.postMessage's JSON body decodes to exactly the
// message, channel and thread_ts first, and to the blocks as they encode.
func TestEncodePostMessage(t *testing.T) {
	t.Parallel()
	for _, s := range awkward {
		for _, threaded := range []bool{false, true} {
			m := message{Channel: "C1", Text: s}
			if threaded {
				m.ThreadTS = "1700000000.000001"
			}
			if s != "" {
				m.Blocks = []slackapi.Block{slackapi.NewSectionBlock(mrkdwn(s), nil, nil), slackapi.NewContextBlock("", mrkdwn(s))}
			}
			body, err := encodePostMessage(m)
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			prefix := `{"channel":"C1","text":`
			if threaded {
				prefix = `{"channel":"C1","thread_ts":"1700000000.000001","text":`
			}
			if !bytes.HasPrefix(body, []byte(prefix)) {
				t.Errorf("body %s does not start %s", body, prefix)
			}
			var got struct {
				Channel  string          `json:"channel"`
				ThreadTS *string         `json:"thread_ts"`
				Text     *string         `json:"text"`
				Blocks   json.RawMessage `json:"blocks"`
			}
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if got.Channel != m.Channel || got.Text == nil || *got.Text != s {
				t.Errorf("body %s: channel %q, text %v; want %q, %q", body, got.Channel, got.Text, m.Channel, s)
			}
			if threaded != (got.ThreadTS != nil) || threaded && *got.ThreadTS != m.ThreadTS {
				t.Errorf("body %s: thread_ts %v, want %q", body, got.ThreadTS, m.ThreadTS)
			}
			if len(m.Blocks) == 0 {
				if got.Blocks != nil {
					t.Errorf("body %s has blocks", body)
				}
				continue
			}
			want, err := json.Marshal(m.Blocks)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, got.Blocks, want) {
				t.Errorf("blocks %s, want %s", got.Blocks, want)
			}
			var blocks slackapi.Blocks
			if err := json.Unmarshal(got.Blocks, &blocks); err != nil || len(blocks.BlockSet) != 2 {
				t.Fatalf("blocks %s: %v", got.Blocks, err)
			}
			if sec, ok := blocks.BlockSet[0].(*slackapi.SectionBlock); !ok || sec.Text.Text != s {
				t.Errorf("section text %+v, want %q", blocks.BlockSet[0], s)
			}
		}
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// TestPostMessageIsJSON: the post reaches a Slack that reads JSON bodies by
// their Content-Type, with the bot token, every field intact, and its ts
// comes back.
func TestPostMessageIsJSON(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-t", TeamID: testTeam})
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	a, err := New(Config{BotToken: "xoxb-t", SigningSecret: testSecret, APIURL: fake.APIURL(), Logger: testLogger(t)}, bot.New(st, cat), st)
	if err != nil {
		t.Fatal(err)
	}
	a.retry = delivery.Retry{Attempts: 1}
	ctx := context.Background()
	for i, s := range awkward[1:] {
		m := message{Channel: "C1", ThreadTS: "1700000000.000001", Text: s, Blocks: []slackapi.Block{slackapi.NewSectionBlock(mrkdwn(s), nil, nil)}}
		ts, err := a.postMessage(ctx, m)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		calls := fake.WaitCalls(t, methodPostMessage, i+1, 5*time.Second)
		c := calls[i]
		if ts == "" || c.Token != "xoxb-t" || c.Params["channel"] != "C1" || c.Params["thread_ts"] != m.ThreadTS || c.Params["text"] != s {
			t.Errorf("%q: ts %q, call %+v", s, ts, c)
		}
		if got := c.AllText(); got != s+"\n"+s {
			t.Errorf("Slack reads %q, want %q twice", got, s)
		}
	}
}

// TestPostMessageHonoursClientTimeout: the HTTP client's Timeout still
// bounds a post (it is applied as a deadline) when the Web API never answers.
func TestPostMessageHonoursClientTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hung.Close()
	defer close(release)
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	a, err := New(Config{BotToken: "xoxb-t", SigningSecret: testSecret, APIURL: hung.URL + "/api/", Logger: testLogger(t),
		HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}}, bot.New(st, cat), st)
	if err != nil {
		t.Fatal(err)
	}
	a.retry = delivery.Retry{Attempts: 1}
	done := make(chan error, 1)
	go func() {
		_, err := a.postMessage(context.Background(), message{Channel: "C1", Text: "hi"})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("post to a Web API that never answers: %v, want the deadline", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the client's Timeout did not end the post")
	}
}

// TestPostRequestAsNewRequest: a Web API request made from the shared URL
// and header goes out byte for byte as http.NewRequestWithContext's would,
// replays its body the same way, and sending it changes nothing shared;
// another token gets a header of its own.
func TestPostRequestAsNewRequest(t *testing.T) {
	t.Parallel()
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	a, err := New(Config{BotToken: "xoxb-t", SigningSecret: testSecret, APIURL: "https://slack.example/api/", Logger: testLogger(t)}, bot.New(st, cat), st)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	body := []byte(`{"channel":"C1","text":"hi & <there>"}`)
	for _, tc := range []struct {
		method, contentType string
		body                []byte
	}{
		{methodPostMessage, contentTypeJSON, body},
		{methodAuthTest, contentTypeForm, []byte("a=1&b=%20")},
		{methodAuthTest, contentTypeForm, []byte{}}, // an empty form
	} {
		for range 2 { // made, then shared
			got, err := a.postRequest(ctx, tc.method, tc.contentType, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			want, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://slack.example/api/"+tc.method, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			want.Header.Set("Content-Type", tc.contentType)
			want.Header.Set("Authorization", "Bearer xoxb-t")
			if g, w := dumpOut(t, got), dumpOut(t, want); g != w {
				t.Errorf("%s: request\n%s\nwant\n%s", tc.method, g, w)
			}
			if g, w := dumpOut(t, replay(t, got)), dumpOut(t, replay(t, want)); g != w {
				t.Errorf("%s: replayed request\n%s\nwant\n%s", tc.method, g, w)
			}
			if got.Context() != ctx {
				t.Errorf("%s: the request lost its context", tc.method)
			}
		}
	}
	h := a.postHeader(contentTypeJSON, "xoxb-t")
	if len(h) != 2 || h.Get("Authorization") != "Bearer xoxb-t" || h.Get("Content-Type") != contentTypeJSON {
		t.Errorf("sending changed the shared header: %v", h)
	}
	if u, _ := a.methodURL(methodPostMessage); u.String() != "https://slack.example/api/"+methodPostMessage {
		t.Errorf("sending changed the shared URL: %v", u)
	}
	if other := a.postHeader(contentTypeJSON, "xoxb-other"); other.Get("Authorization") != "Bearer xoxb-other" || h.Get("Authorization") != "Bearer xoxb-t" {
		t.Errorf("a second token: header %v, and the first now %v", other, h)
	}
}

// dumpOut is r as a client writes it (net/http/httputil.DumpRequestOut).
func dumpOut(t *testing.T, r *http.Request) string {
	t.Helper()
	b, err := httputil.DumpRequestOut(r, true)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replay is r with its body from GetBody, as the transport resends it.
func replay(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	c := r.Clone(r.Context())
	if r.GetBody != nil {
		b, err := r.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		c.Body = b
	}
	return c
}
