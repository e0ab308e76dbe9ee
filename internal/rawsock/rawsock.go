// Package rawsock reads and writes TCP connections with plain system
// calls, keeping the Go scheduler out of them.
//
// A socket read or write through package net is a system call the runtime
// brackets with entersyscall and exitsyscall: in case the call blocks, the
// processor it leaves may be handed to another thread. That bookkeeping
// costs little by itself, but when the process has been idle the runtime's
// monitor thread is asleep, and entersyscall wakes it (a futex wake and a
// context switch), after which the monitor polls every 20 µs until the
// process is idle again. A replica answering a question does a handful of
// socket calls after each idle gap (the event's request, the Redis script,
// the Web API post and their replies), so under steady traffic most of
// them wake the monitor: on one CPU that was about 10 % of a replica's
// CPU, and with the threads it woke, 2.5 context switches per answer.
//
// Sockets from package net are non-blocking: a read or write returns at
// once, with data or with EAGAIN. A Conn makes those calls without the
// bracketing (syscall.RawSyscall through the socket's syscall.RawConn) and
// leaves waiting to the network poller exactly as package net does:
// RawConn.Read and Write wait for readiness and honour the connection's
// deadlines, and Close wakes them. The calls never block, so the processor
// is never held for longer than the kernel takes to copy the bytes.
package rawsock

import (
	"context"
	"net"
)

// Wrap returns c reading and writing through raw system calls when c is a
// TCP connection on a platform where that is supported, and c itself
// otherwise (TLS, pipes, Unix sockets, other platforms).
func Wrap(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok || !supported {
		return c
	}
	w, err := newConn(tc)
	if err != nil {
		return c
	}
	return w
}

// Listener returns ln, its accepted connections wrapped (see Wrap).
func Listener(ln net.Listener) net.Listener {
	if !supported {
		return ln
	}
	return listener{ln}
}

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	return Wrap(c), nil
}

// DialContext is d.DialContext with the connection wrapped (see Wrap), for
// http.Transport.DialContext and the like.
func DialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return Wrap(c), nil
	}
}
