package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"caucusgate/gateway"
)

// newTestCommand is `caucusgate test`: what would happen to each message
// file, and why, with no side effects: the rules' trace for a human, or one
// JSON object a line.
func newTestCommand(o cliIO) *spec {
	c := &testCommand{cliIO: o}
	return &spec{
		name:    "test",
		summary: "what the rules would do with each message, and why",
		args:    "MSG.eml...",
		example: "caucusgate test -config caucusgate.yaml -json invitation.eml",
		flags:   c.flags,
		run:     c.run,
	}
}

type testCommand struct {
	cliIO
	config, account string
	json            bool
}

func (c *testCommand) flags(fs *flag.FlagSet) {
	configFlag(fs, &c.config)
	fs.BoolVar(&c.json, "json", false, "print one JSON object per message, one per line")
	fs.StringVar(&c.account, "account", "", "the account the messages arrive at (default: the first)")
}

func (c *testCommand) run(ctx context.Context, files []string) error {
	configPath, asJSON, accountName := &c.config, &c.json, &c.account
	if len(files) == 0 {
		return usagef("test: name one or more message files (MSG.eml)")
	}
	cfg, err := loadConfig(*configPath, c.stderr)
	if err != nil {
		return err
	}
	acct, err := cfg.account(*accountName)
	if err != nil {
		return err
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("test: %w", err)
		}
		e := gateway.Explain(cfg.rules, acct, raw)
		if *asJSON {
			err = writeJSONLine(c.stdout, explanationJSON(file, e))
		} else {
			err = writeExplanation(c.stdout, file, e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// account is the gateway account of that name, or the first.
func (cfg *config) account(name string) (gateway.Account, error) {
	for _, a := range cfg.file.Accounts {
		if name == "" || a.Name == name {
			return gateway.Account{Name: a.Name, Address: strings.ToLower(a.Address)}, nil
		}
	}
	return gateway.Account{}, usagef("no account named %q in %s", name, cfg.path)
}

// decisionLine is the JSON form of CONTRACT.md for `test -json` and
// `replay -json`.
type decisionLine struct {
	File      string   `json:"file,omitempty"`
	UID       uint32   `json:"uid,omitempty"`
	MessageID string   `json:"message_id"`
	From      string   `json:"from"`
	Subject   string   `json:"subject"`
	Decision  string   `json:"decision"`
	Caucuses  []string `json:"caucuses"`
	Rules     []string `json:"rules"`
	Reason    string   `json:"reason"`
	Warnings  []string `json:"warnings,omitempty"`
	Trace     any      `json:"trace,omitempty"`
}

func explanationJSON(file string, e gateway.Explanation) decisionLine {
	return decisionLine{
		File: file, MessageID: angleID(e.MessageID), From: e.From, Subject: e.Subject,
		Decision: e.Decision.Action.String(), Caucuses: nonNil(e.Decision.Caucuses), Rules: nonNil(e.Decision.Rules),
		Reason: e.Decision.Reason, Warnings: e.Warnings, Trace: e.Decision.Trace,
	}
}

// angleID writes a Message-ID as mail does, in angle brackets.
func angleID(id string) string {
	if id == "" {
		return ""
	}
	return "<" + id + ">"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeJSONLine writes v as one line of JSON, with <, > and & as they are:
// Message-IDs are read by people and scripts, not embedded in HTML.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func writeExplanation(w io.Writer, file string, e gateway.Explanation) error {
	d := e.Decision
	fmt.Fprintf(w, "%s\n  message-id: %s\n  from:       %s\n  subject:    %s\n", file, orDash(angleID(e.MessageID)), orDash(e.From), e.Subject)
	fmt.Fprintf(w, "  decision:   %s", d.Action)
	if len(d.Caucuses) > 0 {
		fmt.Fprintf(w, " to %s", strings.Join(d.Caucuses, ", "))
	}
	fmt.Fprintf(w, "\n  reason:     %s\n", d.Reason)
	for _, warning := range e.Warnings {
		fmt.Fprintf(w, "  warning:    %s\n", warning)
	}
	for _, n := range d.Notices {
		fmt.Fprintf(w, "  notice to %s: %s\n", n.To, n.Subject)
	}
	if trace := d.Trace.String(); trace != "" {
		fmt.Fprintf(w, "  trace:\n%s", indent(trace, "    "))
	}
	_, err := fmt.Fprintln(w)
	return err
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}
