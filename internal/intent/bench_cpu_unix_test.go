//go:build unix

package intent

import (
	"syscall"
	"testing"
)

// reportCPU adds a cpu-ns/op metric: the process's user and system CPU time
// per iteration. On a shared machine wall time (ns/op) also counts the time
// other processes held the CPU; this does not.
func reportCPU(b *testing.B) func() {
	start := cpuNanos()
	return func() {
		b.ReportMetric(float64(cpuNanos()-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
