package redisstore

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for the timeouts a zero Config field leaves open. They are short
// on purpose: a chat reply that waits on an unreachable Redis should fail
// with a clear message in a few seconds, not hang for go-redis's defaults.
const (
	DefaultDialTimeout  = 500 * time.Millisecond
	DefaultReadTimeout  = time.Second
	DefaultWriteTimeout = time.Second
	DefaultPoolTimeout  = 2 * time.Second
)

// Config says how to reach Redis. Exactly one of URL, SentinelAddrs (with
// MasterName) or ClusterAddrs is set; the zero Config means "no Redis".
type Config struct {
	// URL is a single server: redis://[user:password@]host:port[/db],
	// rediss:// for TLS, or unix:///path/to/socket.
	URL string
	// SentinelAddrs are the Sentinels (host:port) watching MasterName.
	SentinelAddrs []string
	MasterName    string
	// ClusterAddrs are some nodes (host:port) of a Redis Cluster.
	ClusterAddrs []string
	// Password for the servers; it may also come inside URL, but not both
	// with different values.
	Password string
	// Timeouts; zero means the Default* constants above.
	DialTimeout, ReadTimeout, WriteTimeout, PoolTimeout time.Duration
}

// Environment variables ConfigFromEnv reads.
const (
	EnvURL           = "REDIS_URL"
	EnvSentinelAddrs = "REDIS_SENTINEL_ADDRS"
	EnvMasterName    = "REDIS_MASTER_NAME"
	EnvClusterAddrs  = "REDIS_CLUSTER_ADDRS"
	EnvPassword      = "REDIS_PASSWORD"
)

// ConfigFromEnv reads REDIS_URL, REDIS_SENTINEL_ADDRS with REDIS_MASTER_NAME,
// REDIS_CLUSTER_ADDRS (comma-separated host:port lists) and REDIS_PASSWORD.
// None set yields the zero Config (check Enabled). A malformed or
// contradictory setting yields an error that names the variable and says
// how to fix it, so a misconfigured deployment fails at start-up.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		URL:        strings.TrimSpace(getenv(EnvURL)),
		MasterName: strings.TrimSpace(getenv(EnvMasterName)),
		Password:   getenv(EnvPassword),
	}
	var err error
	if c.SentinelAddrs, err = splitAddrs(EnvSentinelAddrs, getenv(EnvSentinelAddrs)); err != nil {
		return Config{}, err
	}
	if c.ClusterAddrs, err = splitAddrs(EnvClusterAddrs, getenv(EnvClusterAddrs)); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// splitAddrs parses a comma-separated host:port list; blanks around commas
