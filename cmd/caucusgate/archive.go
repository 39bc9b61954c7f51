package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"caucusgate/queue"
)

// newArchiveCommand is `caucusgate archive`: what a caucus received, as an
// mbox on standard output, for a member who missed a mail.
func newArchiveCommand(o cliIO) *spec {
	c := &archiveCommand{cliIO: o, now: time.Now}
	return &spec{
		name: "archive",
		summary: "what a caucus received (each message as the bureau received it), as mbox on standard output; only what retention kept: " +
			"raw messages are dropped after `retention`, 90 days by default",
		example: "caucusgate archive -config caucusgate.yaml -caucus gender -since 720h > gender.mbox",
		flags: func(fs *flag.FlagSet) {
			configFlag(fs, &c.config)
			fs.StringVar(&c.caucus, "caucus", "", "the caucus id (required)")
			fs.DurationVar(&c.since, "since", 0, "only what was sent in this long (720h: 30 days); 0: everything kept")
		},
		run: c.run,
	}
}

type archiveCommand struct {
	cliIO
	config string
	caucus string
	since  time.Duration
	now    func() time.Time
}

func (c *archiveCommand) run(ctx context.Context, args []string) error {
	if err := noArgs("archive", args); err != nil {
		return err
	}
	if c.caucus == "" {
		return usagef("archive: -caucus ID is required")
	}
	f := storeFlags{config: c.config}
	cfg, store, err := f.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, ok := cfg.rules.Caucus(c.caucus); !ok {
		return usagef("archive: no caucus %q in the rules", c.caucus)
	}
	var since time.Time
	if c.since > 0 {
		since = c.now().Add(-c.since)
	}
	list, err := store.CaucusReceived(ctx, c.caucus, since)
	if err != nil {
		return err
	}
	return c.export(ctx, store, list)
}

// export writes each message kept, and says on stderr how many retention
// had already dropped.
func (c *archiveCommand) export(ctx context.Context, store *queue.Store, list []queue.Received) error {
	out := bufio.NewWriter(c.stdout)
	written, dropped := 0, 0
	for _, r := range list {
		if r.RawPurged {
			dropped++
			continue
		}
		raw, err := store.MessageRaw(ctx, r.MessageRef)
		if errors.Is(err, queue.ErrRawPurged) {
			dropped++
			continue
		}
		if err != nil {
			return err
		}
		if err := writeMbox(out, r, raw); err != nil {
			return err
		}
		written++
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write mbox: %w", err)
	}
	fmt.Fprintf(c.stderr, "archive: %d messages of caucus %s", written, c.caucus)
	if dropped > 0 {
		fmt.Fprintf(c.stderr, "; %d more were sent but retention has dropped their text", dropped)
	}
	fmt.Fprintln(c.stderr)
	return nil
}

// writeMbox writes one message in mboxrd form: a "From " line, the message
// with LF line ends and every line matching ^>*From quoted with one more
// ">", then an empty line.
func writeMbox(w io.Writer, r queue.Received, raw []byte) error {
	sender := r.From
	if sender == "" || strings.ContainsAny(sender, " \t") {
		sender = "MAILER-DAEMON"
	}
	if _, err := fmt.Fprintf(w, "From %s %s\n", sender, r.SentAt.Format(time.ANSIC)); err != nil {
		return err
	}
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
			if _, err := w.Write([]byte(">")); err != nil {
				return err
			}
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	if !bytes.HasSuffix(raw, []byte("\n")) {
		if _, err := w.Write([]byte("\n")); err != nil {
			return err
		}
	}
	_, err := w.Write([]byte("\n"))
	return err
}
