package redisstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// How the clients follow a failover; see NewClient.
const (
	// FastFailWindow is how long a node whose dial just failed is given up
	// on without dialing again: commands for it fail at once, so a dead
	// node costs a question microseconds rather than a dial timeout, and
	// at most one dial per window per node probes whether it is back (or,
	// behind Sentinel, whether another master took over).
	FastFailWindow = 50 * time.Millisecond
	// ClusterReloadInterval bounds how old the slot map a Cluster client
	// routes by may get while commands succeed; a failing command reloads
	// it at once (see clusterFollower).
	ClusterReloadInterval = 250 * time.Millisecond
	// reloadWait bounds how long a failed command waits for a fresh slot
	// map before its one retry, so that a question costs little even
	// while no master serves its slot.
	reloadWait = 15 * time.Millisecond
	// poolSize is large because go-redis counts every failed dial of a
	// pool, never forgetting until a background probe succeeds, and once
	// the count reaches the pool size it probes only once a second: a
	// recovered master would then wait up to a second for it. Connections
	// are still made only on demand, and the replica's workers bound how
	// many are in use at once; fastFail keeps the count low (at most one
	// failed dial per window), so the probe is reached only after minutes
	// of outage.
	poolSize = 1024
)

// notExecuted reports whether err proves that Redis did not run the
// command, so that sending it again cannot apply it twice: no connection
// could be made, or the server refused it for a reason a failover clears
// (the slot moved or is migrating, the cluster is electing a master, the
// node is a replica or still loading).
func notExecuted(err error) bool {
	if err == nil {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var ff *fastFailError
	if errors.As(err, &ff) {
		return true
	}
	for _, p := range []string{"MOVED ", "ASK ", "TRYAGAIN ", "CLUSTERDOWN ", "READONLY ", "LOADING ", "MASTERDOWN "} {
		if strings.HasPrefix(err.Error(), p) {
			return true
		}
	}
	return false
}

// fastFailError is returned without dialing while a node is given up on.
type fastFailError struct{ cause error }

func (e *fastFailError) Error() string {
	return "redis node unreachable (last dial failed within " + FastFailWindow.String() + "): " + e.cause.Error()
}

// Unwrap keeps the dial error visible, so go-redis's Cluster client treats
// this like the dial failure it stands for (try another node, reload).
func (e *fastFailError) Unwrap() error { return e.cause }

// fastFail is a hook on one node's client: after a failed dial, commands
// fail at once for FastFailWindow, and after that while one probe dial is
// under way, instead of each trying (and, for a host that vanished,
// waiting out the dial timeout). It also keeps the pool's own
// dial-failure count, and its one-second back-off, out of the way (see
// poolSize).
type fastFail struct {
	mu      sync.Mutex
	failed  time.Time // last failed dial
	cause   error     // its error; nil once a dial succeeded
	probing bool      // a dial is under way while the node is down
}

func (f *fastFail) down() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cause != nil && (f.probing || time.Since(f.failed) < FastFailWindow) {
		return &fastFailError{cause: f.cause}
	}
	return nil
}

func (f *fastFail) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		f.mu.Lock()
		probe := f.cause != nil && !f.probing
		if probe {
			f.probing = true
		}
		f.mu.Unlock()
		c, err := next(ctx, network, addr)
		f.mu.Lock()
		if probe {
			f.probing = false
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			f.failed, f.cause = time.Now(), err
		} else if err == nil {
			f.failed, f.cause = time.Time{}, nil
		}
		f.mu.Unlock()
		return c, err
	}
}

func (f *fastFail) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := f.down(); err != nil {
			return err
		}
		return next(ctx, cmd)
	}
}

func (f *fastFail) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if err := f.down(); err != nil {
			for _, c := range cmds {
				c.SetErr(err)
			}
			return err
		}
		return next(ctx, cmds)
	}
}

// clusterFollower makes a Cluster client follow a failover promptly. The
// go-redis client reloads its slot map only on a MOVED or ASK reply or
// once a minute, so after a master dies it keeps sending that master's
// slots to the dead address. The follower
//   - loads the slot map itself (ClusterOptions.ClusterSlots), from the
//     nodes it knows, on short-timeout connections of its own, so that it
//     can tell when a load has finished;
//   - is a hook on the Cluster client: a command that failed without being
//     run (notExecuted: no connection, MOVED, TRYAGAIN, CLUSTERDOWN, …)
//     asks for a reload, waits for it (at most reloadWait) and is sent
//     once more, to the new master if one was elected.
//
// Reloads also run every ClusterReloadInterval while there is traffic
// (ClusterOptions.ClusterStateReloadInterval); go-redis coalesces
// concurrent requests into one load.
type clusterFollower struct {
	seeds []string
	opt   *redis.Options // template for the follower's own node connections

	mu      sync.Mutex
	known   []string                 // seeds plus every node of the last map
	clients map[string]*redis.Client // the follower's own, one per node
	loaded  chan struct{}            // closed when the next load succeeds
	client  *redis.ClusterClient

	lastLoad atomic.Int64 // unix ns of the last loaded map
}

