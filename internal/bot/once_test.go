package bot_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/sample"
)

// lostReplyStore commits Updates made with a request id and then, for the
// first drop of them, reports the store unreachable, as a Redis reply lost
// after the update script ran would.
type lostReplyStore struct {
	ownership.Store
	mu      sync.Mutex
	drop    int
	down    bool // every Update fails before reaching the store
	updates int
}

func (s *lostReplyStore) Update(ctx context.Context, t ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	s.mu.Lock()
	down := s.down
	s.updates++
	s.mu.Unlock()
	if down {
		return nil, nil, ownership.Unavailable(errors.New("dial tcp: connection refused"))
	}
	d, ch, err := s.Store.Update(ctx, t, fn, opts...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.drop > 0 && ownership.ReadUpdateOptions(opts).RequestID != "" {
		s.drop--
		return nil, nil, ownership.Unavailable(errors.New("read tcp: i/o timeout"))
	}
	return d, ch, err
}

func lostReplyService(t *testing.T, drop int) (*bot.Service, *lostReplyStore) {
	t.Helper()
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	d, err := sample.Directory(dirfile.Options{KnownIntent: func(id string) bool { _, ok := cat.Get(id); return ok }})
	if err != nil {
		t.Fatal(err)
	}
	st := &lostReplyStore{Store: memstore.New(memstore.WithDirectory(d)), drop: drop}
	return bot.New(st, cat, bot.WithAdmins("UADMIN")), st
}

// TestChangeReportedWhenStoreReplyLost: the change was stored but its reply
// lost. The lead is told it was made, the announcement goes out, and the
// change is recorded once.
func TestChangeReportedWhenStoreReplyLost(t *testing.T) {
	t.Parallel()
	s, st := lostReplyService(t, 1)
	ctx := context.Background()
	admin := ownership.Person{ID: "UADMIN", Name: "Admin"}
	m := bot.Message{Tenant: sample.Tenant, Platform: bot.PlatformSlack, ID: "Ev0001", User: admin,
		Channel: ownership.Channel{ID: "D0ADMIN"}, DM: true, Text: "set po <@U03JULES|jules> checkout"}
	r, err := s.Command(ctx, m)
	if err != nil {
		t.Fatalf("Command after a lost store reply = %v; want the change reported as made", err)
	}
	if st.updates != 2 {
		t.Errorf("%d updates sent, want the lost one and its confirmation", st.updates)
	}
	if !r.Changed || r.Text.Empty() {
		t.Errorf("reply %+v: want a changed result with the command's reply", r)
	}
	if len(r.Announcements) != 1 || r.Announcements[0].Channel.ID != "C0CHECKOUT" {
		t.Errorf("announcements %+v, want one in C0CHECKOUT", r.Announcements)
	}
	h, err := st.History(ctx, sample.Tenant, "checkout", 10)
	if err != nil || len(h) != 1 {
		t.Fatalf("history = %+v, %v; want the change once", h, err)
	}

	// The same message delivered again changes nothing more and says the
	// change stands.
	r, err = s.Command(ctx, m)
	if err != nil || !r.Changed {
		t.Fatalf("a redelivery = %+v, %v; want the recorded change", r, err)
	}
	if h, _ := st.History(ctx, sample.Tenant, "checkout", 10); len(h) != 1 {
		t.Errorf("a redelivery recorded the change again: %d entries", len(h))
	}
}

// TestChangeStoreDownStaysAnError: a store that stays unreachable for the
// update is reported as such, after one confirmation; nothing changed.
func TestChangeStoreDownStaysAnError(t *testing.T) {
	t.Parallel()
	s, st := lostReplyService(t, 0)
	st.down = true
	ctx := context.Background()
	m := bot.Message{Tenant: sample.Tenant, Platform: bot.PlatformSlack, ID: "Ev0002", User: ownership.Person{ID: "UADMIN"},
		Text: "set po <@U03JULES|jules> checkout"}
	if r, err := s.Command(ctx, m); ownership.ErrorCode(err) != ownership.ErrUnavailable || r.Changed {
		t.Errorf("Command on an unreachable store = %+v, %v; want unavailable", r, err)
	}
	if st.updates != 2 {
		t.Errorf("%d updates sent, want the failed one and one confirmation", st.updates)
	}
	if h, _ := st.History(ctx, sample.Tenant, "checkout", 10); len(h) != 0 {
		t.Errorf("history %+v, want nothing", h)
	}
}
