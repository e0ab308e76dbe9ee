package slack

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// probeFD sets c.closed if the peer has shut the connection down (or it
// failed), without waiting and without reading: data waiting to be read
// (a TLS session ticket) does not count. The poll returns at once, so it
// is made raw, like the connection's reads and writes (package rawsock).
func (c *checkedConn) probeFD(fd uintptr) {
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
	var zero unix.Timespec
	n, _, errno := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), 1, uintptr(unsafe.Pointer(&zero)), 0, 0, 0)
	c.closed = errno == 0 && n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0
}
