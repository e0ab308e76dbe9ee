package redistest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterNodes starts a throwaway Redis Cluster of three masters (no
// replicas) on loopback and returns their host:port addresses once every
// node reports cluster_state:ok. Each node runs in its own t.TempDir without
// persistence and is killed when the test ends. It needs the redis-server
// and redis-cli binaries (Debian package redis-server) and skips the test,
// saying so, when they are missing.
func ClusterNodes(tb testing.TB) []string {
	tb.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			tb.Skipf("redistest: %s is not on PATH, so no Redis Cluster can be started (apt-get install redis-server)", bin)
		}
	}
	ports := freePorts(tb, 3)
	addrs := make([]string, len(ports))
	for i, p := range ports {
		addrs[i] = "127.0.0.1:" + strconv.Itoa(p)
		startNode(tb, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, a := range addrs {
		waitFor(ctx, tb, a, "PING", func(s string) bool { return s == "PONG" })
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		waitFor(ctx, tb, a, "CLUSTER INFO", func(s string) bool { return strings.Contains(s, "cluster_state:ok") })
	}
	return addrs
}

// Cluster starts a cluster with ClusterNodes and returns a client on it,
// closed when the test ends.
func Cluster(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	return ClusterClient(tb, ClusterNodes(tb))
}

// ClusterClient returns a new client on the cluster at addrs, with short
// timeouts, closed when the test ends. Tests that need several independent
// clients (one per store instance) call it more than once.
func ClusterClient(tb testing.TB, addrs []string) *redis.ClusterClient {
	tb.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 addrs,
		DialTimeout:           2 * time.Second,
		ReadTimeout:           2 * time.Second,
		WriteTimeout:          2 * time.Second,
		PoolTimeout:           3 * time.Second,
		MaxRetries:            1,
		DialerRetries:         1,
		ContextTimeoutEnabled: true,
	})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// startNode runs one cluster node on port (bus on port+10000, Redis's
// default, which freePorts checked too) and kills it at cleanup.
func startNode(tb testing.TB, port int) *Server {
	tb.Helper()
	return startServer(tb, port,
		"--cluster-enabled", "yes",
		"--cluster-node-timeout", "5000",
	)
}

// Server is one redis-server process a test started.
type Server struct {
	Addr string
	cmd  *exec.Cmd
	mu   sync.Mutex
	dead bool
}

// Kill ends the server at once (SIGKILL), as a crash would. Killing it
// twice is harmless.
func (s *Server) Kill(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return
	}
	s.dead = true
	if err := s.cmd.Process.Kill(); err != nil {
		tb.Fatalf("redistest: kill %s: %v", s.Addr, err)
	}
	_ = s.cmd.Wait()
}

// startServer runs redis-server on port with args (a config file, if
// any, first) in a fresh directory, and kills it at cleanup, logging the
// tail of its log if the test failed.
func startServer(tb testing.TB, port int, args ...string) *Server {
	tb.Helper()
	dir := tb.TempDir()
	logf, err := os.Create(filepath.Join(dir, "redis.log"))
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	var conf []string
	if len(args) > 0 && strings.HasSuffix(args[0], ".conf") {
		conf, args = args[:1], args[1:]
	}
	all := append(conf,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--appendonly", "no",
	)
	if len(args) > 0 && args[0] == "--cluster-enabled" {
		all = append(all, "--cluster-config-file", filepath.Join(dir, "nodes.conf"))
	}
	cmd := exec.Command("redis-server", append(all, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		tb.Fatalf("redistest: start redis-server on %d: %v", port, err)
	}
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	tb.Cleanup(func() {
		s.mu.Lock()
		if !s.dead {
			s.dead = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		s.mu.Unlock()
		logf.Close()
		if tb.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				tb.Logf("redistest: redis-server :%d log:\n%s", port, lastLines(b, 20))
			}
		}
	})
	return s
}

// freePorts finds n ports p with p and p+10000 (the cluster bus) both free
// on loopback. Holding every listener until all are chosen keeps the picks
// distinct. Both lie below the kernel's ephemeral range (portRange): a
// port in it can be handed to an outgoing connection of any process
// between the pick and redis-server's bind, which under a busy test run
// happened. A listener of another process may still take one meanwhile,
// which is rare enough for tests.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	lo, hi := portRange()
	var ports []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			tb.Fatalf("redistest: no free port pairs on 127.0.0.1")
		}
		p := lo + rand.IntN(hi-lo)
		a, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+10000))
		if err != nil {
			a.Close()
			continue
		}
		held = append(held, a, b)
		ports = append(ports, p)
	}
	return ports
}

// FreePort is a loopback port for a redis-server a test starts itself
// (and may restart on the same port), picked as freePorts picks them.
func FreePort(tb testing.TB) int {
	tb.Helper()
	return freePorts(tb, 1)[0]
}

// portRange is where freePorts picks p, so that p and p+10000 both lie
// below the first ephemeral port (32768 unless
// /proc/sys/net/ipv4/ip_local_port_range says otherwise), or, when that
// leaves too few, 20000–49999 as before.
func portRange() (lo, hi int) {
	first := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				first = n
			}
		}
	}
	lo, hi = 10000, first-10000
	if hi-lo < 2000 {
		return 20000, 50000
	}
	return lo, hi
}

// waitFor polls addr with cmd until ok accepts the reply or ctx ends; no
// fixed sleep, since node start-up and cluster convergence take as long as
// they take.
func waitFor(ctx context.Context, tb testing.TB, addr, cmd string, ok func(string) bool) {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	var last string
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		args := make([]any, 0, 2)
		for _, f := range strings.Fields(cmd) {
			args = append(args, f)
		}
		r, err := c.Do(ctx, args...).Result()
		v := fmt.Sprint(r) // arrays as "[a b …]"
		if err == nil && ok(v) {
			return
		}
		last = fmt.Sprint(v, err)
		select {
		case <-ctx.Done():
			tb.Fatalf("redistest: %s on %s never succeeded; last reply: %s", cmd, addr, last)
		case <-tick.C:
		}
	}
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}
