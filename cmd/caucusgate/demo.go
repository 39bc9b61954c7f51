package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/textproto"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"caucusgate/gateway"
	"caucusgate/gateway/imapwatch"
	"caucusgate/gateway/mailsim"
	"caucusgate/gateway/smtprelay"
	"caucusgate/queue"
	"caucusgate/rules"
)

//go:embed demodata
var demoData embed.FS

const demoBureau = "bureau@example.org"

type demoCommand struct{ stdout, stderr io.Writer }

// Run shows the whole pipeline on a fresh machine: in-process IMAP and SMTP
// servers, sample caucuses and rules, a bureau inbox of realistic
// invitations, and the same gateway code as `run`.
func (c *demoCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("demo", c.stderr)
	verbose := fs.Bool("v", false, "print the gateway's log")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(c.stderr, nil))
	}
	set, err := demoRules()
	if err != nil {
		return err
	}
	world, err := mailsim.Start(mailsim.Options{Users: demoUsers(set)})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer world.Close()
	if err := demoSeed(world); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "caucusgate-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	store, err := queue.Open(ctx, queue.Options{DSN: filepath.Join(dir, "caucusgate.db"), Logger: log})
	if err != nil {
		return fmt.Errorf("demo: open store: %w", err)
	}
	defer store.Close()
	var decided demoLog
	g, err := gateway.New(demoConfig(world, store, set, log, decided.add))
	if err != nil {
		return err
	}
	c.intro(world)
	summary, err := g.RunOnce(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	c.report(decided.sorted(), world.Received(), summary)
	return nil
}

func demoRules() (*rules.Set, error) {
	src, err := demoData.ReadFile("demodata/rules.yaml")
	if err != nil {
		return nil, err
	}
	set, diags := rules.Parse("demodata/rules.yaml", src)
	if diags.HasErrors() {
		return nil, fmt.Errorf("demo rules: %v", diags)
	}
	return set, nil
}

// demoUsers are the mailboxes of the simulated world: the bureau's and each
// caucus list's, so that forwarded copies can be looked at.
func demoUsers(set *rules.Set) []string {
	users := []string{demoBureau}
	for _, c := range set.Caucuses() {
		if c.Address != "" {
			users = append(users, c.Address)
		}
		users = append(users, c.Members...)
	}
	return users
}

func demoSeed(world *mailsim.World) error {
	files, err := fs.Glob(demoData, "demodata/inbox/*.eml")
	if err != nil {
		return err
	}
	for _, f := range files {
		raw, err := demoData.ReadFile(f)
		if err != nil {
			return err
		}
		if err := world.Append(demoBureau, "INBOX", crlf(raw)); err != nil {
			return fmt.Errorf("demo: seed %s: %w", path.Base(f), err)
		}
	}
	return nil
}

func crlf(b []byte) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n", "\r\n"))
}

func demoConfig(world *mailsim.World, store *queue.Store, set *rules.Set, log *slog.Logger, onDecision func(gateway.Decided)) gateway.Config {
	return gateway.Config{
		Store: store,
		Rules: gateway.NewRulesHolder(set),
		Accounts: []gateway.Account{{
			Name: "bureau", Address: demoBureau, Mailboxes: []string{"INBOX"},
			Watch: imapwatch.Config{
				URL:      &url.URL{Scheme: "imap", Host: world.IMAPAddr},
				Username: demoBureau, Password: mailsim.Password,
				Start: imapwatch.Start{Mode: imapwatch.StartAll}, IDLE: true,
			},
		}},
		Relay:      smtprelay.Config{URL: &url.URL{Scheme: "smtp", Host: world.SMTPAddr}, Hostname: "gateway.example.org"},
		Logger:     log,
		OnDecision: onDecision,
	}
}

// demoLog collects decisions as the gateway reports them.
type demoLog struct {
	mu   sync.Mutex
	list []gateway.Decided
}

func (l *demoLog) add(d gateway.Decided) {
	l.mu.Lock()
	l.list = append(l.list, d)
	l.mu.Unlock()
}

func (l *demoLog) sorted() []gateway.Decided {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]gateway.Decided(nil), l.list...)
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}

func (c *demoCommand) intro(world *mailsim.World) {
	fmt.Fprintf(c.stdout, "caucusgate demo: in-process IMAP on %s and SMTP on %s, store in SQLite.\n", world.IMAPAddr, world.SMTPAddr)
	fmt.Fprintf(c.stdout, "The bureau's inbox holds sample invitations; the gateway takes them once (run -once).\n\n")
}

func (c *demoCommand) report(decided []gateway.Decided, received []mailsim.Received, s gateway.Summary) {
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "UID\tFROM\tSUBJECT\tDECISION\tCAUCUSES\tWHY")
	for _, d := range decided {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", d.UID, d.From, clip(d.Subject, 44),
			d.Decision.Action, orDash(strings.Join(d.Decision.Caucuses, ", ")), clip(d.Decision.Reason, 70))
	}
	w.Flush()
	fmt.Fprintf(c.stdout, "\nDelivered over SMTP (%d copies):\n", len(received))
	w = tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "TO\tFROM (rewritten)\tLIST-ID\tMESSAGE-ID")
	for _, r := range received {
		h := headerOf(r.Data)
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", strings.Join(r.To, ", "), clip(h["From"], 50), h["List-Id"], h["Message-Id"])
	}
	w.Flush()
	fmt.Fprintf(c.stdout, "\n%d delivered, %d deferred, %d failed.\n", s.Delivered, s.Deferred, s.Failed)
}

// headerOf reads the first value of each field of a composed copy, for
// display only.
func headerOf(data []byte) map[string]string {
	h := map[string]string{}
	head, _, _ := strings.Cut(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n")
	head = strings.ReplaceAll(head, "\n ", " ")
	for _, line := range strings.Split(head, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if key := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)); ok && h[key] == "" {
			h[key] = strings.TrimSpace(v)
		}
	}
	return h
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
