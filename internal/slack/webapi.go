package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/delivery"
)

// Web API methods the adapter calls. Every call goes through Adapter.call,
// which refuses a method missing from webAPIMethods, so this table is the
// complete list and the manifest test checks it against the declared scopes.
const (
	methodPostMessage      = "chat.postMessage"
	methodUpdate           = "chat.update"
	methodPostEphemeral    = "chat.postEphemeral"
	methodOpenDM           = "conversations.open"
	methodUserInfo         = "users.info"
	methodPublishView      = "views.publish"
	methodOpenView         = "views.open"
	methodPushView         = "views.push"
	methodUpdateView       = "views.update"
	methodAuthTest         = "auth.test"
	methodConversationInfo = "conversations.info"
	methodOpenSocket       = "apps.connections.open"
	// methodLookupByEmail is called by whoowns whois (LookupEmails), not
	// by the running bot.
	methodLookupByEmail = "users.lookupByEmail"
	// methodResponseURL is not a Web API method but a POST to the
	// response_url of an interaction; it needs no scope.
	methodResponseURL = "response_url"
)

// apiMethod says what a Web API method needs.
type apiMethod struct {
	// Scope is the bot-token scope the method requires; "" when none.
	Scope string
	// AppToken marks methods called with the app-level token (xapp-…),
	// whose scope (connections:write) is granted to the token itself, not
	// listed among the bot scopes.
	AppToken bool
	// Idempotent methods may be repeated after a call whose outcome is
	// unknown (a timeout after the request left): reads, chat.update,
	// views.publish, conversations.open. The posts may not: a repeat could
	// show a message twice.
	Idempotent bool
	// Post marks the methods that show something in the chat: how they end
	// decides whether a failed delivery's claim is released.
	Post bool
}

// webAPIMethods lists every outbound call with the scope it needs.
var webAPIMethods = map[string]apiMethod{
	methodPostMessage:   {Scope: "chat:write", Post: true},
	methodUpdate:        {Scope: "chat:write", Idempotent: true, Post: true},
	methodPostEphemeral: {Scope: "chat:write", Post: true},
	methodOpenDM:        {Scope: "im:write", Idempotent: true},
	methodUserInfo:      {Scope: "users:read", Idempotent: true},
	methodPublishView:   {Idempotent: true},
	// A trigger_id opens one view: a repeat after an unknown outcome
	// could only fail.
	methodOpenView:   {},
	methodPushView:   {},
	methodUpdateView: {Idempotent: true},
	methodAuthTest:   {Idempotent: true},
	// Public channels need channels:read, private ones groups:read.
	methodConversationInfo: {Scope: "channels:read", Idempotent: true},
	methodOpenSocket:       {AppToken: true, Idempotent: true},
	methodLookupByEmail:    {Scope: "users:read.email", Idempotent: true},
	methodResponseURL:      {Post: true},
}

var defaultRetry = delivery.Retry{Attempts: 4, Base: 250 * time.Millisecond, MaxWait: 30 * time.Second}

type deliveryKey struct{}

// withDelivery tags ctx with the id of the event or interaction being
// handled, so a call that fails for good can be traced back to it.
func withDelivery(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, deliveryKey{}, id)
}

// deliveryOf is the id withDelivery tagged ctx with, or a job's run as a
// pointer to its envelope's (see envelopeJob).
func deliveryOf(ctx context.Context) string {
	switch id := ctx.Value(deliveryKey{}).(type) {
	case string:
		return id
	case *string:
		return *id
	}
	return ""
}

// call runs fn with the retries delivery.Retry allows for the method (see
// classify). A call that finally fails is logged with the delivery id and
// counted, and its error returned; a post's outcome is noted for the
// delivery, whose claim is released if nothing it posted can have arrived.
func (a *Adapter) call(ctx context.Context, method string, fn func(context.Context) error) error {
	return a.callWith(ctx, method, false, fn)
}

