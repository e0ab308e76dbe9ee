package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the connections it accepts and remembers them,
// to tell whether the server closed them.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
	mu       sync.Mutex
	conns    []*trackedConn
}

type trackedConn struct {
	net.Conn
	closed atomic.Bool
}

func (c *trackedConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

func (c *trackedConn) CloseWrite() error {
	return c.Conn.(*net.TCPConn).CloseWrite()
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	tc := &trackedConn{Conn: c}
	l.mu.Lock()
	l.conns = append(l.conns, tc)
	l.mu.Unlock()
	return tc, nil
}

// serveFake starts Serve on a loopback port and closes it at the end of
// the test, which must make Serve return nil.
func serveFake(t testing.TB) (*FakeAPI, *countingListener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	f := NewFakeAPI()
	done := make(chan error, 1)
	go func() { done <- f.Serve(cl) }()
	t.Cleanup(func() { closeAndWait(t, f, done) })
	return f, cl, "http://" + ln.Addr().String()
}

// keepAliveClient returns a client with its own keep-alive transport and a
// context that counts the new connections its requests open.
func keepAliveClient(t testing.TB) (*http.Client, context.Context, *atomic.Int64) {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(tr.CloseIdleConnections)
	var fresh atomic.Int64
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			if !i.Reused {
				fresh.Add(1)
			}
		},
	})
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, ctx, &fresh
}

// apiCall is one Web API call of the tests.
type apiCall struct {
	method, target, contentType, body string
	want                              string // JSON fields the answer must hold
}

func (c apiCall) request(ctx context.Context, base string) (*http.Request, error) {
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, base+c.target, body)
	if err != nil {
		return nil, err
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	return req, nil
}

// bigBlocks is a blocks parameter larger than Serve's read buffer, with
// characters a form escapes.
func bigBlocks() string {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; b.Len() < 12<<10; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"section","text":{"type":"mrkdwn","text":"owner #%d: a&b=c 100%% + ünïcode ✓ \"quoted\""}}`, i)
	}
	b.WriteString("]")
	return b.String()
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

const formType = "application/x-www-form-urlencoded"

func testCalls() []apiCall {
	blocks := bigBlocks()
	return []apiCall{
		{"POST", "/api/chat.postMessage", formType, form("token", "xoxb-load", "channel", "C1", "thread_ts", "1700000000.000001", "blocks", blocks, "text", "x"),
			`{"ok":true,"channel":"C1","ts":"1700000000.0000011"}`},
		{"POST", "/api/chat.postMessage", formType, form("blocks", blocks, "channel", `C 1&=%+é"`, "thread_ts", "1700000000.000001"),
			`{"ok":true,"channel":"C 1&=%+é\"","ts":"1700000000.0000011"}`},
		// Body values win over the query's.
		{"POST", "/api/chat.postMessage?thread_ts=Q&channel=C%2F3", formType, form("thread_ts", "1700000000.000002"),
			`{"ok":true,"channel":"C/3","ts":"1700000000.0000021"}`},
		{"POST", "/api/chat.postMessage", formType, form("channel", "C4", "text", "not threaded"),
			`{"ok":true,"channel":"C4","ts":"1"}`},
		{"POST", "/api/chat.postMessage", "application/json; charset=utf-8", `{"blocks":` + blocks + `,"channel":"C5","thread_ts":"1700000000.000003"}`,
			`{"ok":true,"channel":"C5","ts":"1700000000.0000031"}`},
		{"GET", "/api/users.info?user=U1", "", "", `{"ok":true,"user":{"id":"U1","name":"user"}}`},
		{"POST", "/api/users.info", formType, form("user", "U 2"), `{"ok":true,"user":{"id":"U 2"}}`},
		{"POST", "/api/auth.test", formType, form("token", "xoxb-load"), `{"ok":true,"user_id":"UBOT","team_id":"TLOAD"}`},
		{"POST", "/api/conversations.open", formType, form("users", "U3"), `{"ok":true,"channel":{"id":"DU3"}}`},
		{"POST", "/api/chat.update", formType, form("channel", "C1", "ts", "1.0"), `{"ok":true,"ts":"1.0"}`},
	}
}

