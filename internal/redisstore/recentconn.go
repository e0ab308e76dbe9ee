package redisstore

import (
	"context"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/rawsock"
)

// RecentReplyWindow is how long after a reply arrived on a connection
// the pool takes it again without checking it.
//
// go-redis checks a pooled connection before every command it is taken
// for: a non-blocking recvfrom (MSG_PEEK) that finds a connection the
// server closed, or one holding bytes nobody asked for, and then dials
// instead. Under traffic that is one system call (and three allocations)
// per command on connections that answered a moment ago. A connection on
// which a reply arrived within this window skips it: Redis closes idle
// clients only after its `timeout` (whole seconds, at least one), so in
// the window only a server going away (killed, restarted, CLIENT KILL) can
// have closed it, and then the command fails as it would have had the
// server gone a moment later, after the check: go-redis sees EOF, drops
// the connection and sends the command once more (MaxRetries), which
// Redis never received. Connections idle for longer are checked as
// before.
const RecentReplyWindow = 50 * time.Millisecond

// clockStart anchors recentConn's monotonic clock.
var clockStart = time.Now()

// recentConn is a Redis connection that lets go-redis's pool skip its
// check when a reply arrived within RecentReplyWindow (see there). It
// only wraps connections with a descriptor (TCP, Unix); go-redis does
// not check others (TLS) anyway.
type recentConn struct {
	net.Conn
	sc syscall.Conn
	// lastRead is when a read last returned data, in nanoseconds since
	// clockStart; 0 before the first.
	lastRead atomic.Int64
}

// withRecentCheck wraps conn when it has a descriptor.
func withRecentCheck(conn net.Conn) net.Conn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return conn
	}
	return &recentConn{Conn: conn, sc: sc}
}

func (c *recentConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.lastRead.Store(int64(time.Since(clockStart)))
	}
	return n, err
}

// recent reports whether a reply arrived within RecentReplyWindow.
func (c *recentConn) recent() bool {
	t := c.lastRead.Load()
	return t != 0 && time.Since(clockStart)-time.Duration(t) < RecentReplyWindow
}

// SyscallConn is what go-redis's pool check asks for: the connection's
// own, or, within the window, one whose reads report nothing to read
// without a system call.
func (c *recentConn) SyscallConn() (syscall.RawConn, error) {
	if c.recent() {
		return quietRawConn{}, nil
	}
	return c.sc.SyscallConn()
}

// quietRawConn stands for a connection known to be open with nothing
// unread: the pool check's non-blocking read is answered "would block"
// without being made.
type quietRawConn struct{}

func (quietRawConn) Control(func(fd uintptr)) error { return nil }
func (quietRawConn) Read(func(fd uintptr) bool) error {
	return nil
}
func (quietRawConn) Write(func(fd uintptr) bool) error { return nil }

// recentCheck is a hook that wraps every connection a client dials in a
// recentConn, reading and writing with raw socket calls (package
// rawsock); it leaves commands alone.
type recentCheck struct{}

func (recentCheck) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil {
			return c, err
		}
		return withRecentCheck(rawsock.Wrap(c)), nil
	}
}

func (recentCheck) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (recentCheck) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
