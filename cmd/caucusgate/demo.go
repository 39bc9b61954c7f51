package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"caucusgate/gateway"
	"caucusgate/gateway/admin"
	"caucusgate/gateway/imapwatch"
	"caucusgate/gateway/invitation"
	"caucusgate/gateway/mailsim"
	"caucusgate/gateway/metrics"
	"caucusgate/gateway/smtprelay"
	"caucusgate/queue"
	"caucusgate/rules"
)

//go:embed demodata
var demoData embed.FS

const demoBureau = "bureau@example.org"

// newDemoCommand is `caucusgate demo`.
func newDemoCommand(o cliIO) *spec {
	c := &demoCommand{cliIO: o}
	return &spec{
		name:    "demo",
		summary: "the whole pipeline against in-process mail servers",
		example: "caucusgate demo -listen 127.0.0.1:8025",
		flags:   c.flags,
		run:     c.run,
	}
}

type demoCommand struct {
	cliIO
	verbose bool
	listen  string
}

func (c *demoCommand) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.verbose, "v", false, "print the gateway's log")
	fs.StringVar(&c.listen, "listen", "", "keep running with the admin page on this `ADDRESS` (such as 127.0.0.1:8025)")
}

// Run shows the whole pipeline on a fresh machine: in-process IMAP and SMTP
// servers, sample caucuses and rules, a bureau inbox of realistic
// invitations, and the same gateway code as `run`. With -listen it keeps
// running, with the admin page, so a newcomer can look around.
func (c *demoCommand) run(ctx context.Context, args []string) error {
	if err := noArgs("demo", args); err != nil {
		return err
	}
	verbose, listen := &c.verbose, &c.listen
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(c.stderr, nil))
	}
	d, err := startDemo(ctx, log)
	if err != nil {
		return err
	}
	defer d.close()
	c.intro(d.world)
	if err := c.forwardPass(ctx, d); err != nil {
		return err
	}
	if err := c.replyPass(ctx, d); err != nil {
		return err
	}
	if err := c.reminderPass(ctx, d); err != nil {
		return err
	}
	if err := c.invitationsReport(ctx, d.store); err != nil {
		return err
	}
	if *listen != "" {
		return c.serve(ctx, d, *listen, log)
	}
	return nil
}

// demo is the demo's world: mail servers, a store, rules and the log of
// decisions.
type demo struct {
	world   *mailsim.World
	dir     string
	store   *queue.Store
	set     *rules.Set
	log     *slog.Logger
	decided demoLog
}

