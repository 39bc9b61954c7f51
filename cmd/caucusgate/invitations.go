package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"caucusgate/gateway/invitation"
	"caucusgate/queue"
)

// parseDays reads "14d" as days, anything else as a Go duration.
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		return time.Duration(days) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

// newInvitationsCommand is `caucusgate invitations`: each invitation and
// where it stands.
func newInvitationsCommand(o cliIO) *spec {
	c := &invitationsCommand{cliIO: o, now: time.Now}
	return &spec{
		name:    "invitations",
		summary: "invitations and where each stands: deadline, event, answers by caucus",
		example: "caucusgate invitations list -open -config caucusgate.yaml\ncaucusgate invitations deadline 42 2027-01-15 -config caucusgate.yaml",
		flags:   c.store.bind,
		verbs: []verb{
			{name: "list", summary: "invitations, open ones first by deadline", flags: c.listFlags, run: c.list},
			{name: "show", args: "ID", summary: "one invitation, its caucuses and its timeline", run: c.show},
			{name: "close", args: "ID", summary: "close an invitation (no reminders, not open)", run: c.close},
			{name: "reopen", args: "ID", summary: "open a closed invitation again", run: c.reopen},
			{name: "deadline", args: "ID DATE", summary: "set the deadline (YYYY-MM-DD in the display zone, or none)", run: c.deadline},
			{name: "confirm", args: "ID", summary: "confirm a deadline read from the text, so that it is firm", run: c.confirm},
		},
	}
}

type invitationsCommand struct {
	cliIO
	store storeFlags
	open  bool
	since time.Duration
	now   func() time.Time
}

func (c *invitationsCommand) listFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.open, "open", false, "only open invitations")
	fs.DurationVar(&c.since, "since", 0, "only invitations received in this long (720h: 30 days); 0: all")
}

// session opens the store and the viewer of the configured settings.
func (c *invitationsCommand) session(ctx context.Context) (*queue.Store, *invitation.Viewer, *invitation.Options, error) {
	cfg, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	opts, err := cfg.file.Invitations.options(cfg.file.DisplayTimezone)
	if err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	return store, invitation.NewViewer(opts), opts, nil
}

func (c *invitationsCommand) list(ctx context.Context, args []string) error {
	if err := noArgs("invitations list", args); err != nil {
		return err
	}
	store, viewer, _, err := c.session(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	f := queue.InvitationFilter{Limit: 10000}
	if c.since > 0 {
		f.Since = c.now().Add(-c.since)
	}
	list, err := store.ListInvitations(ctx, f)
	if err != nil {
		return err
	}
	views := invitation.Sorted(viewAll(viewer, list, c.now()))
	if c.open {
		views = slices.DeleteFunc(views, func(v invitation.View) bool { return v.State != invitation.Open })
	}
	if c.store.json {
		for _, v := range views {
			if err := writeJSONLine(c.stdout, jsonView(v)); err != nil {
				return err
			}
		}
		return nil
	}
	return c.table(views)
}

func viewAll(viewer *invitation.Viewer, list []queue.Invitation, now time.Time) []invitation.View {
	out := make([]invitation.View, len(list))
	for i, inv := range list {
		out[i] = viewer.View(inv, now)
	}
	return out
}

// jsonView writes the Message-ID as mail does, in angle brackets.
func jsonView(v invitation.View) invitation.View {
	v.MessageID = angleID(strings.Trim(v.MessageID, "<>"))
	return v
}

func (c *invitationsCommand) table(views []invitation.View) error {
	w := tabwriter.NewWriter(c.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATE\tRECEIVED\tDEADLINE\tNOTICE\tINVITER\tSUBJECT\tCAUCUSES")
	for _, v := range views {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.State, v.Received.Format("2006-01-02"),
			deadlineText(v), noticeText(v), clip(v.Inviter, 30), clip(v.Subject, 40), marks(v.Caucuses))
	}
	return w.Flush()
}

func deadlineText(v invitation.View) string {
	if v.Deadline == nil {
		return "-"
	}
	return v.Deadline.Format("2006-01-02") + " (" + v.DeadlineSource + ")"
}

func noticeText(v invitation.View) string {
	if v.NoticeDays == nil {
		return "-"
	}
	s := strconv.Itoa(*v.NoticeDays) + "d"
	if v.ShortNotice {
		s += " short"
	}
	return s
}

func marks(cs []invitation.CaucusView) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.ID + ":" + c.Mark()
		if len(c.Reminded) > 0 {
			parts[i] += " (reminded " + strings.Join(c.Reminded, ", ") + ")"
		}
	}
	return strings.Join(parts, " ")
}

// showJSON is `show -json`: the invitation's list object with its timeline.
type showJSON struct {
	invitation.View
	Timeline []queue.TimelineEvent `json:"timeline"`
}

