package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/storetest"
)

// TestContract runs the shared suite on a real Redis when REDIS_URL is set,
// else on miniredis. Each subtest gets a key prefix of its own; "another
// replica" is a second Store (own cache) on the same client and prefix.
func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.PerTest(func(t *testing.T) func() ownership.Store {
		c, prefix := redistest.Client(t)
		return func() ownership.Store { return redisstore.New(c, redisstore.WithPrefix(prefix)) }
	}))
}

// TestCluster runs the shared suite on a real three-master Redis Cluster,
// which is what proves the hash tags: a script or MULTI over keys in
// different slots fails there with CROSSSLOT, and nowhere else.
func TestCluster(t *testing.T) {
	t.Parallel()
	addrs := redistest.ClusterNodes(t)
	storetest.Run(t, storetest.PerTest(func(t *testing.T) func() ownership.Store {
		prefix := redistest.Prefix(t)
		return func() ownership.Store {
			return redisstore.New(redistest.ClusterClient(t, addrs), redisstore.WithPrefix(prefix))
		}
	}))
}

// tripCounter is a go-redis hook counting round trips: one per command sent
// alone, one per pipeline or transaction. It also records whether the last
// directory script reply carried the directory JSON.
type tripCounter struct {
	mu       sync.Mutex
	trips    int
	withJSON bool
}

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.trips++
		if cc, ok := cmd.(*redis.Cmd); ok && (cmd.Name() == "evalsha" || cmd.Name() == "eval") {
			if s, err := cc.StringSlice(); err == nil && len(s) == 3 {
				c.withJSON = true
			}
		}
		return err
	}
}

func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.mu.Lock()
		c.trips++
		c.mu.Unlock()
		return next(ctx, cmds)
	}
}

// reset returns the counts so far and zeroes them.
func (c *tripCounter) reset() (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, j := c.trips, c.withJSON
	c.trips, c.withJSON = 0, false
	return n, j
}

func TestDirectoryRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := redistest.Client(t)
	counter := &tripCounter{}
	c.AddHook(counter)
	reader := redisstore.New(c, redisstore.WithPrefix(prefix))
	writer := redisstore.New(c, redisstore.WithPrefix(prefix)) // another replica
	if err := reader.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	write := func() {
		t.Helper()
		if _, _, err := writer.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
			d.Teams["core"] = &ownership.Team{ID: "core", Name: "Core", Members: []ownership.Person{{ID: "U1"}}}
			return []ownership.Change{{Action: "team.add"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	read := func() *ownership.Directory {
		t.Helper()
		d, err := reader.Directory(ctx, "slack:T1")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for i, step := range []struct {
		name     string
		before   func()
		wantJSON bool
	}{
		{"unknown tenant", nil, false},
		{"after another replica wrote", write, true},
		{"cached version still current", nil, false},
		{"cached again", nil, false},
		{"after another write", write, true},
		{"cached", nil, false},
	} {
		if step.before != nil {
			step.before()
		}
		counter.reset()
		d := read()
		trips, withJSON := counter.reset()
		if trips != 1 || withJSON != step.wantJSON {
			t.Errorf("%d %s: Directory took %d round trips, JSON sent=%v; want 1, %v", i, step.name, trips, withJSON, step.wantJSON)
		}
		if i > 0 && d.Teams["core"] == nil {
			t.Errorf("%d %s: directory lacks the written team", i, step.name)
		}
	}

	// Steady-state Update: one read (cached) and one compare-and-set.
	if _, _, err := reader.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["core"].Name = "Core Platform"
		return []ownership.Change{{Team: "core", Action: "rename"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if trips, withJSON := counter.reset(); trips != 2 || withJSON {
		t.Errorf("Update took %d round trips (JSON fetched=%v), want 2 without a fetch", trips, withJSON)
	}
	// Its own write is cached: the next read transfers no JSON.
	if d := read(); d.Teams["core"].Name != "Core Platform" {
		t.Errorf("read after own Update = %q", d.Teams["core"].Name)
	}
	if trips, withJSON := counter.reset(); trips != 1 || withJSON {
		t.Errorf("read after own Update: %d round trips, JSON sent=%v; want 1, false", trips, withJSON)
	}

}

// TestClaimDirectoryShares: ClaimDirectory hands out the version the store
// caches, the same value to every answer until the directory changes,
// while Directory's are copies whose changes reach neither.
func TestClaimDirectoryShares(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := redistest.Client(t)
	st := redisstore.New(c, redisstore.WithPrefix(prefix))
	update := func(name string) {
		t.Helper()
		if _, _, err := st.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
			d.Teams["core"] = &ownership.Team{ID: "core", Name: name, Members: []ownership.Person{{ID: "U1", Name: "Ana"}}}
			return []ownership.Change{{Action: "team.add"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(key string) *ownership.Directory {
		t.Helper()
		d, first, err := st.ClaimDirectory(ctx, "slack:T1", time.Minute, key)
		if err != nil || !first || d == nil {
			t.Fatalf("ClaimDirectory(%s) = %v, %v, %v", key, d, first, err)
		}
		return d
	}
	update("Core")
	a, b := claim("evt:share1"), claim("evt:share2")
	if a != b {
		t.Errorf("two answers of one version got two copies of the directory, want the cached one shared")
	}
	own, err := st.Directory(ctx, "slack:T1")
	if err != nil {
		t.Fatal(err)
	}
	if own == a || own.Teams["core"] == a.Teams["core"] || &own.Teams["core"].Members[0] == &a.Teams["core"].Members[0] {
		t.Fatalf("Directory shares its value with ClaimDirectory's")
	}
	own.Teams["core"].Name, own.Teams["core"].Members[0].Name = "changed", "changed"
	if d := claim("evt:share3"); d.Teams["core"].Name != "Core" || d.Teams["core"].Members[0].Name != "Ana" {
		t.Errorf("changing a Directory result changed the shared directory: %+v", d.Teams["core"])
	}
	// A new version is a new value; the old one, which an answer may still
	// be reading, is left as it was.
	update("Core Platform")
	if d := claim("evt:share4"); d == a || d.Teams["core"].Name != "Core Platform" {
		t.Errorf("after an update ClaimDirectory returned team %q (same value: %v), want the new version", d.Teams["core"].Name, d == a)
	}
	if a.Teams["core"].Name != "Core" {
		t.Errorf("an update changed the directory an answer was handed: %q", a.Teams["core"].Name)
	}
}

// TestScriptReload: a server that lost its scripts (restart, SCRIPT FLUSH,
// failover) costs one extra round trip, then none. It runs on a private
// miniredis so that flushing scripts disturbs no other test on a shared
// server.
func TestScriptReload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := redistest.Miniredis(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(ctx).Err(); err != nil { // connection set-up is not the store's cost
		t.Fatal(err)
	}
	counter := &tripCounter{}
	c.AddHook(counter)
	s := redisstore.New(c)
	for i, step := range []struct {
		name  string
		flush bool
		want  int
	}{
		{"first use, script unknown", false, 2},
		{"loaded", false, 1},
		{"after SCRIPT FLUSH", true, 2},
		{"reloaded", false, 1},
	} {
		if step.flush {
			if err := c.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
		counter.reset()
		if _, err := s.Directory(ctx, "slack:T1"); err != nil {
			t.Fatal(err)
		}
		if trips, _ := counter.reset(); trips != step.want {
			t.Errorf("%d %s: %d round trips, want %d", i, step.name, trips, step.want)
		}
	}
}

// TestClaimDirectoryScriptReload: the answer path's claim-and-read, which
// sends its script without Script.Run, also falls back to EVAL on a server
// that lost its scripts, and claims the keys it is given under the store's
// prefix with the claim's time to live.
func TestClaimDirectoryScriptReload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := redistest.Miniredis(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	s := redisstore.New(c, redisstore.WithPrefix("p"))
	if _, _, err := s.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["core"] = &ownership.Team{ID: "core", Name: "Core"}
		return []ownership.Change{{Action: "set"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	counter := &tripCounter{}
	c.AddHook(counter)
	for i, step := range []struct {
		name  string
		flush bool
		want  int
	}{
		{"first use, script unknown", false, 2},
		{"loaded", false, 1},
		{"after SCRIPT FLUSH", true, 2},
		{"reloaded", false, 1},
	} {
		if step.flush {
			if err := c.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
		counter.reset()
		key := fmt.Sprintf("evt:%d", i)
		d, first, err := s.ClaimDirectory(ctx, "slack:T1", 90*time.Second, key, "msg:"+key)
		if err != nil || !first || d.Teams["core"] == nil || d.Teams["core"].Name != "Core" {
			t.Fatalf("%d %s: ClaimDirectory = %v, %v, %v", i, step.name, d, first, err)
		}
		if trips, _ := counter.reset(); trips != step.want {
			t.Errorf("%d %s: %d round trips, want %d", i, step.name, trips, step.want)
		}
		for _, k := range []string{"p:claim:" + key, "p:claim:msg:" + key} {
			if ttl := m.TTL(k); ttl <= 0 || ttl > 90*time.Second {
				t.Errorf("%d %s: key %s has ttl %v, want up to 90s", i, step.name, k, ttl)
			}
		}
		// Taken: nothing, and the other key is not left claimed.
		d, first, err = s.ClaimDirectory(ctx, "slack:T1", 90*time.Second, "fresh:"+key, key)
		if err != nil || first || d != nil {
			t.Errorf("%d %s: second claim = %v, %v, %v; want nothing", i, step.name, d, first, err)
		}
		if m.Exists("p:claim:fresh:" + key) {
			t.Errorf("%d %s: a refused claim left p:claim:fresh:%s", i, step.name, key)
		}
	}
}

// TestCacheNotFooledByRebuild: a directory deleted and rebuilt up to the
// same version must not be mistaken for the cached one.
func TestCacheNotFooledByRebuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, redisstore.WithPrefix(prefix))
	set := func(name string) {
		t.Helper()
		if _, _, err := s.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
			d.Teams["core"] = &ownership.Team{ID: "core", Name: name}
			return []ownership.Change{{Action: "set"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	set("before")
	if _, err := s.Directory(ctx, "slack:T1"); err != nil { // cache v1 "before"
		t.Fatal(err)
	}
	// Another replica with a cold cache rebuilds v1 after a flush.
	if err := c.Del(ctx, prefix+":{slack:T1}:dir").Err(); err != nil {
		t.Fatal(err)
	}
	other := redisstore.New(c, redisstore.WithPrefix(prefix))
	if _, _, err := other.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["core"] = &ownership.Team{ID: "core", Name: "after"}
		return []ownership.Change{{Action: "set"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Directory(ctx, "slack:T1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 1 || d.Teams["core"].Name != "after" {
		t.Errorf("Directory = v%d %q, want v1 \"after\" (not the stale cache)", d.Version, d.Teams["core"].Name)
	}
}

// TestUnreachable: a Redis that is not there yields ErrUnavailable from
// every kind of call, quickly; the context deadline is generous and only
// guards against a hang.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	refused, err := redisstore.Open(redisstore.Config{URL: "redis://127.0.0.1:1/0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = refused.Close() })

	m := redistest.Miniredis(t)
	cfg := redisstore.Config{URL: "redis://" + m.Addr() + "/0"}
	stopped, err := redisstore.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stopped.Close() })
	ctx := context.Background()
	if _, _, err := stopped.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
		return []ownership.Change{{Action: "x"}}, nil
	}); err != nil {
		t.Fatalf("Update while up: %v", err)
	}
	if _, err := stopped.Directory(ctx, "slack:T1"); err != nil { // cached now
		t.Fatal(err)
	}
	m.Close()

	for _, tc := range []struct {
		name string
		s    *redisstore.Store
	}{{"connection refused", refused}, {"server stopped", stopped}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			calls := map[string]func() error{
				"Directory": func() error { _, err := tc.s.Directory(ctx, "slack:T1"); return err },
				"Update": func() error {
					_, _, err := tc.s.Update(ctx, "slack:T1", func(*ownership.Directory) ([]ownership.Change, error) {
						return []ownership.Change{{Action: "x"}}, nil
					})
					return err
				},
				"History": func() error { _, err := tc.s.History(ctx, "slack:T1", "", 5); return err },
				"Claim":   func() error { _, err := tc.s.Claim(ctx, "e", time.Minute); return err },
				"Ping":    func() error { return tc.s.Ping(ctx) },
			}
			for name, call := range calls {
				err := call()
				if ownership.ErrorCode(err) != ownership.ErrUnavailable {
					t.Errorf("%s = %v, want ErrUnavailable", name, err)
				}
				if ctx.Err() != nil {
					t.Fatalf("%s: the 30s guard deadline passed; the store hangs on a dead Redis", name)
				}
			}
		})
	}

	// It recovers by itself once Redis is back. Not at once: after many
	// failed dials go-redis fails fast until its background probe (once a
	// second) reconnects, which spares a dead server a storm of dials.
	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		_, err := stopped.Directory(ctx, "slack:T1")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Directory still failing 15s after restart: %v", err)
		}
		<-tick.C
	}
}

// TestDeadlineRespected: a context deadline shorter than the client's read
// timeout ends the call; a blocked server must not hold it.
func TestDeadlineRespected(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, redisstore.WithPrefix(prefix))
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	_, err := s.Directory(ctx, "slack:T1")
	if ownership.ErrorCode(err) != ownership.ErrUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Directory past its deadline = %v, want ErrUnavailable wrapping DeadlineExceeded", err)
	}
}

func TestPrefixWithBracePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("WithPrefix(\"a{b}\") did not panic")
		}
	}()
	redisstore.New(nil, redisstore.WithPrefix("a{b}"))
}

// TestKeySchema pins the documented schema (doc.go, README): operators
// inspect these keys, and a silent rename would orphan existing data.
// TestRecordPickOneRoundTrip: recording a pick is one script, one round
// trip, however many people picked before.
func TestRecordPickOneRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, redisstore.WithPrefix(prefix))
	if err := s.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	counter := &tripCounter{}
	c.AddHook(counter)
	for i := range 5 {
		counter.reset()
		cand, err := s.RecordPick(ctx, "slack:T1", ownership.Pick{Key: "q", Question: "q?", Intent: "roadmap", Person: ownership.Person{ID: fmt.Sprintf("U%d", i)}, At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := counter.reset(); n != 1 || len(cand.Votes) != i+1 {
			t.Errorf("pick %d: %d round trips, %d votes; want 1, %d", i+1, n, len(cand.Votes), i+1)
		}
	}
}

// TestUnansweredRemovalOneRoundTrip: dismissing questions and clearing
// the queue are one round trip each, however long the queue.
func TestUnansweredRemovalOneRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, redisstore.WithPrefix(prefix))
	if err := s.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := s.AddUnanswered(ctx, "slack:T1", ownership.Unanswered{Text: fmt.Sprintf("q%d", i%5)}); err != nil {
			t.Fatal(err)
		}
	}
	counter := &tripCounter{}
	c.AddHook(counter)
	got, err := s.RemoveUnanswered(ctx, "slack:T1", []string{"q1", "q3"})
	if n, _ := counter.reset(); err != nil || n != 1 || len(got) != 20 {
		t.Errorf("RemoveUnanswered: %d round trips, %d taken, %v; want 1, 20, nil", n, len(got), err)
	}
	got, err = s.ClearUnanswered(ctx, "slack:T1")
	if n, _ := counter.reset(); err != nil || n != 1 || len(got) != 30 {
		t.Errorf("ClearUnanswered: %d round trips, %d taken, %v; want 1, 30, nil", n, len(got), err)
	}
}

func TestKeySchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, redisstore.WithPrefix(prefix))
	const tenant = "slack:T1"
	steps := []func() error{
		func() error {
			_, _, err := s.Update(ctx, tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
				return []ownership.Change{{Action: "x"}}, nil
			})
			return err
		},
		func() error { return s.AddUnanswered(ctx, tenant, ownership.Unanswered{Text: "q"}) },
		func() error { return s.AddFeedback(ctx, tenant, "roadmap", true) },
		func() error { _, err := s.MarkOnboarded(ctx, tenant, "U1", "core"); return err },
		func() error { return s.PutRef(ctx, tenant, "conv", []byte("v")) },
		func() error { _, err := s.Claim(ctx, "evt1", time.Minute); return err },
		func() error {
			_, err := s.RecordPick(ctx, tenant, ownership.Pick{Key: "who signs off", Question: "Who signs off?", Intent: "roadmap", Person: ownership.Person{ID: "U1"}, At: time.UnixMilli(1700000000123)})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	p := prefix + ":{" + tenant + "}:"
	for _, k := range []struct{ key, typ string }{
		{p + "dir", "hash"},
		{p + "audit", "stream"},
		{p + "unanswered", "list"},
		{p + "feedback", "hash"},
		{p + "onboarded", "set"},
		{p + "ref:conv", "string"},
		{prefix + ":claim:evt1", "string"},
		{p + "learn", "hash"},
		{p + "learn:recent", "zset"},
	} {
		if typ, err := c.Type(ctx, k.key).Result(); err != nil || typ != k.typ {
			t.Errorf("key %s: type %q, %v; want %q", k.key, typ, err, k.typ)
		}
	}
	if f, err := c.HGetAll(ctx, p+"dir").Result(); err != nil || f["v"] != "1" || f["tag"] == "" || f["json"] == "" {
		t.Errorf("dir hash = %v, %v; want v=1, a tag and json", f, err)
	}
	if v, _ := c.HGet(ctx, p+"feedback", "+roadmap").Result(); v != "1" {
		t.Errorf("feedback field +roadmap = %q, want 1", v)
	}
	if v, _ := c.HGet(ctx, p+"learn", "who signs off").Result(); !strings.Contains(v, `"q":"Who signs off?"`) || !strings.Contains(v, `"U1":{`) || !strings.Contains(v, `1700000000123`) {
		t.Errorf("learn field = %s; want the question, U1's vote and its time in ms", v)
	}
	if sc, _ := c.ZScore(ctx, p+"learn:recent", "who signs off").Result(); sc != 1700000000123 {
		t.Errorf("learn:recent score = %v, want 1700000000123", sc)
	}
	if ok, _ := c.SIsMember(ctx, p+"onboarded", "core:U1").Result(); !ok {
		t.Error("onboarded set lacks core:U1")
	}
	for _, k := range []string{prefix + ":claim:evt1"} {
		if ttl, _ := c.PTTL(ctx, k).Result(); ttl <= 0 {
			t.Errorf("%s has no expiry (PTTL %v)", k, ttl)
		}
	}
}