// callWith is call; selfReported says fn's errors tell whether the request
// left (webClient's), so no net/http client trace is needed.
func (a *Adapter) callWith(ctx context.Context, method string, selfReported bool, fn func(context.Context) error) error {
	spec, ok := webAPIMethods[method]
	if !ok {
		// A programming error: the manifest would not grant the scope.
		return fmt.Errorf("slack: %s is not declared in webAPIMethods", method)
	}
	r := a.retry
	r.Sleep = a.sleep
	do := func() error {
		return r.Do(ctx, delivery.Call{
			Method:       method,
			Idempotent:   spec.Idempotent,
			Classify:     classify,
			SelfReported: selfReported,
			OnRetry: func(attempt int, wait time.Duration, err error) {
				a.metrics.APIRetry(platform, method)
				a.log.Debug("retrying slack api call", "method", method, "attempt", attempt, "wait", wait, "err", err)
			},
		}, fn)
	}
	err := do()
	// A rotating token past its expiry: Slack did nothing, so the call is
	// made once more with the refreshed token.
	if expiredToken(err) && !spec.AppToken && a.renewExpired(ctx, method) {
		err = do()
	}
	if spec.Post {
		delivery.Posted(ctx, err)
	}
	if err != nil {
		a.metrics.APIError(platform, method)
		a.log.Error("slack api call failed", "method", method, "delivery", deliveryOf(ctx), "outcome", delivery.ClassOf(err).String(), "err", err)
		if tokenError(err) && method != methodOpenSocket {
			a.onTokenError(ctx, method, err)
		}
	}
	return err
}

// classify reads a Web API error (see delivery.Class):
//   - Transient, the call did nothing and may work later: the request never
//     left (sent false), HTTP 429 (with its Retry-After) or 503, and the
//     errors Slack documents as doing nothing: ratelimited,
//     service_unavailable, request_timeout (the POST body arrived
//     incomplete).
//   - Unknown, the call may have done its work: a network failure or
//     timeout after the request left, HTTP 500, 502 and 504, an unreadable
//     answer, and internal_error and fatal_error, which Slack documents as
//     "some aspect of the operation may have succeeded".
//   - Refused: any other answer (another 4xx status; ok:false with
//     channel_not_found, not_in_channel, is_archived, invalid_auth, ...).
func classify(err error, sent bool) delivery.Outcome {
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		return delivery.Outcome{Class: delivery.Transient, Wait: max(rl.RetryAfter, time.Second)}
	}
	var sc slackapi.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code == http.StatusTooManyRequests, sc.Code == http.StatusServiceUnavailable:
			return delivery.Outcome{Class: delivery.Transient}
		case sc.Code >= 500:
			return delivery.Outcome{Class: delivery.Unknown}
		}
		return delivery.Outcome{Class: delivery.Refused}
	}
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "ratelimited", "service_unavailable", "request_timeout":
			return delivery.Outcome{Class: delivery.Transient}
		case "internal_error", "fatal_error":
			return delivery.Outcome{Class: delivery.Unknown}
		}
		return delivery.Outcome{Class: delivery.Refused}
	}
	// No answer from Slack (or none it could read).
	var we *webError
	if errors.As(err, &we) {
		return delivery.NetworkOutcome(we.sent)
	}
	return delivery.NetworkOutcome(sent)
}

// message is one outgoing Slack message.
type message struct {
	Channel  string
	ThreadTS string
	// Text is the notification and accessibility fallback for Blocks.
	Text   string
	Blocks []slackapi.Block
	// answer, if set, is rendered into chat.postMessage's body in place of
	// Text and Blocks (answerPostMessage); only postMessage reads it.
	answer answerPost
}

func (m message) options() []slackapi.MsgOption {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slackapi.MsgOptionBlocks(m.Blocks...))
	}
	if m.ThreadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(m.ThreadTS))
	}
	return opts
}

// postMessage posts m to chat.postMessage as a JSON body: the blocks go out
// as they are encoded, with no URL escaping of their JSON on top.
func (a *Adapter) postMessage(ctx context.Context, m message) (string, error) {
	if a.web != nil {
		return a.postMessageWeb(ctx, m)
	}
	body, err := encodePostMessage(m)
	if err != nil {
		return "", err
	}
	var ts string
	err = a.call(ctx, methodPostMessage, func(ctx context.Context) error {
		r, err := a.postBody(ctx, methodPostMessage, contentTypeJSON, body)
		ts = r.TS
		return err
	})
	return ts, err
}

