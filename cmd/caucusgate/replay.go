package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"caucusgate/gateway"
	"caucusgate/gateway/imapwatch"
	"caucusgate/rules"
)

// newReplayCommand is `caucusgate replay`: the rules over mail already in
// a mailbox, read-only.
func newReplayCommand(o cliIO) *spec {
	c := &replayCommand{cliIO: o}
	return &spec{
		name:    "replay",
		summary: "the rules over mail already in a mailbox, read-only",
		example: "caucusgate replay -config caucusgate.yaml -account bureau -since 168h -rules rules.new.yaml",
		flags:   c.flags,
		run:     c.run,
	}
}

type replayCommand struct {
	cliIO
	config, account, mailbox, rules string
	since                           time.Duration
	json                            bool
}

func (c *replayCommand) flags(fs *flag.FlagSet) {
	configFlag(fs, &c.config)
	fs.StringVar(&c.account, "account", "", "the account to read (required)")
	fs.StringVar(&c.mailbox, "mailbox", "INBOX", "the mailbox to read")
	fs.DurationVar(&c.since, "since", 720*time.Hour, "read mail received within this duration; 0 reads all")
	fs.BoolVar(&c.json, "json", false, "print one JSON object per message, one per line")
	fs.StringVar(&c.rules, "rules", "", "a proposed rules `FILE`: list the messages whose decision it changes")
}

// replayResult is one message's decision, and with -rules its decision
// under the new file.
type replayResult struct {
	UID      uint32
	Current  gateway.Explanation
	Proposed *gateway.Explanation
}

// Run runs the rules over mail already in a mailbox, read-only (EXAMINE and
// BODY.PEEK: nothing is flagged, moved or forwarded). With -rules NEW.yaml
// it lists the messages whose decision the new file would change: the diff
// an admin reads before deploying.
func (c *replayCommand) run(ctx context.Context, args []string) error {
	if err := noArgs("replay", args); err != nil {
		return err
	}
	configPath, accountName, mailbox, since, asJSON, newRules := &c.config, &c.account, &c.mailbox, &c.since, &c.json, &c.rules
	if *accountName == "" {
		return usagef("replay: -account NAME is required")
	}
	cfg, err := loadConfig(*configPath, c.stderr)
	if err != nil {
		return err
	}
	proposed, err := loadProposed(*newRules, c.stderr)
	if err != nil {
		return err
	}
	watch, acct, err := c.reader(cfg, *accountName, *mailbox)
	if err != nil {
		return err
	}
	results, err := c.scan(ctx, watch, cfg.rules, proposed, acct, *since)
	if err != nil {
		return err
	}
	return c.print(results, proposed != nil, *asJSON)
}

func loadProposed(path string, diagOut io.Writer) (*rules.Set, error) {
	if path == "" {
		return nil, nil
	}
	set, diags, err := loadRules(path)
	if len(diags) > 0 {
		src, _ := os.ReadFile(path)
		_ = diags.Sorted().Render(diagOut, src)
	}
	if err != nil || diags.HasErrors() {
		return nil, usagef("%s: the proposed rules do not load", path)
	}
	return set, nil
}

// reader is the IMAP configuration of one account's mailbox.
func (c *replayCommand) reader(cfg *config, name, mailbox string) (imapwatch.Config, gateway.Account, error) {
	for _, a := range cfg.file.Accounts {
		if a.Name != name {
			continue
		}
		acct, err := accountConfigFor(cfg, a)
		if err != nil {
			return imapwatch.Config{}, gateway.Account{}, err
		}
		w := acct.Watch
		w.Account, w.Mailbox = acct.Name, mailbox
		return w, acct, nil
	}
	return imapwatch.Config{}, gateway.Account{}, usagef("no account named %q in %s", name, cfg.path)
}

