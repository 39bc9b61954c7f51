package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"caucusgate/internal/e2ehelp"
	"caucusgate/internal/mailstack"
	"caucusgate/queue/queuetest"
)

// The real-browser half of the real-server suite (issue 6, "Show"): the
// daemon as users run it, its admin page driven by Debian's Chromium
// through chromedp, and the approved message delivered by Postfix to
// Dovecot. A person logs in through the browser's Basic authentication
// (RFC 7617) challenge, sees the held message, presses Approve; nothing
// here calls the admin handler or the store directly.

// browserChromium is where Debian's chromium package puts the browser.
const browserChromium = "/usr/bin/chromium"

const (
	browserAdminUser     = "admin"
	browserAdminPassword = "browser-e2e-admin-pw"
	browserCaucus        = "gender@example.org"
	browserHeldSubject   = "Consultation on gender budgets (browser e2e)"
	browserHeldID        = "browser-held@strangers.example"
)

// browserBudget bounds each wait: for a poll, a delivery, or a page. It is
// a failure budget, not a speed assertion.
const browserBudget = 2 * time.Minute

// browserRules hold mail from strangers; approval resumes after the
// holding rule, where to-gender forwards it. to-gender also forwards the
// marker invitation the test sends after the approval.
const browserRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: gender@example.org
bureau:
  moderators: [mod@example.org]
rules:
  - name: hold-strangers
    when: {from: "*@strangers.example"}
    hold: true
    stop: true
  - name: to-gender
    when: {subject: "(?i)consultation|invitation"}
    forward: [gender]
