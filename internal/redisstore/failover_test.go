package redisstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
)

// outcome is one read made while a master was killed.
type outcome struct {
	at  time.Time // when it finished
	err error
	dur time.Duration
}

// traffic reads the tenant's directory through ClaimDirectory (the path of
// an answer) from n goroutines until stop is closed, and returns what
// happened in order of completion.
func traffic(st *redisstore.Store, tenant ownership.TenantID, n int, stop <-chan struct{}) func() []outcome {
	var mu sync.Mutex
	var out []outcome
	var wg sync.WaitGroup
	var seq atomic.Int64
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				start := time.Now()
				_, first, err := st.ClaimDirectory(ctx, tenant, time.Minute, fmt.Sprintf("evt:%d", seq.Add(1)))
				cancel()
				if err == nil && !first {
					err = fmt.Errorf("a fresh key was reported claimed")
				}
				now := time.Now()
				mu.Lock()
				out = append(out, outcome{at: now, err: err, dur: now.Sub(start)})
				mu.Unlock()
				// About 200 reads a second per goroutine: steady traffic,
				// not a busy loop on two cores.
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	return func() []outcome {
		wg.Wait()
		return out
	}
}

// recovered returns the end of the last failure at or after from (from
// itself if none), i.e. when reads became good for the rest of the run, and
// how many failed after from.
func recovered(out []outcome, from time.Time) (time.Time, int) {
	last, failed := from, 0
	for _, o := range out {
		if o.err != nil && o.at.After(from) {
			failed++
			if o.at.After(last) {
				last = o.at
			}
		}
	}
	return last, failed
}

// waitUntil polls cond every 10 ms until it holds or the deadline passes.
func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Now()
}

