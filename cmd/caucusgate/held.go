package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"caucusgate/gateway"
	"caucusgate/queue"
)

// newHeldCommand is `caucusgate held`: the messages held for moderation
// and the caucus replies held for review. An approved message goes on
// through the rules after the one that held it and is forwarded where they
// send it, once (the running daemon delivers).
func newHeldCommand(o cliIO) *spec {
	c := &heldCommand{cliIO: o}
	by := func(fs *flag.FlagSet) {
		fs.StringVar(&c.by, "by", "admin (command line)", "who decides, as the other moderators will read it")
	}
	return &spec{
		name:    "held",
		summary: "messages held for moderation, replies held for review",
		example: "caucusgate held list -config caucusgate.yaml\ncaucusgate held reject 12 -reason \"not for the caucuses\" -config caucusgate.yaml",
		flags:   c.store.bind,
		verbs: []verb{
			{name: "list", summary: "messages waiting for a decision", flags: c.listFlags, run: c.list},
			{name: "approve", args: "ID", summary: "forward a held message where the rules send it", flags: by, run: c.approve},
			{name: "reject", args: "ID", summary: "drop a held message", flags: func(fs *flag.FlagSet) {
				by(fs)
				fs.StringVar(&c.reason, "reason", "", "the reason, told to the other moderators")
			}, run: c.reject},
			{name: "replies", summary: "caucus replies held for review (replies.review)", run: c.replies},
			{name: "release", args: "ID", summary: "release a held reply to its schedule's next slot", run: c.release},
			{name: "drop", args: "ID", summary: "drop a held reply", run: c.drop},
		},
	}
}

type heldCommand struct {
	cliIO
	store  storeFlags
	all    bool
	by     string
	reason string
}

func (c *heldCommand) listFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.all, "all", false, "also list messages already decided or expired")
}

func (c *heldCommand) list(ctx context.Context, args []string) error {
	if err := noArgs("held list", args); err != nil {
		return err
	}
	_, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	filter := queue.HeldFilter{States: []queue.HeldState{queue.HeldWaiting}, Limit: 1000}
	if c.all {
		filter.States = nil
	}
	list, err := store.ListHeld(ctx, filter)
	if err != nil {
		return err
	}
	if c.store.json {
		for _, h := range list {
			h.MessageID = angleID(strings.Trim(h.MessageID, "<>"))
			if err := writeJSONLine(c.stdout, h); err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATE\tHELD AT\tEXPIRES\tFROM\tSUBJECT\tRULE\tREASON")
	for _, h := range list {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.State, when(h.HeldAt, c.store.loc), when(h.ExpiresAt, c.store.loc),
			h.From, clip(h.Subject, 40), orDash(h.Rule), clip(h.Reason, 50))
	}
	return w.Flush()
}

func (c *heldCommand) approve(ctx context.Context, args []string) error {
	id, err := heldID("approve", args)
	if err != nil {
		return err
	}
	m, closeStore, err := c.moderation(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	out, err := m.Approve(ctx, id, c.by)
	if err != nil {
		return heldError("approve", id, err)
	}
	fmt.Fprintf(c.stdout, "held message %d approved: %d deliveries queued\n", id, len(out.DeliveryIDs))
	return nil
}

// moderation opens the store and the moderation over it.
func (c *heldCommand) moderation(ctx context.Context) (*gateway.Moderation, func() error, error) {
	cfg, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return nil, nil, err
	}
	return gateway.NewModeration(store, gateway.NewRulesHolder(cfg.rules), cfg.accountList(), nil), store.Close, nil
}

func (c *heldCommand) reject(ctx context.Context, args []string) error {
	const verb = "reject"
	id, err := heldID(verb, args)
	if err != nil {
		return err
	}
	m, closeStore, err := c.moderation(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := m.Reject(ctx, id, c.by, c.reason); err != nil {
		return heldError(verb, id, err)
	}
	fmt.Fprintf(c.stdout, "held message %d rejected\n", id)
	return nil
}

// heldID reads the one ID a verb takes.
func heldID(verb string, args []string) (int64, error) {
	if len(args) != 1 {
		return 0, usagef("held %s: want one held message ID", verb)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return 0, usagef("held %s: %q is not a held message ID", verb, args[0])
	}
	return id, nil
}

func heldError(verb string, id int64, err error) error {
	noun := "message"
	if verb == "release" || verb == "drop" {
		noun = "reply"
	}
	switch {
	case errors.Is(err, queue.ErrNotFound):
		return fmt.Errorf("held %s: no held %s %d", verb, noun, id)
	case errors.Is(err, queue.ErrWrongState):
		return fmt.Errorf("held %s %d: it was already decided or expired", verb, id)
	}
	return fmt.Errorf("held %s %d: %w", verb, id, err)
}

// accountList is the accounts' names and addresses, all that acting on
// stored messages needs (no secrets: the command runs without them).
func (cfg *config) accountList() []gateway.Account {
	var out []gateway.Account
	for _, a := range cfg.file.Accounts {
		out = append(out, gateway.Account{Name: a.Name, Address: strings.ToLower(a.Address)})
	}
	return out
}

// replies lists the caucus replies held for review (replies.review: true,
// or held by the circuit breaker).
func (c *heldCommand) replies(ctx context.Context, args []string) error {
	if err := noArgs("held replies", args); err != nil {
		return err
	}
	_, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	items, err := store.ListPending(ctx, queue.PendingFilter{States: []queue.PendingState{queue.PendingHeld}, Limit: 1000})
	if err != nil {
		return err
	}
	if c.store.json {
		for _, it := range items {
			if err := writeJSONLine(c.stdout, it); err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tCAUCUS\tTO\tSCHEDULE\tRECEIVED")
	for _, it := range items {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", it.ID, it.Caucus, it.Destination, it.Schedule, when(it.CreatedAt, c.store.loc))
	}
	return w.Flush()
}

// reviewReply releases a held reply to its schedule's next slot, or drops it.
func (c *heldCommand) release(ctx context.Context, args []string) error {
	return c.reviewReply(ctx, "release", args)
}

func (c *heldCommand) drop(ctx context.Context, args []string) error {
	return c.reviewReply(ctx, "drop", args)
}

func (c *heldCommand) reviewReply(ctx context.Context, verb string, args []string) error {
	id, err := heldID(verb, args)
	if err != nil {
		return err
	}
	m, closeStore, err := c.moderation(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	if verb == "drop" {
		err = m.DropReply(ctx, id, "admin (command line)")
	} else {
		err = m.ReleaseReply(ctx, id, "admin (command line)")
	}
	if err != nil {
		return heldError(verb, id, err)
	}
	fmt.Fprintf(c.stdout, "held reply %d: %s\n", id, map[string]string{"release": "released to its schedule", "drop": "dropped"}[verb])
	return nil
}
