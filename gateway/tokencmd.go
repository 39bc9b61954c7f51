package gateway

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// CommandToken is an OAuth 2.0 access token source that runs an admin-given
// command (token_command) and keeps its output until the server rejects it.
// Hosted providers (Microsoft 365, Gmail) issue short-lived tokens; the
// command is the admin's tool that refreshes them (oauth2l, a script).
type CommandToken struct {
	Command []string      // argv; run without a shell
	Timeout time.Duration // zero means 30 seconds

	mu    sync.Mutex
	token string
}

// Token returns the cached token, running the command when there is none.
func (c *CommandToken) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" {
		return c.token, nil
	}
	token, err := c.run(ctx)
	if err != nil {
		return "", err
	}
	c.token = token
	return token, nil
}

// Invalidate forgets the cached token, so the next Token runs the command.
func (c *CommandToken) Invalidate() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
}

func (c *CommandToken) run(ctx context.Context) (string, error) {
	if len(c.Command) == 0 {
		return "", fmt.Errorf("run token command: no command configured")
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, c.Command[0], c.Command[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// stderr is the admin's tool talking; it names no token, stdout might.
		return "", fmt.Errorf("run token command %q: %w: %s", c.Command[0], err, firstLine(stderr.String()))
	}
	token := strings.TrimSpace(stdout.String())
	if token == "" {
		return "", fmt.Errorf("run token command %q: it printed no token", c.Command[0])
	}
	return token, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
