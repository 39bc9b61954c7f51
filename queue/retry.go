package queue

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// RetryPolicy spaces the attempts of a delivery that failed temporarily.
type RetryPolicy interface {
	// Delay is the wait before the next attempt after `failed` attempts
	// have failed (failed >= 1).
	Delay(failed int) time.Duration
	// MaxAttempts is the number of attempts after which a delivery that
	// keeps failing temporarily is given up as failed.
	MaxAttempts() int
}

// BackoffPolicy is mox's schedule: a first quick retry, then a delay that
// doubles from Base up to Cap, each with a random jitter, for as many
// attempts as fit in Horizon.
type BackoffPolicy struct {
	First   time.Duration // after the first failure
	Base    time.Duration // after the second; doubles after each further one
	Cap     time.Duration
	Horizon time.Duration // total time before giving up
	Jitter  float64       // fraction of each delay drawn at random, 0 for none
}

// DefaultRetryPolicy retries after 1 minute, then 7.5 minutes doubling up
// to 4 hours, with 10% jitter, for about three days (SMTP's customary
// queue lifetime, RFC 5321 section 4.5.4.1).
func DefaultRetryPolicy() BackoffPolicy {
	return BackoffPolicy{First: time.Minute, Base: 7*time.Minute + 30*time.Second,
		Cap: 4 * time.Hour, Horizon: 72 * time.Hour, Jitter: 0.1}
}

func (p BackoffPolicy) base(failed int) time.Duration {
	if failed <= 1 {
		return p.First
	}
	d := p.Base
	for i := 2; i < failed && d < p.Cap; i++ {
		d *= 2
	}
	return min(d, p.Cap)
}

// Delay implements RetryPolicy.
func (p BackoffPolicy) Delay(failed int) time.Duration {
	d := p.base(failed)
	if p.Jitter > 0 && d > 0 {
		spread := float64(d) * p.Jitter
		d += time.Duration(spread * (2*rand.Float64() - 1))
	}
	return d
}

// MaxAttempts implements RetryPolicy: the attempts whose un-jittered
// delays add up to no more than Horizon.
func (p BackoffPolicy) MaxAttempts() int {
	var total time.Duration
	attempts := 1
	for failed := 1; ; failed++ {
		total += p.base(failed)
		if total > p.Horizon || p.base(failed) <= 0 || attempts >= 1000 {
			return attempts
		}
		attempts++
	}
}

// riverRetryPolicy adapts our policy to River's, for jobs whose worker did
// not decide (River calls the worker's NextRetry first).
type riverRetryPolicy struct{ s *Store }

func (p *riverRetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return p.s.nextRetry(job.ID, job.Attempt)
}

// nextRetry honours a relay's requested delay for this job if there is
// one, and the policy otherwise.
func (s *Store) nextRetry(jobID int64, attempt int) time.Time {
	s.mu.Lock()
	at, ok := s.retryAfter[jobID]
	delete(s.retryAfter, jobID)
	s.mu.Unlock()
	if ok {
		return at
	}
	return time.Now().Add(s.retry.Delay(max(attempt, 1)))
}
