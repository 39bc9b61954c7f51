package imapwatch

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultMailbox        = "INBOX"
	DefaultPollInterval   = 60 * time.Second
	DefaultIdleRestart    = 25 * time.Minute // under the 29-minute limit of RFC 2177
	DefaultBatchSize      = 50
	DefaultBatchBytes     = 32 << 20
	DefaultMaxMessageSize = 25 << 20
	DefaultKeyword        = "$CaucusgateDone"
	DefaultRetryMin       = time.Second
	DefaultRetryMax       = 5 * time.Minute
	DefaultAuthRetryMin   = 5 * time.Minute
	DefaultAuthRetryMax   = time.Hour
	DefaultAckRetry       = time.Minute
	DefaultAckAlertAfter  = 2 * time.Hour
	DefaultStallTimeout   = time.Minute
	DefaultIdleCheck      = 50 * time.Second // with StallTimeout: a freeze in IDLE noticed within FreezeNoticedWithin
	DefaultRestoreWindow  = 24 * time.Hour
	DefaultSuspectAge     = 48 * time.Hour
)

// Config configures a Supervisor. Zero fields take the documented defaults.
type Config struct {
	Account string // names the account in logs and batches
	Mailbox string // default "INBOX"

	// URL is imap://host[:143] (STARTTLS when the server offers it) or
	// imaps://host[:993] (implicit TLS).
	URL      *url.URL
	Username string
	Password string
	// Token, if set, authenticates with XOAUTH2 or OAUTHBEARER instead of
	// the password.
	Token TokenSource
	// TLSConfig is cloned; nil means the system roots. ServerName defaults
	// to the URL's host.
	TLSConfig *tls.Config
	// Insecure allows authentication without TLS to a host that is not on
	// loopback. Without it such a connection is refused (ErrPlaintext).
	Insecure bool

	// IDLE enables IDLE when the server advertises it. The zero value
	// polls: the config layer turns it on by default.
	IDLE         bool
	PollInterval time.Duration // default 60s, used when not idling
	IdleRestart  time.Duration // default 25m: IDLE is re-issued at least this often (RFC 2177); IdleCheck ends it sooner
	// IdleCheck is how often IDLE is ended (DONE) and the mailbox checked
	// before IDLE starts again. Nothing is awaited during IDLE, so a server
	// that froze there is noticed only when DONE's answer does not come
	// (StallTimeout); default 50s, so that at default settings a freeze is
	// noticed within FreezeNoticedWithin (see freezeNoticedAfter).
	IdleCheck time.Duration
	// StallTimeout is how long a command may wait with no byte received
	// before the connection is closed and made again; default 60s. Bytes
	// that keep coming (a slow big fetch) are progress: never cut.
	StallTimeout time.Duration

	Start Start // what to take from a mailbox never seen before; default StartNow
	// RestoreWindow is how long after a UIDVALIDITY change every new
	// message is still checked as a possible re-added old one: a restore
	// may go on after the change is first seen; default 24h.
	RestoreWindow time.Duration
	// SuspectAge: after a reset, a message past the start boundary by
	// INTERNALDATE whose Date is more than SuspectAge before the boundary
	// is held (INTERNALDATE lies after a restore by cp); default 48h.
	SuspectAge time.Duration

	BatchSize      int   // messages per Sink.Accept; default 50
	BatchBytes     int64 // message bytes per Sink.Accept; default 32 MiB
	MaxMessageSize int64 // default 25 MiB; larger messages arrive header-only
	// SpoolDir is where a message over 1 MiB is written, to be mapped
	// rather than read onto the heap; default os.TempDir(). Set to a
	// directory on the filesystem of the store's raw files
	// (queue.Store.SpoolDir), the store takes the spooled file as the
	// message's (Message.File) rather than write the bytes again. It is
	// used only where the filesystem makes files with no name (Linux's
	// O_TMPFILE); elsewhere os.TempDir() is.
	SpoolDir string
	// Keyword is set on each acknowledged message when the mailbox's
	// PERMANENTFLAGS allow it; default "$CaucusgateDone".
	Keyword string
	// DoneMailbox, if set, receives each acknowledged message. A server
	// with neither MOVE nor UIDPLUS is refused (ErrNoMove): its fallback
	// EXPUNGE would also delete what users flagged \Deleted.
	DoneMailbox string
	// AckRetry is how often acknowledgements the server refused are tried
	// again, beside new mail; default 1m.
	AckRetry time.Duration
	// AckAlertAfter is how long the server may refuse acknowledgements
	// before the Sink is told to alert the admins (AckAlerter); default 2h.
	AckAlertAfter time.Duration

	// Reconnect backoff, doubled per failure and jittered: network failures
	// from RetryMin (1s) to RetryMax (5m), authentication failures from
	// AuthRetryMin (5m) to AuthRetryMax (1h).
	RetryMin, RetryMax         time.Duration
	AuthRetryMin, AuthRetryMax time.Duration

	Sink     Sink
	Logger   *slog.Logger     // default: discard
	Now      func() time.Time // default time.Now
	Rand     func() float64   // jitter in [0,1); default math/rand/v2
	Observer Observer         // optional
}