// wantSubset reports whether every field of want is in got, recursively.
func wantSubset(got, want any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(got, want)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, w := range wm {
		if g, ok := gm[k]; !ok || !wantSubset(g, w) {
			return false
		}
	}
	return true
}

// TestFakeAPIServeAnswersLikeServeHTTP: Serve answers a real keep-alive
// client byte for byte as ServeHTTP does, on one connection, and records
// and counts the same.
func TestFakeAPIServeAnswersLikeServeHTTP(t *testing.T) {
	t.Parallel()
	f, ln, base := serveFake(t)
	ref := NewFakeAPI()
	client, ctx, fresh := keepAliveClient(t)

	for _, c := range testCalls() {
		req, err := c.request(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.target, err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.target, err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.Close || resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
			t.Errorf("%s %s: %s %s, Content-Type %q, close %v", c.method, c.target, resp.Proto, resp.Status, resp.Header.Get("Content-Type"), resp.Close)
		}

		refReq, _ := c.request(context.Background(), "http://fake")
		rec := httptest.NewRecorder()
		ref.ServeHTTP(rec, refReq)
		if string(got) != rec.Body.String() {
			t.Errorf("%s %s: Serve answers\n%s\nServeHTTP answers\n%s", c.method, c.target, got, rec.Body)
		}

		var gotJSON, wantJSON any
		if err := json.Unmarshal(got, &gotJSON); err != nil {
			t.Errorf("%s %s: %v\n%s", c.method, c.target, err, got)
			continue
		}
		if err := json.Unmarshal([]byte(c.want), &wantJSON); err != nil {
			t.Fatal(err)
		}
		if !wantSubset(gotJSON, wantJSON) {
			t.Errorf("%s %s: answer %s, want at least %s", c.method, c.target, got, c.want)
		}
	}

	if n := fresh.Load(); n != 1 {
		t.Errorf("the client opened %d connections, want 1 reused throughout", n)
	}
	if n := ln.accepted.Load(); n != 1 {
		t.Errorf("Serve accepted %d connections, want 1", n)
	}
	calls, other := f.calls.Load(), f.other.Load()
	if calls != 10 || other != 2 || ref.calls.Load() != calls || ref.other.Load() != other {
		t.Errorf("calls %d (ServeHTTP %d), other %d (ServeHTTP %d); want 10 and 2", calls, ref.calls.Load(), other, ref.other.Load())
	}
	replies := map[string]int{}
	for thread, at := range f.Replies() {
		replies[thread] = len(at)
	}
	want := map[string]int{"1700000000.000001": 2, "1700000000.000002": 1, "1700000000.000003": 1}
	if !reflect.DeepEqual(replies, want) {
		t.Errorf("replies by thread = %v, want %v", replies, want)
	}
	if f.count() != 3 {
		t.Errorf("count() = %d, want 3", f.count())
	}
	select {
	case <-f.notify:
	default:
		t.Error("no notification of the replies")
	}
}

