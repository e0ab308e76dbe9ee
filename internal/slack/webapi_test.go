package slack

import (
	"context"
	"errors"
	"github.com/whoowns/whoowns/internal/delivery"
	"net"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		failures []fakeslack.Failure
		posted   bool // the answer gets through in the end
		sleeps   []time.Duration
		retries  float64
	}{
		{"429 waits Retry-After", []fakeslack.Failure{{Status: 429, RetryAfter: 3}}, true, []time.Duration{3 * time.Second}, 1},
		{"503 backs off", []fakeslack.Failure{{Status: 503}, {Status: 503}}, true, nil, 2},
		{"Slack's try-again errors", []fakeslack.Failure{{Error: "service_unavailable"}, {Error: "ratelimited"}}, true, nil, 2},
		{"gives up after the attempts", []fakeslack.Failure{{Status: 503}, {Status: 503}, {Status: 503}, {Status: 503}}, false, nil, 3},
		{"permanent error is not retried", []fakeslack.Failure{{Error: "channel_not_found"}}, false, nil, 0},
		// These may follow a post that went through: repeating it could
		// show the answer twice.
		{"500 is not repeated", []fakeslack.Failure{{Status: 500}}, false, nil, 0},
		{"502 is not repeated", []fakeslack.Failure{{Status: 502}}, false, nil, 0},
		{"internal_error is not repeated", []fakeslack.Failure{{Error: "internal_error"}}, false, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.fake.Fail("chat.postMessage", tc.failures...)
			h.event("EvR", mention(uJules, cCheck, "1700000001.000001", "who owns the roadmap?"))
			h.sentinel("r")
			var answers int
			for _, c := range h.postsTo(cCheck) {
				if c.Params["thread_ts"] == "1700000001.000001" {
					answers++
				}
			}
			wantCalls := len(tc.failures)
			if tc.posted {
				wantCalls++
			}
			if answers != wantCalls {
				t.Errorf("%d chat.postMessage tries, want %d", answers, wantCalls)
			}
			if got := h.counter("whoowns_platform_api_retries_total", "method", "chat.postMessage"); got != tc.retries {
				t.Errorf("retries counted %v, want %v", got, tc.retries)
			}
			errs := h.counter("whoowns_platform_api_errors_total", "method", "chat.postMessage")
			if tc.posted && errs != 0 || !tc.posted && errs != 1 {
				t.Errorf("final failures counted %v (answer posted: %v)", errs, tc.posted)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if tc.sleeps != nil && (len(h.sleeps) != len(tc.sleeps) || h.sleeps[0] != tc.sleeps[0]) {
				t.Errorf("waited %v, want %v", h.sleeps, tc.sleeps)
			}
			if int(tc.retries) != len(h.sleeps) {
				t.Errorf("waited %d times for %v retries", len(h.sleeps), tc.retries)
			}
		})
	}
}

// TestRetryStopsWithContext: a long Retry-After does not outlive shutdown.
func TestRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	a, err := New(Config{BotToken: "xoxb-t", SigningSecret: testSecret, Logger: testLogger(t)}, bot.New(st, cat), st)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- a.call(ctx, methodPostMessage, func(context.Context) error { return &slackapi.RateLimitedError{RetryAfter: time.Hour} })
	}()
	cancel()
	select {
	case err := <-done:
		var rl *slackapi.RateLimitedError
		if !errors.As(err, &rl) {
			t.Errorf("err = %v", err)
		}
	case <-time.After(wait):
		t.Fatal("call kept waiting after its context ended")
	}
}

// TestClassify: what each Web API failure says about the call's effect,
// which decides retries and whether a failed delivery's claim is released.
func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		sent bool
		want delivery.Class
	}{
		{&slackapi.RateLimitedError{RetryAfter: time.Second}, true, delivery.Transient},
		{slackapi.StatusCodeError{Code: 429}, true, delivery.Transient},
		{slackapi.StatusCodeError{Code: 503}, true, delivery.Transient},
		{slackapi.StatusCodeError{Code: 500}, true, delivery.Unknown},
		{slackapi.StatusCodeError{Code: 504}, true, delivery.Unknown},
		{slackapi.StatusCodeError{Code: 404}, true, delivery.Refused},
		{slackapi.StatusCodeError{Code: 400}, true, delivery.Refused},
		{slackapi.SlackErrorResponse{Err: "ratelimited"}, true, delivery.Transient},
		{slackapi.SlackErrorResponse{Err: "service_unavailable"}, true, delivery.Transient},
		{slackapi.SlackErrorResponse{Err: "request_timeout"}, true, delivery.Transient},
		{slackapi.SlackErrorResponse{Err: "fatal_error"}, true, delivery.Unknown},
		{slackapi.SlackErrorResponse{Err: "internal_error"}, true, delivery.Unknown},
		{slackapi.SlackErrorResponse{Err: "not_in_channel"}, true, delivery.Refused},
		{slackapi.SlackErrorResponse{Err: "channel_not_found"}, true, delivery.Refused},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, false, delivery.Transient},
		{&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, true, delivery.Unknown},
		{context.DeadlineExceeded, true, delivery.Unknown},
		{context.DeadlineExceeded, false, delivery.Transient},
		{errors.New("json: cannot unmarshal"), true, delivery.Unknown},
	} {
		if got := classify(tc.err, tc.sent).Class; got != tc.want {
			t.Errorf("classify(%v, sent %v) = %v, want %v", tc.err, tc.sent, got, tc.want)
		}
	}
}

// TestOnlyDeclaredMethods: every call the adapter made in these tests is
// in webAPIMethods, and an undeclared one is refused.
func TestOnlyDeclaredMethods(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.answerIn("1", cCheck, "who owns the roadmap?")
	h.event("EvHome", map[string]any{"type": "app_home_opened", "user": uAdmin, "tab": "home"})
	h.fake.WaitCalls(t, "views.publish", 1, wait)
	for _, m := range h.fake.Methods() {
		if _, ok := webAPIMethods[m]; !ok {
			t.Errorf("called %s, which webAPIMethods does not declare", m)
		}
	}
	err := h.a.call(t.Context(), "chat.delete", func(context.Context) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "webAPIMethods") {
		t.Errorf("undeclared method: err = %v", err)
	}
}
