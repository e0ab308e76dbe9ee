package install

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

type claims struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (c *claims) Claim(_ context.Context, key string, _ time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = map[string]bool{}
	}
	if c.keys[key] {
		return false, nil
	}
	c.keys[key] = true
	return true, nil
}

func TestStateSignedExpiringSingleUse(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	st := &States{Secret: []byte("s3cret"), Claims: &claims{}, Now: func() time.Time { return now }}
	ctx := context.Background()
	s, err := st.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(ctx, s); err != nil {
		t.Fatalf("fresh state refused: %v", err)
	}
	if err := st.Check(ctx, s); !errors.Is(err, ErrStateUsed) {
		t.Fatalf("replayed state: %v, want ErrStateUsed", err)
	}

	s2, _ := st.New()
	other := &States{Secret: []byte("other"), Claims: &claims{}, Now: st.Now}
	if err := other.Check(ctx, s2); !errors.Is(err, ErrStateInvalid) {
		t.Fatalf("state of another secret: %v, want ErrStateInvalid", err)
	}
	for _, bad := range []string{"", "x", "a.b", s2 + "x", strings.Replace(s2, ".", "A.", 1), "." + strings.Split(s2, ".")[1]} {
		if err := st.Check(ctx, bad); !errors.Is(err, ErrStateInvalid) {
			t.Errorf("Check(%q) = %v, want ErrStateInvalid", bad, err)
		}
	}
	now = now.Add(StateTTL)
	if err := st.Check(ctx, s2); !errors.Is(err, ErrStateExpired) {
		t.Fatalf("state after 10 minutes: %v, want ErrStateExpired", err)
	}
}

func key(t *testing.T) []byte {
	k := make([]byte, KeyLen)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParseKey(t *testing.T) {
	k := key(t)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		got, err := ParseKey("WHOOWNS_TOKEN_KEY", enc.EncodeToString(k))
		if err != nil || string(got) != string(k) {
			t.Errorf("ParseKey: %v", err)
		}
	}
	if _, err := ParseKey("WHOOWNS_TOKEN_KEY", base64.StdEncoding.EncodeToString(k[:16])); err == nil || !strings.Contains(err.Error(), "16 bytes") {
		t.Errorf("short key: %v", err)
	}
	if _, err := ParseKey("WHOOWNS_TOKEN_KEY", "not base64!"); err == nil || !strings.Contains(err.Error(), "WHOOWNS_TOKEN_KEY is not base64") {
		t.Errorf("bad key: %v", err)
	}
}

func TestSealRotation(t *testing.T) {
	old, cur := key(t), key(t)
	s1, _ := NewSealer(old, nil)
	sealed, err := s1.Seal("xoxb-secret", "slack:T1:bot")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "xoxb") {
		t.Fatalf("sealed value shows the token: %s", sealed)
	}
	if _, _, err := s1.Open(sealed, "slack:T2:bot"); !errors.Is(err, ErrUnsealable) {
		t.Errorf("opened under another installation: %v", err)
	}
	s2, _ := NewSealer(cur, old)
	pt, stale, err := s2.Open(sealed, "slack:T1:bot")
	if err != nil || pt != "xoxb-secret" || !stale {
		t.Errorf("Open with the previous key = %q, %v, %v", pt, stale, err)
	}
	s3, _ := NewSealer(cur, nil)
	if _, _, err := s3.Open(sealed, "slack:T1:bot"); !errors.Is(err, ErrUnsealable) {
		t.Errorf("opened without the key: %v", err)
	}
	resealed, _ := s2.Seal(pt, "slack:T1:bot")
	if pt, stale, err := s3.Open(resealed, "slack:T1:bot"); err != nil || pt != "xoxb-secret" || stale {
		t.Errorf("re-sealed: %q, %v, %v", pt, stale, err)
	}
}

type refs struct {
	mu    sync.Mutex
	m     map[string][]byte
	reads int
}

func (r *refs) PutRef(_ context.Context, t ownership.TenantID, k string, v []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string][]byte{}
	}
	r.m[string(t)+"/"+k] = v
	return nil
}

func (r *refs) Ref(_ context.Context, t ownership.TenantID, k string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	return r.m[string(t)+"/"+k], nil
}

func TestStoreFindsByTeamThenOrgAndRevokes(t *testing.T) {
	ctx := context.Background()
	sealer, _ := NewSealer(key(t), nil)
	rs := &refs{}
	st := NewStore(rs, sealer)
	ws := &Installation{TeamID: "T1", TeamName: "One", BotToken: "xoxb-one", BotUserID: "UB1", InstallerUserID: "U1", InstalledAt: time.Now()}
	org := &Installation{EnterpriseID: "E1", EnterpriseInstall: true, BotToken: "xoxb-org", RefreshToken: "xoxe-1-r", BotUserID: "UB2", InstalledAt: time.Now()}
	for _, in := range []*Installation{ws, org} {
		if err := st.Save(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range rs.m {
		if strings.Contains(string(v), "xox") {
			t.Errorf("%s holds a plaintext token: %s", k, v)
		}
	}
	check := func(team, ent, want string) {
		t.Helper()
		in, err := st.Find(ctx, team, ent)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if in != nil {
			got = in.BotToken
		}
		if got != want {
			t.Errorf("Find(%q, %q) token = %q, want %q", team, ent, got, want)
		}
	}
	check("T1", "", "xoxb-one")
	check("T9", "E1", "xoxb-org")
	check("T9", "", "")
	check("", "E1", "xoxb-org")
	reads := rs.reads
	check("T1", "", "xoxb-one")
	if rs.reads != reads {
		t.Errorf("a cached lookup read the store %d times", rs.reads-reads)
	}
	if ok, err := st.Revoke(ctx, "T1", ""); !ok || err != nil {
		t.Fatalf("Revoke = %v, %v", ok, err)
	}
	check("T1", "", "")
	if ok, _ := st.Revoke(ctx, "T1", ""); ok {
		t.Error("a second Revoke found tokens")
	}
	if !strings.Contains(string(rs.m["slack:T1/"+refKey]), `"team_name":"One"`) {
		t.Error("Revoke dropped the installation's record; only the tokens go")
	}
}
