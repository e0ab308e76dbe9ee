package loadgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// maxBody is the largest request body the fake reads.
const maxBody = 8 << 20

// FakeAPI plays the Slack Web API for the bots under load: it answers every
// method the bot calls with a success and records each chat.postMessage by
// the thread it replies to, so the generator can match replies to events.
// It reads only the parameters it needs, without decoding the rest of a
// message (its blocks), since it shares the cores with the replicas.
//
// It is an http.Handler, and it has its own HTTP/1.1 server (Serve), which
// costs less per request than net/http's.
type FakeAPI struct {
	mu      sync.Mutex
	replies map[string][]time.Time // thread_ts → arrival of each reply
	calls   atomic.Int64
	other   atomic.Int64
	notify  chan struct{}
	bufs    sync.Pool // of *scratch, for ServeHTTP

	// Serve's listeners and connections, for Close.
	srvMu     sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	serving   sync.WaitGroup // connection goroutines
}

// scratch holds the buffers of one ServeHTTP call.
type scratch struct {
	body bytes.Buffer
	out  []byte
}

// NewFakeAPI returns an empty fake.
func NewFakeAPI() *FakeAPI {
	return &FakeAPI{replies: map[string][]time.Time{}, notify: make(chan struct{}, 1)}
}

// ServeHTTP answers /api/<method>.
func (f *FakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	s, _ := f.bufs.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	defer f.bufs.Put(s)
	s.body.Reset()
	if r.Body != nil {
		s.body.ReadFrom(io.LimitReader(r.Body, maxBody))
	}
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	s.out = f.answer(s.out[:0], at, []byte(method), []byte(r.URL.RawQuery), []byte(r.Header.Get("Content-Type")), s.body.Bytes())
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.out)
}

// answer counts a call of the Web API method, records it when it is a
// threaded reply, and appends its JSON answer to out. query is the raw
// query string and body the request's: a form, or a JSON object when
// contentType says so. at is when the call arrived.
func (f *FakeAPI) answer(out []byte, at time.Time, method, query, contentType, body []byte) []byte {
	f.calls.Add(1)
	var p [2]string
	switch string(method) {
	case "chat.postMessage":
		params(p[:], query, contentType, body, "thread_ts", "channel")
		thread, channel := p[0], p[1]
		if thread != "" {
			f.mu.Lock()
			f.replies[thread] = append(f.replies[thread], at)
			f.mu.Unlock()
			select {
			case f.notify <- struct{}{}:
			default:
			}
		} else {
			f.other.Add(1)
		}
		out = append(out, `{"ok":true,"channel":`...)
		out = appendJSONString(out, channel)
		out = append(out, `,"ts":`...)
		// The reply's ts is the thread's with a 1 appended.
		out = appendJSONString(out, thread)
		out = append(out[:len(out)-1], `1"}`+"\n"...)
	case "auth.test":
		out = append(out, `{"ok":true,"user_id":"UBOT","bot_id":"BBOT","team_id":"TLOAD","user":"whoowns","team":"load"}`+"\n"...)
	case "users.info":
		params(p[:1], query, contentType, body, "user")
		out = append(out, `{"ok":true,"user":{"id":`...)
		out = appendJSONString(out, p[0])
		out = append(out, `,"name":"user","is_admin":false,"is_owner":false}}`+"\n"...)
	case "conversations.open":
		params(p[:1], query, contentType, body, "users")
		out = append(out, `{"ok":true,"channel":{"id":`...)
		out = appendJSONString(out, "D"+p[0])
		out = append(out, "}}\n"...)
	default:
		f.other.Add(1)
		out = append(out, `{"ok":true,"ts":"1.0"}`+"\n"...)
	}
	return out
}

// params sets out[i] to the value of keys[i] in a JSON body, or in the query
// and a form body (slack-go sends forms for most methods). Only the wanted
// values are unescaped.
func params(out []string, query, contentType, body []byte, keys ...string) {
	if bytes.HasPrefix(contentType, []byte("application/json")) {
		jsonFields(body, keys, out)
		return
	}
	// Body values win over the query's, as in Request.FormValue.
	formValues(query, keys, out)
	formValues(body, keys, out)
}

// jsonFields sets out[i] to the string value of keys[i] among the members
// of the JSON object body, the first occurrence winning, and to "" when
// that value is not a string. It scans the body only as far as the last
// wanted key, since the bot sends its parameters before the blocks, and
// decodes nothing but the wanted values. It stops where the body is not
// JSON, without checking all of what it skips.
func jsonFields(body []byte, keys []string, out []string) {
	i := skipSpace(body, 0)
	if i == len(body) || body[i] != '{' {
		return
	}
	seen := make([]bool, len(keys))
	for left := len(keys); left > 0; {
		i = skipSpace(body, i+1)
		if i == len(body) || body[i] != '"' {
			return
		}
		end := stringEnd(body, i)
		if end < 0 {
			return
		}
		key := body[i:end]
		i = skipSpace(body, end)
		if i == len(body) || body[i] != ':' {
			return
		}
		i = skipSpace(body, i+1)
		end = valueEnd(body, i)
		if end <= i {
			return
		}
		if k := keyIndex(key, keys); k >= 0 && !seen[k] {
			v, ok := jsonString(body[i:end])
			if !ok {
				return
			}
			out[k] = v
			seen[k] = true
			left--
		}
		if i = skipSpace(body, end); i == len(body) || body[i] != ',' {
			return
		}
	}
}