// TestFakeAPIServeConcurrentClients: replies posted on several keep-alive
// connections at once are all recorded.
func TestFakeAPIServeConcurrentClients(t *testing.T) {
	t.Parallel()
	f, _, base := serveFake(t)
	client, ctx, _ := keepAliveClient(t)
	const workers, posts = 8, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range posts {
				c := apiCall{method: "POST", target: "/api/chat.postMessage", contentType: formType,
					body: form("channel", "C1", "thread_ts", fmt.Sprintf("%d.%06d", w, i))}
				req, err := c.request(ctx, base)
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := f.count(); n != workers*posts {
		t.Errorf("%d threads answered, want %d", n, workers*posts)
	}
	if n := f.calls.Load(); n != workers*posts {
		t.Errorf("%d calls, want %d", n, workers*posts)
	}
}

// rawExchange writes req on a new connection and reads the response.
func rawExchange(t *testing.T, addr, req string) (*http.Response, *bufio.Reader, net.Conn) {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(addr, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	return resp, br, nc
}

// wantEOF checks that the server closed the connection.
func wantEOF(t *testing.T, br *bufio.Reader, what string) {
	t.Helper()
	if b, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("%s: the connection is still open (%q, %v)", what, b, err)
	}
}

// TestFakeAPIServeRejectsBadRequests: what Serve cannot parse or does not
// take is answered 400 and its connection closed, without counting a call.
func TestFakeAPIServeRejectsBadRequests(t *testing.T) {
	t.Parallel()
	f, _, base := serveFake(t)
	ok := "POST /api/auth.test HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
	for _, req := range []string{
		"GARBAGE\r\n\r\n",
		"GET /api/auth.test\r\n\r\n",
		"GET api/auth.test HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /api/auth.test HTTP/2.0\r\nHost: x\r\n\r\n",
		"GET /api/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost x\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost : x\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nX-Long: " + strings.Repeat("a", 5000) + "\r\n\r\n",
		"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx",
	} {
		resp, br, _ := rawExchange(t, base, req)
		if resp.StatusCode != http.StatusBadRequest || !resp.Close {
			t.Errorf("%.80q: %s, close %v; want 400 and close", req, resp.Status, resp.Close)
		}
		wantEOF(t, br, fmt.Sprintf("%.80q", req))
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("%d calls counted for bad requests", n)
	}

	// A good request is answered before the bad one that follows it.
	resp, br, nc := rawExchange(t, base, ok+"BAD\r\n\r\n")
	if resp.StatusCode != 200 {
		t.Errorf("good request before a bad one: %s", resp.Status)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad request after a good one: %s", resp.Status)
	}
	wantEOF(t, br, "bad request after a good one")
	nc.Close()
}

// TestFakeAPIServeClosesWhenAsked: Serve answers pipelined requests in
// order and closes the connection after one that asks for it, or after an
// HTTP/1.0 request.
func TestFakeAPIServeClosesWhenAsked(t *testing.T) {
	t.Parallel()
	f, ln, base := serveFake(t)
	resp, br, _ := rawExchange(t, base,
		"POST /api/auth.test HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"+
			"GET /api/users.info?user=U1 HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, Close\r\n\r\n")
	if resp.StatusCode != 200 || resp.Close {
		t.Errorf("first pipelined request: %s, close %v", resp.Status, resp.Close)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !resp.Close || !strings.Contains(string(body), `"id":"U1"`) {
		t.Errorf("second pipelined request: %s, close %v: %s", resp.Status, resp.Close, body)
	}
	wantEOF(t, br, "Connection: close")

	resp, br, _ = rawExchange(t, base, "GET /api/auth.test HTTP/1.0\r\n\r\n")
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("HTTP/1.0: %s, close %v", resp.Status, resp.Close)
	}
	wantEOF(t, br, "HTTP/1.0")

	// A client that closes its connections gets a new one each time.
	client, ctx, fresh := keepAliveClient(t)
	before := ln.accepted.Load()
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/auth.test", nil)
		req.Close = true
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if !resp.Close {
			t.Error("the answer to Connection: close does not close")
		}
	}
	if n := ln.accepted.Load() - before; n != 2 || fresh.Load() != 2 {
		t.Errorf("%d connections accepted (%d opened) for 2 requests that close theirs", n, fresh.Load())
	}
	if n := f.calls.Load(); n != 5 {
		t.Errorf("%d calls, want 5", n)
	}
}

