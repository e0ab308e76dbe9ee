//go:build race

package rawsock

import "sync/atomic"

// ioSync orders a write before the read that receives its bytes for the
// race detector, as package syscall does for its own reads and writes
// (which the raw calls here bypass): without it, data handed from one
// goroutine to another over a socket would look unsynchronised.
var ioSync atomic.Uint64

func raceRelease() { ioSync.Add(1) }
func raceAcquire() { ioSync.Load() }
