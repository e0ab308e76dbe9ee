package slack

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpproxy"
	"golang.org/x/net/http/httpproxy"

	"github.com/whoowns/whoowns/internal/rawsock"
)

// webClient makes chat.postMessage, the call every answer makes, and
// chat.update over fasthttp's HostClient instead of net/http. net/http's
// client hands each request between the caller's goroutine and a read and
// a write goroutine per connection and allocates about 75 objects per
// request; HostClient
// writes the request and reads the answer in the caller's goroutine into
// pooled request and response objects. Everything else (slack-go's
// methods, response_url, auth.test) stays on net/http.
//
// It keeps what the net/http client did for these calls: keep-alive
// connections (one per concurrent call, idle ones closed after
// idleConnTimeout), TLS with the system roots, the proxy the environment
// names for the Web API URL (HTTPS_PROXY, NO_PROXY; an http or socks5
// proxy, through CONNECT), the client's Timeout (with the call's context
// deadline, whichever is first), the 4 MiB answer cap, and the same errors
// for classify: *RateLimitedError, StatusCodeError, SlackErrorResponse,
// and for no readable answer a *webError saying whether the request may
// have reached Slack.
type webClient struct {
	hc      *fasthttp.HostClient
	timeout time.Duration
	// postURL and updateURL are chat.postMessage's and chat.update's.
	postURL, updateURL string
	// tlsConfig is nil for a plain-HTTP Web API URL (tests).
	tlsConfig *tls.Config
	// dialRaw opens a TCP connection to addr, directly or through the
	// proxy.
	dialRaw func(addr string, timeout time.Duration) (net.Conn, error)
	// dialed, if set, is told of each new connection (tests).
	dialed func(*checkedConn)
}

// idleConnTimeout is how long an unused keep-alive connection is kept, as
// net/http's default transport keeps them.
const idleConnTimeout = 90 * time.Second

// newWebClient returns the client for apiURL, or nil when the calls must
// stay on net/http: a client with a Transport of its own (the caller
// chose how to connect), or without a Timeout (only its context would
// bound a call, which HostClient does not watch), a Web API URL other than
// http(s), a proxy for plain HTTP (net/http sends those requests to the
// proxy itself, not through CONNECT), or an https proxy.
func newWebClient(apiURL string, hc *http.Client, conns int) *webClient {
	if hc.Transport != nil || hc.Timeout <= 0 {
		return nil
	}
	u, err := neturl.Parse(apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil
	}
	isTLS := u.Scheme == "https"
	// The decision net/http's ProxyFromEnvironment makes for this URL.
	proxyURL, err := httpproxy.FromEnvironment().ProxyFunc()(u)
	if err != nil {
		return nil
	}
	c := &webClient{timeout: hc.Timeout, postURL: apiURL + methodPostMessage, updateURL: apiURL + methodUpdate}
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	switch {
	case proxyURL == nil:
		c.dialRaw = func(addr string, timeout time.Duration) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			return dialer.DialContext(ctx, "tcp", addr)
		}
	case isTLS && (proxyURL.Scheme == "http" || proxyURL.Scheme == "socks5" || proxyURL.Scheme == "socks5h"):
		pd := &fasthttpproxy.Dialer{
			Config:        httpproxy.Config{HTTPSProxy: proxyURL.String()},
			DialDualStack: true,
		}
		dial, err := pd.GetDialFuncForTLS(false, true)
		if err != nil {
			return nil
		}
		c.dialRaw = func(addr string, timeout time.Duration) (net.Conn, error) {
			// The proxy dialer takes no per-call timeout: bound the
			// connection and the CONNECT exchange from here.
			type result struct {
				conn net.Conn
				err  error
			}
			done := make(chan result, 1)
			go func() {
				conn, err := dial(addr)
				done <- result{conn, err}
			}()
			t := time.NewTimer(timeout)
			defer t.Stop()
			select {
			case r := <-done:
				return r.conn, r.err
			case <-t.C:
				go func() {
					if r := <-done; r.conn != nil {
						_ = r.conn.Close()
					}
				}()
				return nil, os.ErrDeadlineExceeded
			}
		}
	default:
		return nil
	}
	if isTLS {
		c.tlsConfig = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	c.hc = &fasthttp.HostClient{
		Addr:                fasthttp.AddMissingPort(u.Host, isTLS),
		IsTLS:               isTLS,
		DialTimeout:         c.dial,
		MaxConns:            max(conns, fasthttp.DefaultMaxConnsPerHost),
		MaxIdleConnDuration: idleConnTimeout,
		MaxResponseBodySize: maxResponseBytes,
		Name:                "whoowns",
		// A POST is repeated only when it cannot have left: its
		// kept-alive connection was found closed before it was written.
		RetryIfErr: func(_ *fasthttp.Request, _ int, err error) (bool, bool) {
			return false, errors.Is(err, errStaleConn)
		},
	}
	return c
}

// dial opens a connection for HostClient: TCP (through the proxy, if any),
// then the TLS handshake, so that a failure anywhere before the request is
// written is a *dialError, a request that never left.
func (c *webClient) dial(addr string, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = c.timeout
	}
	deadline := time.Now().Add(timeout)
	raw, err := c.dialRaw(addr, timeout)
	if err != nil {
		return nil, &dialError{err}
	}
	conn := newCheckedConn(rawsock.Wrap(raw))
	if c.dialed != nil {
		c.dialed(conn)
	}
	if c.tlsConfig == nil {
		return conn, nil
	}
	tc := tls.Client(conn, c.tlsConfig)
	if err := tc.SetDeadline(deadline); err != nil {
		_ = tc.Close()
		return nil, &dialError{err}
	}
	if err := tc.Handshake(); err != nil {
		_ = tc.Close()
		return nil, &dialError{err}
	}
	if err := tc.SetDeadline(time.Time{}); err != nil {
		_ = tc.Close()
		return nil, &dialError{err}
	}
	return tc, nil
}