// postMessageWeb is postMessage over webClient: the body is encoded into a
// pooled buffer, which the client no longer reads once it returns.
func (a *Adapter) postMessageWeb(ctx context.Context, m message) (string, error) {
	bp := bodyBuffers.Get().(*[]byte)
	defer bodyBuffers.Put(bp)
	body, err := appendPostMessage((*bp)[:0], m)
	if err != nil {
		return "", fmt.Errorf("slack: encoding a message: %w", err)
	}
	if cap(body) <= maxPooledBody {
		*bp = body
	}
	var ts string
	err = a.callWith(ctx, methodPostMessage, true, func(ctx context.Context) error {
		var err error
		ts, err = a.web.postMessage(ctx, a.botToken(ctx), body)
		return err
	})
	return ts, err
}

// updateMessageWeb is updateMessage over webClient, with a JSON body.
func (a *Adapter) updateMessageWeb(ctx context.Context, ts string, m message) error {
	bp := bodyBuffers.Get().(*[]byte)
	defer bodyBuffers.Put(bp)
	body, err := appendUpdateMessage((*bp)[:0], ts, m)
	if err != nil {
		return fmt.Errorf("slack: encoding a message: %w", err)
	}
	if cap(body) <= maxPooledBody {
		*bp = body
	}
	return a.callWith(ctx, methodUpdate, true, func(ctx context.Context) error {
		return a.web.update(ctx, a.botToken(ctx), body)
	})
}

// appendUpdateMessage appends chat.update's JSON body, m's (without a
// thread) as chat.postMessage's with the message's ts first.
func appendUpdateMessage(b []byte, ts string, m message) ([]byte, error) {
	m.ThreadTS = ""
	b = append(b, `{"ts":`...)
	b = appendJSONString(b, ts)
	b = append(b, ',')
	start := len(b)
	b, err := appendPostMessage(b, m)
	if err != nil {
		return nil, err
	}
	// Drop the post body's own opening brace.
	return append(b[:start], b[start+1:]...), nil
}

// postMessageBody is chat.postMessage's JSON body. Channel and thread_ts
// come first, so a reader after only those can stop early.
type postMessageBody struct {
	Channel  string           `json:"channel"`
	ThreadTS string           `json:"thread_ts,omitempty"`
	Text     string           `json:"text"`
	Blocks   []slackapi.Block `json:"blocks,omitempty"`
}

const (
	contentTypeJSON = "application/json; charset=utf-8"
	contentTypeForm = "application/x-www-form-urlencoded"
)

// encodePostMessage encodes m as chat.postMessage's body (appendPostMessage)
// in a reused buffer, and returns a copy of exactly its size: the request
// may still read its body after the call returns, so the body is not
// reused.
func encodePostMessage(m message) ([]byte, error) {
	bp := bodyBuffers.Get().(*[]byte)
	defer bodyBuffers.Put(bp)
	b, err := appendPostMessage((*bp)[:0], m)
	if err != nil {
		return nil, fmt.Errorf("slack: encoding a message: %w", err)
	}
	if cap(b) <= maxPooledBody {
		*bp = b
	}
	return append([]byte(nil), b...), nil
}

// bodyBuffers are the scratch buffers of encodePostMessage; one above
// maxPooledBody (a long command output) is not kept.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBody = 64 << 10

// postBody calls a Web API method with body of the given content type, the
// token in the Authorization header. Its errors are slack-go's, so call
// retries them the same way: *RateLimitedError for a 429 with Retry-After,
// StatusCodeError for another status, SlackErrorResponse for ok:false.
func (a *Adapter) postBody(ctx context.Context, method, contentType string, body []byte) (apiReply, error) {
	var r apiReply
	err := a.post(ctx, method, contentType, body, &r)
	return r, err
}

