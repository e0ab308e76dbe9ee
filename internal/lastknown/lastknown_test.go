package lastknown_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/lastknown"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/storetest"
)

// flaky is a store that can be cut off: while down every call fails as an
// unreachable Redis does.
type flaky struct {
	ownership.Store
	down  atomic.Bool
	calls atomic.Int64
}

var errCut = errors.New("connection refused")

func (f *flaky) fail() error {
	f.calls.Add(1)
	if f.down.Load() {
		return ownership.Unavailable(errCut)
	}
	return nil
}

func (f *flaky) Directory(ctx context.Context, t ownership.TenantID) (*ownership.Directory, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.Directory(ctx, t)
}

func (f *flaky) ClaimDirectory(ctx context.Context, t ownership.TenantID, ttl time.Duration, keys ...string) (*ownership.Directory, bool, error) {
	if err := f.fail(); err != nil {
		return nil, false, err
	}
	return f.Store.ClaimDirectory(ctx, t, ttl, keys...)
}

func (f *flaky) ClaimAll(ctx context.Context, ttl time.Duration, keys ...string) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.Store.ClaimAll(ctx, ttl, keys...)
}

func (f *flaky) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.Store.Claim(ctx, key, ttl)
}

func (f *flaky) Update(ctx context.Context, t ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	if err := f.fail(); err != nil {
		return nil, nil, err
	}
	return f.Store.Update(ctx, t, fn, opts...)
}

type counter struct{ n atomic.Int64 }

func (c *counter) UncheckedRedelivery() { c.n.Add(1) }

const tenant = ownership.TenantID("slack:T1")

