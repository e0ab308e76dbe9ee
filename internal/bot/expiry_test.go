package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/scheduler"
)

// outboxRecorder is a bot.Outbox that keeps what it was given.
type outboxRecorder struct {
	mu    sync.Mutex
	posts []string
	tells map[string][]string
}

func (o *outboxRecorder) Post(_ context.Context, _ ownership.TenantID, ch ownership.Channel, t rich.Text) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.posts = append(o.posts, ch.ID+": "+t.String())
	return nil
}

func (o *outboxRecorder) Tell(_ context.Context, _ ownership.TenantID, to ownership.Person, n bot.Notice) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tells == nil {
		o.tells = map[string][]string{}
	}
	o.tells[to.ID] = append(o.tells[to.ID], n.Text.String())
	return nil
}

func (o *outboxRecorder) Publish(_ context.Context, _ ownership.TenantID, ch ownership.Channel, n bot.Notice) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.posts = append(o.posts, ch.ID+": "+n.Text.String())
	return nil
}

// A request no lead decides expires after 14 days: it leaves the pending
// list, the expiry is in the history, and whoever made it is told once.
func TestRequestExpiresAfterFourteenDays(t *testing.T) {
	var mu sync.Mutex
	clock := now
	at := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	s, st := newService(t, bot.WithClock(at))
	req, created, err := ownership.CreateRequest(context.Background(), s.Store(), tenant,
		ownership.Request{Kind: ownership.ClaimRole, Team: "checkout", Role: ownership.ProductOwner, From: dev}, now)
	if err != nil || !created {
		t.Fatalf("claim: %v %v", created, err)
	}
	if due, ok, err := st.JobDue(context.Background(), ownership.Job{Tenant: tenant, Kind: ownership.JobRequestExpiry, Key: req.ID}); err != nil || !ok || !due.Equal(req.Expires.Truncate(time.Millisecond)) {
		t.Fatalf("expiry scheduled at %v (%v, %v); want %v", due, ok, err, req.Expires)
	}
	out := &outboxRecorder{}
	sched := scheduler.New(scheduler.Config{Store: st, Tick: 10 * time.Millisecond, Now: at, Lease: time.Minute})
	for k, h := range s.Handlers(out) {
		sched.Handle(k, h)
	}
	var running sync.WaitGroup
	sched.Once(context.Background(), &running) // 13 days early: nothing due
	running.Wait()
	mu.Lock()
	clock = now.Add(ownership.RequestLifetime)
	mu.Unlock()
	sched.Once(context.Background(), &running)
	running.Wait()
	sched.Once(context.Background(), &running) // and again: nothing twice
	running.Wait()
	d, err := st.Directory(context.Background(), tenant)
	if err != nil || len(d.Requests) != 0 {
		t.Fatalf("requests left %+v, %v", d.Requests, err)
	}
	hs, _ := st.History(context.Background(), tenant, "checkout", 5)
	if len(hs) == 0 || hs[0].Action != "request.expire" {
		t.Errorf("history %+v, want the expiry first", hs)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	if got := out.tells[dev.ID]; len(got) != 1 || !strings.Contains(got[0], "Your request expired after 14 days") {
		t.Errorf("requester told %q, want one expiry note", got)
	}
}