// webReply is a decoded Web API answer: it embeds slackapi.SlackResponse.
type webReply interface{ Err() error }

// post calls a Web API method with body and decodes the answer into out;
// see postBody for the errors.
func (a *Adapter) post(ctx context.Context, method, contentType string, body []byte, out webReply) error {
	// The client's Timeout, as a deadline on ctx: http.Client arms a timer,
	// a goroutine and two contexts per request for its own Timeout, and
	// every answer is one of these calls. The deadline bounds the same
	// thing, the answer's headers and body.
	if t := a.httpClient.Timeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	req, err := a.postRequest(ctx, method, contentType, body)
	if err != nil {
		return err
	}
	resp, err := a.postClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "" {
		secs, err := strconv.ParseInt(resp.Header.Get("Retry-After"), 10, 64)
		if err != nil {
			return err
		}
		return &slackapi.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return slackapi.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	}
	// Drained to EOF, so the connection goes back to the pool.
	defer func() { _, _ = io.Copy(io.Discard, resp.Body) }()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return err
	}
	return out.Err()
}

// postRequest is the POST of body to a Web API method, as
// http.NewRequestWithContext would make it, from the method's URL parsed
// once and headers made once per content type and token: no part of a
// request is changed by the client that sends it (http.RoundTripper), so
// requests share them.
func (a *Adapter) postRequest(ctx context.Context, method, contentType string, body []byte) (*http.Request, error) {
	u, err := a.methodURL(method)
	if err != nil {
		return nil, err
	}
	req := &http.Request{
		Method:     http.MethodPost,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     a.postHeader(contentType, a.botToken(ctx)),
		// A *bytes.Reader, as NewRequest would wrap it: net/http knows
		// it is in memory and writes headers and body in one go.
		Body:          io.NopCloser(bytes.NewReader(body)),
		GetBody:       func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
		ContentLength: int64(len(body)),
		Host:          u.Host,
	}
	if len(body) == 0 {
		req.Body, req.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	return req.WithContext(ctx), nil
}

// methodURL is the parsed URL of a Web API method, shared by its requests:
// nothing may change it.
func (a *Adapter) methodURL(method string) (*url.URL, error) {
	if u, ok := a.methodURLs.Load(method); ok {
		return u.(*url.URL), nil
	}
	u, err := url.Parse(a.apiURL() + method)
	if err != nil {
		return nil, err
	}
	a.methodURLs.Store(method, u)
	return u, nil
}

// postHeader is the header of a Web API POST, shared by requests with the
// same content type and token: nothing may change it. It keeps the last
// one made per content type, which is the one every call uses while the
// adapter serves one token.
func (a *Adapter) postHeader(contentType, token string) http.Header {
	i := 0
	if contentType == contentTypeForm {
		i = 1
	}
	if h := a.postHeaders[i].Load(); h != nil && h.token == token && h.contentType == contentType {
		return h.header
	}
	h := &postHeader{token: token, contentType: contentType, header: http.Header{
		"Content-Type":  {contentType},
		"Authorization": {"Bearer " + token},
	}}
	a.postHeaders[i].Store(h)
	return h.header
}

// postHeader is a shared header and what it was made for.
type postHeader struct {
	token, contentType string
	header             http.Header
}

// apiReply is what the bot reads of a Web API answer.
type apiReply struct {
	slackapi.SlackResponse
	TS string `json:"ts"`
}

// apiURL is the Web API base URL, with its trailing slash.
func (a *Adapter) apiURL() string {
	if a.cfg.APIURL != "" {
		return a.cfg.APIURL
	}
	return slackapi.APIURL
}

func (a *Adapter) updateMessage(ctx context.Context, ts string, m message) error {
	m.ThreadTS = ""
	if a.web != nil {
		return a.updateMessageWeb(ctx, ts, m)
	}
	return a.call(ctx, methodUpdate, func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, m.Channel, ts, m.options()...)
		return err
	})
}

func (a *Adapter) postEphemeral(ctx context.Context, user string, m message) error {
	return a.call(ctx, methodPostEphemeral, func(ctx context.Context) error {
		_, err := a.api.PostEphemeralContext(ctx, m.Channel, user, m.options()...)
		return err
	})
}

