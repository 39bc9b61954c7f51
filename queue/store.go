package queue

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Options configure a Store. The zero value of every field but DSN is a
// usable default.
type Options struct {
	// DSN is a filesystem path (SQLite) or a postgres:// or postgresql://
	// URL (PostgreSQL).
	DSN string
	// Logger receives the store's and River's logs. Defaults to a logger
	// that discards everything.
	Logger *slog.Logger
	// RiverLogger receives River's own logs (its executor and producer
	// report at INFO); nil: Logger.
	RiverLogger *slog.Logger
	// Now is the clock for our own records (receipt, attempts). On
	// SQLite it is also the clock of leases, heartbeats, reclaims and slot
	// claims; on PostgreSQL those use the database's clock, shared by every
	// instance. Defaults to time.Now.
	Now func() time.Time
	// DBNow replaces the database's clock on PostgreSQL, for tests.
	DBNow func() time.Time
	// Retry spaces delivery attempts. Nil means DefaultRetryPolicy().
	Retry RetryPolicy
	// FetchPollInterval is how often idle workers look for due jobs.
	// Defaults to 1s, River's own default. New deliveries do not wait for
	// it: HandOff gives them to the senders at once; the poll finds
	// retries, deliveries left by a stop or a crash, offers the hand-off
	// dropped, and those another process added (a CLI's approval). On
	// SQLite each poll scans every job intake reserved for the senders:
	// at 200ms, the polls were 2% of run -once's CPU on a backlog (issue 12).
	FetchPollInterval time.Duration
	// Workers is the number of River workers, and again of hand-off
	// senders, each making one delivery at a time. Size it to the relay's
	// sessions: fewer leaves sessions idle, more only wait for one.
	// Defaults to 4.
	Workers int
	// JobTimeout bounds one delivery attempt. Defaults to 1h: a DATA to a
	// big roster over a slow relay can legitimately take minutes.
	JobTimeout time.Duration
	// OnOutcome, when set, is told of every finished delivery attempt
	// (metrics, logs, run -once). It runs on the worker goroutine.
	OnOutcome func(DeliveryOutcome)
	// WrapKey, when set, is the key-encryption key (WrapKeySize bytes)
	// the token keys in the secrets table are sealed under; Open seals
	// plaintext ones and fails with ErrWrongWrapKey if it opens none.
	// Nil: keys are stored as they are.
	WrapKey []byte
}

// rescueStuckAfter is River's own stuck-job horizon. Crashed daemons'
// jobs are reclaimed by ClaimDaemon long before this; River's rescuer is
// only the last resort (for instance, a job of a client that never
// registered as an instance).
const rescueStuckAfter = 24 * time.Hour

// fetchCooldown is the least time between two fetches of River's producer.
const fetchCooldown = 10 * time.Millisecond

// Store is the durable state of a caucusgate installation.
type Store struct {
	db         *sql.DB
	dialect    dialect
	path       string  // the SQLite file, empty on PostgreSQL
	raw        *rawDir // the SQLite store's raw files, nil on PostgreSQL
	driver     riverdriver.Driver[*sql.Tx]
	client     *river.Client[*sql.Tx]
	log        *slog.Logger
	now        func() time.Time
	retry      RetryPolicy
	opts       Options
	instanceID string
	wrap       keyWrapper

	mu         sync.Mutex
	deliverer  Deliverer
	handoff    *handoff // the senders of HandOff, while started
	stmts      preparedStmts
	group      groupCommit         // the senders' short transactions, committed together on SQLite
	retryAfter map[int64]time.Time // job ID → next attempt requested by the relay
}