// TestClusterFollowsFailover kills the master that holds a tenant's slot
// under steady reads on a Cluster of three masters with one replica each,
// and checks that reads succeed again within two seconds of the cluster
// electing the replica, that a failed read costs little, and that Ready is
// false while reads fail and true after.
func TestClusterFollowsFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and fails over a six-node Redis Cluster")
	}
	t.Parallel()
	c := redistest.HAClusterNodes(t, 3, time.Second)
	st, err := redisstore.Open(redisstore.Config{ClusterAddrs: c.Addrs[:1]}, redisstore.WithPrefix(redistest.Prefix(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	const tenant = "slack:TFAILOVER"
	if _, _, err := st.Update(ctx, tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout"}
		return []ownership.Change{{Action: "team.create", Team: "checkout"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready before the failover: %v", err)
	}
	key := "whoowns:{" + tenant + "}:dir"
	victim, err := redistest.MasterOf(ctx, c.Addrs[0], key)
	if err != nil {
		t.Fatal(err)
	}
	var via string // a live node to watch the election from
	for _, a := range c.Addrs {
		if a != victim {
			via = a
			break
		}
	}

	stop := make(chan struct{})
	results := traffic(st, tenant, 4, stop)
	time.Sleep(300 * time.Millisecond) // steady traffic before the kill
	redistest.WaitReplicated(ctx, t, victim, 1)
	killed := time.Now()
	c.Servers[victim].Kill(t)
	notReady := waitUntil(t, "Ready turning false", 5*time.Second, func() bool { return st.Ready(ctx) != nil })
	elected := waitUntil(t, "the election of a new master", 30*time.Second, func() bool {
		m, err := redistest.MasterOf(ctx, via, key)
		return err == nil && m != victim
	})
	waitUntil(t, "Ready turning true", 5*time.Second, func() bool { return st.Ready(ctx) == nil })
	readyAgain := time.Now()
	// Keep reading a while after the election, so a late failure shows.
	time.Sleep(time.Second)
	close(stop)
	out := results()

	back, failed := recovered(out, elected)
	var failures []time.Duration
	for _, o := range out {
		if o.at.After(killed) && o.err != nil {
			failures = append(failures, o.dur)
		}
	}
	slices.Sort(failures)
	total, slowest, p50 := len(failures), time.Duration(0), time.Duration(0)
	if total > 0 {
		slowest, p50 = failures[total-1], failures[total/2]
	}
	t.Logf("killed %s; Ready false after %v; new master elected after %v; reads good %v after the election (%d failed after it, %d in all, median failure %v, slowest %v); Ready true %v after the election; %d reads",
		victim, notReady.Sub(killed).Round(time.Millisecond), elected.Sub(killed).Round(time.Millisecond), back.Sub(elected).Round(time.Millisecond), failed, total, p50.Round(time.Millisecond), slowest.Round(time.Millisecond), readyAgain.Sub(elected).Round(time.Millisecond), len(out))
	if d := back.Sub(elected); d > 2*time.Second {
		t.Errorf("reads failed until %v after the election, want within 2s", d)
	}
	if d := readyAgain.Sub(elected); d > 2*time.Second {
		t.Errorf("Ready stayed false %v after the election, want within 2s", d)
	}
	// A read against the dead master fails at once (connection refused or
	// MOVED), not after the read timeout: the bound is the behaviour, half
	// the timeout, not a speed goal (those are measured by benchmarks).
	if p50 > redisstore.DefaultReadTimeout/2 {
		t.Errorf("a failed read took %v (median): reads waited for the %v read timeout instead of failing at once", p50, redisstore.DefaultReadTimeout)
	}
	if len(out) == 0 || out[len(out)-1].err != nil {
		t.Errorf("the last read failed: %+v", out[len(out)-1])
	}
}

// TestSentinelFollowsFailover kills the master of a Sentinel set-up (one
// replica, three Sentinels) under steady reads and checks that reads
// succeed again within a second of the Sentinels' switch to the replica,
// and that Ready tells the truth on both sides of it.
func TestSentinelFollowsFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and fails over a Sentinel set-up")
	}
	t.Parallel()
	set := redistest.Sentinel(t, time.Second)
	st, err := redisstore.Open(redisstore.Config{SentinelAddrs: set.Sentinels, MasterName: set.MasterName}, redisstore.WithPrefix(redistest.Prefix(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	const tenant = "slack:TSENTINEL"
	if _, _, err := st.Update(ctx, tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout"}
		return []ownership.Change{{Action: "team.create", Team: "checkout"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready before the failover: %v", err)
	}
	stop := make(chan struct{})
	results := traffic(st, tenant, 4, stop)
	time.Sleep(300 * time.Millisecond) // steady traffic before the kill
	redistest.WaitReplicated(ctx, t, set.Master.Addr, 1)
	killed := time.Now()
	set.Master.Kill(t)
	notReady := waitUntil(t, "Ready turning false", 5*time.Second, func() bool { return st.Ready(ctx) != nil })
	switched := waitUntil(t, "the Sentinels' switch to the replica", 30*time.Second, func() bool {
		m, err := set.MasterAddr(ctx)
		return err == nil && m == set.Replica.Addr
	})
	waitUntil(t, "Ready turning true", 5*time.Second, func() bool { return st.Ready(ctx) == nil })
	readyAgain := time.Now()
	time.Sleep(time.Second)
	close(stop)
	out := results()
	back, failed := recovered(out, switched)
	t.Logf("killed the master; Ready false after %v; switch after %v; reads good %v after the switch (%d failed after it); Ready true %v after the switch; %d reads",
		notReady.Sub(killed).Round(time.Millisecond), switched.Sub(killed).Round(time.Millisecond), back.Sub(switched).Round(time.Millisecond), failed, readyAgain.Sub(switched).Round(time.Millisecond), len(out))
	if d := back.Sub(switched); d > time.Second {
		t.Errorf("reads failed until %v after the switch, want within 1s", d)
	}
	if d := readyAgain.Sub(switched); d > time.Second {
		t.Errorf("Ready stayed false %v after the switch, want within 1s", d)
	}
	if len(out) == 0 || out[len(out)-1].err != nil {
		t.Errorf("the last read failed")
	}
}