// openDM returns the id of the direct-message channel with user.
func (a *Adapter) openDM(ctx context.Context, user string) (string, error) {
	var id string
	err := a.call(ctx, methodOpenDM, func(ctx context.Context) error {
		ch, _, _, err := a.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}})
		if err == nil {
			id = ch.ID
		}
		return err
	})
	return id, err
}

func (a *Adapter) userInfo(ctx context.Context, user string) (*slackapi.User, error) {
	var u *slackapi.User
	err := a.call(ctx, methodUserInfo, func(ctx context.Context) error {
		var err error
		u, err = a.api.GetUserInfoContext(ctx, user)
		return err
	})
	return u, err
}

func (a *Adapter) publishHome(ctx context.Context, user string, blocks []slackapi.Block) error {
	return a.call(ctx, methodPublishView, func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, slackapi.PublishViewContextRequest{
			UserID: user,
			View:   slackapi.HomeTabViewRequest{Type: slackapi.VTHomeTab, Blocks: slackapi.Blocks{BlockSet: blocks}},
		})
		return err
	})
}

// openView opens a modal with the trigger_id of the interaction that asked
// for it (views.push when on top of another modal).
func (a *Adapter) openView(ctx context.Context, triggerID string, push bool, v slackapi.ModalViewRequest) error {
	method := methodOpenView
	if push {
		method = methodPushView
	}
	return a.call(ctx, method, func(ctx context.Context) error {
		var err error
		if push {
			_, err = a.api.PushViewContext(ctx, triggerID, v)
		} else {
			_, err = a.api.OpenViewContext(ctx, triggerID, v)
		}
		return err
	})
}

// updateView replaces an open modal.
func (a *Adapter) updateView(ctx context.Context, viewID string, v slackapi.ModalViewRequest) error {
	return a.call(ctx, methodUpdateView, func(ctx context.Context) error {
		_, err := a.api.UpdateViewContext(ctx, v, "", "", viewID)
		return err
	})
}

// respond posts to an interaction's response_url: the only way to replace or
// follow up an ephemeral message, which chat.update cannot touch.
func (a *Adapter) respond(ctx context.Context, url string, replace bool, m message) error {
	msg := &slackapi.WebhookMessage{Text: m.Text, ResponseType: slackapi.ResponseTypeEphemeral, ReplaceOriginal: replace}
	if len(m.Blocks) > 0 {
		msg.Blocks = &slackapi.Blocks{BlockSet: m.Blocks}
	}
	return a.call(ctx, methodResponseURL, func(ctx context.Context) error {
		return slackapi.PostWebhookCustomHTTPContext(ctx, url, a.httpClient, msg)
	})
}

// maxResponseBytes caps what one Web API or response_url answer may send
// back. Slack's answers to the calls the bot makes are a few KB (an echoed
// message or home view at most a few hundred); slack-go reads them without
// any limit, so without this a broken proxy or a wrong SLACK_API_URL could
// stream into memory until the timeout.
const maxResponseBytes = 4 << 20

// errResponseTooLarge is the read error past maxResponseBytes.
var errResponseTooLarge = fmt.Errorf("slack: response body over %d bytes", maxResponseBytes)

// capResponses returns a copy of c whose responses fail to read past n
// bytes. c itself is not changed.
func capResponses(c *http.Client, n int64) *http.Client {
	cc := *c
	rt := cc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	cc.Transport = cappedTransport{rt: rt, n: n}
	return &cc
}

type cappedTransport struct {
	rt http.RoundTripper
	n  int64
}

func (t cappedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(r)
	if err == nil {
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: t.n}
	}
	return resp, err
}

// cappedBody reads at most left bytes, then fails.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) > b.left {
		n, err = int(b.left), errResponseTooLarge
	}
	b.left -= int64(n)
	if err == errResponseTooLarge {
		b.left = -1
	}
	return n, err
}

// sleepCtx waits d or until ctx ends.
var sleepCtx = delivery.SleepCtx
