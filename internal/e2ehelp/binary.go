package e2ehelp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"caucusgate/internal/mailstack"
)

// PasswordEnv is the variable the configs of [Config.Write] read the
// bureau's IMAP password from; [Command] sets it.
const PasswordEnv = "E2E_BUREAU_PASSWORD"

// runOnceBudget bounds a `run -once`: a failure budget, not a speed
// assertion.
const runOnceBudget = 3 * time.Minute

// build is one build of the binary, shared by the tests of a process.
type build struct {
	once sync.Once
	path string
	err  error
}

// builds holds one build per set of build tags: the binary is built once
// per test process however many tests run it, and before their timers start.
var builds sync.Map // tags -> *build

// Binary builds cmd/caucusgate with the build tags (chaoshook for the chaos
// runs) once per test process and returns the executable's path. It is
// built in the repository's root module, as users build it: with that
// module's go.sum, whichever module the test is in.
func Binary(t testing.TB, tags ...string) string {
	t.Helper()
	key := strings.Join(tags, ",")
	v, _ := builds.LoadOrStore(key, &build{})
	b := v.(*build)
	b.once.Do(func() { b.path, b.err = buildBinary(key) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func buildBinary(tags string) (string, error) {
	root, err := repositoryRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "caucusgate-e2e-bin-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "caucusgate")
	args := []string{"build", "-o", path}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, "./cmd/caucusgate")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, out)
	}
	return path, nil
}

// repositoryRoot is the root module's folder, two up from this file's: the
// browser test's module finds it there too, through its replace directive.
func repositoryRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "", errors.New("e2ehelp: this file's path is unknown (a -trimpath build?): no repository to build caucusgate in")
	}
	return filepath.Join(filepath.Dir(file), "..", ".."), nil
}

// Command is the built binary with args, the bureau's password in its
// environment.
func Command(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	return commandContext(context.Background(), t, args...)
}

func commandContext(ctx context.Context, t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Env = append(os.Environ(), PasswordEnv+"="+mailstack.Password)
	return cmd
}

// RunOnce runs `caucusgate run -config config -once`, failing the test with
// the end of its output when it fails.
func RunOnce(t testing.TB, config string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runOnceBudget)
	defer cancel()
	cmd := commandContext(ctx, t, "run", "-config", config, "-once")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("caucusgate run -once: %v\n%s", err, Tail(string(out), 40))
	}
}

// Tail is the last n lines of a program's output, for a failure message.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
