package delivery

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"
)

// Class is what a call's outcome says about its effect on the platform.
type Class int

const (
	// Delivered: the platform did what was asked.
	Delivered Class = iota
	// Transient: the platform did not act on the request; a later
	// identical request may succeed.
	Transient
	// Refused: the platform did not act on the request and will not on
	// the same request again.
	Refused
	// Unknown: the platform may have acted on the request.
	Unknown
)

func (c Class) String() string {
	switch c {
	case Delivered:
		return "delivered"
	case Transient:
		return "transient"
	case Refused:
		return "refused"
	}
	return "unknown"
}

// Outcome is a platform's reading of one attempt's error.
type Outcome struct {
	Class Class
	// Wait is the platform's Retry-After; 0 means the backoff decides.
	Wait time.Duration
}

// Error is a call that finally failed, with what its failure means.
type Error struct {
	Method string
	Class  Class
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%s): %v", e.Method, e.Class, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of a call's final error: Delivered for nil,
// Unknown for an error that did not come from Do.
func ClassOf(err error) Class {
	if err == nil {
		return Delivered
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return Unknown
}

// Undelivered reports whether err says a call definitely did not reach the
// platform: it was refused, or failed transiently until the retries ran out.
func Undelivered(err error) bool {
	c := ClassOf(err)
	return c == Transient || c == Refused
}

// Call describes one outbound call to Retry.Do.
type Call struct {
	// Method names it in errors and to OnRetry.
	Method string
	// Idempotent calls may be repeated after an Unknown outcome: doing
	// them twice has the effect of doing them once.
	Idempotent bool
	// Classify reads an attempt's error; sent says whether any of the
	// request was written to the connection.
	Classify func(err error, sent bool) Outcome
	// OnRetry, if set, is told before each retry.
	OnRetry func(attempt int, wait time.Duration, err error)
	// SelfReported: the attempt's errors say themselves whether the
	// request left (a client that is not net/http's), so no client trace
	// is set up and Classify is told sent = false.
	SelfReported bool
}

// Retry bounds how hard a failing call is retried.
type Retry struct {
	// Attempts is the total number of tries, the first included.
	Attempts int
	// Base is the first backoff; it doubles, with jitter.
	Base time.Duration
	// MaxWait caps one wait, a Retry-After included.
	MaxWait time.Duration
	// Sleep waits d or until ctx ends; nil uses a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Do runs attempt until it succeeds, or its failure is not worth another
// try (see the package comment), or Attempts or ctx run out. Each attempt's
// ctx records whether the request was written (net/http's client trace), so
// a failure before it left is told from one after. A failure is returned as
// an *Error carrying its class.
func (r Retry) Do(ctx context.Context, c Call, attempt func(ctx context.Context) error) error {
	for n := 1; ; n++ {
		actx, sent := ctx, (*atomic.Bool)(nil)
		if !c.SelfReported {
			actx, sent = traceSent(ctx)
		}
		err := attempt(actx)
		if err == nil {
			return nil
		}
		o := Outcome{Class: Unknown}
		if c.Classify != nil {
			o = c.Classify(err, sent != nil && sent.Load())
		}
		retry := o.Class == Transient || (o.Class == Unknown && c.Idempotent)
		if !retry || n >= r.Attempts || ctx.Err() != nil {
			return c.failed(o.Class, err)
		}
		wait := o.Wait
		if wait <= 0 {
			wait = r.backoff(n)
		}
		wait = min(wait, r.MaxWait)
		if c.OnRetry != nil {
			c.OnRetry(n, wait, err)
		}
		sleep := r.Sleep
		if sleep == nil {
			sleep = SleepCtx
		}
		if serr := sleep(ctx, wait); serr != nil {
			return c.failed(o.Class, err)
		}
	}
}

// failed is the final error of c. The method name is copied: nothing of c
// is kept, so the Call (its funcs, often closures) can stay on its
// caller's stack.
func (c *Call) failed(class Class, err error) error {
	return &Error{Method: strings.Clone(c.Method), Class: class, Err: err}
}

// backoff is Base doubled per attempt, with jitter so that replicas that
// failed together do not retry together.
func (r Retry) backoff(attempt int) time.Duration {
	d := r.Base << (attempt - 1)
	if d <= 0 || (r.MaxWait > 0 && d > r.MaxWait) {
		d = r.MaxWait
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// NetworkOutcome classifies an error that came with no response from the
// platform: a request that never left (dial, DNS, TLS) is Transient; one
// that was written may have been acted on.
func NetworkOutcome(sent bool) Outcome {
	if sent {
		return Outcome{Class: Unknown}
	}
	return Outcome{Class: Transient}
}

// traceSent returns ctx with a client trace that notes when a request's
// headers have been written: from then on the platform may have it.
func traceSent(ctx context.Context) (context.Context, *atomic.Bool) {
	sent := new(atomic.Bool)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { sent.Store(true) },
	}), sent
}

// SleepCtx waits d or until ctx ends.
func SleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
