package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"caucusgate/internal/typo"
	"caucusgate/queue"
)

// newQueueCommand is `caucusgate queue`: it lists the delivery queue, or
// retries or cancels one delivery. It opens the store beside a running
// daemon (never claiming it), as a second process on the same SQLite file
// or PostgreSQL database.
func newQueueCommand(o cliIO) *spec {
	c := &queueCommand{cliIO: o}
	return &spec{
		name:    "queue",
		summary: "the delivery queue: list, retry or cancel deliveries",
		example: "caucusgate queue list -config /etc/caucusgate/caucusgate.yaml -state failed",
		flags:   c.store.bind,
		verbs: []verb{
			{name: "list", summary: "deliveries, newest first", flags: c.listFlags, run: c.list},
			{name: "retry", args: "ID", summary: "make a failed or pending delivery due now", run: c.retry},
			{name: "cancel", args: "ID", summary: "cancel a pending delivery", run: c.cancel},
		},
	}
}

type queueCommand struct {
	cliIO
	store  storeFlags
	states string
	limit  int
}

// storeFlags are the flags of a command working on the store beside the
// daemon: -config FILE and -json.
type storeFlags struct {
	config string
	json   bool
	loc    *time.Location // display_timezone, set by open
}

func (f *storeFlags) bind(fs *flag.FlagSet) {
	configFlag(fs, &f.config)
	fs.BoolVar(&f.json, "json", false, "lists: one JSON object per line")
}

// open loads the config and opens the store (never claiming it: a daemon
// may be running). The caller closes the store.
func (f *storeFlags) open(ctx context.Context, stderr io.Writer) (*config, *queue.Store, error) {
	cfg, err := loadConfig(f.config, stderr)
	if err != nil {
		return nil, nil, err
	}
	store, err := openStoreCLI(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	f.loc = cfg.location()
	return cfg, store, nil
}

func openStoreCLI(ctx context.Context, cfg *config) (*queue.Store, error) {
	store, err := cfg.openStore(ctx, queue.Options{})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return store, nil
}

func (c *queueCommand) listFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.states, "state", "", "only these `STATES`, comma-separated: "+strings.Join(deliveryStateNames(), ", "))
	fs.IntVar(&c.limit, "limit", 100, "at most this many deliveries, newest first")
}

func (c *queueCommand) list(ctx context.Context, args []string) error {
	if err := noArgs("queue list", args); err != nil {
		return err
	}
	states, err := parseDeliveryStates(c.states)
	if err != nil {
		return err
	}
	_, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	list, err := store.ListDeliveries(ctx, queue.DeliveryFilter{States: states, Limit: c.limit})
	if err != nil {
		return err
	}
	if c.store.json {
		for _, d := range list {
			d.MessageID = angleID(strings.Trim(d.MessageID, "<>"))
			if err := writeJSONLine(c.stdout, d); err != nil {
				return err
			}
		}
		return nil
	}
	return c.table(list)
}

var deliveryStates = []queue.DeliveryState{queue.StatePending, queue.StateSent, queue.StateFailed, queue.StateCancelled}

func deliveryStateNames() []string {
	names := make([]string, len(deliveryStates))
	for i, s := range deliveryStates {
		names[i] = string(s)
	}
	return names
}

// parseDeliveryStates reads -state: an unknown state is a usage error
// naming the valid ones, not an empty list.
func parseDeliveryStates(arg string) ([]queue.DeliveryState, error) {
	var out []queue.DeliveryState
	for _, s := range strings.FieldsFunc(arg, func(r rune) bool { return r == ',' || r == ' ' }) {
		s = strings.ToLower(s)
		if !slices.Contains(deliveryStateNames(), s) {
			hint := ""
			if near, ok := typo.Closest(s, deliveryStateNames()); ok {
				hint = fmt.Sprintf(" (did you mean %s?)", near)
			}
			return nil, usagef("queue list: unknown state %q%s: want %s", s, hint, strings.Join(deliveryStateNames(), ", "))
		}
		out = append(out, queue.DeliveryState(s))
	}
	return out, nil
}

func (c *queueCommand) table(list []queue.DeliveryInfo) error {
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATE\tATTEMPTS\tCAUCUS\tTO\tNEXT ATTEMPT\tLAST ERROR\tSUBJECT")
	for _, d := range list {
		fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.State, d.Attempts, orDash(d.Caucus),
			strings.Join(d.Recipients, ","), when(d.NextAttempt, c.store.loc), orDash(clip(d.LastError, 50)), clip(d.Subject, 40))
	}
	return w.Flush()
}

// when writes a time in loc (display_timezone, the host's zone by
// default), always labelled with the zone.
func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

func (c *queueCommand) retry(ctx context.Context, args []string) error {
	return c.act(ctx, "retry", args)
}

func (c *queueCommand) cancel(ctx context.Context, args []string) error {
	return c.act(ctx, "cancel", args)
}

func (c *queueCommand) act(ctx context.Context, verb string, args []string) error {
	if len(args) != 1 {
		return usagef("queue %s: want one delivery ID", verb)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return usagef("queue %s: %q is not a delivery ID", verb, args[0])
	}
	_, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	if verb == "retry" {
		err = store.RetryDelivery(ctx, id)
	} else {
		err = store.CancelDelivery(ctx, id)
	}
	switch {
	case errors.Is(err, queue.ErrNotFound):
		return fmt.Errorf("queue %s: no delivery %d", verb, id)
	case errors.Is(err, queue.ErrWrongState):
		return fmt.Errorf("queue %s %d: %w", verb, id, err)
	case err != nil:
		return err
	}
	fmt.Fprintf(c.stdout, "delivery %d: %s\n", id, map[string]string{"retry": "due now", "cancel": "cancelled"}[verb])
	return nil
}