`

// TestE2EBrowserApprovesHeldMessage logs in to the admin page in headless
// Chromium, approves a held message with its button, sees the
// confirmation, and finds the message delivered through Postfix to the
// caucus's Dovecot mailbox exactly once; a request without the login gets
// a Basic challenge.
func TestE2EBrowserApprovesHeldMessage(t *testing.T) {
	mailstack.Required(t)
	requireChromium(t)
	stack := e2ehelp.StartStack(t)
	d := startBrowserDaemon(t, stack)

	stack.Append(t, e2ehelp.Bureau, "INBOX", browserHeldMessage())
	id := d.waitHeld(t, browserHeldSubject)
	if n := len(stack.Messages(t, browserCaucus)); n != 0 {
		t.Fatalf("%s got %d messages while the message was held, want none before the approval", browserCaucus, n)
	}
	d.checkLoginRequired(t)

	b := newBrowser(t, d.base)
	b.preview(t, id)
	b.approve(t, id, browserHeldSubject)

	checkDeliveredOnce(t, stack, d)
	b.decisionDeliveries(t, d.decisionID(t, browserHeldSubject))
	b.phoneColumns(t)
}

// requireChromium fails (the suite is on: a missing browser is no skip)
// when Debian's Chromium is not installed.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(browserChromium); err != nil {
		t.Fatalf("the browser test needs Debian's Chromium (%v): "+
			"DEBIAN_FRONTEND=noninteractive apt-get install -y chromium (scripts/e2e does)", err)
	}
}

func browserHeldMessage() []byte {
	return []byte("From: X Stranger <x@strangers.example>\r\nTo: bureau@example.org\r\n" +
		"Subject: " + browserHeldSubject + "\r\nMessage-ID: <" + browserHeldID + ">\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Dear bureau,\r\nplease consider our consultation.\r\n")
}

// browserDaemon is `caucusgate run` as a subprocess, serving the admin
// pages on base.
type browserDaemon struct {
	base   string
	client *http.Client
}

// startBrowserDaemon starts the daemon with the admin login on a free
// loopback port, waits until its admin listener answers, and stops it
// with SIGTERM when the test ends: it must exit 0 then (CONTRACT.md), and
// its output is shown when the test failed.
func startBrowserDaemon(t *testing.T, stack *mailstack.Stack) *browserDaemon {
	t.Helper()
	addr := freeAddr(t)
	cfg := e2ehelp.ForStack(stack, queuetest.SQLite(t), browserRules)
	cfg.Extra = fmt.Sprintf("listen: %s\nadmin:\n  username: %s\n  password_env: E2E_ADMIN_PASSWORD\n", addr, browserAdminUser)
	config := cfg.Write(t, t.TempDir())
	cmd := e2ehelp.Command(t, "run", "-config", config)
	cmd.Env = append(cmd.Env, "E2E_ADMIN_PASSWORD="+browserAdminPassword)
	p := &daemonProcess{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the daemon: %v", err)
	}
	go p.reap()
	t.Cleanup(func() { p.stop(t) })
	d := &browserDaemon{base: "http://" + addr, client: &http.Client{Timeout: 30 * time.Second}}
	d.waitListening(t, p)
	return d
}

// daemonProcess is the daemon's process and what it printed.
type daemonProcess struct {
	cmd  *exec.Cmd
	out  lockedBuffer
	done chan struct{} // closed when the process has exited; err is set then
	err  error
}

func (p *daemonProcess) reap() {
	p.err = p.cmd.Wait()
	close(p.done)
}

// stop sends SIGTERM and waits for a clean exit, killing the process when
// the budget runs out.
func (p *daemonProcess) stop(t *testing.T) {
	var err error
	if sigErr := p.cmd.Process.Signal(syscall.SIGTERM); sigErr != nil {
		err = fmt.Errorf("it was gone before SIGTERM: %w", sigErr)
	}
	select {
	case <-p.done:
	case <-time.After(browserBudget):
		_ = p.cmd.Process.Kill()
		<-p.done
		err = errors.Join(err, errors.New("no exit within the budget after SIGTERM"))
	}
	if err = errors.Join(err, p.err); err != nil {
		t.Errorf("the daemon did not stop cleanly on SIGTERM: %v", err)
	}
	if t.Failed() {
		t.Logf("daemon output:\n%s", e2ehelp.Tail(p.out.String(), 80))
	}
}

// waitListening waits for /healthz, failing at once if the daemon exits.
func (d *browserDaemon) waitListening(t *testing.T, p *daemonProcess) {
	t.Helper()
	browserEventually(t, "the admin listener to answer /healthz", func() bool {
		select {
		case <-p.done:
			t.Fatalf("the daemon exited before its admin listener answered: %v", p.err)
		default:
		}
		status, _, _, err := d.get("/healthz", false)
		return err == nil && status == http.StatusOK
	})
}

// get fetches path, with the admin login when login is set.
func (d *browserDaemon) get(path string, login bool) (int, http.Header, string, error) {
	req, err := http.NewRequest(http.MethodGet, d.base+path, nil)
	if err != nil {
		return 0, nil, "", err
	}
	if login {
		req.SetBasicAuth(browserAdminUser, browserAdminPassword)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body), err
}

// heldRow is one row of the held-messages table; the template gives each
// row the id held-<ID>.
var heldRow = regexp.MustCompile(`(?s)<tr id="held-(\d+)">(.*?)</tr>`)

// waitHeld polls the admin page until a held row shows subject, and
// returns that row's held-message id.
func (d *browserDaemon) waitHeld(t *testing.T, subject string) string {
	t.Helper()
	var id string
	browserEventually(t, "the admin page to list the held message "+strconv.Quote(subject), func() bool {
		status, _, body, err := d.get("/", true)
		if err != nil || status != http.StatusOK {
			return false
		}
		for _, m := range heldRow.FindAllStringSubmatch(body, -1) {
			if strings.Contains(m[2], html.EscapeString(subject)) {
				id = m[1]
				return true
			}
		}
		return false
	})
	return id
}

// checkLoginRequired asks for the held page with no login and with a
// wrong password: both get 401 with a Basic challenge, and neither shows
// the held subject.
func (d *browserDaemon) checkLoginRequired(t *testing.T) {
	t.Helper()
	for _, c := range []struct {
		name string
		auth func(*http.Request)
	}{
		{"no login", func(*http.Request) {}},
		{"wrong password", func(r *http.Request) { r.SetBasicAuth(browserAdminUser, browserAdminPassword+"x") }},
	} {
		req, _ := http.NewRequest(http.MethodGet, d.base+"/", nil)
		c.auth(req)
		resp, err := d.client.Do(req)
		if err != nil {
			t.Fatalf("GET / with %s: %v", c.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET / with %s: status %d, want 401", c.name, resp.StatusCode)
		}
		if ch := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(strings.ToLower(ch), "basic ") {
			t.Errorf("GET / with %s: WWW-Authenticate %q, want a Basic challenge", c.name, ch)
		}
		if strings.Contains(string(body), browserHeldSubject) {
			t.Errorf("GET / with %s shows the held subject", c.name)
		}
	}
}

// queueDepth reads caucusgate_queue_depth from /metrics; ok is false when
// the series is missing (the store could not be read at that scrape).
func (d *browserDaemon) queueDepth() (depth float64, ok bool) {
	status, _, body, err := d.get("/metrics", false)
	if err != nil || status != http.StatusOK {
		return 0, false
	}
	for _, line := range strings.Split(body, "\n") {
		if v, found := strings.CutPrefix(line, "caucusgate_queue_depth "); found {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// browser is one headless Chromium tab that answers the admin page's
// Basic challenge with the admin login, as a person would in the
// browser's login prompt.
type browser struct {
	base string
	ctx  context.Context // the tab: actions run on contexts derived from it
	auth *basicAuthAnswerer
}

// newBrowser starts Chromium with the flags this machine needs: no
// sandbox (the suite runs as root), no GPU, and no background networking,
// QUIC, component updates or sync (the closed network refuses them). The
// profile is a fresh directory chromedp makes for this browser and removes
// with it. Everything stops when the test ends.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	out := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserChromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{base: base, ctx: ctx}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		if b.auth != nil {
			b.auth.wait()
		}
		if t.Failed() {
			t.Logf("chromium output:\n%s", e2ehelp.Tail(out.String(), 40))
		}
	})
	// The first action starts the browser and binds it to ctx, which has
	// no deadline; each later step gets a budget of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	auth, err := answerBasicAuth(ctx, browserAdminUser, browserAdminPassword)
	if err != nil {
		t.Fatalf("intercept the login prompt: %v", err)
	}
	b.auth = auth
	return b
}

// step returns a context for one browser step, bounded by the budget.
func (b *browser) step(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(b.ctx, browserBudget)
	t.Cleanup(cancel)
	return ctx
}

// approve opens the held page, checks the row of held message id shows
// subject and that its approve form carries a CSRF token, presses
// Approve, and checks the confirmation page.
func (b *browser) approve(t *testing.T, id, subject string) {
	t.Helper()
	ctx := b.step(t)
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+"/"))
	if err != nil {
		t.Fatalf("open the admin page: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("the admin page answered %d in the browser, want 200 after the login", resp.Status)
	}
	b.auth.checkChallenged(t)
	row := "#held-" + id
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+" td.subject"))); err != nil || !strings.Contains(got, subject) {
		t.Fatalf("held row %s shows subject %q (%v), want %q", row, got, err, subject)
	}
	token, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#approve-form-"+id+` input[name="csrf"]`)))
	if err != nil || token == "" {
		t.Fatalf("the approve form of %s carries CSRF token %q (%v), want one", id, token, err)
	}
	resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("approve-"+id)))
	if err != nil {
		t.Fatalf("press Approve on %s: %v", id, err)
	}
	b.checkConfirmation(t, ctx, resp.Status, resp.URL, id)
}

// checkConfirmation checks the page the approval led to: 200, the
// confirmation naming the message, and the message no longer held.
func (b *browser) checkConfirmation(t *testing.T, ctx context.Context, status int64, url, id string) {
	t.Helper()
	if status != http.StatusOK || !strings.Contains(url, "done=approved") {
		t.Fatalf("after Approve the browser shows %s (status %d), want 200 on a done=approved page", url, status)
	}
	want := "Held message " + id + " approved."
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("flash"))); err != nil || got != want {
		t.Errorf("confirmation %q (%v), want %q", got, err, want)
	}
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#held-"+id), chromedp.AtLeast(0)))
	if err != nil || len(rows) != 0 {
		t.Errorf("after approval the page still lists held message %s (%d rows, %v)", id, len(rows), err)
	}
}

// preview opens held message id's own page, as a moderator does before
// deciding: it shows the sender, the message's text and a download of the
// original.
func (b *browser) preview(t *testing.T, id string) {
	t.Helper()
	ctx := b.step(t)
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+"/held/"+id))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("open held message %s: %v (%v)", id, resp, err)
	}
	b.auth.checkChallenged(t)
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("preview"))); err != nil || !strings.Contains(got, "please consider our consultation") {
		t.Errorf("held message %s previews %q (%v), want its text", id, got, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("dl.header"))); err != nil || !strings.Contains(got, "x@strangers.example") {
		t.Errorf("held message %s shows header %q (%v), want its From", id, got, err)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a[href$="message.eml"]').getAttribute('href')`))
	if err != nil || href != "/held/"+id+"/message.eml" {
		t.Errorf("held message %s offers the original at %q (%v)", id, href, err)
	}
}