func (c *invitationsCommand) show(ctx context.Context, args []string) error {
	id, err := invitationID("show", args, 1)
	if err != nil {
		return err
	}
	store, viewer, opts, err := c.session(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	inv, err := store.GetInvitation(ctx, id)
	if err != nil {
		return invitationError(id, err)
	}
	timeline, err := store.InvitationTimeline(ctx, id)
	if err != nil {
		return err
	}
	v := jsonView(viewer.View(inv, c.now()))
	if c.store.json {
		return writeJSONLine(c.stdout, showJSON{View: v, Timeline: timeline})
	}
	return writeInvitation(c.stdout, v, timeline, opts)
}

func (c *invitationsCommand) close(ctx context.Context, args []string) error {
	return c.act(ctx, "close", args, func(s *queue.Store, id int64) error { return s.CloseInvitation(ctx, id, false) })
}

func (c *invitationsCommand) reopen(ctx context.Context, args []string) error {
	return c.act(ctx, "reopen", args, func(s *queue.Store, id int64) error { return s.CloseInvitation(ctx, id, true) })
}

func (c *invitationsCommand) confirm(ctx context.Context, args []string) error {
	return c.act(ctx, "confirm", args, func(s *queue.Store, id int64) error { return s.ConfirmInvitationDeadline(ctx, id) })
}

func (c *invitationsCommand) deadline(ctx context.Context, args []string) error {
	id, err := invitationID("deadline", args, 2)
	if err != nil {
		return err
	}
	store, _, opts, err := c.session(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	var at time.Time
	if args[1] != "none" {
		if at, err = time.ParseInLocation("2006-01-02", args[1], optsZone(opts)); err != nil {
			return usagef("invitations deadline: %q is not a date: want YYYY-MM-DD, or none", args[1])
		}
	}
	if err := store.SetInvitationDeadline(ctx, id, at, "set by admin (command line)"); err != nil {
		return invitationError(id, err)
	}
	fmt.Fprintf(c.stdout, "invitation %d: deadline %s\n", id, args[1])
	return nil
}

func optsZone(o *invitation.Options) *time.Location {
	if o == nil || o.Zone == nil {
		return time.UTC
	}
	return o.Zone
}

// act runs one admin action on the invitation named by args.
func (c *invitationsCommand) act(ctx context.Context, verb string, args []string, fn func(*queue.Store, int64) error) error {
	id, err := invitationID(verb, args, 1)
	if err != nil {
		return err
	}
	_, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := fn(store, id); err != nil {
		return invitationError(id, err)
	}
	fmt.Fprintf(c.stdout, "invitation %d: %s\n", id, verb)
	return nil
}

func invitationID(verb string, args []string, n int) (int64, error) {
	if len(args) != n {
		return 0, usagef("invitations %s: want %s", verb, map[int]string{1: "one invitation ID", 2: "an invitation ID and a date"}[n])
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("invitations %s: %q is not an invitation ID", verb, args[0])
	}
	return id, nil
}

func invitationError(id int64, err error) error {
	if errors.Is(err, queue.ErrNotFound) {
		return fmt.Errorf("no invitation %d (see caucusgate invitations list)", id)
	}
	return err
}

// writeInvitation prints one invitation for a person: its dates, its
// caucuses and its timeline.
func writeInvitation(w io.Writer, v invitation.View, timeline []queue.TimelineEvent, opts *invitation.Options) error {
	zone := optsZone(opts)
	fmt.Fprintf(w, "invitation %d: %s\n  message-id: %s\n  inviter:    %s\n  received:   %s\n  state:      %s\n",
		v.ID, v.Subject, v.MessageID, v.Inviter, v.Received.Format(time.RFC3339), v.State)
	fmt.Fprintf(w, "  deadline:   %s%s\n  event:      %s\n  notice:     %s\n", deadlineText(v), phrase(v.DeadlinePhrase),
		dateText(v.Event, v.EventSource), noticeText(v))
	if v.Deadline != nil && !v.DeadlineFirm {
		fmt.Fprintf(w, "              (read from the text: no reminders until confirmed: invitations confirm %d)\n", v.ID)
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  CAUCUS\tSTATE\tANSWERS\tRELAYED\tLAST ANSWER\tREMINDED")
	for _, c := range v.Caucuses {
		last := "-"
		if c.LastAnswer != nil {
			last = c.LastAnswer.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\t%s\n", c.ID, c.Mark(), c.Answers, c.Relayed, last, orDash(strings.Join(c.Reminded, ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "  timeline:")
	for _, e := range timeline {
		fmt.Fprintf(w, "    %s  %-9s %s %s\n", e.At.In(zone).Format("2006-01-02 15:04"), e.What, e.Caucus, clip(e.Detail, 70))
	}
	return nil
}

func phrase(p string) string {
	if p == "" {
		return ""
	}
	return fmt.Sprintf(" %q", p)
}

func dateText(t *time.Time, source string) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339) + " (" + source + ")"
}

// invitationsReport is the demo's last word: each invitation, its deadline
// and where each caucus stands, as `caucusgate invitations list` shows it.
func (c *demoCommand) invitationsReport(ctx context.Context, store *queue.Store) error {
	list, err := store.ListInvitations(ctx, queue.InvitationFilter{})
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "\nInvitations and their answers (caucusgate invitations list):")
	ic := &invitationsCommand{cliIO: c.cliIO}
	return ic.table(invitation.Sorted(viewAll(invitation.NewViewer(nil), list, time.Now())))
}
