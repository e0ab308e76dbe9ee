package slack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/rich"
)

// TestOutboundResponsesAreCapped: a Web API or response_url answer that
// never ends (a broken proxy, a hostile SLACK_API_URL) is cut off after
// maxResponseBytes instead of being read into memory until the timeout.
// slack-go decodes responses without a limit, so the cap sits in the HTTP
// client's transport.
func TestOutboundResponsesAreCapped(t *testing.T) {
	t.Parallel()
	const huge = 128 << 20 // what the server would send if the client kept reading
	var sent atomic.Int64
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat("a", 64<<10))
		n, err := w.Write([]byte(`{"ok":true,"channel":"C1","ts":"1.1","pad":"`))
		sent.Add(int64(n))
		for total := 0; err == nil && total < huge; total += len(chunk) {
			n, err = w.Write(chunk)
			sent.Add(int64(n))
		}
		if err == nil {
			_, _ = w.Write([]byte(`"}`))
		}
	}))
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	a, err := New(Config{BotToken: "xoxb-t", SigningSecret: testSecret, APIURL: srv.URL + "/api/", Logger: testLogger(t)}, bot.New(st, cat), st)
	if err != nil {
		t.Fatal(err)
	}
	a.retry = delivery.Retry{Attempts: 1}
	ctx := context.Background()
	calls := []struct {
		name string
		call func() error
	}{
		{"chat.postMessage", func() error { _, err := a.postMessage(ctx, message{Channel: "C1", Text: "hi"}); return err }},
		{"response_url", func() error { return a.respond(ctx, srv.URL+"/response/x", false, message{Text: "hi"}) }},
		{"views.publish", func() error { return a.publishHome(ctx, "U1", []slackapi.Block{section(rich.Plain("hi"))}) }},
	}
	for _, c := range calls {
		sent.Store(0)
		err := c.call()
		// The server may get a few socket buffers further than the client
		// read; without the cap it would send all of huge.
		if n := sent.Load(); n > 32<<20 {
			t.Errorf("%s: the client read on for %d MiB (err %v)", c.name, n>>20, err)
		}
		if err == nil && c.name != "response_url" {
			t.Errorf("%s: a %d MiB response was accepted", c.name, huge>>20)
		}
	}
}

func TestCappedBody(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		size, limit int
		ok          bool
	}{{0, 0, true}, {10, 10, true}, {11, 10, false}, {10, 0, false}, {100000, 65536, false}, {65536, 65536, true}} {
		b := &cappedBody{ReadCloser: io.NopCloser(strings.NewReader(strings.Repeat("x", c.size))), left: int64(c.limit)}
		got, err := io.ReadAll(b)
		if c.ok && (err != nil || len(got) != c.size) {
			t.Errorf("%d bytes, limit %d: read %d, %v", c.size, c.limit, len(got), err)
		}
		if !c.ok && (!errors.Is(err, errResponseTooLarge) || len(got) > c.limit) {
			t.Errorf("%d bytes, limit %d: read %d, %v; want the first %d and errResponseTooLarge", c.size, c.limit, len(got), err, c.limit)
		}
	}
}
