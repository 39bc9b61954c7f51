package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"caucusgate/queue"
	"caucusgate/rules"
	"caucusgate/rules/schedule"
)

// newScheduleCommand is `caucusgate schedule`: the schedules the rules name
// and those items still wait for, with each one's next run and pending
// items.
func newScheduleCommand(o cliIO) *spec {
	c := &scheduleCommand{cliIO: o}
	return &spec{
		name:    "schedule",
		summary: "each schedule: next run, last run, pending items",
		example: "caucusgate schedule list -config caucusgate.yaml -json",
		flags:   c.store.bind,
		verbs:   []verb{{name: "list", summary: "the schedules, with next and last run and pending items", run: c.list}},
	}
}

type scheduleCommand struct {
	cliIO
	store storeFlags
}

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

func (c *scheduleCommand) list(ctx context.Context, args []string) error {
	if err := noArgs("schedule list", args); err != nil {
		return err
	}
	cfg, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	lines, err := scheduleLines(ctx, cfg.rules, store, time.Now())
	if err != nil {
		return err
	}
	if c.store.json {
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
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%s\n", l.Spec, when(l.NextRun, c.store.loc), when(l.LastRun, c.store.loc), l.Pending, l.Held, orDash(strings.Join(l.Used, ", ")))
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