// keyIndex returns the index in keys of the quoted JSON string key, or -1.
func keyIndex(key []byte, keys []string) int {
	raw := key[1 : len(key)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return slices.Index(keys, string(raw))
	}
	var s string
	if json.Unmarshal(key, &s) != nil {
		return -1
	}
	return slices.Index(keys, s)
}

// jsonString decodes the JSON value v when it is a string, and returns ""
// for another value. It reports false when v is not valid JSON.
func jsonString(v []byte) (string, bool) {
	if v[0] != '"' {
		return "", true
	}
	raw := v[1 : len(v)-1]
	plain := utf8.Valid(raw)
	for _, c := range raw {
		if c < 0x20 || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(raw), true
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err == nil
}

// skipSpace returns the index of the first byte of b from i on that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string that starts at
// b[i], or -1 when it does not end.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		j := bytes.IndexAny(b[i:], `"\`)
		if j < 0 {
			return -1
		}
		i += j
		if b[i] == '"' {
			return i + 1
		}
		i++ // the escaped byte
	}
	return -1
}

// valueEnd returns the index just past the JSON value that starts at b[i],
// or -1 when it does not end. Of a number or literal, it finds only the
// end.
func valueEnd(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			if i = stringEnd(b, i); i < 0 || depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	if depth > 0 {
		return -1
	}
	return i
}

// formValues sets out[i] to the unescaped value of keys[i] in an
// application/x-www-form-urlencoded form, the first occurrence winning.
func formValues(form []byte, keys []string, out []string) {
	seen := make([]bool, len(keys))
	for len(form) > 0 {
		var pair []byte
		pair, form, _ = bytes.Cut(form, []byte("&"))
		k, v, _ := bytes.Cut(pair, []byte("="))
		for i, want := range keys {
			if seen[i] || string(k) != want {
				continue
			}
			seen[i] = true
			if s, err := url.QueryUnescape(string(v)); err == nil {
				out[i] = s
			}
		}
	}
}

// Replies returns a copy of the recorded replies by thread.
func (f *FakeAPI) Replies() map[string][]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]time.Time, len(f.replies))
	for k, v := range f.replies {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

// count returns how many threads have at least one reply.
func (f *FakeAPI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.replies)
}

// Serve answers the requests on the connections ln accepts as ServeHTTP
// does, until Close, and then returns nil. It is a minimal HTTP/1.1
// server, cheaper per request than net/http's: it serves each connection
// on one goroutine, reading with one buffer and answering in one write,
// and keeps it open, without an idle timeout, until the client closes it
// or asks to (Connection: close).
//
//   - A request's body must come with a Content-Length, of at most 8 MiB;
//     a chunked body, like any request it cannot parse, is answered
//     400 Bad Request and its connection closed. So is a header line
//     longer than 4 KiB.
//   - A request that expects 100-continue gets it before its body is read.
//   - HTTP/1.0 requests are answered and their connection closed.
//   - The request target must be a path (origin form), with an optional
//     query.
//
// Serve may be called with several listeners; Close closes them all.
func (f *FakeAPI) Serve(ln net.Listener) error {
	f.srvMu.Lock()
	if f.closed {
		f.srvMu.Unlock()
		ln.Close()
		return nil
	}
	if f.listeners == nil {
		f.listeners = map[net.Listener]struct{}{}
		f.conns = map[net.Conn]struct{}{}
	}
	f.listeners[ln] = struct{}{}
	f.srvMu.Unlock()
	defer func() {
		f.srvMu.Lock()
		delete(f.listeners, ln)
		f.srvMu.Unlock()
	}()

	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			f.srvMu.Lock()
			closed := f.closed
			f.srvMu.Unlock()
			if closed {
				return nil
			}
			// Back off on a temporary failure, such as running out of
			// file descriptors, as net/http does.
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		f.srvMu.Lock()
		if f.closed {
			f.srvMu.Unlock()
			nc.Close()
			return nil
		}
		f.conns[nc] = struct{}{}
		f.serving.Add(1)
		f.srvMu.Unlock()
		go f.serveConn(nc)
	}
}

// Close closes the listeners of Serve and all its connections, idle or
// not, and waits for their goroutines to end. Requests being answered are
// lost. It returns the error of closing a listener, if any.
func (f *FakeAPI) Close() error {
	f.srvMu.Lock()
	f.closed = true
	var err error
	for ln := range f.listeners {
		if e := ln.Close(); e != nil && err == nil && !errors.Is(e, net.ErrClosed) {
			err = e
		}
	}
	for nc := range f.conns {
		nc.Close()
	}
	f.srvMu.Unlock()
	f.serving.Wait()
	return err
}

// errBadRequest is a request Serve cannot parse or does not accept.
var errBadRequest = errors.New("loadgen: bad request")

