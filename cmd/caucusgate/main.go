// Command caucusgate is the mailing gateway of a bureau and its caucuses:
// it watches the bureau's mailbox over IMAP, decides by rule files and
// subject tags which caucuses receive each message, forwards it to them over
// SMTP, and relays their replies to the inviter on cron schedules.
//
// Exit status: 0 success, 1 runtime failure, 2 usage error or invalid
// configuration or rules.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand, with its own flag set (litestream's shape).
type command interface {
	Run(ctx context.Context, args []string) error
}

// usageError is a mistake on the command line or in the files it names:
// exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(runMain(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// runMain runs one command line and returns its exit status.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands(stdout, stderr)[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "caucusgate: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return 2
	}
	return exitStatus(cmd.Run(ctx, args[1:]), stderr)
}

func commands(stdout, stderr io.Writer) map[string]command {
	return map[string]command{
		"run":      &runCommand{stdout: stdout, stderr: stderr},
		"check":    &checkCommand{stdout: stdout, stderr: stderr},
		"version":  &versionCommand{stdout: stdout},
		"demo":     &demoCommand{stdout: stdout, stderr: stderr},
		"test":     &testCommand{stdout: stdout, stderr: stderr},
		"replay":   &replayCommand{stdout: stdout, stderr: stderr},
		"queue":    &queueCommand{stdout: stdout, stderr: stderr},
		"held":     &heldCommand{stdout: stdout, stderr: stderr},
		"schedule": &scheduleCommand{stdout: stdout, stderr: stderr},
	}
}

func exitStatus(err error, stderr io.Writer) int {
	var usage *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		if usage.err.Error() != "" {
			fmt.Fprintf(stderr, "caucusgate: %v\n", err)
		}
		return 2
	default:
		fmt.Fprintf(stderr, "caucusgate: %v\n", err)
		return 1
	}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `caucusgate: the mailing gateway of a bureau and its caucuses

Usage:
  caucusgate run -config FILE [-once]   the daemon (or one pass with -once)
  caucusgate check -config FILE         validate config and rules
  caucusgate test -config FILE [-json] MSG.eml...
                                        what the rules would do with each message, and why
  caucusgate replay -config FILE -account NAME [-mailbox INBOX] [-since 720h] [-json] [-rules NEW.yaml]
                                        the rules over mail already in a mailbox, read-only
  caucusgate queue -config FILE list [-json] | retry ID | cancel ID
                                        the delivery queue
  caucusgate held -config FILE list [-json] | approve ID | reject ID [-reason TEXT]
                                        messages held for moderation
  caucusgate held -config FILE replies [-json] | release ID | drop ID
                                        caucus replies held for review (replies.review)
  caucusgate schedule -config FILE list [-json]
                                        each schedule: next run, last run, pending items
  caucusgate demo                       the whole pipeline against in-process mail servers
  caucusgate version                    version and build information

Run 'caucusgate COMMAND -h' for a command's flags.
`)
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("caucusgate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, which must hold flags only; a flag mistake is a
// usage error (already printed by the flag set).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlagsAndArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// parseFlagsAndArgs parses flags followed by arguments (fs.Args).
func parseFlagsAndArgs(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{errors.New("")}
	}
	return nil
}
