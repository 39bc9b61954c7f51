package imapwatch

import "time"

// State is what a Supervisor is doing, for health pages and metrics.
type State int

const (
	StateConnecting State = iota
	StateSyncing          // connected, fetching and acknowledging
	StateIdle             // waiting in IDLE
	StatePolling          // waiting for the next poll
	StateBackoff          // disconnected, waiting to reconnect
	StateStopped
)

var stateNames = [...]string{"connecting", "syncing", "idle", "polling", "backoff", "stopped"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Observer receives a Supervisor's events. Its methods are called from the
// Supervisor's goroutine and must not block.
type Observer interface {
	State(s State)
	// Synced reports that everything in the mailbox up to now is accepted
	// and acknowledged.
	Synced(at time.Time)
	// Reconnect reports a lost or failed connection and why.
	Reconnect(reason error)
	// AuthFailed reports an authentication failure (an *AuthError).
	AuthFailed(err error)
}

type nopObserver struct{}

func (nopObserver) State(State)      {}
func (nopObserver) Synced(time.Time) {}
func (nopObserver) Reconnect(error)  {}
func (nopObserver) AuthFailed(error) {}