// apiConn is one connection of Serve, with the buffers it reuses from one
// request to the next.
type apiConn struct {
	nc   net.Conn
	r    *bufio.Reader
	req  request
	ans  []byte // the answer's body
	resp []byte // the whole response
}

// request is what Serve reads of a request.
type request struct {
	target      []byte // the path and the query
	contentType []byte
	body        []byte
	close       bool // the connection ends after the response
}

// serveConn answers the requests of one connection until it fails, the
// client closes it or asks to, or a request is bad.
func (f *FakeAPI) serveConn(nc net.Conn) {
	defer func() {
		nc.Close()
		f.srvMu.Lock()
		delete(f.conns, nc)
		f.srvMu.Unlock()
		f.serving.Done()
	}()
	c := &apiConn{nc: nc, r: bufio.NewReaderSize(nc, 4<<10)}
	for {
		err := c.read()
		if err == nil {
			err = c.answer(f, time.Now())
		}
		if errors.Is(err, errBadRequest) {
			c.reject()
			return
		}
		if err != nil || c.req.close {
			return
		}
	}
}

// read reads the next request into c.req. It returns io.EOF when the
// client closed the connection between requests, and errBadRequest for a
// request to reject.
func (c *apiConn) read() error {
	req := &c.req
	line, err := c.line()
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return io.EOF
		}
		return err
	}
	method, rest, ok1 := bytes.Cut(line, []byte(" "))
	target, proto, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok1 || !ok2 || len(method) == 0 || len(target) == 0 || target[0] != '/' {
		return errBadRequest
	}
	switch string(proto) {
	case "HTTP/1.1":
		req.close = false
	case "HTTP/1.0":
		req.close = true
	default:
		return errBadRequest
	}
	req.target = append(req.target[:0], target...)
	req.contentType = req.contentType[:0]

	length, expect, typed := -1, false, false
	for size := len(line); ; {
		line, err := c.line()
		if err != nil {
			return err
		}
		if size += len(line); size > 64<<10 {
			return errBadRequest
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			return errBadRequest
		}
		value = bytes.Trim(value, " \t")
		switch {
		case headerIs(name, "Content-Length"):
			n, err := strconv.ParseUint(string(value), 10, 31)
			if err != nil || n > maxBody || (length >= 0 && int(n) != length) {
				return errBadRequest
			}
			length = int(n)
		case headerIs(name, "Content-Type") && !typed:
			req.contentType, typed = append(req.contentType, value...), true
		case headerIs(name, "Connection"):
			if hasToken(value, "close") {
				req.close = true
			}
		case headerIs(name, "Transfer-Encoding"):
			return errBadRequest
		case headerIs(name, "Expect"):
			if !headerIs(value, "100-continue") {
				return errBadRequest
			}
			expect = true
		}
	}

	length = max(length, 0)
	if expect && length > 0 {
		if _, err := io.WriteString(c.nc, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return err
		}
	}
	req.body = slices.Grow(req.body[:0], length)[:length]
	if _, err := io.ReadFull(c.r, req.body); err != nil {
		return err
	}
	return nil
}

// line reads a line of the request header, without its CRLF (or bare LF).
// A line longer than the reader's buffer is a bad request.
func (c *apiConn) line() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errBadRequest
	}
	if err != nil {
		return line, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// answer answers the request read, which arrived at at, in one write.
func (c *apiConn) answer(f *FakeAPI, at time.Time) error {
	path, query, _ := bytes.Cut(c.req.target, []byte("?"))
	if bytes.IndexByte(path, '%') >= 0 {
		p, err := url.PathUnescape(string(path))
		if err != nil {
			return errBadRequest
		}
		path = []byte(p)
	}
	method := bytes.TrimPrefix(path, []byte("/api/"))
	c.ans = f.answer(c.ans[:0], at, method, query, c.req.contentType, c.req.body)

	c.resp = append(c.resp[:0], "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "...)
	c.resp = strconv.AppendInt(c.resp, int64(len(c.ans)), 10)
	if c.req.close {
		c.resp = append(c.resp, "\r\nConnection: close"...)
	}
	c.resp = append(c.resp, "\r\n\r\n"...)
	c.resp = append(c.resp, c.ans...)
	_, err := c.nc.Write(c.resp)
	return err
}

// reject answers a bad request with a 400 before the connection is
// closed. When the connection can be half closed, it then reads what the
// client still sends, for a moment, so that closing does not reset the
// connection before the client has read the answer.
func (c *apiConn) reject() {
	const msg = "bad request\n"
	if _, err := io.WriteString(c.nc, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "+
		strconv.Itoa(len(msg))+"\r\n\r\n"+msg); err != nil {
		return
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		c.nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		io.Copy(io.Discard, io.LimitReader(c.nc, 256<<10))
	}
}

// headerIs reports whether b is s, ignoring ASCII case.
func headerIs(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v holds token,
// ignoring ASCII case.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var t []byte
		t, v, _ = bytes.Cut(v, []byte(","))
		if headerIs(bytes.Trim(t, " \t"), token) {
			return true
		}
	}
	return false
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