func (c *replayCommand) scan(ctx context.Context, watch imapwatch.Config, current, proposed *rules.Set, acct gateway.Account, since time.Duration) ([]replayResult, error) {
	var from time.Time
	if since > 0 {
		from = time.Now().Add(-since)
	}
	var results []replayResult
	progress := newProgress(c.stderr, "replay")
	err := imapwatch.Scan(ctx, watch, from, func(m imapwatch.Message) error {
		r := replayResult{UID: m.UID, Current: gateway.Explain(current, acct, m.Raw)}
		if proposed != nil {
			p := gateway.Explain(proposed, acct, m.Raw)
			r.Proposed = &p
		}
		results = append(results, r)
		return nil
	}, progress.update)
	progress.done()
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return results, nil
}

func (c *replayCommand) print(results []replayResult, diff, asJSON bool) error {
	if diff {
		results = slices.DeleteFunc(results, func(r replayResult) bool { return !changed(r) })
	}
	if asJSON {
		for _, r := range results {
			if err := writeJSONLine(c.stdout, replayJSON(r)); err != nil {
				return err
			}
		}
		return nil
	}
	c.printTable(results, diff)
	c.printSummary(results, diff)
	return nil
}

func changed(r replayResult) bool {
	a, b := r.Current.Decision, r.Proposed.Decision
	return a.Action != b.Action || !slices.Equal(a.Caucuses, b.Caucuses)
}

// replayLine is replay's JSON: CONTRACT.md's fields, and with -rules the
// proposed decision beside the current one.
type replayLine struct {
	decisionLine
	NewDecision *decisionLine `json:"new,omitempty"`
}

func replayJSON(r replayResult) replayLine {
	line := replayLine{decisionLine: explanationJSON("", r.Current)}
	line.UID = r.UID
	line.Trace = nil
	if r.Proposed != nil {
		p := explanationJSON("", *r.Proposed)
		p.UID, p.Trace = r.UID, nil
		line.NewDecision = &p
	}
	return line
}

func (c *replayCommand) printTable(results []replayResult, diff bool) {
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	if diff {
		fmt.Fprintln(w, "UID\tFROM\tSUBJECT\tNOW\tWITH NEW RULES")
	} else {
		fmt.Fprintln(w, "UID\tFROM\tSUBJECT\tDECISION\tCAUCUSES\tWHY")
	}
	for _, r := range results {
		e := r.Current
		if diff {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", r.UID, e.From, clip(e.Subject, 40), brief(e.Decision), brief(r.Proposed.Decision))
			continue
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", r.UID, e.From, clip(e.Subject, 40), e.Decision.Action,
			orDash(strings.Join(e.Decision.Caucuses, ", ")), clip(e.Decision.Reason, 60))
	}
	w.Flush()
}

func brief(d rules.Decision) string {
	if len(d.Caucuses) == 0 {
		return d.Action.String()
	}
	return d.Action.String() + " " + strings.Join(d.Caucuses, ",")
}

// printSummary counts decisions and caucuses, the numbers an admin checks first.
func (c *replayCommand) printSummary(results []replayResult, diff bool) {
	if diff {
		fmt.Fprintf(c.stdout, "\n%d messages would be decided differently.\n", len(results))
		return
	}
	byDecision, byCaucus := map[string]int{}, map[string]int{}
	for _, r := range results {
		byDecision[r.Current.Decision.Action.String()]++
		for _, id := range r.Current.Decision.Caucuses {
			byCaucus[id]++
		}
	}
	fmt.Fprintf(c.stdout, "\n%d messages.\n", len(results))
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "DECISION\tMESSAGES")
	for _, k := range sortedKeys(byDecision) {
		fmt.Fprintf(w, "%s\t%d\n", k, byDecision[k])
	}
	fmt.Fprintln(w, "\nCAUCUS\tMESSAGES")
	for _, k := range sortedKeys(byCaucus) {
		fmt.Fprintf(w, "%s\t%d\n", k, byCaucus[k])
	}
	w.Flush()
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
