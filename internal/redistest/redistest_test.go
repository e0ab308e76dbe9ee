package redistest_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/redistest"
)

// TestClientCleansUp: keys a test writes under its prefix, tenant-tagged or
// not, are gone once the test ends, so a shared real Redis stays clean.
func TestClientCleansUp(t *testing.T) {
	t.Parallel()
	var prefix string
	t.Run("writer", func(t *testing.T) {
		c, p := redistest.Client(t)
		prefix = p
		if !strings.HasPrefix(p, "whoowns-test-") {
			t.Errorf("prefix %q", p)
		}
		ctx := context.Background()
		for _, k := range []string{p + ":{slack:T1}:dir", p + ":claim:e1"} {
			if err := c.Set(ctx, k, "v", time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
		}
		_ = c.Close() // a test may close its client; cleanup must not mind
	})
	url := os.Getenv(redistest.EnvURL)
	if url == "" {
		t.Skip("REDIS_URL unset: the writer's miniredis is gone with its keys")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	keys, err := c.Keys(context.Background(), prefix+":*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("after cleanup: keys %v, %v; want none", keys, err)
	}
}

// TestMiniredisTTLFollowsClock: expiry happens in real time, as on a real
// server, so store tests can poll instead of fast-forwarding.
func TestMiniredisTTLFollowsClock(t *testing.T) {
	t.Parallel()
	m := redistest.Miniredis(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 50*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.Exists(ctx, "k").Val() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("key with a 50ms TTL never expired")
		}
		time.Sleep(10 * time.Millisecond) // poll interval, bounded by the deadline
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	opt, err := redis.ParseURL(redistest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Errorf("Ping %s: %v", opt.Addr, err)
	}
}
