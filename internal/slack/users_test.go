package slack

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAdminStatusCachedAtMostAMinute: admin status (which makes a lead) is
// trusted for 60 s at most; the name longer.
func TestAdminStatusCachedAtMostAMinute(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := newUserCache(clock)
	c.put("T1/U1", userInfo{Name: "ada", Admin: true})
	advance(59 * time.Second)
	if u, ok := c.get("T1/U1"); !ok || !u.Admin {
		t.Fatalf("after 59s: %+v %v, want the cached admin", u, ok)
	}
	advance(time.Second)
	if _, ok := c.get("T1/U1"); ok {
		t.Fatal("admin status still trusted after 60s")
	}
	if c.name("T1/U1") != "ada" {
		t.Error("the name is forgotten with the admin status")
	}
	advance(nameTTL)
	if c.name("T1/U1") != "" {
		t.Error("the name outlives nameTTL")
	}
}

// TestUserChangeRefreshesAdminStatus: a user_change demoting an admin takes
// effect on the next command, without waiting for the cache.
func TestUserChangeRefreshesAdminStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if r := h.command(uAdmin, "admin", cCheck, "set po <@"+uJules+"> checkout"); !containsAll(r.Text, "Done") {
		t.Fatalf("admin's change: %s", r.Text)
	}
	h.event("EvDemote", map[string]any{"type": "user_change", "user": map[string]any{"id": uAdmin, "name": "admin", "is_admin": false,
		"profile": map[string]any{"display_name": "admin"}}})
	h.sentinel("U")
	if r := h.command(uAdmin, "admin", cCheck, "set po <@"+uMarco+"> checkout"); containsAll(r.Text, "Done") {
		t.Fatalf("a demoted admin still changes ownership: %s", r.Text)
	}
	// Deactivated admins are no leads either.
	h.event("EvPromote", map[string]any{"type": "user_change", "user": map[string]any{"id": uNobody, "name": "nobody", "is_admin": true, "deleted": true}})
	h.sentinel("V")
	if r := h.command(uNobody, "nobody", cCheck, "set po <@"+uMarco+"> checkout"); containsAll(r.Text, "Done") {
		t.Fatalf("a deactivated admin changes ownership: %s", r.Text)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