// dialError is a failure to connect: the request never left.
type dialError struct{ err error }

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// webError is a Web API call that got no answer it could read. Sent says
// whether any of the request may have reached Slack (see classify).
type webError struct {
	err  error
	sent bool
}

func (e *webError) Error() string { return e.err.Error() }
func (e *webError) Unwrap() error { return e.err }

// postMessage posts a chat.postMessage JSON body with token and returns the
// message's ts. The body is not kept after it returns.
func (c *webClient) postMessage(ctx context.Context, token string, body []byte) (string, error) {
	return c.post(ctx, c.postURL, token, body)
}

// update posts a chat.update JSON body, as postMessage.
func (c *webClient) update(ctx context.Context, token string, body []byte) error {
	_, err := c.post(ctx, c.updateURL, token, body)
	return err
}

// post posts a JSON body to url with token and returns the answer's ts.
func (c *webClient) post(ctx context.Context, url, token string, body []byte) (string, error) {
	// HostClient does not watch ctx: its deadline (or the client's
	// Timeout, whichever is first) bounds the call, and a cancelled ctx
	// stops it before it starts.
	now := time.Now()
	deadline := now.Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := ctx.Err(); err != nil || !deadline.After(now) {
		if err == nil {
			err = context.DeadlineExceeded
		}
		return "", &webError{err: &neturl.Error{Op: "Post", URL: url, Err: err}}
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	req.Header.SetMethod(http.MethodPost)
	req.Header.SetContentType(contentTypeJSON)
	var auth [128]byte
	req.Header.SetBytesV("Authorization", append(append(auth[:0], "Bearer "...), token...))
	req.SetBodyRaw(body)
	if err := c.hc.DoDeadline(req, resp, deadline); err != nil {
		return "", netError(url, err)
	}
	code := resp.StatusCode()
	if code == http.StatusTooManyRequests {
		if ra := resp.Header.Peek("Retry-After"); len(ra) > 0 {
			secs, err := strconv.ParseInt(string(ra), 10, 64)
			if err != nil {
				return "", err
			}
			return "", &slackapi.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
		}
	}
	if code != http.StatusOK {
		status := strconv.Itoa(code)
		if msg := resp.Header.StatusMessage(); len(msg) > 0 {
			status += " " + string(msg)
		}
		return "", slackapi.StatusCodeError{Code: code, Status: status}
	}
	b := resp.Body()
	if ts, ok := decodeReplyOK(b); ok {
		return ts, nil
	}
	// ok:false, or an answer the short reader is not sure of: as post
	// reads it.
	var r apiReply
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
		return "", &webError{err: err, sent: true}
	}
	return r.TS, r.Err()
}

// netError is HostClient's error as net/http's client would have given it
// (a *url.Error; a timeout is the context's deadline, as post applies the
// client's Timeout), in a *webError that says whether the request left: it
// did not if the connection failed, or if a kept-alive one was found
// closed before anything was written to it.
func netError(url string, err error) error {
	var de *dialError
	sent := !errors.As(err, &de) && !errors.Is(err, errStaleConn) && !errors.Is(err, errNotWritten) &&
		err != fasthttp.ErrNoFreeConns
	switch {
	case err == fasthttp.ErrTimeout || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, fasthttp.ErrTLSHandshakeTimeout):
		err = context.DeadlineExceeded
	case err == fasthttp.ErrBodyTooLarge:
		err = errResponseTooLarge
	}
	return &webError{err: &neturl.Error{Op: "Post", URL: url, Err: err}, sent: sent}
}

// decodeReplyOK reads a Web API answer that says ok:true, with its ts. false
// means read it with encoding/json: ok:false, a field encoding/json would
// read other than as skipped here (a key differing in case, a value of
// another type, errors and response_metadata), or invalid JSON.
func decodeReplyOK(b []byte) (ts string, ok bool) {
	if !json.Valid(b) {
		return "", false
	}
	d := jsonReader{b: b, s: string(b)}
	if !d.object(func(key string) bool {
		switch key {
		case "ok":
			switch {
			case bytes.HasPrefix(b[d.i:], []byte("true")):
				ok, d.i = true, d.i+4
			case bytes.HasPrefix(b[d.i:], []byte("false")):
				ok, d.i = false, d.i+5
			default:
				return d.null()
			}
			return true
		case "ts":
			if d.null() {
				return true
			}
			s, isStr := d.rawString()
			if !isStr || strings.IndexByte(s, '\\') >= 0 || !utf8.ValidString(s) {
				return false
			}
			ts = s
			return true
		case "error", "warning", "needed", "provided":
			// Any string (or null) decodes into these.
			if d.null() {
				return true
			}
			_, isStr := d.rawString()
			return isStr
		}
		return d.other(key, replyKeys)
	}) {
		return "", false
	}
	return ts, ok
}

// replyKeys are apiReply's fields as encoding/json reads them.
var replyKeys = []string{"ok", "ts", "error", "warning", "errors", "response_metadata", "needed", "provided"}
