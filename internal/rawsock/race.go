//go:build race && linux

package rawsock

import "syscall"

// Under the race detector, package syscall orders every write before every
// later read (its reads and writes release and acquire one shared sync
// object), so data handed from one goroutine to another over a socket is
// not reported as a race. The raw calls bypass it; these make the same
// edges through package syscall itself, so that a raw write and a net
// read, or a net write and a raw read, order as two net calls do.

// raceRelease: syscall.Write releases before its call; on no descriptor
// the call fails at once.
func raceRelease() { _, _ = syscall.Write(-1, nil) }

// raceAcquire: syscall.Read acquires after a call that succeeds; a read
// of no bytes from a socket returns 0 at once and takes nothing.
func raceAcquire(fd uintptr) { _, _ = syscall.Read(int(fd), nil) }