func setup(t *testing.T, opts ...lastknown.Option) (*lastknown.Store, *flaky, *counter, *time.Time) {
	t.Helper()
	now := time.Date(2026, 12, 6, 10, 32, 0, 0, time.UTC)
	inner := &flaky{Store: memstore.New()}
	c := &counter{}
	s := lastknown.New(inner, append([]lastknown.Option{lastknown.WithClock(func() time.Time { return now }), lastknown.WithObserver(c)}, opts...)...)
	if _, _, err := s.Update(context.Background(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout"}
		return []ownership.Change{{Action: "team.create", Team: "checkout"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	return s, inner, c, &now
}

// TestContract: healthy, the decorator is the store it decorates.
func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.PerTest(func(t *testing.T) func() ownership.Store {
		inner := memstore.New()
		return func() ownership.Store { return lastknown.New(inner) }
	}))
}

func TestServesLastKnownWhileDown(t *testing.T) {
	t.Parallel()
	s, inner, _, now := setup(t)
	ctx := context.Background()
	if _, err := s.Directory(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	readAt := *now
	*now = now.Add(5 * time.Minute)
	inner.down.Store(true)

	d, err := s.Directory(ctx, tenant)
	if err != nil || d.Team("checkout") == nil || !d.AsOf.Equal(readAt) {
		t.Fatalf("Directory while down = %+v, %v; want the kept directory as of %v", d, err, readAt)
	}
	d.Teams["checkout"].Name = "changed by a caller"
	d2, first, err := s.ClaimDirectory(ctx, tenant, time.Minute, "evt:1", "msg:1")
	if err != nil || !first || d2.Team("checkout").Name != "Checkout" || !d2.AsOf.Equal(readAt) {
		t.Fatalf("ClaimDirectory while down = %+v, %v, %v; want an untouched copy as of %v", d2, first, err, readAt)
	}
	// The same delivery again (one key shared): a duplicate, silently.
	if d, first, err := s.ClaimDirectory(ctx, tenant, time.Minute, "evt:2", "msg:1"); d != nil || first || err != nil {
		t.Errorf("a second delivery of an answered message = %v, %v, %v; want a duplicate", d, first, err)
	}
	// Changes are refused, saying why.
	_, _, err = s.Update(ctx, tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		return []ownership.Change{{Action: "x"}}, nil
	})
	if ownership.ErrorCode(err) != ownership.ErrUnavailable || !strings.Contains(ownership.ErrorMessage(err), "no change can be made") {
		t.Errorf("Update while down = %v", err)
	}
	// A tenant never read has no answer; the notice says when data was
	// last read.
	_, _, err = s.ClaimDirectory(ctx, "slack:T2", time.Minute, "evt:3")
	if msg := ownership.ErrorMessage(err); ownership.ErrorCode(err) != ownership.ErrUnavailable || !strings.Contains(msg, "last read at 10:32 UTC") || !strings.Contains(msg, "try again shortly") {
		t.Errorf("ClaimDirectory of an unknown tenant while down = %v", err)
	}
	// Too old is not served.
	*now = now.Add(lastknown.DefaultMaxAge)
	if _, err := s.Directory(ctx, tenant); ownership.ErrorCode(err) != ownership.ErrUnavailable {
		t.Errorf("a directory older than the maximum age was served: %v", err)
	}
}

func TestRedeliveryWhileDownIsSilent(t *testing.T) {
	t.Parallel()
	s, inner, c, _ := setup(t)
	ctx := context.Background()
	if _, _, err := s.ClaimDirectory(ctx, tenant, time.Minute, "evt:warm"); err != nil {
		t.Fatal(err)
	}
	inner.down.Store(true)
	re := ownership.WithRedelivery(ctx)
	if d, first, err := s.ClaimDirectory(re, tenant, time.Minute, "evt:9", "msg:9"); d != nil || first || err != nil {
		t.Errorf("unchecked redelivery = %v, %v, %v; want silence", d, first, err)
	}
	if ok, err := s.ClaimAll(re, time.Minute, "evt:10"); ok || err != nil {
		t.Errorf("unchecked redelivery (ClaimAll) = %v, %v; want silence", ok, err)
	}
	if n := c.n.Load(); n != 2 {
		t.Errorf("%d unchecked redeliveries counted, want 2", n)
	}
	// A first delivery whose claim fails is handled (the caller gets the
	// error) and remembered, so its redelivery here is a duplicate.
	if ok, err := s.Claim(ctx, "teams:act:1", time.Minute); ok || ownership.ErrorCode(err) != ownership.ErrUnavailable {
		t.Errorf("Claim while down = %v, %v", ok, err)
	}
	if ok, err := s.Claim(ctx, "teams:act:1", time.Minute); ok || err != nil {
		t.Errorf("second Claim of a key handled here = %v, %v; want a duplicate", ok, err)
	}
}

// TestClaimsWrittenBack: what was answered while the store was down is
// claimed there once it is back, so another replica does not answer a
// late redelivery; a released key is answered again.
func TestClaimsWrittenBack(t *testing.T) {
	t.Parallel()
	s, inner, _, _ := setup(t, lastknown.WithClock(time.Now))
	ctx := context.Background()
	if _, err := s.Directory(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	inner.down.Store(true)
	if _, first, err := s.ClaimDirectory(ctx, tenant, time.Minute, "evt:gap", "msg:gap"); !first || err != nil {
		t.Fatalf("ClaimDirectory while down = %v, %v", first, err)
	}
	if _, first, err := s.ClaimDirectory(ctx, tenant, time.Minute, "evt:rel"); !first || err != nil {
		t.Fatalf("ClaimDirectory while down = %v, %v", first, err)
	}
	if err := s.Release(ctx, "evt:rel"); err != nil {
		t.Fatal(err)
	}
	inner.down.Store(false)
	// Back, before or after the write-back: a retry of what was answered
	// during the outage is a duplicate.
	if d, first, err := s.ClaimDirectory(ctx, tenant, time.Minute, "evt:gap-retry", "msg:gap"); d != nil || first || err != nil {
		t.Errorf("a retry of a delivery answered during the outage = %v, %v, %v; want a duplicate", d, first, err)
	}
	if _, err := s.Directory(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := inner.Store.ClaimAll(ctx, time.Minute, "msg:gap")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break // written back
		}
		_ = inner.Store.Release(ctx, "msg:gap")
		if time.Now().After(deadline) {
			t.Fatal("the claim made while the store was down was never written back")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, first, err := s.ClaimDirectory(ctx, tenant, time.Minute, "evt:rel"); !first || err != nil {
		t.Errorf("a released delivery = %v, %v; want it answered", first, err)
	}
}

func TestBounds(t *testing.T) {
	t.Parallel()
	s, inner, _, _ := setup(t, lastknown.WithBounds(2, 2, 0))
	ctx := context.Background()
	for _, tn := range []ownership.TenantID{tenant, "slack:T2", "slack:T3"} {
		if _, err := s.Directory(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"a", "b", "c"} {
		if _, first, err := s.ClaimDirectory(ctx, "slack:T3", time.Minute, k); !first || err != nil {
			t.Fatal(first, err)
		}
	}
	inner.down.Store(true)
	if _, err := s.Directory(ctx, tenant); ownership.ErrorCode(err) != ownership.ErrUnavailable {
		t.Errorf("the oldest tenant was kept beyond the bound: %v", err)
	}
	if _, err := s.Directory(ctx, "slack:T2"); err != nil {
		t.Errorf("a recent tenant was dropped: %v", err)
	}
	// "a" was forgotten (bound 2), so while down it is not known answered.
	if _, first, err := s.ClaimDirectory(ctx, "slack:T3", time.Minute, "a"); !first || err != nil {
		t.Errorf("ClaimDirectory of a forgotten key = %v, %v", first, err)
	}
	if _, first, err := s.ClaimDirectory(ctx, "slack:T3", time.Minute, "c"); first || err != nil {
		t.Errorf("ClaimDirectory of a remembered key = %v, %v", first, err)
	}
}

func (f *flaky) RecordPick(ctx context.Context, t ownership.TenantID, p ownership.Pick) (ownership.Candidate, error) {
	if err := f.fail(); err != nil {
		return ownership.Candidate{}, err
	}
	return f.Store.RecordPick(ctx, t, p)
}

func (f *flaky) Candidates(ctx context.Context, t ownership.TenantID) ([]ownership.Candidate, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.Candidates(ctx, t)
}

func (f *flaky) DropCandidate(ctx context.Context, t ownership.TenantID, key string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.DropCandidate(ctx, t, key)
}

// TestPicksPassThrough: the learning loop's records are the store's own;
// while it is unreachable nothing is recorded from memory and the error
// says the data is briefly unavailable.
func TestPicksPassThrough(t *testing.T) {
	s, inner, _, _ := setup(t)
	ctx := context.Background()
	p := ownership.Pick{Key: "q", Question: "q?", Intent: "roadmap", Person: ownership.Person{ID: "U1"}, At: time.Now()}
	if c, err := s.RecordPick(ctx, tenant, p); err != nil || len(c.Votes) != 1 {
		t.Fatalf("RecordPick = %+v, %v", c, err)
	}
	if cs, err := inner.Store.Candidates(ctx, tenant); err != nil || len(cs) != 1 {
		t.Fatalf("the pick did not reach the store: %+v, %v", cs, err)
	}
	inner.down.Store(true)
	p.Person.ID = "U2"
	_, err := s.RecordPick(ctx, tenant, p)
	_, err2 := s.Candidates(ctx, tenant)
	err3 := s.DropCandidate(ctx, tenant, "q")
	for _, e := range []error{err, err2, err3} {
		if ownership.ErrorCode(e) != ownership.ErrUnavailable || !strings.Contains(ownership.ErrorText(e).Plain(""), "briefly unavailable") {
			t.Errorf("while down: %v; want unavailable, said so", e)
		}
	}
	inner.down.Store(false)
	if cs, err := s.Candidates(ctx, tenant); err != nil || len(cs) != 1 || len(cs[0].Votes) != 1 {
		t.Errorf("after the outage: %+v, %v; want the one pick made before", cs, err)
	}
	if err := s.DropCandidate(ctx, tenant, "q"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := inner.Store.Candidates(ctx, tenant); len(cs) != 0 {
		t.Errorf("DropCandidate did not reach the store: %+v", cs)
	}
}
