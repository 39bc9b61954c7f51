// Package cputime reads the process's own CPU time, for the project's
// benchmarks to report beside ns/op: on a shared machine, ns/op grows when
// other processes take the cores, and the CPU time an operation costs does
// not. It is test support; only benchmarks import it.
package cputime

import (
	"testing"
	"time"
)

// Report reports, as cpu-ns/op, the CPU time the process used since since
// (a Process reading) divided by ops, the operations done meanwhile.
func Report(b *testing.B, since time.Duration, ops int) {
	if ops > 0 {
		b.ReportMetric(float64(Process()-since)/float64(ops), "cpu-ns/op")
	}
}