// decisionRow is one row of the decisions table, id decision-<ID>.
var decisionRow = regexp.MustCompile(`(?s)<tr id="decision-(\d+)">(.*?)</tr>`)

// decisionID finds on the decisions page the decision of the message
// with subject.
func (d *browserDaemon) decisionID(t *testing.T, subject string) string {
	t.Helper()
	_, _, body, err := d.get("/decisions", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range decisionRow.FindAllStringSubmatch(body, -1) {
		if strings.Contains(html.UnescapeString(m[2]), subject) {
			return m[1]
		}
	}
	t.Fatalf("the decisions page lists no %q", subject)
	return ""
}

// decisionDeliveries opens a decision's page and finds its delivery to
// the caucus: recipient, state sent, one attempt, a time sent.
func (b *browser) decisionDeliveries(t *testing.T, id string) {
	t.Helper()
	ctx := b.step(t)
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+"/decisions/"+id)); err != nil {
		t.Fatalf("open decision %s: %v", id, err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#deliveries + .scroll tbody tr')].map(r => r.innerText)`))
	if err != nil {
		t.Fatalf("read the deliveries of decision %s: %v", id, err)
	}
	for _, r := range rows {
		if strings.Contains(r, browserCaucus) && strings.Contains(r, "sent") && strings.Contains(r, "UTC") {
			return
		}
	}
	t.Errorf("decision %s lists deliveries %q, want one sent to %s with its time", id, rows, browserCaucus)
}

// phoneColumns looks at the decisions table at a phone's width: each row
// keeps its subject and decision in view.
func (b *browser) phoneColumns(t *testing.T) {
	t.Helper()
	ctx := b.step(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(375, 800)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+"/decisions")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`(() => {
		const row = document.querySelector('#decisions tbody tr');
		const seen = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth; };
		return [seen(row.querySelector('td.subject')), seen(row.querySelector('.decision'))];
	})()`))
	if err != nil || len(got) != 2 || !got[0] || !got[1] {
		t.Errorf("at 375 px the decisions table shows subject, decision = %v (%v), want both in view", got, err)
	}
}