// TestFakeAPIServeExpectContinue: a request that expects 100-continue gets
// it before it sends its body.
func TestFakeAPIServeExpectContinue(t *testing.T) {
	t.Parallel()
	f, _, base := serveFake(t)
	nc, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	body := form("channel", "C1", "thread_ts", "9.1")
	fmt.Fprintf(nc, "POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", formType, len(body))
	br := bufio.NewReader(nc)
	const cont = "HTTP/1.1 100 Continue\r\n\r\n"
	got := make([]byte, len(cont))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != cont {
		t.Fatalf("before the body: %q, %v", got, err)
	}
	io.WriteString(nc, body)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 || len(f.Replies()["9.1"]) != 1 {
		t.Errorf("%s, replies %v", resp.Status, f.Replies())
	}
}

// TestFakeAPICloseEndsServe: Close makes Serve return nil and closes its
// connections, idle or not yet used; Serve after Close returns at once.
func TestFakeAPICloseEndsServe(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	f := NewFakeAPI()
	done := make(chan error, 1)
	go func() { done <- f.Serve(cl) }()
	base := "http://" + ln.Addr().String()

	client, ctx, _ := keepAliveClient(t)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/auth.test", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for deadline := time.Now().Add(5 * time.Second); cl.accepted.Load() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second connection was not accepted")
		}
	}

	closeAndWait(t, f, done)
	cl.mu.Lock()
	for i, c := range cl.conns {
		if !c.closed.Load() {
			t.Errorf("connection %d is still open", i)
		}
	}
	cl.mu.Unlock()
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := silent.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("an idle connection reads %v after Close, want EOF", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener still accepts after Close")
	}

	again, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Serve(again); err != nil {
		t.Errorf("Serve after Close: %v", err)
	}
	if _, err := net.Dial("tcp", again.Addr().String()); err == nil {
		t.Error("Serve after Close left its listener open")
	}
}

// benchBodies are chat.postMessage bodies like the bot's, as a form and as
// JSON.
func benchBodies() []struct{ name, contentType, body string } {
	blocks := bigBlocks()[:1500] + "]"
	return []struct{ name, contentType, body string }{
		{"form", formType, form("channel", "C0123456789", "thread_ts", "1700000000.000001", "text", "The roadmap is owned by Product.", "blocks", blocks)},
		{"json", "application/json; charset=utf-8", `{"channel":"C0123456789","thread_ts":"1700000000.000001","text":"The roadmap is owned by Product.","blocks":` + blocks + `}`},
	}
}

// benchServers runs bench against the fake served by net/http's server
// and by Serve.
func benchServers(b *testing.B, bench func(b *testing.B, base string)) {
	b.Run("nethttp", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: NewFakeAPI(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		bench(b, "http://"+ln.Addr().String())
	})
	b.Run("raw", func(b *testing.B) {
		_, _, base := serveFake(b)
		bench(b, base)
	})
}