func startDemo(ctx context.Context, log *slog.Logger) (*demo, error) {
	set, err := demoRules()
	if err != nil {
		return nil, err
	}
	world, err := mailsim.Start(mailsim.Options{Users: demoUsers(set)})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &demo{world: world, set: set, log: log}
	if err := demoSeed(world); err != nil {
		d.close()
		return nil, err
	}
	if d.dir, err = os.MkdirTemp("", "caucusgate-demo-"); err != nil {
		d.close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	if d.store, err = queue.Open(ctx, queue.Options{DSN: filepath.Join(d.dir, "caucusgate.db"), Logger: log}); err != nil {
		d.close()
		return nil, fmt.Errorf("demo: open store: %w", err)
	}
	return d, nil
}

func (d *demo) close() {
	if d.store != nil {
		d.store.Close()
	}
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
	d.world.Close()
}

// gateway is a gateway over the demo's world, as `run` would build one.
func (d *demo) gateway() (*gateway.Gateway, error) {
	return gateway.New(demoConfig(d.world, d.store, d.set, d.log, d.decided.add))
}

// once runs one pass: `run -once`.
func (d *demo) once(ctx context.Context) (gateway.Summary, error) {
	g, err := d.gateway()
	if err != nil {
		return gateway.Summary{}, err
	}
	s, err := g.RunOnce(ctx)
	if err != nil {
		return s, fmt.Errorf("demo: %w", err)
	}
	return s, nil
}

func (c *demoCommand) forwardPass(ctx context.Context, d *demo) error {
	summary, err := d.once(ctx)
	if err != nil {
		return err
	}
	c.report(d.decided.sorted(), d.world.Received(), summary)
	return c.showHeld(ctx, d)
}

// showHeld prints what a moderator reads of each held message on the
// admin page: its text (extracted from HTML when it has no plain text)
// and its attachments.
func (c *demoCommand) showHeld(ctx context.Context, d *demo) error {
	g, err := d.gateway()
	if err != nil {
		return err
	}
	held, err := g.AdminBackend().Held(ctx)
	if err != nil {
		return err
	}
	for _, h := range held {
		full, err := g.AdminBackend().HeldMessage(ctx, h.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "\nHeld for moderation, as the admin page previews it (/held/%d):\n", h.ID)
		fmt.Fprintf(c.stdout, "  From: %s\n  Subject: %s\n", full.From, full.Subject)
		for _, line := range strings.Split(full.Preview.Body, "\n") {
			fmt.Fprintf(c.stdout, "  | %s\n", line)
		}
		for _, a := range full.Preview.Attachments {
			fmt.Fprintf(c.stdout, "  attachment: %s (%s, %d bytes)\n", a.Name, a.Type, a.Size)
		}
	}
	return nil
}

// replyPass has a Gender Caucus member answer the ITU invitation through
// the Reply-To of the copy the caucus got, then relays the answer to the
// inviter at the next slot of the demo's reply schedule.
func (c *demoCommand) replyPass(ctx context.Context, d *demo) error {
	replyTo, ok := demoReplyTo(d.world.Received(), "gender@lists.example.net", "wsis-2026-consult@itu.int")
	if !ok {
		return fmt.Errorf("demo: the ITU invitation did not reach the Gender Caucus")
	}
	answer := "From: Gina Ortiz <gina@example.net>\r\nTo: " + replyTo + "\r\nSubject: Re: Invitation: Open consultation on digital inclusion\r\n" +
		"Message-ID: <gender-answer@example.net>\r\nIn-Reply-To: <wsis-2026-consult@itu.int>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"The Gender Caucus will send two speakers and a written input.\r\n\r\n> ITU invites civil society to the open consultation\r\n"
	if err := d.world.Append(demoBureau, "INBOX", []byte(answer)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "\nA Gender Caucus member answers the ITU invitation, writing to the copy's Reply-To (%s).\n", replyTo)
	if _, err := d.once(ctx); err != nil {
		return err
	}
	before := len(d.world.Received())
	fmt.Fprintln(c.stdout, "The reply waits for the next slot of the reply schedule (@every 5s)...")
	if err := waitForSlot(ctx, 5*time.Second); err != nil {
		return err
	}
	if _, err := d.once(ctx); err != nil {
		return err
	}
	for _, r := range d.world.Received()[before:] {
		h := headerOf(r.Data)
		fmt.Fprintf(c.stdout, "Relayed to the inviter %s: %q, In-Reply-To %s\n", strings.Join(r.To, ", "), h["Subject"], h["In-Reply-To"])
	}
	return nil
}

// waitForSlot sleeps past the next multiple of every (the demo's @every
// schedule counts its slots from the Unix epoch).
func waitForSlot(ctx context.Context, every time.Duration) error {
	next := time.Now().Truncate(every).Add(every + 100*time.Millisecond)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(next)):
		return nil
	}
}

// demoReplyTo is the Reply-To of the copy of message id sent to rcpt.
func demoReplyTo(received []mailsim.Received, rcpt, id string) (string, bool) {
	for _, r := range received {
		h := headerOf(r.Data)
		if r.To[0] == rcpt && strings.Trim(h["Message-Id"], "<>") == id {
			return strings.Trim(h["Reply-To"], "<>"), true
		}
	}
	return "", false
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
				// Polling: imapmemserver's IDLE reports only what
				// arrives after IDLE began.
				Start: imapwatch.Start{Mode: imapwatch.StartAll}, PollInterval: 2 * time.Second,
			},
		}},
		Relay:       smtprelay.Config{URL: &url.URL{Scheme: "smtp", Host: world.SMTPAddr}, Hostname: "gateway.example.org"},
		Logger:      log,
		OnDecision:  onDecision,
		Invitations: &invitation.Options{Reminders: demoReminders},
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
	fmt.Fprintf(c.stdout, "The bureau's inbox holds a dozen sample messages; the gateway takes them once (run -once).\n\n")
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

// Demo admin login, printed for the newcomer; the demo's data is made up.
const demoAdminUser, demoAdminPassword = "admin", "demo"

// serve keeps the demo running as a daemon with the admin page, until
// interrupted.
func (c *demoCommand) serve(ctx context.Context, d *demo, addr string, log *slog.Logger) error {
	g, err := d.gateway()
	if err != nil {
		return err
	}
	_, reg := newMetrics(d.store)
	handler, err := admin.NewHandler(admin.Config{Backend: g.AdminBackend(), Username: demoAdminUser, Password: demoAdminPassword,
		Metrics: metrics.Handler(reg), Insecure: true, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("demo: listen %s: %w", addr, err)
	}
	srv := &adminServer{ln: ln, log: log, srv: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}}
	go srv.serve("", "")
	defer srv.stop()
	fmt.Fprintf(c.stdout, "\nThe admin page is at http://%s/ (login %s, password %s). Ctrl-C stops the demo.\n",
		ln.Addr(), demoAdminUser, demoAdminPassword)
	return g.Run(ctx)
}
