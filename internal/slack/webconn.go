package slack

import (
	"errors"
	"net"
	"syscall"
)

// errStaleConn: a kept-alive connection was found closed by Slack (or a
// proxy) before the next request was written to it. Nothing was sent, so
// the request is made again on another connection, as net/http does for a
// connection its read loop saw closed.
var errStaleConn = errors.New("slack: kept-alive connection closed by the server")

// errNotWritten marks a first write of a request that failed before any
// byte of it left.
var errNotWritten = errors.New("request not written")

// checkedConn is a connection of webClient's that notices, when a request
// starts on it after the previous answer was read, whether the server has
// closed it meanwhile. net/http learns that from the read loop it keeps
// per connection; HostClient has none, and would otherwise write the
// request into a closed connection and learn it only from the missing
// answer, when it can no longer tell whether the request arrived.
type checkedConn struct {
	net.Conn
	rc syscall.RawConn // nil if the connection has no descriptor
	// probe is c.probeFD, made once (a method value passed to Control
	// would be made per call).
	probe func(fd uintptr)
	// closed is probe's finding.
	closed bool
	// used: a request was written; writing: the last call was a Write.
	used, writing bool
}

func newCheckedConn(conn net.Conn) *checkedConn {
	c := &checkedConn{Conn: conn}
	if sc, ok := conn.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
			c.probe = c.probeFD
		}
	}
	return c
}

func (c *checkedConn) Read(p []byte) (int, error) {
	c.writing = false
	return c.Conn.Read(p)
}

// Write writes p; the first write after a read (or the first ever) starts a
// request, and on a kept-alive connection first checks that it is still
// open.
func (c *checkedConn) Write(p []byte) (int, error) {
	if c.writing {
		return c.Conn.Write(p)
	}
	c.writing = true
	reused := c.used
	c.used = true
	if reused && c.peerClosed() {
		return 0, errStaleConn
	}
	n, err := c.Conn.Write(p)
	if n == 0 && err != nil {
		return 0, &notWrittenError{err: err, reused: reused}
	}
	return n, err
}

// peerClosed reports whether the other end has closed the connection.
func (c *checkedConn) peerClosed() bool {
	if c.rc == nil {
		return false
	}
	c.closed = false
	if err := c.rc.Control(c.probe); err != nil {
		return true
	}
	return c.closed
}

// notWrittenError is a write error with nothing written; on a kept-alive
// connection it is also errStaleConn (the request is made again).
type notWrittenError struct {
	err    error
	reused bool
}

func (e *notWrittenError) Error() string { return e.err.Error() }
func (e *notWrittenError) Unwrap() error { return e.err }
func (e *notWrittenError) Is(target error) bool {
	return target == errNotWritten || e.reused && target == errStaleConn
}
