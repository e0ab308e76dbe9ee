package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// needBinaries skips the test unless redis-server and redis-cli are on PATH.
func needBinaries(tb testing.TB) {
	tb.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			tb.Skipf("redistest: %s is not on PATH, so no Redis set-up can be started (apt-get install redis-server)", bin)
		}
	}
}

// HACluster is a Redis Cluster with a replica per master, for failover
// tests.
type HACluster struct {
	// Addrs are every node's host:port, masters first.
	Addrs   []string
	Servers map[string]*Server
	// NodeTimeout is the cluster-node-timeout the nodes run with.
	NodeTimeout time.Duration
}

// HAClusterNodes starts a Cluster of masters masters, each with one
// replica, with the given cluster-node-timeout, on loopback, and returns
// it once every node reports cluster_state:ok and every replica is in
// sync. Killing a master (Servers[addr].Kill) makes its replica take over
// after about the node timeout. It skips the test when redis-server is
// missing.
func HAClusterNodes(tb testing.TB, masters int, nodeTimeout time.Duration) *HACluster {
	tb.Helper()
	needBinaries(tb)
	ports := freePorts(tb, 2*masters)
	c := &HACluster{Servers: map[string]*Server{}, NodeTimeout: nodeTimeout}
	for _, p := range ports {
		s := startServer(tb, p,
			"--cluster-enabled", "yes",
			"--cluster-node-timeout", strconv.Itoa(int(nodeTimeout.Milliseconds())),
			// A replica may take over however long it was cut off.
			"--cluster-replica-validity-factor", "0",
		)
		c.Addrs = append(c.Addrs, s.Addr)
		c.Servers[s.Addr] = s
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, a := range c.Addrs {
		waitFor(ctx, tb, a, "PING", func(s string) bool { return s == "PONG" })
	}
	// redis-cli makes the first half masters and gives each one replica.
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range c.Addrs {
		waitFor(ctx, tb, a, "CLUSTER INFO", func(s string) bool { return strings.Contains(s, "cluster_state:ok") })
	}
	// Every replica must be attached and synced, or the failover a test
	// provokes cannot happen.
	for _, a := range c.Addrs {
		waitFor(ctx, tb, a, "INFO replication", func(s string) bool {
			return strings.Contains(s, "role:master\r\nconnected_slaves:1") || strings.Contains(s, "master_link_status:up")
		})
	}
	// The masters are the nodes that hold slots.
	var ms, rs []string
	for _, a := range c.Addrs {
		if role(ctx, tb, a) == "master" {
			ms = append(ms, a)
		} else {
			rs = append(rs, a)
		}
	}
	c.Addrs = append(ms, rs...)
	return c
}

// Masters returns the nodes that are masters now, by asking every live one.
func (c *HACluster) Masters(ctx context.Context, tb testing.TB) []string {
	tb.Helper()
	var out []string
	for _, a := range c.Addrs {
		if !c.Servers[a].alive() {
			continue
		}
		if role(ctx, tb, a) == "master" {
			out = append(out, a)
		}
	}
	return out
}

// MasterOf returns the address of the master serving key's slot, as the
// live node at via sees it.
func MasterOf(ctx context.Context, via, key string) (string, error) {
	c := redis.NewClient(&redis.Options{Addr: via, DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer c.Close()
	slot, err := c.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", err
	}
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	for _, r := range slots {
		if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 {
			return r.Nodes[0].Addr, nil
		}
	}
	return "", fmt.Errorf("slot %d has no master", slot)
}

func (s *Server) alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.dead
}

func role(ctx context.Context, tb testing.TB, addr string) string {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer c.Close()
	v, err := c.Do(ctx, "ROLE").Slice()
	if err != nil || len(v) == 0 {
		tb.Fatalf("redistest: ROLE on %s: %v", addr, err)
	}
	r, _ := v[0].(string)
	return r
}

// SentinelSet is a master, one replica and three Sentinels watching them.
type SentinelSet struct {
	MasterName string
	Sentinels  []string
	// Master and Replica are the data nodes as started.
	Master, Replica *Server
	// DownAfter is the Sentinels' down-after-milliseconds.
	DownAfter time.Duration
}

// Sentinel starts a SentinelSet on loopback with the given down-after
// time, and returns it once the Sentinels agree on the master and know the
// replica and each other. It skips the test when redis-server is missing.
func Sentinel(tb testing.TB, downAfter time.Duration) *SentinelSet {
	tb.Helper()
	needBinaries(tb)
	ports := freePorts(tb, 5)
	set := &SentinelSet{MasterName: "whoowns", DownAfter: downAfter}
	set.Master = startServer(tb, ports[0])
	set.Replica = startServer(tb, ports[1], "--replicaof", "127.0.0.1", strconv.Itoa(ports[0]))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitFor(ctx, tb, set.Replica.Addr, "INFO replication", func(s string) bool { return strings.Contains(s, "master_link_status:up") })
	for _, p := range ports[2:] {
		dir := tb.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds %s %d\n"+
			"sentinel failover-timeout %s 10000\n"+
			"sentinel parallel-syncs %s 1\n", set.MasterName, ports[0], set.MasterName, downAfter.Milliseconds(), set.MasterName, set.MasterName)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		s := startServer(tb, p, conf, "--sentinel")
		set.Sentinels = append(set.Sentinels, s.Addr)
	}
	for _, a := range set.Sentinels {
		waitFor(ctx, tb, a, "SENTINEL MASTER "+set.MasterName, func(s string) bool {
			// A map in RESP3, a flat list in RESP2.
			return (strings.Contains(s, "num-slaves:1") || strings.Contains(s, "num-slaves 1")) &&
				(strings.Contains(s, "num-other-sentinels:2") || strings.Contains(s, "num-other-sentinels 2"))
		})
	}
	return set
}

// MasterAddr asks the Sentinels which node is the master now.
func (s *SentinelSet) MasterAddr(ctx context.Context) (string, error) {
	var last error
	for _, a := range s.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: a, DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
		v, err := c.GetMasterAddrByName(ctx, s.MasterName).Result()
		c.Close()
		if err == nil && len(v) == 2 {
			return v[0] + ":" + v[1], nil
		}
		last = err
	}
	return "", last
}

// WaitReplicated blocks until every write the master at addr has taken is
// acknowledged by n replicas (Redis WAIT), so a test that kills the master
// next cannot lose data that replication had not carried yet: that is what
// Redis promises, not what a failover test means to probe.
func WaitReplicated(ctx context.Context, tb testing.TB, addr string, n int) {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 15 * time.Second, MaxRetries: -1})
	defer c.Close()
	got, err := c.Do(ctx, "WAIT", n, 10000).Int()
	if err != nil || got < n {
		tb.Fatalf("redistest: WAIT %d on %s: %d replicas acknowledged, err %v", n, addr, got, err)
	}
}