// replyDropper is a go-redis hook that lets the first update script run on
// the server and then reports a network timeout instead of its reply, as a
// connection lost at that moment would.
type replyDropper struct {
	mu      sync.Mutex
	left    int // replies still to drop
	dropped int
}

// errLostReply is what the caller sees of the dropped reply.
var errLostReply = &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}

func (d *replyDropper) DialHook(next redis.DialHook) redis.DialHook { return next }

func (d *replyDropper) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		args := cmd.Args()
		// EVALSHA sha numkeys dir audit [req] ...: the update script.
		if (cmd.Name() != "evalsha" && cmd.Name() != "eval") || len(args) < 5 || !strings.HasSuffix(fmt.Sprint(args[4]), ":audit") {
			return err
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if err == nil && d.left > 0 {
			d.left--
			d.dropped++
			return errLostReply
		}
		return err
	}
}

func (d *replyDropper) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestUpdateReplyLost: the reply to a committed update is lost. With a
// request id Update finds the recorded result and reports the change once,
// as committed; fn is not run against the changed directory.
func TestUpdateReplyLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := redistest.Client(t)
	drop := &replyDropper{left: 1}
	c.AddHook(drop)
	s := redisstore.New(c, redisstore.WithPrefix(prefix))
	runs := 0
	d, ch, err := s.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
		runs++
		if d.Teams["core"] != nil {
			return nil, ownership.Errorf(ownership.ErrInvalid, "A team called Core already exists.")
		}
		d.Teams["core"] = &ownership.Team{ID: "core", Name: "Core"}
		return []ownership.Change{{Team: "core", Action: "team.create", New: "Core"}}, nil
	}, ownership.WithRequestID("Ev1"))
	if err != nil {
		t.Fatalf("Update after a lost reply = %v; want the committed change", err)
	}
	if drop.dropped != 1 {
		t.Fatalf("the hook dropped %d replies, want 1", drop.dropped)
	}
	if runs != 1 || len(ch) != 1 || ch[0].ID == "" || d.Teams["core"] == nil || d.Version != 1 {
		t.Errorf("Update = version %d, %+v after %d runs of fn; want version 1, one change with its id, one run", d.Version, ch, runs)
	}
	h, err := s.History(ctx, "slack:T1", "", 10)
	if err != nil || len(h) != 1 || h[0].ID != ch[0].ID {
		t.Errorf("history = %+v, %v; want the one change", h, err)
	}

	// Without a request id the same loss can only be reported as a
	// failure, though the change stands: callers that must know pass an id.
	drop.mu.Lock()
	drop.left = 1
	drop.mu.Unlock()
	_, _, err = s.Update(ctx, "slack:T2", func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["core"] = &ownership.Team{ID: "core", Name: "Core"}
		return []ownership.Change{{Team: "core", Action: "team.create"}}, nil
	})
	if ownership.ErrorCode(err) != ownership.ErrUnavailable {
		t.Errorf("Update without an id after a lost reply = %v, want unavailable", err)
	}
	if d, err := s.Directory(ctx, "slack:T2"); err != nil || d.Teams["core"] == nil {
		t.Errorf("the update whose reply was lost did not land: %v", err)
	}
}

// TestUpdateRequestRoundTrips: a request id costs no extra round trip.
func TestUpdateRequestRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, redisstore.WithPrefix(prefix))
	if err := s.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	fn := func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Leads = append(d.Leads, ownership.Person{ID: "U1"})
		return []ownership.Change{{Action: "lead.add"}}, nil
	}
	// The tenant exists already (its first write also joins the tenant
	// index, one more command).
	if _, _, err := s.Update(ctx, "slack:T1", fn); err != nil {
		t.Fatal(err)
	}
	counter := &tripCounter{}
	c.AddHook(counter)
	if _, _, err := s.Update(ctx, "slack:T1", fn, ownership.WithRequestID("Ev1")); err != nil {
		t.Fatal(err)
	}
	if trips, _ := counter.reset(); trips != 2 {
		t.Errorf("Update with a request id took %d round trips, want 2", trips)
	}
	if _, _, err := s.Update(ctx, "slack:T1", fn, ownership.WithRequestID("Ev1")); err != nil {
		t.Fatal(err)
	}
	// The recorded result, then the directory it is returned with.
	if trips, _ := counter.reset(); trips != 2 {
		t.Errorf("a repeated request took %d round trips, want 2", trips)
	}
}
