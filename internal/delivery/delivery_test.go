package delivery

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"
)

// releases records Release calls.
type releases struct {
	mu   sync.Mutex
	keys [][]string
	got  chan struct{}
}

func (r *releases) Release(_ context.Context, keys ...string) error {
	r.mu.Lock()
	r.keys = append(r.keys, keys)
	r.mu.Unlock()
	r.got <- struct{}{}
	return nil
}

func TestPoolReleasesClaimsOnlyWhenNothingArrived(t *testing.T) {
	t.Parallel()
	refused := &Error{Method: "post", Class: Refused, Err: errors.New("channel_not_found")}
	exhausted := &Error{Method: "post", Class: Transient, Err: errors.New("503")}
	unknown := &Error{Method: "post", Class: Unknown, Err: errors.New("timeout")}
	for _, tc := range []struct {
		name    string
		posts   []error
		claim   bool
		release bool
	}{
		{"refused", []error{refused}, true, true},
		{"retries ran out", []error{exhausted}, true, true},
		{"delivered", []error{nil}, true, false},
		{"may have arrived", []error{unknown}, true, false},
		{"one arrived, one refused", []error{nil, refused}, true, false},
		{"no claim", []error{refused}, false, false},
		{"a foreign error counts as maybe arrived", []error{errors.New("?")}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rel := &releases{got: make(chan struct{}, 1)}
			p := NewPool(PoolConfig{Name: "test", Claims: rel})
			p.Do(context.Background(), Job{ID: "Ev1", Run: func(ctx context.Context) {
				if tc.claim {
					Claimed(ctx, "ev:1", "msg:1")
				}
				for _, err := range tc.posts {
					Posted(ctx, err)
				}
			}})
			rel.mu.Lock()
			defer rel.mu.Unlock()
			if got := len(rel.keys) == 1; got != tc.release {
				t.Fatalf("released %v, want release %v", rel.keys, tc.release)
			}
			if tc.release && len(rel.keys[0]) != 2 {
				t.Errorf("released %v, want both keys", rel.keys[0])
			}
		})
	}
}

func TestPoolDrainsThenRefuses(t *testing.T) {
	t.Parallel()
	p := NewPool(PoolConfig{Name: "test", Workers: 1, QueueSize: 2})
	ran := make(chan string, 2)
	release := make(chan struct{})
	p.TryEnqueue(Job{ID: "a", Run: func(context.Context) { <-release; ran <- "a" }})
	p.TryEnqueue(Job{ID: "b", Run: func(context.Context) { ran <- "b" }})
	if p.TryEnqueue(Job{ID: "c", Run: func(context.Context) {}}) {
		t.Error("a third job fit a queue of two")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want the queued work drained", err)
	}
	if len(ran) != 2 {
		t.Errorf("%d jobs ran, want both acknowledged ones", len(ran))
	}
	if p.TryEnqueue(Job{ID: "d", Run: func(context.Context) {}}) {
		t.Error("a job was taken after shutdown")
	}
}

func TestPoolDrainDeadlineCancelsWork(t *testing.T) {
	t.Parallel()
	p := NewPool(PoolConfig{Name: "test", Workers: 1, DrainTimeout: time.Millisecond})
	started := make(chan struct{})
	p.TryEnqueue(Job{ID: "stuck", Run: func(ctx context.Context) { close(started); <-ctx.Done() }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	<-started
	cancel()
	if err := <-done; err == nil {
		t.Error("Run returned nil though work was cancelled")
	}
}

func TestPoolSurvivesPanic(t *testing.T) {
	t.Parallel()
	p := NewPool(PoolConfig{Name: "test"})
	p.Do(context.Background(), Job{ID: "bad", Run: func(context.Context) { panic("boom") }})
}

func TestRetryByClass(t *testing.T) {
	t.Parallel()
	noWait := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	r := Retry{Attempts: 4, Base: time.Millisecond, MaxWait: time.Second, Sleep: noWait}
	for _, tc := range []struct {
		name       string
		class      Class
		idempotent bool
		tries      int
	}{
		{"transient is retried", Transient, false, 4},
		{"refused is not", Refused, false, 1},
		{"unknown post is not repeated", Unknown, false, 1},
		{"unknown idempotent call is", Unknown, true, 4},
	} {
		tries := 0
		err := r.Do(context.Background(), Call{Method: "m", Idempotent: tc.idempotent,
			Classify: func(error, bool) Outcome { return Outcome{Class: tc.class} }},
			func(context.Context) error { tries++; return errors.New("no") })
		if tries != tc.tries || ClassOf(err) != tc.class {
			t.Errorf("%s: %d tries, class %v; want %d, %v", tc.name, tries, ClassOf(err), tc.tries, tc.class)
		}
	}
}

// TestRetryKnowsWhetherTheRequestLeft: a refused connection never sent the
// request; a connection closed after the request arrived did.
func TestRetryKnowsWhetherTheRequestLeft(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	for _, tc := range []struct {
		url  string
		sent bool
	}{{closed, false}, {srv.URL, true}} {
		var got []bool
		_ = Retry{Attempts: 1}.Do(context.Background(), Call{Method: "post",
			Classify: func(_ error, sent bool) Outcome { got = append(got, sent); return NetworkOutcome(sent) }},
			func(ctx context.Context) error {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tc.url, nil)
				resp, err := testClient.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				return err
			})
		if len(got) != 1 || got[0] != tc.sent {
			t.Errorf("%s: sent = %v, want %v", tc.url, got, tc.sent)
		}
	}
}

// TestRetrySelfReported: a call whose errors say themselves whether the
// request left gets no client trace, Classify is told sent = false, and its
// final error is the same.
func TestRetrySelfReported(t *testing.T) {
	t.Parallel()
	var traced []bool
	var sents []bool
	wantErr := errors.New("no answer")
	err := Retry{Attempts: 2, Sleep: func(context.Context, time.Duration) error { return nil }}.Do(context.Background(),
		Call{Method: "post", SelfReported: true,
			Classify: func(_ error, sent bool) Outcome { sents = append(sents, sent); return Outcome{Class: Transient} }},
		func(ctx context.Context) error {
			traced = append(traced, httptrace.ContextClientTrace(ctx) != nil)
			return wantErr
		})
	var e *Error
	if !errors.As(err, &e) || e.Method != "post" || e.Class != Transient || !errors.Is(err, wantErr) {
		t.Errorf("err = %#v", err)
	}
	if len(traced) != 2 || traced[0] || traced[1] || len(sents) != 2 || sents[0] || sents[1] {
		t.Errorf("traced %v, sent %v; want two attempts, untraced, sent false", traced, sents)
	}
}
