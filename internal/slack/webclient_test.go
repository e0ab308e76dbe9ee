package slack

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

const okReply = `{"ok":true,"channel":"C1","ts":"1700000000.000002","message":{"ts":"1700000000.000099"}}`

// newTestWebClient is the client New would make for url with the default
// HTTP client.
func newTestWebClient(t *testing.T, url string) *webClient {
	t.Helper()
	// No test waits for the timeout: a minute only stops a hung one. A
	// 4 MiB answer read under the race detector on a loaded machine
	// outlasted 5 s.
	c := newWebClient(url, &http.Client{Timeout: time.Minute}, 2)
	if c == nil {
		t.Fatalf("no webClient for %s", url)
	}
	return c
}

// TestWebClientChosen: chat.postMessage goes through webClient only for a
// client of net/http's default kind with a Timeout, and an http(s) URL.
func TestWebClientChosen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url  string
		hc   *http.Client
		want bool
	}{
		{"https://slack.com/api/", &http.Client{Timeout: time.Second}, true},
		{"http://127.0.0.1:9/api/", &http.Client{Timeout: time.Second}, true},
		{"https://slack.com/api/", &http.Client{Timeout: time.Second, Transport: &http.Transport{}}, false},
		{"https://slack.com/api/", &http.Client{}, false},
		{"ftp://slack.com/api/", &http.Client{Timeout: time.Second}, false},
	} {
		if got := newWebClient(tc.url, tc.hc, 1) != nil; got != tc.want {
			t.Errorf("%s, transport %v, timeout %v: webClient %v, want %v", tc.url, tc.hc.Transport, tc.hc.Timeout, got, tc.want)
		}
	}
}

// TestWebClientStaleConnection: a kept-alive connection the server closed
// while idle is noticed before the next request is written to it; the
// request goes out once, on a new connection, and succeeds.
func TestWebClientStaleConnection(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the closed-connection check is Linux's")
	}
	t.Parallel()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, okReply)
	}))
	defer srv.Close()
	c := newTestWebClient(t, srv.URL+"/api/")
	var conns []*checkedConn
	c.dialed = func(cc *checkedConn) { conns = append(conns, cc) }
	ctx := context.Background()
	if ts, err := c.postMessage(ctx, "xoxb-t", []byte(`{"channel":"C1","text":"one"}`)); err != nil || ts != "1700000000.000002" {
		t.Fatalf("first post: %q, %v", ts, err)
	}
	srv.CloseClientConnections()
	// The client is idle: only this goroutine touches the connection.
	for deadline := time.Now().Add(10 * time.Second); !conns[0].peerClosed(); {
		if time.Now().After(deadline) {
			t.Fatal("the closed connection never looked closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ts, err := c.postMessage(ctx, "xoxb-t", []byte(`{"channel":"C1","text":"two"}`)); err != nil || ts != "1700000000.000002" {
		t.Fatalf("post after the server closed the connection: %q, %v", ts, err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d requests arrived for 2 posts", n)
	}
	if len(conns) != 2 {
		t.Errorf("%d connections for 2 posts with one closed between", len(conns))
	}
}

// TestWebClientSentOrNot: a request that reached a server which then
// closed without answering is not repeated and may have been acted on
// (Unknown); one that could not connect never left (Transient).
func TestWebClientSentOrNot(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			req, err := http.ReadRequest(bufio.NewReader(conn))
			if err == nil {
				_, _ = io.Copy(io.Discard, req.Body)
				requests.Add(1)
			}
			_ = conn.Close()
		}
	})
	c := newTestWebClient(t, "http://"+ln.Addr().String()+"/api/")
	_, err = c.postMessage(context.Background(), "xoxb-t", []byte(`{"channel":"C1","text":"hi"}`))
	if err == nil || classify(err, false).Class != delivery.Unknown {
		t.Errorf("no answer after the request arrived: %v, class %v; want Unknown", err, classify(err, false).Class)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("the request arrived %d times, want once", n)
	}
	_ = ln.Close()
	wg.Wait()
	_, err = c.postMessage(context.Background(), "xoxb-t", []byte(`{"channel":"C1","text":"hi"}`))
	if err == nil || classify(err, false).Class != delivery.Transient {
		t.Errorf("nothing listening: %v, class %v; want Transient", err, classify(err, false).Class)
	}
}