// basicAuthAnswerer answers the browser's authentication challenges
// through the DevTools Fetch domain, which pauses every request until it
// is continued, and records the challenges it saw.
type basicAuthAnswerer struct {
	user, password string
	wg             sync.WaitGroup

	mu         sync.Mutex
	challenges []fetch.AuthChallenge
	answered   map[fetch.RequestID]bool
	errs       []error
}

// answerBasicAuth starts answering on the tab of ctx until ctx ends.
// Subscribing before Fetch.enable means no paused request is missed.
func answerBasicAuth(ctx context.Context, user, password string) (*basicAuthAnswerer, error) {
	a := &basicAuthAnswerer{user: user, password: password, answered: map[fetch.RequestID]bool{}}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	challenged := chromedp.Events(ctx, fetch.AuthRequired)
	a.wg.Go(func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			_, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			a.fail(ctx, "continue request", err)
		}
	})
	a.wg.Go(func() {
		for ev, err := range challenged {
			if err != nil {
				return
			}
			_, err := chromedp.Call(ctx, fetch.ContinueWithAuth, a.answer(ev))
			a.fail(ctx, "answer the login prompt", err)
		}
	})
	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{HandleAuthRequests: new(true)})
	return a, err
}

// answer gives the login once per request: a second challenge for the
// same request means the credentials were refused, and answering again
// would loop until the budget ran out instead of failing.
func (a *basicAuthAnswerer) answer(ev fetch.EventAuthRequired) fetch.ContinueWithAuthParams {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ev.AuthChallenge != nil {
		a.challenges = append(a.challenges, *ev.AuthChallenge)
	}
	resp := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth}
	if !a.answered[ev.RequestID] {
		a.answered[ev.RequestID] = true
		resp = &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials,
			Username: a.user, Password: a.password}
	}
	return fetch.ContinueWithAuthParams{RequestID: ev.RequestID, AuthChallengeResponse: resp}
}

