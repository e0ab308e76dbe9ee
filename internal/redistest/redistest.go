// Package redistest gives tests a Redis to talk to. With REDIS_URL set (CI,
// or a developer's local server) tests use that real server, each under a
// key prefix of its own whose keys are deleted when the test ends; without
// it they get an in-process miniredis, so `go test` passes on a fresh
// machine with no Redis installed.
//
// Store keys have the form <prefix>:{tenant}:…, so a test's keys are exactly
// those matching "<prefix>:*".
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// EnvURL names the variable that points tests at a real Redis.
const EnvURL = "REDIS_URL"

// Client returns a client and a fresh key prefix ("whoowns-test-<random>").
// The client is closed when the test ends; with a real server the prefix's
// keys are deleted too, through a client of the cleanup's own, so a test
// may close the one it was given.
func Client(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	var opt *redis.Options
	prefix := newPrefix(tb)
	if url := os.Getenv(EnvURL); url != "" {
		var err error
		if opt, err = redis.ParseURL(url); err != nil {
			tb.Fatalf("redistest: %s=%q: %v", EnvURL, url, err)
		}
		tb.Cleanup(func() { deletePrefix(tb, url, prefix) })
	} else {
		opt = &redis.Options{Addr: Miniredis(tb).Addr()}
	}
	c := redis.NewClient(shortTimeouts(opt))
	tb.Cleanup(func() { _ = c.Close() })
	return c, prefix
}

// URL returns a redis:// URL: REDIS_URL when set, else a fresh miniredis's.
// A real server is shared, so a test using URL should keep its keys under
// Prefix(tb).
func URL(tb testing.TB) string {
	tb.Helper()
	if url := os.Getenv(EnvURL); url != "" {
		return url
	}
	return "redis://" + Miniredis(tb).Addr() + "/0"
}

// Prefix returns a fresh key prefix. With REDIS_URL set, keys matching
// "<prefix>:*" are deleted on the real server when the test ends.
func Prefix(tb testing.TB) string {
	tb.Helper()
	prefix := newPrefix(tb)
	if url := os.Getenv(EnvURL); url != "" {
		tb.Cleanup(func() { deletePrefix(tb, url, prefix) })
	}
	return prefix
}

// Miniredis starts an in-process miniredis for tests that must stop or
// restart the server (Close, Restart) whatever REDIS_URL says. Its TTLs run
// on the wall clock (ClockTTL), like a real server's, so expiry tests need
// no FastForward; it is closed when the test ends.
func Miniredis(tb testing.TB) *miniredis.Miniredis {
	tb.Helper()
	m := miniredis.RunT(tb)
	m.ClockTTL(true)
	return m
}

// shortTimeouts makes a dead server fail a test in seconds, not hang it.
func shortTimeouts(o *redis.Options) *redis.Options {
	o.DialTimeout = 2 * time.Second
	o.ReadTimeout = 2 * time.Second
	o.WriteTimeout = 2 * time.Second
	o.PoolTimeout = 3 * time.Second
	o.MaxRetries = 1
	o.DialerRetries = 1
	o.ContextTimeoutEnabled = true
	return o
}

func newPrefix(tb testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("redistest: random prefix: %v", err)
	}
	return "whoowns-test-" + hex.EncodeToString(b)
}

// deletePrefix removes the prefix's keys from the real server. A failure is
// only logged: the test itself has already passed or failed on its merits,
// and the random prefix keeps leftovers from colliding with anything.
func deletePrefix(tb testing.TB, url, prefix string) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		tb.Logf("redistest: cleanup of %s:*: %v", prefix, err)
		return
	}
	c := redis.NewClient(shortTimeouts(opt))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				tb.Logf("redistest: cleanup of %s:*: %v", prefix, err)
			}
			batch = batch[:0]
		}
	}
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 500 {
			flush()
		}
	}
	flush()
	if err := iter.Err(); err != nil {
		tb.Logf("redistest: cleanup of %s:*: %v", prefix, err)
	}
}
