package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackapi "github.com/slack-go/slack"
)

// Reasons a request is refused, as counted in whoowns_requests_rejected_total.
const (
	rejectSignature  = "signature"
	rejectStale      = "stale"
	rejectTooLarge   = "too_large"
	rejectBadRequest = "bad_request"
	rejectBusy       = "rate_limited"
	// rejectVote is a 👍/👎 naming no answer or an intent outside the
	// tenant's catalogue.
	rejectVote = "feedback"
)

// errStale is a correctly signed request outside the replay window.
var errStale = errors.New("slack: request timestamp outside the 5-minute window")

// verify checks Slack's v0 signature: HMAC-SHA256 over "v0:<ts>:<body>" with
// the signing secret, and a timestamp within five minutes of now so a
// captured request cannot be replayed later.
func verify(h http.Header, body []byte, secret string, now time.Time) error {
	if secret == "" {
		return errors.New("slack: no signing secret configured")
	}
	sig, ok := strings.CutPrefix(h.Get("X-Slack-Signature"), "v0=")
	if !ok {
		return errors.New("slack: missing v0 signature")
	}
	ts := h.Get("X-Slack-Request-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	m := getMAC(secret)
	defer macs.Put(m)
	got, hexOK := decodeHex(m.got[:0], sig)
	if !hexOK {
		return errors.New("slack: malformed signature")
	}
	if err != nil {
		return errors.New("slack: malformed timestamp")
	}
	m.buf = append(append(append(m.buf[:0], "v0:"...), ts...), ':')
	m.mac.Reset()
	m.mac.Write(m.buf)
	m.mac.Write(body)
	if !hmac.Equal(got, m.mac.Sum(m.sum[:0])) {
		return errors.New("slack: signature mismatch")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxStaleness || d < -maxStaleness {
		return errStale
	}
	return nil
}

// signingMAC is a keyed HMAC-SHA256 with its scratch space, reused across
// requests: a new HMAC costs a handful of allocations and two hash
// initialisations, on every request.
type signingMAC struct {
	secret string
	mac    hash.Hash
	buf    []byte
	got    [sha256.Size]byte
	sum    [sha256.Size]byte
}

var macs sync.Pool

// getMAC returns a pooled HMAC keyed with secret; put it back in macs.
func getMAC(secret string) *signingMAC {
	if m, ok := macs.Get().(*signingMAC); ok && m.secret == secret {
		return m
	}
	return &signingMAC{secret: secret, mac: hmac.New(sha256.New, []byte(secret)), buf: make([]byte, 0, 32)}
}

// decodeHex appends the bytes of the hex string s to dst, as
// hex.DecodeString would decode them; false if s is not hex.
func decodeHex(dst []byte, s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return dst, false
	}
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := fromHexChar(s[i])
		lo, ok2 := fromHexChar(s[i+1])
		if !ok1 || !ok2 {
			return dst, false
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, true
}

func fromHexChar(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Sign returns the headers Slack would send with body at ts, for tests and
// tools that play Slack.
func Sign(secret string, ts time.Time, body []byte) http.Header {
	s := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + s + ":"))
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", s)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// readVerified reads the capped body and verifies it. On failure it has
// already answered the request and returns ok false.
func (a *Adapter) readVerified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := readBody(w, r, a.cfg.MaxBodyBytes)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.metrics.Rejected(platform, rejectTooLarge)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		a.metrics.Rejected(platform, rejectBadRequest)
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return nil, false
	}
	if err := verify(r.Header, body, a.cfg.SigningSecret, a.now()); err != nil {
		reason := rejectSignature
		if errors.Is(err, errStale) {
			reason = rejectStale
		}
		a.metrics.Rejected(platform, reason)
		a.log.Warn("slack: refused unverified request", "path", r.URL.Path, "reason", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// readBody reads r's body, at most limit bytes (then *http.MaxBytesError).
// A body of announced length is read into one buffer of that size, not
// grown as io.ReadAll grows it.
//
// A body of announced length within limit (every request net/http's
// server hands over with a Content-Length, which it cuts there) is read
// without a MaxBytesReader; one that goes on past its announced length
// gets one for the rest, so the limit and its error stay the same.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	n := r.ContentLength
	if n <= 0 || n > limit {
		return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	}
	buf := make([]byte, n+1)
	if _, err := io.ReadFull(r.Body, buf[:n]); err != nil {
		return nil, err
	}
	// Anything past the announced length is read on, as ReadAll would.
	m, err := r.Body.Read(buf[n:])
	if m == 0 && err == io.EOF {
		return buf[:n], nil
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	rest, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max(limit-n-int64(m), 0)))
	if err == nil && n+int64(m) > limit {
		// The extra byte was already one too many.
		_, err = http.MaxBytesReader(w, io.NopCloser(strings.NewReader("x")), 0).Read(buf[:1])
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		tooBig.Limit = limit
	}
	return append(buf[:n+int64(m)], rest...), err
}

// busy tells Slack to try again later: the queue is full or we are shutting
// down. Slack retries Events API deliveries it did not get a 2xx for.
func (a *Adapter) busy(w http.ResponseWriter) {
	a.metrics.Rejected(platform, rejectBusy)
	if n, ok := a.busyLog.allow(time.Now()); ok {
		if !a.pool.Closed() {
			a.log.Warn("slack: overloaded: the queue is full, answering 503 so Slack retries; add replicas or raise WHOOWNS_WORKERS",
				"platform", platform, "queue_depth", a.pool.Len(), "queue_capacity", a.pool.Cap(), "workers", a.cfg.Workers, "refused", n)
		}
	}
	w.Header().Set("Retry-After", "1")
	http.Error(w, "busy, retry later", http.StatusServiceUnavailable)
}

// handleEvents receives Events API deliveries. It verifies, answers
// url_verification, and queues everything else: the ack must reach Slack
// within 3 seconds, and deduping needs a store round trip. The envelope is
// decoded here, once, and the worker takes it as it is.
func (a *Adapter) handleEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r)
	if !ok {
		return
	}
	retry, _ := strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
	env := new(envelope)
	if !decodeEnvelope(body, env) {
		*env = envelope{}
		if !a.decodeOddEnvelope(w, body, env, retry) {
			return
		}
	}
	if env.Type == "url_verification" {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, env.Challenge)
		return
	}
	env.retry = retry
	a.queue(w, a.envelopeJob(env))
}