// Open opens the store named by opts.DSN and migrates it. It does not start
// workers (Start does) nor claim the store for a daemon (ClaimDaemon does),
// so CLI commands can open a store a daemon is using.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s, err := newStore(opts)
	if err != nil {
		return nil, err
	}
	if err := s.openDB(); err != nil {
		return nil, err
	}
	if err := s.migrateRetryingBusy(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.checkKeyWrap(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.openRaw(); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.newClient(); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// migrateRetryingBusy retries a migration that met SQLITE_BUSY. SQLite
// does not call the busy handler for every lock conflict: two processes
// creating the same new file at once (switching it to WAL) can see BUSY
// at once despite busy_timeout.
func (s *Store) migrateRetryingBusy(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := s.migrate(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		s.log.DebugContext(ctx, "store busy at open, retrying", "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func newStore(opts Options) (*Store, error) {
	if opts.DSN == "" {
		return nil, errors.New("open store: empty DSN")
	}
	s := &Store{opts: opts, dialect: dialectOf(opts.DSN), log: opts.Logger, now: opts.Now,
		retry: opts.Retry, retryAfter: map[int64]time.Time{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.retry == nil {
		s.retry = DefaultRetryPolicy()
	}
	if s.dialect == dialectSQLite {
		s.path = opts.DSN
	}
	id, err := newInstanceID()
	if err != nil {
		return nil, err
	}
	s.instanceID = id
	if s.wrap, err = newKeyWrapper(opts.WrapKey); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return s, nil
}

func newInstanceID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate instance id: %w", err)
	}
	return "cg_" + hex.EncodeToString(b[:]), nil
}

func (s *Store) openDB() error {
	var err error
	if s.dialect == dialectPostgres {
		s.db, err = sql.Open("pgx", s.opts.DSN)
		if err == nil {
			s.db.SetMaxIdleConns(s.idleConns())
			s.driver = riverdatabasesql.New(s.db)
		}
	} else {
		s.db, err = sql.Open("sqlite", sqliteDSN(s.path))
		if err == nil {
			// SQLite admits one writer; one connection turns River's
			// concurrent maintenance into a queue instead of SQLITE_BUSY.
			s.db.SetMaxOpenConns(1)
			s.driver = riversqlite.New(s.db)
		}
	}
	if err != nil {
		return fmt.Errorf("open %s store: %w", s.dialect, err)
	}
	return nil
}

// openRaw opens the directory of a SQLite store's raw files (rawdir.go),
// creating it beside the database file; a PostgreSQL store keeps its raw
// bytes in raw_chunks, visible to every instance.
func (s *Store) openRaw() error {
	if s.dialect != dialectSQLite {
		return nil
	}
	var err error
	s.raw, err = openRawDir(s.path, s.log)
	return err
}

// idleConns is how many PostgreSQL connections the pool keeps open
// between uses: every goroutine that writes at once (River's workers, as
// many hand-off senders, intake, River's fetcher and maintenance). With
// database/sql's default of 2, each sender's transaction beyond the second
// opened a new connection (a server process forked, authenticated and its
// statements prepared again), which made forwarding on PostgreSQL a third
// as fast as on SQLite (BenchmarkDeliveryBatch/postgres: 410 ms a batch of
// 30 against 43 ms).
func (s *Store) idleConns() int {
	return 2*s.workers() + 4
}

func (s *Store) newClient() error {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &deliveryWorker{s: s}); err != nil {
		return fmt.Errorf("register delivery worker: %w", err)
	}
	cfg := &river.Config{
		ID:                s.instanceID,
		Logger:            orLogger(s.opts.RiverLogger, s.log),
		FetchPollInterval: orDefault(s.opts.FetchPollInterval, time.Second),
		// River's default cooldown (100ms) between fetches capped it near
		// 10 fetches a second, 40 jobs with 4 workers, while the machine
		// idled (issue 12).
		FetchCooldown:        min(fetchCooldown, orDefault(s.opts.FetchPollInterval, time.Second)),
		JobTimeout:           orDefault(s.opts.JobTimeout, time.Hour),
		RescueStuckJobsAfter: rescueStuckAfter,
		MaxAttempts:          s.retry.MaxAttempts(),
		RetryPolicy:          &riverRetryPolicy{s: s},
		// Without LISTEN/NOTIFY on database/sql, and to spare SQLite's one
		// connection a notification poller, both stores poll.
		PollOnly:                    true,
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
		CancelledJobRetentionPeriod: 30 * 24 * time.Hour,
		DiscardedJobRetentionPeriod: 30 * 24 * time.Hour,
		Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: s.workers()}},
		Workers:                     workers,
	}
	client, err := river.NewClient(s.driver, cfg)
	if err != nil {
		return fmt.Errorf("create river client: %w", err)
	}
	s.client = client
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Close closes the database. Stop the workers first.
func (s *Store) Close() error {
	if err := errors.Join(s.closeStmts(), s.db.Close()); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Dialect reports "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.String() }

// inTx runs fn in a transaction, committing when it returns nil. With one
// SQLite connection, fn must not call another Store method (deadlock).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	return s.endTx(ctx, tx, fn(tx))
}

// endTx commits tx if its work succeeded (err nil), and rolls it back
// otherwise, returning the work's error.
func (s *Store) endTx(ctx context.Context, tx *sql.Tx, err error) error {
	if err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			s.log.WarnContext(ctx, "rollback failed", "error", rbErr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// inConnTx is inTx on a connection taken for it, which fn may also reach
// outside database/sql within the transaction (sql.Conn.Raw: PostgreSQL's
// COPY).
func (s *Store) inConnTx(ctx context.Context, fn func(conn *sql.Conn, tx *sql.Tx) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("take a connection: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	return s.endTx(ctx, tx, fn(conn, tx))
}

// q rebinds a query written with `?` placeholders for this store.
func (s *Store) q(query string) string { return s.dialect.rebind(query) }

// micros is how our tables store times: unix microseconds.
func (s *Store) micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

func orLogger(l, def *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return def
}