// fail records an error of a protocol call, except the ones caused by the
// tab closing at the end of the test.
func (a *basicAuthAnswerer) fail(ctx context.Context, what string, err error) {
	if err == nil || ctx.Err() != nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.errs = append(a.errs, fmt.Errorf("%s: %w", what, err))
}

// checkChallenged checks the browser met a server's Basic challenge for
// the caucusgate realm (the 401 a person sees as a login prompt) and that
// answering it raised no protocol error.
func (a *basicAuthAnswerer) checkChallenged(t *testing.T) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.errs) > 0 {
		t.Fatalf("answering the browser's requests: %v", errors.Join(a.errs...))
	}
	if len(a.challenges) == 0 {
		t.Fatal("the browser reached the admin page without an authentication challenge")
	}
	for _, c := range a.challenges {
		if c.Source != fetch.AuthChallengeSourceServer || !strings.EqualFold(c.Scheme, "basic") || c.Realm != "caucusgate" {
			t.Errorf("challenge %+v, want the server's Basic challenge for realm caucusgate", c)
		}
	}
}

// wait waits for the event loops, which end with the tab's context.
func (a *basicAuthAnswerer) wait() { a.wg.Wait() }

// checkDeliveredOnce waits for the approved message in the caucus's
// mailbox, then proves nothing more comes: a marker invitation sent after
// the approval must arrive too (the daemon has made further intake and
// delivery passes since), the queue must be empty and Postfix idle, and
// then the caucus holds the approved message once and the marker once.
func checkDeliveredOnce(t *testing.T, stack *mailstack.Stack, d *browserDaemon) {
	t.Helper()
	first := e2ehelp.CopiesByMessageID(t, stack.WaitMessages(t, browserCaucus, 1, browserBudget))
	if first[browserHeldID] != 1 {
		t.Fatalf("%s got %v, want the approved %s once", browserCaucus, first, browserHeldID)
	}
	const marker = 61
	stack.Append(t, e2ehelp.Bureau, "INBOX", e2ehelp.Invitation(marker))
	stack.WaitMessages(t, browserCaucus, 2, browserBudget)
	browserEventually(t, "the delivery queue to drain (caucusgate_queue_depth 0)", func() bool {
		depth, ok := d.queueDepth()
		return ok && depth == 0
	})
	stack.WaitPostfixIdle(t, browserBudget)
	got := e2ehelp.CopiesByMessageID(t, stack.Messages(t, browserCaucus))
	want := map[string]int{browserHeldID: 1, fmt.Sprintf("e2e-%d@itu.int", marker): 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s holds %v after the daemon's later passes, want %v", browserCaucus, got, want)
	}
}

// browserEventually polls cond until it holds, failing the test when the
// budget runs out.
func browserEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(browserBudget)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", browserBudget, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lockedBuffer is an output sink that the writing goroutines of a
// subprocess and the test can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
