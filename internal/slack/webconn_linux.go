package slack

import "golang.org/x/sys/unix"

// probeFD sets c.closed if the peer has shut the connection down (or it
// failed), without waiting and without reading: data waiting to be read
// (a TLS session ticket) does not count.
func (c *checkedConn) probeFD(fd uintptr) {
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
	n, err := unix.Poll(fds[:], 0)
	c.closed = err == nil && n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0
}