func newClusterFollower(seeds []string, opt *redis.Options) *clusterFollower {
	return &clusterFollower{seeds: seeds, opt: opt, known: append([]string(nil), seeds...), clients: map[string]*redis.Client{}, loaded: make(chan struct{})}
}

func (f *clusterFollower) nodeClient(addr string) *redis.Client {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clients[addr]
	if !ok {
		o := *f.opt
		o.Addr = addr
		o.PoolSize = 2
		o.MaxRetries = -1
		o.DialerRetries = 1
		c = redis.NewClient(&o)
		c.AddHook(&fastFail{})
		f.clients[addr] = c
	}
	return c
}

// slots is ClusterOptions.ClusterSlots: the map as the first node that
// answers (in random order) sees it.
func (f *clusterFollower) slots(ctx context.Context) ([]redis.ClusterSlot, error) {
	f.mu.Lock()
	addrs := append([]string(nil), f.known...)
	f.mu.Unlock()
	var first error
	for _, i := range rand.Perm(len(addrs)) {
		s, err := f.nodeClient(addrs[i]).ClusterSlots(ctx).Result()
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		fixHosts(s, addrs[i])
		f.learn(s)
		return s, nil
	}
	if first == nil {
		first = errors.New("redis cluster: no node to ask for the slot map")
	}
	return nil, first
}

// fixHosts completes the addresses of a slot map from the node at origin
// as go-redis does for the maps it loads itself: a node that does not know
// its own IP reports "" ("":port), and a loopback address means the
// origin's host when the origin is reached by another.
func fixHosts(s []redis.ClusterSlot, origin string) {
	oh, _, err := net.SplitHostPort(origin)
	if err != nil {
		return
	}
	oip := net.ParseIP(oh)
	originLoopback := oh == "localhost" || (oip != nil && oip.IsLoopback())
	for i := range s {
		for j := range s[i].Nodes {
			h, p, err := net.SplitHostPort(s[i].Nodes[j].Addr)
			if err != nil {
				continue
			}
			ip := net.ParseIP(h)
			if h == "" || (!originLoopback && ip != nil && ip.IsLoopback()) {
				s[i].Nodes[j].Addr = net.JoinHostPort(oh, p)
			}
		}
	}
}

// learn records the nodes of a fresh map and wakes those waiting for it.
func (f *clusterFollower) learn(s []redis.ClusterSlot) {
	seen := map[string]bool{}
	known := []string{}
	add := func(a string) {
		if a != "" && !seen[a] {
			seen[a] = true
			known = append(known, a)
		}
	}
	for _, r := range s {
		for _, n := range r.Nodes {
			add(n.Addr)
		}
	}
	for _, a := range f.seeds {
		add(a)
	}
	f.mu.Lock()
	f.known = known
	f.lastLoad.Store(time.Now().UnixNano())
	close(f.loaded)
	f.loaded = make(chan struct{})
	f.mu.Unlock()
}

// reload makes sure the client routes by a slot map loaded after since:
// if none was, it asks for one and waits until it is loaded, ctx ends or
// reloadWait passes. It reports whether such a map is there.
func (f *clusterFollower) reload(ctx context.Context, since time.Time) bool {
	f.mu.Lock()
	ch := f.loaded
	c := f.client
	f.mu.Unlock()
	if f.lastLoad.Load() > since.UnixNano() {
		return true
	}
	c.ReloadState(ctx)
	t := time.NewTimer(reloadWait)
	defer t.Stop()
	select {
	case <-ch:
		// The client stores the map just after the load returns; give it
		// that moment before the retry routes by it.
		time.Sleep(time.Millisecond)
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

func (f *clusterFollower) DialHook(next redis.DialHook) redis.DialHook { return next }

func (f *clusterFollower) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		if notExecuted(err) && ctx.Err() == nil && f.reload(ctx, start) {
			err = next(ctx, cmd)
		}
		return err
	}
}

func (f *clusterFollower) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		if notExecuted(err) && ctx.Err() == nil && f.reload(ctx, start) {
			err = next(ctx, cmds)
		}
		return err
	}
}

// Close closes the follower's own connections.
func (f *clusterFollower) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.clients {
		_ = c.Close()
	}
	f.clients = map[string]*redis.Client{}
}
