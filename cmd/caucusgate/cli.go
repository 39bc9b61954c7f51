package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"caucusgate/internal/typo"
)

// spec is one command of the command line: its flags, and either its verbs
// or a run function taking the positional arguments. A command's flags are
// accepted before or after its verb (`queue list -config F` is
// `queue -config F list`), and flags and arguments may mix in any order;
// `--` ends the flags. Adding a command is one file with a function that
// returns a spec, and one line in commandSpecs.
type spec struct {
	name    string
	summary string                 // one line, for the command list
	args    string                 // the positional arguments of a command without verbs, as `-h` shows them
	example string                 // one or more command lines, shown by -h and `help CMD`
	flags   func(fs *flag.FlagSet) // the command's flags, valid before or after the verb; may be nil
	verbs   []verb
	run     func(ctx context.Context, args []string) error // a command without verbs
	out     io.Writer                                      // where -h writes; set by runMain
}

// verb is one verb of a command (`queue list`), with flags of its own.
type verb struct {
	name    string
	args    string // such as "ID"
	summary string
	flags   func(fs *flag.FlagSet) // may be nil
	run     func(ctx context.Context, args []string) error
}

// cliIO is where a command writes: results to stdout, problems to stderr.
type cliIO struct{ stdout, stderr io.Writer }

// run parses one command line of this command and runs it.
func (s *spec) Run(ctx context.Context, args []string) error {
	if len(s.verbs) == 0 {
		fs := s.flagSet(nil)
		pos, err := s.parse(fs, args)
		if err != nil {
			return err
		}
		return s.run(ctx, pos)
	}
	v, err := s.findVerb(args)
	if err != nil {
		return err
	}
	pos, err := s.parse(s.flagSet(v), args)
	if err != nil {
		return err
	}
	return v.run(ctx, pos[1:])
}

// findVerb parses the line with the flags of every verb, to tell the verb
// from the flags' values; the verb's own flag set then parses it again, so
// that another verb's flag is refused.
func (s *spec) findVerb(args []string) (*verb, error) {
	pos, err := s.parse(s.unionFlagSet(), args)
	if err != nil {
		return nil, err
	}
	if len(pos) == 0 {
		return nil, usagef("%s: want a verb: %s (see 'caucusgate help %s')", s.name, s.verbList(), s.name)
	}
	for i := range s.verbs {
		if s.verbs[i].name == pos[0] {
			return &s.verbs[i], nil
		}
	}
	hint := ""
	if near, ok := typo.Closest(pos[0], s.verbNames()); ok {
		hint = fmt.Sprintf("did you mean %s? ", near)
	}
	return nil, usagef("%s: unknown verb %q: %swant %s", s.name, pos[0], hint, s.verbList())
}

// flagSet holds the command's flags and those of verb v (nil: none).
func (s *spec) flagSet(v *verb) *flag.FlagSet {
	fs := flag.NewFlagSet("caucusgate "+s.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if s.flags != nil {
		s.flags(fs)
	}
	if v != nil && v.flags != nil {
		v.flags(fs)
	}
	return fs
}

// unionFlagSet holds the flags of the command and of all its verbs, each
// name once.
func (s *spec) unionFlagSet() *flag.FlagSet {
	union := s.flagSet(nil)
	for i := range s.verbs {
		s.flagSet(&s.verbs[i]).VisitAll(func(f *flag.Flag) {
			if union.Lookup(f.Name) == nil {
				union.Var(f.Value, f.Name, f.Usage)
			}
		})
	}
	return union
}

// parse parses flags anywhere in args and returns the positional
// arguments. -h prints the command's help and returns flag.ErrHelp.
func (s *spec) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			s.help(s.out)
			return nil, err
		}
		if err != nil {
			return nil, usagef("%s: %v (see 'caucusgate help %s')", s.name, err, s.name)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (s *spec) verbNames() []string {
	names := make([]string, len(s.verbs))
	for i, v := range s.verbs {
		names[i] = v.name
	}
	return names
}

// verbList writes "list, retry ID or cancel ID".
func (s *spec) verbList() string {
	var parts []string
	for _, v := range s.verbs {
		parts = append(parts, strings.TrimSpace(v.name+" "+v.args))
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// synopsis is the command's line in the command list.
func (s *spec) synopsis() string {
	if len(s.verbs) == 0 {
		return strings.TrimSpace("caucusgate " + s.name + " " + s.args)
	}
	return "caucusgate " + s.name + " " + strings.Join(s.verbNames(), "|")
}

// help writes what -h and `help CMD` show: usage, verbs, flags, example.
func (s *spec) help(w io.Writer) {
	fmt.Fprintf(w, "caucusgate %s: %s\n\nUsage:\n", s.name, s.summary)
	if len(s.verbs) == 0 {
		fmt.Fprintf(w, "  caucusgate %s [flags] %s\n", s.name, s.args)
	}
	for _, v := range s.verbs {
		fmt.Fprintf(w, "  caucusgate %s %s [flags]\n", s.name, strings.TrimSpace(v.name+" "+v.args))
	}
	if len(s.verbs) > 0 {
		fmt.Fprintf(w, "\nVerbs:\n")
		for _, v := range s.verbs {
			fmt.Fprintf(w, "  %-16s %s\n", strings.TrimSpace(v.name+" "+v.args), v.summary)
		}
	}
	s.helpFlags(w)
	if s.example != "" {
		fmt.Fprintf(w, "\nExample:\n")
		for _, line := range strings.Split(strings.TrimSpace(s.example), "\n") {
			fmt.Fprintf(w, "  %s\n", strings.TrimSpace(line))
		}
	}
}

func (s *spec) helpFlags(w io.Writer) {
	if fs := s.flagSet(nil); hasFlags(fs) {
		where := ""
		if len(s.verbs) > 0 {
			where = " (before or after the verb)"
		}
		fmt.Fprintf(w, "\nFlags%s:\n", where)
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	for i := range s.verbs {
		v := &s.verbs[i]
		if v.flags == nil {
			continue
		}
		fs := flag.NewFlagSet(v.name, flag.ContinueOnError)
		v.flags(fs)
		fmt.Fprintf(w, "\nFlags of %s:\n", v.name)
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// noArgs is the run check of a verb or command that takes no arguments.
func noArgs(name string, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected argument %q", name, args[0])
	}
	return nil
}

// configFlag binds -config, the config file every command but demo reads.
func configFlag(fs *flag.FlagSet, path *string) {
	fs.StringVar(path, "config", "caucusgate.yaml", "read the configuration from `FILE`")
}
