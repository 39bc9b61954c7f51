package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"caucusgate/gateway"
	"caucusgate/queue"
)

type heldCommand struct{ stdout, stderr io.Writer }

// Run lists the messages held for moderation, or approves or rejects one.
// An approved message goes on through the rules after the one that held it
// and is forwarded where they send it, once (the running daemon delivers).
func (c *heldCommand) Run(ctx context.Context, args []string) error {
	sc, err := openStoreCommand(ctx, "held", "list, approve ID or reject ID [-reason TEXT]", args, c.stderr)
	if err != nil {
		return err
	}
	defer sc.store.Close()
	switch sc.verb {
	case "list":
		return c.list(ctx, sc.store, sc.args, sc.json)
	case "approve", "reject":
		return c.decide(ctx, sc.cfg, sc.store, sc.verb, sc.args)
	case "replies":
		return c.replies(ctx, sc.store, sc.args, sc.json)
	case "release", "drop":
		return c.reviewReply(ctx, sc.cfg, sc.store, sc.verb, sc.args)
	}
	return usagef("held: unknown subcommand %q: want list, approve ID, reject ID, replies, release ID or drop ID", sc.verb)
}

func (c *heldCommand) list(ctx context.Context, store *queue.Store, args []string, asJSON bool) error {
	fs := newFlagSet("held list", c.stderr)
	fs.BoolVar(&asJSON, "json", asJSON, "one JSON object per held message, one per line")
	all := fs.Bool("all", false, "also list messages already decided or expired")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	filter := queue.HeldFilter{States: []queue.HeldState{queue.HeldWaiting}, Limit: 1000}
	if *all {
		filter.States = nil
	}
	list, err := store.ListHeld(ctx, filter)
	if err != nil {
		return err
	}
	if asJSON {
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
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.State, when(h.HeldAt), when(h.ExpiresAt),
			h.From, clip(h.Subject, 40), orDash(h.Rule), clip(h.Reason, 50))
	}
	return w.Flush()
}

func (c *heldCommand) decide(ctx context.Context, cfg *config, store *queue.Store, verb string, args []string) error {
	id, rest, err := heldID(verb, args)
	if err != nil {
		return err
	}
	fs := newFlagSet("held "+verb, c.stderr)
	reason := fs.String("reason", "", "reject: the reason, told to the other moderators")
	by := fs.String("by", "admin (command line)", "who decides, as the other moderators will read it")
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	m := gateway.NewModeration(store, gateway.NewRulesHolder(cfg.rules), cfg.accountList(), nil)
	if verb == "approve" {
		out, err := m.Approve(ctx, id, *by)
		if err != nil {
			return heldError(verb, id, err)
		}
		fmt.Fprintf(c.stdout, "held message %d approved: %d deliveries queued\n", id, len(out.DeliveryIDs))
		return nil
	}
	if err := m.Reject(ctx, id, *by, *reason); err != nil {
		return heldError(verb, id, err)
	}
	fmt.Fprintf(c.stdout, "held message %d rejected\n", id)
	return nil
}

// heldID reads the ID after approve or reject; flags may follow it.
func heldID(verb string, args []string) (int64, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return 0, nil, usagef("held %s: want a held message ID", verb)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return 0, nil, usagef("held %s: %q is not a held message ID", verb, args[0])
	}
	return id, args[1:], nil
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
func (c *heldCommand) replies(ctx context.Context, store *queue.Store, args []string, asJSON bool) error {
	fs := newFlagSet("held replies", c.stderr)
	fs.BoolVar(&asJSON, "json", asJSON, "one JSON object per held reply, one per line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	items, err := store.ListPending(ctx, queue.PendingFilter{States: []queue.PendingState{queue.PendingHeld}, Limit: 1000})
	if err != nil {
		return err
	}
	if asJSON {
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
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", it.ID, it.Caucus, it.Destination, it.Schedule, when(it.CreatedAt))
	}
	return w.Flush()
}

// reviewReply releases a held reply to its schedule's next slot, or drops it.
func (c *heldCommand) reviewReply(ctx context.Context, cfg *config, store *queue.Store, verb string, args []string) error {
	id, rest, err := heldID(verb, args)
	if err != nil {
		return err
	}
	if err := parseFlags(newFlagSet("held "+verb, c.stderr), rest); err != nil {
		return err
	}
	m := gateway.NewModeration(store, gateway.NewRulesHolder(cfg.rules), cfg.accountList(), nil)
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