// BenchmarkFakeAPI compares a keep-alive chat.postMessage round trip
// through net/http's server and through Serve, both with net/http's client.
func BenchmarkFakeAPI(b *testing.B) {
	benchServers(b, func(b *testing.B, base string) {
		for _, body := range benchBodies() {
			b.Run(body.name, func(b *testing.B) {
				client, ctx, _ := keepAliveClient(b)
				b.ReportAllocs()
				for b.Loop() {
					req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/chat.postMessage", strings.NewReader(body.body))
					if err != nil {
						b.Fatal(err)
					}
					req.Header.Set("Content-Type", body.contentType)
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
	})
}

// BenchmarkFakeAPIServer is BenchmarkFakeAPI with a client that costs
// next to nothing, so that what it measures is the server's.
func BenchmarkFakeAPIServer(b *testing.B) {
	benchServers(b, func(b *testing.B, base string) {
		for _, body := range benchBodies() {
			b.Run(body.name, func(b *testing.B) {
				req := []byte(fmt.Sprintf("POST /api/chat.postMessage HTTP/1.1\r\nHost: slack\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: %d\r\nContent-Type: %s\r\nAccept-Encoding: gzip\r\n\r\n%s",
					len(body.body), body.contentType, body.body))
				nc, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
				if err != nil {
					b.Fatal(err)
				}
				defer nc.Close()
				br := bufio.NewReader(nc)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := nc.Write(req); err != nil {
						b.Fatal(err)
					}
					length := -1
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							b.Fatal(err)
						}
						if len(line) <= 2 {
							break
						}
						if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
							length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
						}
					}
					if length < 0 {
						b.Fatal("no Content-Length")
					}
					if _, err := br.Discard(length); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// jsonValuesByDecoder is what jsonFields must agree with on valid JSON:
// the values read with encoding/json's decoder.
func jsonValuesByDecoder(body []byte, keys []string, out []string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	seen := make([]bool, len(keys))
	for left := len(keys); left > 0 && dec.More(); {
		t, err := dec.Token()
		if err != nil {
			return
		}
		i := slices.Index(keys, t.(string))
		if i < 0 || seen[i] {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return
			}
			continue
		}
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		out[i], _ = v.(string)
		seen[i] = true
		left--
	}
}

var jsonFieldsSeeds = []string{
	`{"channel":"C1","thread_ts":"1.2","text":"x","blocks":[{"a":[1,2,{"channel":"no"}]}]}`,
	`{"blocks":[{"a":[1,2,{"channel":"no"}]}],"text":"x","thread_ts":"1.2","channel":"C1"}`,
	` { "channel" : "C\"1\\ \u00e9\ud83d\ude00\n" ,	"thread_ts":"1.2" } `,
	`{"thread\u005fts":"1.2","channel":"C1"}`,
	`{"channel":"C1","channel":"C2","thread_ts":"3"}`,
	`{"channel":12,"thread_ts":null}`,
	`{"channel":{"thread_ts":"no"},"thread_ts":["no"],"x":"}]\"{["}`,
	`{"a":true,"b":-1.5e3,"c":false,"channel":"C1"}`,
	`{}`,
	`[]`,
	`"channel"`,
	`{"channel":"a` + "\xff" + `b"}`,
	`{"text":"ünïcode ✓ <b>&amp;","channel":"C1"}`,
}

// TestJSONFieldsAgreesWithDecoder: the scanner reads the same values as
// encoding/json would.
func TestJSONFieldsAgreesWithDecoder(t *testing.T) {
	t.Parallel()
	keys := []string{"thread_ts", "channel"}
	for _, body := range jsonFieldsSeeds {
		got, want := make([]string, 2), make([]string, 2)
		jsonFields([]byte(body), keys, got)
		jsonValuesByDecoder([]byte(body), keys, want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
	// Where the body stops being JSON, the values before are kept.
	for _, body := range []string{`{"channel":"C1","thread_ts":`, `{"channel":"C1",`, `{"channel":"C1"`, `{"channel":"C1" "thread_ts":"2"}`, `{"thread_ts":"1.2","channel":"C`} {
		got := make([]string, 2)
		jsonFields([]byte(body), keys, got)
		want := []string{"", "C1"}
		if strings.HasPrefix(body, `{"thread_ts"`) {
			want = []string{"1.2", ""}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
}

func FuzzJSONFields(f *testing.F) {
	for _, s := range jsonFieldsSeeds {
		f.Add([]byte(s))
	}
	keys := []string{"thread_ts", "channel"}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := make([]string, 2)
		jsonFields(body, keys, got)
		if !json.Valid(body) {
			return
		}
		want := make([]string, 2)
		jsonValuesByDecoder(body, keys, want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	})
}

// closeAndWait closes f and checks that its Serve, reporting on done,
// returns nil promptly.
func closeAndWait(t testing.TB, f *FakeAPI, done <-chan error) {
	t.Helper()
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v after Close", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Serve did not return after Close")
	}
}
