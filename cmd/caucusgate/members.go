package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"caucusgate/queue"
	"caucusgate/rules"
)

// newMembersCommand is `caucusgate members`: each roster address's bounce
// state (Mailman 3's semantics), and re-enabling an address its bounces
// disabled. The rules file says who is a member; the store holds only
// each address's state.
func newMembersCommand(o cliIO) *spec {
	c := &membersCommand{cliIO: o}
	return &spec{
		name:    "members",
		summary: "roster addresses: bounce state and score; re-enable one",
		example: "caucusgate members list -config caucusgate.yaml\ncaucusgate members enable ana@example.net -config caucusgate.yaml",
		flags:   c.store.bind,
		verbs: []verb{
			{name: "list", summary: "every roster address: state, score, last bounce, caucuses", run: c.list},
			{name: "enable", args: "ADDRESS", summary: "re-enable an address disabled by its bounces", run: c.enable},
		},
	}
}

type membersCommand struct {
	cliIO
	store storeFlags
}

// memberRow is one address as `members list` shows it.
type memberRow struct {
	Address    string    `json:"address"`
	State      string    `json:"state"` // enabled or disabled
	Score      float64   `json:"score"`
	LastBounce time.Time `json:"last_bounce,omitzero"`
	Caucuses   []string  `json:"caucuses"` // empty: no longer in any roster
}

func (c *membersCommand) list(ctx context.Context, args []string) error {
	if err := noArgs("members list", args); err != nil {
		return err
	}
	cfg, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	states, err := store.MemberStates(ctx)
	if err != nil {
		return err
	}
	rows := memberRows(cfg.rules, states)
	if c.store.json {
		for _, r := range rows {
			if err := writeJSONLine(c.stdout, r); err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "ADDRESS\tSTATE\tSCORE\tLAST BOUNCE\tCAUCUSES")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%.1f\t%s\t%s\n", r.Address, r.State, r.Score, when(r.LastBounce, c.store.loc), orDash(strings.Join(r.Caucuses, ", ")))
	}
	return w.Flush()
}

// memberRows joins the rosters of the rules with the store's states:
// every roster address, and the addresses with a state that left every
// roster.
func memberRows(set *rules.Set, states []queue.MemberState) []memberRow {
	byAddr := map[string]*memberRow{}
	row := func(addr string) *memberRow {
		addr = strings.ToLower(addr)
		if byAddr[addr] == nil {
			byAddr[addr] = &memberRow{Address: addr, State: "enabled", Caucuses: []string{}}
		}
		return byAddr[addr]
	}
	if set != nil {
		for _, cc := range set.Caucuses() {
			for _, m := range cc.Members {
				r := row(m)
				r.Caucuses = append(r.Caucuses, cc.ID)
			}
		}
	}
	for _, st := range states {
		r := row(st.Address)
		r.Score, r.LastBounce = st.Score, st.LastBounce
		if st.Disabled {
			r.State = "disabled"
		}
	}
	out := make([]memberRow, 0, len(byAddr))
	for _, r := range byAddr {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b memberRow) int { return strings.Compare(a.Address, b.Address) })
	return out
}

func (c *membersCommand) enable(ctx context.Context, args []string) error {
	if len(args) != 1 || !strings.Contains(args[0], "@") {
		return usagef("members enable: want one ADDRESS")
	}
	_, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	err = store.EnableMember(ctx, args[0], "admin (command line)")
	if errors.Is(err, queue.ErrNotFound) {
		fmt.Fprintf(c.stdout, "%s has no bounce recorded: it is enabled\n", strings.ToLower(args[0]))
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s enabled: it gets copies again, its bounce score cleared\n", strings.ToLower(args[0]))
	return nil
}