// decodeOddEnvelope decodes, with encoding/json, an envelope that
// decodeEnvelope would not read. false means it has answered the request.
func (a *Adapter) decodeOddEnvelope(w http.ResponseWriter, body []byte, env *envelope, retry int) bool {
	err := json.Unmarshal(body, env)
	if err == nil {
		return true
	}
	// Judge a body that is no envelope by the outer fields alone: bad
	// JSON is refused; JSON with a field of the wrong type is
	// acknowledged, and the worker drops it with a log line.
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		EventID   string `json:"event_id"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		a.metrics.Rejected(platform, rejectBadRequest)
		http.Error(w, "malformed JSON", http.StatusBadRequest)
		return false
	}
	if outer.Type != "url_verification" {
		a.queue(w, a.eventJob(body, outer.EventID, retry))
		return false
	}
	env.Type, env.Challenge = outer.Type, outer.Challenge
	return true
}

// queue hands j to the workers and acknowledges the request, or tells the
// sender to retry when the queue is full.
func (a *Adapter) queue(w http.ResponseWriter, j job) {
	if !a.enqueue(j) {
		a.busy(w)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// handleInteractivity receives button clicks and select choices.
func (a *Adapter) handleInteractivity(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		a.metrics.Rejected(platform, rejectBadRequest)
		http.Error(w, "missing payload", http.StatusBadRequest)
		return
	}
	payload := []byte(form.Get("payload"))
	if isBlockSuggestion(payload) {
		// The options of the App Home's team search, answered at once.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), commandTimeout)
		defer cancel()
		opts, err := a.blockSuggestion(ctx, payload)
		if err != nil {
			a.metrics.Rejected(platform, rejectBadRequest)
			http.Error(w, "malformed payload", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(opts)
		return
	}
	if isViewSubmission(payload) {
		// Answered in the response itself: field errors keep the modal
		// open, an empty body closes it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), commandTimeout)
		defer cancel()
		resp, err := a.viewSubmission(ctx, payload)
		if err != nil {
			a.metrics.Rejected(platform, rejectBadRequest)
			http.Error(w, "malformed payload", http.StatusBadRequest)
			return
		}
		if resp == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
		return
	}
	j, err := a.interactionJob(payload)
	if err != nil {
		a.metrics.Rejected(platform, rejectBadRequest)
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	if !a.enqueue(j) {
		a.busy(w)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// handleCommand runs /whoowns. Commands take milliseconds, so the reply is
// the synchronous ephemeral response itself; deliveries to other channels
// and people go onto the queue.
func (a *Adapter) handleCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r)
	if !ok {
		return
	}
	// SlashCommandParse reads the body we already consumed for the
	// signature, so it gets a fresh reader over the same bytes.
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.PostForm, r2.Form = nil, nil
	cmd, err := slackapi.SlashCommandParse(r2)
	if err != nil || cmd.TeamID == "" || cmd.UserID == "" {
		a.metrics.Rejected(platform, rejectBadRequest)
		http.Error(w, "malformed command", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(withDelivery(context.WithoutCancel(r.Context()), "command:"+cmd.TriggerID), commandTimeout)
	defer cancel()
	resp := a.runSlashCommand(ctx, cmd)
	if resp == nil {
		// Another workspace's command: acknowledged, nothing shown.
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// logLimiter lets a repeated warning through at most once every 10 s and
// counts the occurrences it held back, so overload shows in the log without
// flooding it.
type logLimiter struct {
	last, count atomic.Int64
}

// allow counts one occurrence and reports whether to log it now, with the
// number of occurrences since the last log line (this one included).
func (l *logLimiter) allow(now time.Time) (int64, bool) {
	l.count.Add(1)
	last := l.last.Load()
	if now.UnixNano()-last < int64(10*time.Second) || !l.last.CompareAndSwap(last, now.UnixNano()) {
		return 0, false
	}
	return l.count.Swap(0), true
}
