//go:build !linux

package rawsock

import "net"

const supported = false

func newConn(*net.TCPConn) (net.Conn, error) { panic("rawsock: not supported") }