// TestWebClientAnswerCap: an answer over maxResponseBytes fails as the
// net/http client's does.
func TestWebClientAnswerCap(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true,"ts":"1","pad":"`+strings.Repeat("x", maxResponseBytes)+`"}`)
	}))
	defer srv.Close()
	c := newTestWebClient(t, srv.URL+"/api/")
	_, err := c.postMessage(context.Background(), "xoxb-t", []byte(`{}`))
	if !errors.Is(err, errResponseTooLarge) || classify(err, false).Class != delivery.Unknown {
		t.Errorf("oversized answer: %v", err)
	}
}

// TestWebClientProxy: with HTTPS_PROXY set, the post goes through the
// proxy's CONNECT tunnel (with the proxy's credentials) and TLS to the
// Web API inside it.
func TestWebClientProxy(t *testing.T) {
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer xoxb-t" || r.URL.Path != "/api/chat.postMessage" {
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, okReply)
	}))
	defer api.Close()
	var connects []string
	var mu sync.Mutex
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		mu.Lock()
		connects = append(connects, r.Host+" "+r.Header.Get("Proxy-Authorization"))
		mu.Unlock()
		// Whatever host is asked for, the tunnel leads to the test API.
		up, err := net.Dial("tcp", api.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			_ = up.Close()
			return
		}
		_ = brw.Flush()
		go func() { _, _ = io.Copy(up, brw); _ = up.Close() }()
		_, _ = io.Copy(conn, up)
		_ = conn.Close()
	}))
	defer proxy.Close()
	t.Setenv("HTTPS_PROXY", "http://bot:s3cret@"+proxy.Listener.Addr().String())
	t.Setenv("NO_PROXY", "")
	// httptest's certificate names example.com; loopback addresses are
	// never proxied, so the API is called by that name.
	_, port, _ := net.SplitHostPort(api.Listener.Addr().String())
	c := newTestWebClient(t, "https://example.com:"+port+"/api/")
	c.tlsConfig.RootCAs = api.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for range 2 {
		ts, err := c.postMessage(context.Background(), "xoxb-t", []byte(`{"channel":"C1","text":"hi"}`))
		if err != nil || ts != "1700000000.000002" {
			t.Fatalf("post through the proxy: %q, %v", ts, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// One tunnel, kept alive for both posts.
	if want := "example.com:" + port + " Basic Ym90OnMzY3JldA=="; len(connects) != 1 || connects[0] != want {
		t.Errorf("CONNECTs %q, want [%q]", connects, want)
	}
}

// TestWebClientUntrustedCertificate: TLS is checked against the system
// roots; a certificate they do not vouch for fails before the request
// leaves.
func TestWebClientUntrustedCertificate(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	api.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	defer api.Close()
	c := newTestWebClient(t, api.URL+"/api/")
	_, err := c.postMessage(context.Background(), "xoxb-t", []byte(`{}`))
	if err == nil || classify(err, false).Class != delivery.Transient || requests.Load() != 0 {
		t.Errorf("untrusted certificate: %v (class %v), %d requests", err, classify(err, false).Class, requests.Load())
	}
}

// TestDecodeReplyOK: the short reader of an ok:true answer gives what
// encoding/json gives, or leaves the answer to it.
func TestDecodeReplyOK(t *testing.T) {
	t.Parallel()
	for _, s := range replySeeds {
		checkReplyDecoders(t, []byte(s))
	}
}

var replySeeds = []string{
	okReply,
	`{"ok":true}`,
	`{"ts":"1.2","ok":true}`,
	`{"ok":false,"error":"channel_not_found"}`,
	`{"ok":true,"ok":null,"ts":"1.2"}`,
	`{"ok":true,"ts":null}`,
	`{"ok":true,"ts":"1\u002e2"}`,
	`{"OK":true,"ts":"1.2"}`,
	`{"ok":true,"Ts":"1.2"}`,
	`{"ok":true,"ts":12}`,
	`{"ok":"true","ts":"1.2"}`,
	`{"ok":true,"ts":"1.2","warning":"missing_charset","response_metadata":{"warnings":["missing_charset"]}}`,
	`{"ok":true,"ts":"1.2","warning":7}`,
	`{"ok":true,"ts":"1.2","errors":"x"}`,
	`{"ok":true,"ts":"1.2"} trailing`,
	`{"ok":true,"ts":"1.2"`,
	` {"ok" : true , "ts" : "1.2" } `,
	`[]`,
	``,
}

func checkReplyDecoders(t *testing.T, b []byte) {
	var r apiReply
	jerr := json.NewDecoder(bytes.NewReader(b)).Decode(&r)
	if jerr == nil {
		jerr = r.Err()
	}
	ts, ok := decodeReplyOK(b)
	if !ok {
		return
	}
	if jerr != nil || ts != r.TS {
		t.Errorf("%s: short reader ts %q, encoding/json ts %q, err %v", b, ts, r.TS, jerr)
	}
}

func FuzzDecodeReplyOK(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkReplyDecoders(t, b) })
}

// TestUpdateMessageIsJSON: chat.update goes out as a JSON body with the
// message's ts, the channel, the text and blocks intact and no thread_ts.
func TestUpdateMessageIsJSON(t *testing.T) {
	t.Parallel()
	for _, s := range awkward {
		m := message{Channel: "C1", ThreadTS: "1700000000.000009", Text: s}
		if s != "" {
			m.Blocks = []slackapi.Block{slackapi.NewSectionBlock(mrkdwn(s), nil, nil)}
		}
		b, err := appendUpdateMessage([]byte("junk"), "1700000000.000001", m)
		if err != nil {
			t.Fatal(err)
		}
		b = b[len("junk"):]
		var got map[string]json.RawMessage
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: body %s: %v", s, b, err)
		}
		var ts, ch, text string
		_ = json.Unmarshal(got["ts"], &ts)
		_ = json.Unmarshal(got["channel"], &ch)
		_ = json.Unmarshal(got["text"], &text)
		if _, threaded := got["thread_ts"]; threaded || ts != "1700000000.000001" || ch != "C1" || text != s || (len(m.Blocks) > 0) != (got["blocks"] != nil) {
			t.Errorf("%q: body %s", s, b)
		}
	}

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
	if a.web == nil {
		t.Fatal("the default client does not update through webClient")
	}
	a.retry = delivery.Retry{Attempts: 1}
	s := awkward[len(awkward)-1]
	if err := a.updateMessage(context.Background(), "1700000000.000001", message{Channel: "C1", Text: s, Blocks: []slackapi.Block{slackapi.NewSectionBlock(mrkdwn(s), nil, nil)}}); err != nil {
		t.Fatal(err)
	}
	c := fake.WaitCalls(t, methodUpdate, 1, 5*time.Second)[0]
	if c.Token != "xoxb-t" || c.Params["channel"] != "C1" || c.Params["ts"] != "1700000000.000001" || c.Params["text"] != s || c.AllText() != s+"\n"+s {
		t.Errorf("chat.update call %+v", c)
	}
}