// and a trailing comma are forgiven, anything else that is no host:port is
// not.
func splitAddrs(name, v string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if err := checkAddr(a); err != nil {
			return nil, fmt.Errorf("%s: %q is not host:port (%v); give a comma-separated list such as \"10.0.0.1:26379,10.0.0.2:26379\"", name, a, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func checkAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return err
	}
	if host == "" {
		return errors.New("missing host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}

// Enabled reports whether any Redis is configured.
func (c Config) Enabled() bool {
	return c.URL != "" || len(c.SentinelAddrs) > 0 || c.MasterName != "" || len(c.ClusterAddrs) > 0
}

// Validate checks that the Config names exactly one way to reach Redis and
// that its parts are well-formed. Errors name the environment variable that
// ConfigFromEnv reads the field from.
func (c Config) Validate() error {
	var modes []string
	if c.URL != "" {
		modes = append(modes, EnvURL)
	}
	if len(c.SentinelAddrs) > 0 || c.MasterName != "" {
		modes = append(modes, EnvSentinelAddrs+"/"+EnvMasterName)
	}
	if len(c.ClusterAddrs) > 0 {
		modes = append(modes, EnvClusterAddrs)
	}
	if len(modes) > 1 {
		return fmt.Errorf("%s are all set, but they are different ways to reach Redis: set only one (%s for one server, %s with %s for Sentinel, %s for Cluster)",
			strings.Join(modes, " and "), EnvURL, EnvSentinelAddrs, EnvMasterName, EnvClusterAddrs)
	}
	if c.URL != "" {
		o, err := redis.ParseURL(c.URL)
		if err != nil {
			return fmt.Errorf("%s: %s; expected redis://[user:password@]host:port[/db], rediss://… for TLS, or unix:///path", EnvURL, redact(err.Error(), c.URL))
		}
		if c.Password != "" && o.Password != "" && o.Password != c.Password {
			return fmt.Errorf("%s and the password inside %s differ: set the password in one place only", EnvPassword, EnvURL)
		}
	}
	if len(c.SentinelAddrs) > 0 && c.MasterName == "" {
		return fmt.Errorf("%s is set but %s is empty: set %s to the master's name as the Sentinels know it (often \"mymaster\")", EnvSentinelAddrs, EnvMasterName, EnvMasterName)
	}
	if c.MasterName != "" && len(c.SentinelAddrs) == 0 {
		return fmt.Errorf("%s is set but %s is empty: list the Sentinels as host:port, comma-separated", EnvMasterName, EnvSentinelAddrs)
	}
	for _, group := range []struct {
		name  string
		addrs []string
	}{{EnvSentinelAddrs, c.SentinelAddrs}, {EnvClusterAddrs, c.ClusterAddrs}} {
		for _, a := range group.addrs {
			if err := checkAddr(a); err != nil {
				return fmt.Errorf("%s: %q is not host:port (%v)", group.name, a, err)
			}
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"DialTimeout", c.DialTimeout}, {"ReadTimeout", c.ReadTimeout}, {"WriteTimeout", c.WriteTimeout}, {"PoolTimeout", c.PoolTimeout}} {
		if d.v < 0 {
			return fmt.Errorf("redis %s is negative (%v): use a positive duration, or zero for the default", d.name, d.v)
		}
	}
	return nil
}

// NewClient returns a client for the configured Redis: a single-server
// (*redis.Client), Sentinel-backed (a failover *redis.Client) or Cluster
// (*redis.ClusterClient) client. It does not connect; the first command
// does. Every timeout is short and retries are few, so an unreachable Redis
// yields an error quickly rather than a hang; context deadlines are
// honoured on the socket too.
//
// The options are built here rather than through redis.UniversalOptions,
// which cannot say how to follow a failover:
//   - a node whose dial failed is given up on for FastFailWindow, so a dead
//     node costs a question next to nothing, and the pool never falls back
//     to go-redis's once-a-second redial (see poolSize);
//   - behind Sentinel every new connection asks the Sentinels for the
//     master, so the first dial after +switch-master (at most
//     FastFailWindow later) reaches the new one;
//   - on a Cluster the slot map is reloaded every ClusterReloadInterval and
//     at once when a command fails without being run, and that command is
//     sent once more, to the new master (see clusterFollower).
func (c Config) NewClient() (redis.UniversalClient, error) {
	cl, _, err := c.newClient()
	return cl, err
}

// newClient is NewClient plus a function that releases what the client
// needs besides itself (the Cluster follower's connections), for Close.
func (c Config) newClient() (redis.UniversalClient, func(), error) {
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	if !c.Enabled() {
		return nil, nil, fmt.Errorf("no Redis is configured: set %s, %s with %s, or %s", EnvURL, EnvSentinelAddrs, EnvMasterName, EnvClusterAddrs)
	}
	dial := orDefault(c.DialTimeout, DefaultDialTimeout)
	read := orDefault(c.ReadTimeout, DefaultReadTimeout)
	write := orDefault(c.WriteTimeout, DefaultWriteTimeout)
	poolTimeout := orDefault(c.PoolTimeout, DefaultPoolTimeout)
	nop := func() {}
	switch {
	case c.URL != "":
		o, err := redis.ParseURL(c.URL)
		if err != nil { // unreachable after Validate, kept for safety
			return nil, nil, fmt.Errorf("%s: %s", EnvURL, redact(err.Error(), c.URL))
		}
		if o.Password == "" {
			o.Password = c.Password
		}
		c.nodeOptions(o, dial, read, write, poolTimeout)
		cl := redis.NewClient(o)
		cl.AddHook(recentCheck{})
		cl.AddHook(&fastFail{})
		return cl, nop, nil
	case len(c.SentinelAddrs) > 0:
		o := &redis.FailoverOptions{
			MasterName:    c.MasterName,
			SentinelAddrs: c.SentinelAddrs,
			Password:      c.Password,
		}
		n := &redis.Options{}
		c.nodeOptions(n, dial, read, write, poolTimeout)
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = n.DialTimeout, n.ReadTimeout, n.WriteTimeout, n.PoolTimeout
		o.ContextTimeoutEnabled, o.MaxRetries, o.DialerRetries, o.PoolSize = n.ContextTimeoutEnabled, n.MaxRetries, n.DialerRetries, n.PoolSize
		o.MinRetryBackoff, o.MaxRetryBackoff = n.MinRetryBackoff, n.MaxRetryBackoff
		cl := redis.NewFailoverClient(o)
		cl.AddHook(recentCheck{})
		cl.AddHook(&fastFail{})
		return cl, nop, nil
	default:
		n := &redis.Options{Password: c.Password}
		c.nodeOptions(n, dial, read, write, poolTimeout)
		f := newClusterFollower(c.ClusterAddrs, n)
		o := &redis.ClusterOptions{
			// The client appends the nodes it discovers to this slice: each
			// client needs an array of its own, or two stores opened from one
			// Config (two replicas in a process) write into the same one.
			Addrs:                      slices.Clone(c.ClusterAddrs),
			Password:                   c.Password,
			DialTimeout:                n.DialTimeout,
			ReadTimeout:                n.ReadTimeout,
			WriteTimeout:               n.WriteTimeout,
			PoolTimeout:                n.PoolTimeout,
			PoolSize:                   n.PoolSize,
			ContextTimeoutEnabled:      true,
			MaxRetries:                 n.MaxRetries,
			DialerRetries:              n.DialerRetries,
			MinRetryBackoff:            n.MinRetryBackoff,
			MaxRetryBackoff:            n.MaxRetryBackoff,
			MaxRedirects:               3,
			ClusterSlots:               f.slots,
			ClusterStateReloadInterval: ClusterReloadInterval,
			// A node that failed is avoided for this long when another can
			// serve; a second is plenty on a cluster that fails over in two.
			FailingTimeoutSeconds: 1,
			NewClient: func(o *redis.Options) *redis.Client {
				cl := redis.NewClient(o)
				cl.AddHook(recentCheck{})
				cl.AddHook(&fastFail{})
				return cl
			},
		}
		cl := redis.NewClusterClient(o)
		f.client = cl
		cl.AddHook(f)
		return cl, f.Close, nil
	}
}

// nodeOptions sets what every connection to a Redis server shares.
func (c Config) nodeOptions(o *redis.Options, dial, read, write, poolTimeout time.Duration) {
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = dial, read, write, poolTimeout
	o.ContextTimeoutEnabled = true
	// One command retry covers a connection the server closed while it sat
	// idle in the pool; more would only multiply the wait when Redis is
	// really gone. Likewise one dial attempt per connection, and short
	// pauses between attempts: a question should not wait on back-off.
	o.MaxRetries = 1
	o.DialerRetries = 1
	o.MinRetryBackoff = time.Millisecond
	o.MaxRetryBackoff = 5 * time.Millisecond
	o.PoolSize = poolSize
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// urlPassword finds the password in a redis:// URL even when the URL does
// not parse.
var urlPassword = regexp.MustCompile(`^[a-z]+://[^:/@]*:([^@]+)@`)

// redact hides the password of rawURL wherever msg repeats it: parse
// errors quote the whole URL, and configuration errors end up in logs.
func redact(msg, rawURL string) string {
	if m := urlPassword.FindStringSubmatch(rawURL); m != nil {
		msg = strings.ReplaceAll(msg, m[1], "xxxxx")
	}
	return msg
}
