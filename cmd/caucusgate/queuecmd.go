package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"caucusgate/queue"
)

type queueCommand struct{ stdout, stderr io.Writer }

// Run lists the delivery queue, or retries or cancels one delivery. It opens
// the store beside a running daemon (never claiming it), as a second
// process on the same SQLite file or PostgreSQL database.
func (c *queueCommand) Run(ctx context.Context, args []string) error {
	sc, err := openStoreCommand(ctx, "queue", "list, retry ID or cancel ID", args, c.stderr)
	if err != nil {
		return err
	}
	defer sc.store.Close()
	switch sc.verb {
	case "list":
		return c.list(ctx, sc.store, sc.args, sc.json)
	case "retry", "cancel":
		return c.act(ctx, sc.store, sc.verb, sc.args)
	}
	return usagef("queue: unknown subcommand %q: want list, retry ID or cancel ID", sc.verb)
}

// storeCommand is a command working on the store beside the daemon:
// `caucusgate NAME -config FILE [-json] VERB ARGS...`.
type storeCommand struct {
	cfg   *config
	store *queue.Store
	verb  string
	args  []string
	json  bool
}

// openStoreCommand parses such a command line, loads the config and opens
// the store (never claiming it: a daemon may be running).
func openStoreCommand(ctx context.Context, name, verbs string, args []string, stderr io.Writer) (*storeCommand, error) {
	fs := newFlagSet(name, stderr)
	configPath := fs.String("config", "caucusgate.yaml", "the config file")
	asJSON := fs.Bool("json", false, "list: one JSON object per line")
	if err := parseFlagsAndArgs(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() == 0 {
		return nil, usagef("%s: want %s", name, verbs)
	}
	cfg, err := loadConfig(*configPath, stderr)
	if err != nil {
		return nil, err
	}
	store, err := openStoreCLI(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &storeCommand{cfg: cfg, store: store, verb: fs.Arg(0), args: fs.Args()[1:], json: *asJSON}, nil
}

func openStoreCLI(ctx context.Context, cfg *config) (*queue.Store, error) {
	store, err := queue.Open(ctx, queue.Options{DSN: cfg.storeDSN()})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return store, nil
}

func (c *queueCommand) list(ctx context.Context, store *queue.Store, args []string, asJSON bool) error {
	fs := newFlagSet("queue list", c.stderr)
	fs.BoolVar(&asJSON, "json", asJSON, "one JSON object per delivery, one per line")
	states := fs.String("state", "", "only these states, comma-separated: pending, sent, failed, cancelled")
	limit := fs.Int("limit", 100, "at most this many deliveries, newest first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	filter := queue.DeliveryFilter{Limit: *limit}
	for _, s := range strings.FieldsFunc(*states, func(r rune) bool { return r == ',' || r == ' ' }) {
		filter.States = append(filter.States, queue.DeliveryState(s))
	}
	list, err := store.ListDeliveries(ctx, filter)
	if err != nil {
		return err
	}
	if asJSON {
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

func (c *queueCommand) table(list []queue.DeliveryInfo) error {
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATE\tATTEMPTS\tCAUCUS\tTO\tNEXT ATTEMPT\tLAST ERROR\tSUBJECT")
	for _, d := range list {
		fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.State, d.Attempts, orDash(d.Caucus),
			strings.Join(d.Recipients, ","), when(d.NextAttempt), orDash(clip(d.LastError, 50)), clip(d.Subject, 40))
	}
	return w.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func (c *queueCommand) act(ctx context.Context, store *queue.Store, verb string, args []string) error {
	if len(args) != 1 {
		return usagef("queue %s: want one delivery ID", verb)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return usagef("queue %s: %q is not a delivery ID", verb, args[0])
	}
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
