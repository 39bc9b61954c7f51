package imapwatch

import "time"

// backoff is a jittered exponential delay: lo doubled per failure up to hi,
// then drawn uniformly from its upper half so that many supervisors failing
// together do not reconnect together.
type backoff struct {
	lo, hi   time.Duration
	failures int
}

func (b *backoff) next(r float64) time.Duration {
	d := b.lo
	for i := 0; i < b.failures && d < b.hi; i++ {
		d *= 2
	}
	d = min(d, b.hi)
	b.failures++
	return d/2 + time.Duration(r*float64(d/2))
}

func (b *backoff) reset() { b.failures = 0 }
