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

	"caucusgate/internal/typo"
)

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
	specs := commandSpecs(cliIO{stdout: stdout, stderr: stderr})
	for _, s := range specs {
		s.out = stdout
	}
	if len(args) == 0 {
		printUsage(stderr, specs)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printUsage(stdout, specs)
		return 0
	case "help":
		return exitStatus(help(stdout, specs, args[1:]), stderr)
	case "-version", "--version":
		args = []string{"version"}
	}
	cmd := findSpec(specs, args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "caucusgate: unknown command %q%s\n\n", args[0], didYouMean(args[0], specs))
		printUsage(stderr, specs)
		return 2
	}
	return exitStatus(cmd.Run(ctx, args[1:]), stderr)
}

// commandSpecs lists the commands, in the order the usage shows them. A new
// command is one line here.
func commandSpecs(o cliIO) []*spec {
	return []*spec{
		newRunCommand(o),
		newCheckCommand(o),
		newTestCommand(o),
		newReplayCommand(o),
		newQueueCommand(o),
		newHeldCommand(o),
		newMembersCommand(o),
		newKeysCommand(o),
		newInvitationsCommand(o),
		newArchiveCommand(o),
		newScheduleCommand(o),
		newDemoCommand(o),
		newVersionCommand(o),
	}
}

func findSpec(specs []*spec, name string) *spec {
	for _, s := range specs {
		if s.name == name {
			return s
		}
	}
	return nil
}

func didYouMean(name string, specs []*spec) string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	if near, ok := typo.Closest(name, names); ok {
		return fmt.Sprintf(" (did you mean %s?)", near)
	}
	return ""
}

// help is `caucusgate help [CMD]`: the command list, or one command's
// verbs, flags and example, on stdout.
func help(stdout io.Writer, specs []*spec, args []string) error {
	if len(args) == 0 {
		printUsage(stdout, specs)
		return nil
	}
	if len(args) > 1 {
		return usagef("help: want one command name")
	}
	cmd := findSpec(specs, args[0])
	if cmd == nil {
		return usagef("help: unknown command %q%s", args[0], didYouMean(args[0], specs))
	}
	cmd.help(stdout)
	return nil
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

func printUsage(w io.Writer, specs []*spec) {
	fmt.Fprintf(w, "caucusgate: the mailing gateway of a bureau and its caucuses\n\nUsage:\n")
	line := func(synopsis, summary string) {
		if len(synopsis) > 36 {
			fmt.Fprintf(w, "  %s\n  %-36s %s\n", synopsis, "", summary)
			return
		}
		fmt.Fprintf(w, "  %-36s %s\n", synopsis, summary)
	}
	for _, s := range specs {
		line(s.synopsis(), s.summary)
	}
	line("caucusgate help COMMAND", "a command's verbs, flags and an example")
	fmt.Fprintf(w, "\nA command's flags go before or after its verb. -version prints the version.\n")
}
