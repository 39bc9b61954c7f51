package smtprelay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
)

// ErrClosed is returned by Send after Close; it is temporary (KindNetwork):
// the message is for another run.
var ErrClosed = &Error{Kind: KindNetwork, Message: "relay closed"}

// Relay sends messages through one SMTP relay. It is safe for concurrent
// use; Sends beyond Config.Sessions wait for a session.
type Relay struct {
	cfg    Config
	log    *slog.Logger
	limits *limiter
	pool   *pool
	nextID atomic.Uint64
}

// Envelope is the SMTP envelope (RFC 5321 section 2.3.1): the reverse path
// and the forward paths, bare addresses without angle brackets. From may be
// empty (the null reverse path).
type Envelope struct {
	From string
	To   []string
}

// Result says which recipients the relay accepted. A Send that returns a
// nil error may still have rejected some recipients: Rejected is then the
// authoritative list of those to retry (when Temporary) or to report. When
// Send returns an error, Accepted is empty and Rejected names every
// recipient: its own reply to RCPT, or the error that ended the transaction.
type Result struct {
	Accepted []string
	Rejected map[string]*Error
}

// New checks cfg and returns a Relay; it dials nothing until the first Send.
func New(cfg Config) (*Relay, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Relay{cfg: cfg, limits: newLimiter(cfg), pool: newPool(cfg)}
	r.log = cfg.Logger.With("relay", cfg.URL.Redacted())
	return r, nil
}

// Send submits body to env.To in one transaction. It waits for the rate
// limit and for a free session, both bounded by ctx. A session that the
// relay dropped while idle is replaced, once, before anything is sent.
//
// A non-nil error is an *Error (or wraps one, see Temporary): the daily limit
// reached, a failure that concerns every recipient (connection, MAIL, DATA),
// or every recipient rejected. In that last case the error is the most
// retryable of the recipients' errors (auth, network, quota, temporary,
// permanent, in that order), so that a single recipient that can still
// succeed keeps the message queued; Result.Rejected has each one's reply.
func (r *Relay) Send(ctx context.Context, env Envelope, body io.Reader) (Result, error) {
	return r.Stream(ctx, env, copyFrom(body))
}

// Stream is Send for a message that write produces: write is called at
// most once, when the relay has accepted DATA, and writes the message to
// the connection's dot-stuffing writer, so that it goes from whoever
// composes it to the socket without a pipe or a copy in between. An error
// of write's own (one its writer did not return) is taken as Send takes a
// failure to read its body.
func (r *Relay) Stream(ctx context.Context, env Envelope, write func(io.Writer) error) (Result, error) {
	res, err := r.submit(ctx, env, write)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = classify(ctx, err, stageConnect)
		}
		res = failRest(res, env.To, e)
	}
	return res, err
}

func (r *Relay) submit(ctx context.Context, env Envelope, body content) (Result, error) {
	if err := checkEnvelope(env); err != nil {
		return Result{}, err
	}
	if err := r.limits.take(ctx); err != nil {
		return Result{}, err
	}
	if err := r.pool.acquire(ctx); err != nil {
		return Result{}, classify(ctx, err, stageConnect)
	}
	defer r.pool.release()
	if r.pool.isClosed() {
		return Result{}, ErrClosed
	}
	return r.send(ctx, env, body)
}

func (r *Relay) send(ctx context.Context, env Envelope, body content) (Result, error) {
	s, reused, err := r.session(ctx)
	if err != nil {
		return Result{}, err
	}
	res, st, err := r.attempt(ctx, s, env, body)
	if err != nil && reused && st == stageMail && stale(err) && ctx.Err() == nil {
		r.log.Debug("reused relay session was dead; redialling", "session", s.id, "err", err)
		r.pool.put(s)
		if s, err = r.dial(ctx); err != nil {
			return Result{}, err
		}
		res, _, err = r.attempt(ctx, s, env, body)
	}
	r.pool.put(s)
	return res, err
}

// stale reports whether a failure at MAIL means the relay closed the session
// while it sat idle.
func stale(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Kind == KindNetwork || e.Code == 421)
}

func (r *Relay) session(ctx context.Context) (*session, bool, error) {
	if s := r.pool.take(); s != nil {
		return s, true, nil
	}
	s, err := r.dial(ctx)
	return s, false, err
}

// attempt runs one transaction, closing the connection if ctx ends first.
func (r *Relay) attempt(ctx context.Context, s *session, env Envelope, body content) (Result, stage, error) {
	stop := context.AfterFunc(ctx, func() { s.conn.Close() })
	res, st, err := r.transact(s, env, body)
	if !stop() {
		s.broken = true
	}
	if err == nil {
		return res, st, nil
	}
	e := classify(ctx, err, st)
	if e.Kind == KindNetwork || e.Code == 421 {
		s.broken = true
	}
	r.log.Debug("relay transaction failed", "session", s.id, "stage", st.String(), "err", e)
	return res, st, e
}

// Close refuses new Sends, QUITs the idle sessions, and waits for the Sends
// in progress (bounded by their contexts), whose sessions are QUIT as they
// finish.
func (r *Relay) Close() error {
	for _, s := range r.pool.shut() {
		s.close()
	}
	for range cap(r.pool.slots) {
		r.pool.slots <- struct{}{}
	}
	for range cap(r.pool.slots) {
		<-r.pool.slots
	}
	return nil
}

// checkEnvelope refuses what no relay could accept, before it costs a slot.
func checkEnvelope(env Envelope) error {
	if len(env.To) == 0 {
		return &Error{Kind: KindPermanent, Message: "no recipients"}
	}
	for _, a := range append([]string{env.From}, env.To...) {
		if strings.ContainsAny(a, "\r\n<>") {
			return &Error{Kind: KindPermanent, Message: fmt.Sprintf("invalid address %q", a)}
		}
	}
	for _, a := range env.To {
		if a == "" {
			return &Error{Kind: KindPermanent, Message: "empty recipient address"}
		}
	}
	return nil
}
