package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"caucusgate/queue"
	"caucusgate/rules"
	"caucusgate/rules/schedule"
)

type scheduleCommand struct{ stdout, stderr io.Writer }

// scheduleLine is one schedule as `schedule list` shows it.
type scheduleLine struct {
	ID      string    `json:"id"` // the spec, as the rules write it
	Spec    string    `json:"spec"`
	Used    []string  `json:"used_by,omitempty"` // where the rules name it
	NextRun time.Time `json:"next_run,omitzero"`
	LastRun time.Time `json:"last_run,omitzero"`
	Pending int       `json:"pending"`
	Held    int       `json:"held"`
}

// Run lists the schedules: those the rules name and those items still wait
// for, with each one's next run and pending items.
func (c *scheduleCommand) Run(ctx context.Context, args []string) error {
	sc, err := openStoreCommand(ctx, "schedule", "list", args, c.stderr)
	if err != nil {
		return err
	}
	defer sc.store.Close()
	if sc.verb != "list" {
		return usagef("schedule: unknown subcommand %q: want list", sc.verb)
	}
	fs := newFlagSet("schedule list", c.stderr)
	asJSON := fs.Bool("json", sc.json, "one JSON object per schedule, one per line")
	if err := parseFlags(fs, sc.args); err != nil {
		return err
	}
	lines, err := scheduleLines(ctx, sc.cfg.rules, sc.store, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		for _, l := range lines {
			if err := writeJSONLine(c.stdout, l); err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "SCHEDULE\tNEXT RUN\tLAST RUN\tPENDING\tHELD\tUSED BY")
	for _, l := range lines {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%s\n", l.Spec, when(l.NextRun), when(l.LastRun), l.Pending, l.Held, orDash(strings.Join(l.Used, ", ")))
	}
	return w.Flush()
}

func scheduleLines(ctx context.Context, set *rules.Set, store *queue.Store, now time.Time) ([]scheduleLine, error) {
	infos, err := store.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	byspec := map[string]*scheduleLine{}
	var order []string
	line := func(spec string) *scheduleLine {
		if l, ok := byspec[spec]; ok {
			return l
		}
		l := &scheduleLine{ID: spec, Spec: spec}
		if s, err := schedule.Parse(spec); err == nil {
			l.NextRun = s.Next(now)
		}
		byspec[spec] = l
		order = append(order, spec)
		return l
	}
	for spec, users := range set.Schedules() {
		l := line(spec)
		l.Used = append(l.Used, users...)
	}
	for _, info := range infos {
		l := line(info.Spec)
		l.LastRun, l.Pending, l.Held = info.LastRun, info.Pending, info.Held
	}
	slices.Sort(order)
	out := make([]scheduleLine, 0, len(order))
	for _, spec := range order {
		out = append(out, *byspec[spec])
	}
	return out, nil
}