// StartMode says which messages of a mailbox seen for the first time are taken.
type StartMode int

const (
	StartNow   StartMode = iota // only mail arriving from now on
	StartAll                    // everything in the mailbox
	StartSince                  // mail whose INTERNALDATE falls within Since
)

// Start is the policy for a mailbox that has no recorded epoch at all.
type Start struct {
	Mode  StartMode
	Since time.Duration // for StartSince
}

func (c *Config) withDefaults() {
	setDefault(&c.Mailbox, DefaultMailbox)
	setDefault(&c.PollInterval, DefaultPollInterval)
	setDefault(&c.IdleRestart, DefaultIdleRestart)
	setDefault(&c.IdleCheck, DefaultIdleCheck)
	setDefault(&c.StallTimeout, DefaultStallTimeout)
	setDefault(&c.RestoreWindow, DefaultRestoreWindow)
	setDefault(&c.SuspectAge, DefaultSuspectAge)
	setDefault(&c.BatchSize, DefaultBatchSize)
	setDefault(&c.BatchBytes, DefaultBatchBytes)
	setDefault(&c.MaxMessageSize, DefaultMaxMessageSize)
	setDefault(&c.Keyword, DefaultKeyword)
	setDefault(&c.RetryMin, DefaultRetryMin)
	setDefault(&c.RetryMax, DefaultRetryMax)
	setDefault(&c.AuthRetryMin, DefaultAuthRetryMin)
	setDefault(&c.AuthRetryMax, DefaultAuthRetryMax)
	setDefault(&c.AckRetry, DefaultAckRetry)
	setDefault(&c.AckAlertAfter, DefaultAckAlertAfter)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
}

// FreezeNoticedWithin is the promise for a server that freezes (stops
// answering, the connection still open) at default settings: it is noticed,
// the connection closed and made again, within 2 minutes, wherever the
// freeze falls: during IDLE or during a command.
const FreezeNoticedWithin = 2 * time.Minute

// freezeNoticedAfter is the longest a freeze during IDLE can go unnoticed:
// it may start just after IDLE began, whose DONE is sent idleCheck later;
// the watchdog then cuts the connection once its answer has been silent for
// stall, seen at its next tick. A freeze during a command is noticed
// sooner, after stall and a tick. Polling (IDLE off) waits PollInterval
// instead of idleCheck before its NOOP.
func freezeNoticedAfter(idleCheck, stall time.Duration) time.Duration {
	return idleCheck + stall + watchdogTick(stall)
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (c *Config) validate() error {
	if c.Sink == nil {
		return errors.New("no sink")
	}
	return c.validateReader()
}

// validateReader checks what reading a mailbox needs: Scan reads with no Sink.
func (c *Config) validateReader() error {
	if c.URL == nil {
		return errors.New("no IMAP URL")
	}
	if c.URL.Scheme != "imap" && c.URL.Scheme != "imaps" {
		return fmt.Errorf("IMAP URL scheme %q: want imap or imaps", c.URL.Scheme)
	}
	if c.URL.Hostname() == "" {
		return errors.New("IMAP URL has no host")
	}
	if c.Token == nil && c.Username == "" {
		return errors.New("no username")
	}
	if c.Start.Mode == StartSince && c.Start.Since <= 0 {
		return fmt.Errorf("start since %v: want a positive duration", c.Start.Since)
	}
	if c.BatchSize < 0 || c.BatchBytes < 0 || c.MaxMessageSize < 0 {
		return errors.New("negative batch or message size limit")
	}
	return nil
}
