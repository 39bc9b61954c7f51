//go:build unix

package extract

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU reports the process's CPU time per operation (user and system,
// every thread, the garbage collector's included) as cpu-ns/op: unlike
// ns/op, it does not grow when other processes take the machine's cores.
func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(processCPU()-since)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
