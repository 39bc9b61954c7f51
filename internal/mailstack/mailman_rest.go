package mailstack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// restBudget bounds one REST call; the core answers from one worker.
const restBudget = time.Minute

// ListSettings are what the caucusgate README asks of a caucus's Mailman
// list: the reply address kept (no Reply-To munging, the poster's Reply-To
// not stripped), one subject prefix (the gateway's: none from the list),
// and no welcome mail to subscribers the harness adds.
func ListSettings() map[string]string {
	return map[string]string{
		"reply_goes_to_list":    "no_munging",
		"first_strip_reply_to":  "false",
		"subject_prefix":        "",
		"send_welcome_message":  "false",
		"send_goodbye_message":  "false",
		"dmarc_mitigate_action": "no_mitigation",
	}
}

// CreateList creates LIST@[ListDomain] (the domain first, once), applies
// settings (see [ListSettings]) and returns the list's posting address.
func (m *Mailman) CreateList(t testing.TB, name string, settings map[string]string) string {
	t.Helper()
	if !m.exists(t, "/domains/"+ListDomain) {
		m.call(t, http.MethodPost, "/domains", url.Values{"mail_host": {ListDomain}})
	}
	address := name + "@" + ListDomain
	m.call(t, http.MethodPost, "/lists", url.Values{"fqdn_listname": {address}})
	m.Configure(t, address, settings)
	return address
}

// Configure changes a list's settings (the names of Mailman's REST API:
// reply_goes_to_list, first_strip_reply_to, dmarc_mitigate_action...).
func (m *Mailman) Configure(t testing.TB, list string, settings map[string]string) {
	t.Helper()
	if len(settings) == 0 {
		return
	}
	form := url.Values{}
	for k, v := range settings {
		form.Set(k, v)
	}
	m.call(t, http.MethodPatch, "/lists/"+listID(list)+"/config", form)
}

// Subscribe makes address a member of list, verified, confirmed and
// approved: it receives the list's mail, and its posts are accepted.
func (m *Mailman) Subscribe(t testing.TB, list, address string) {
	t.Helper()
	m.call(t, http.MethodPost, "/members", url.Values{"list_id": {listID(list)}, "subscriber": {address},
		"pre_verified": {"true"}, "pre_confirmed": {"true"}, "pre_approved": {"true"}})
}

// AcceptNonMember lets address post to list without being a member
// (moderation action accept), as a list does for the bureau's copies.
func (m *Mailman) AcceptNonMember(t testing.TB, list, address string) {
	t.Helper()
	m.call(t, http.MethodPost, "/members", url.Values{"list_id": {listID(list)},
		"subscriber": {address}, "role": {"nonmember"}})
	member := m.memberLink(t, list, address, "nonmember")
	m.callURL(t, http.MethodPatch, member, url.Values{"moderation_action": {"accept"}})
}

// Held is the number of posts to list waiting for a moderator.
func (m *Mailman) Held(t testing.TB, list string) int {
	t.Helper()
	var page struct {
		TotalSize int `json:"total_size"`
	}
	if err := json.Unmarshal(m.call(t, http.MethodGet, "/lists/"+listID(list)+"/held", nil), &page); err != nil {
		t.Fatalf("mailstack: read held posts of %s: %v", list, err)
	}
	return page.TotalSize
}

// WaitIdle waits until the core's queues are empty: everything it took
// over LMTP went through its pipeline and out to Postfix, or was held. It
// fails the test when timeout, a failure budget, runs out.
func (m *Mailman) WaitIdle(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n, err := m.queued()
		if err != nil {
			t.Fatalf("mailstack: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailstack: mailman still holds %d queue files after %v\n%s", n, timeout, m.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// queued counts the files in the runners' queues; held posts and
// shunted (failed) messages are not queued.
func (m *Mailman) queued() (int, error) {
	n := 0
	for _, q := range []string{"in", "pipeline", "out", "virgin", "bounces", "retry"} {
		entries, err := os.ReadDir(filepath.Join(m.Dir, "var", "queue", q))
		if err != nil && !os.IsNotExist(err) {
			return 0, fmt.Errorf("read mailman queue %s: %w", q, err)
		}
		n += len(entries)
	}
	return n, nil
}

// memberLink is the REST link of address's membership of list in role.
func (m *Mailman) memberLink(t testing.TB, list, address, role string) string {
	t.Helper()
	var page struct {
		Entries []struct {
			Email    string `json:"email"`
			SelfLink string `json:"self_link"`
		} `json:"entries"`
	}
	body := m.call(t, http.MethodGet, "/lists/"+listID(list)+"/roster/"+role, nil)
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("mailstack: read %s roster of %s: %v", role, list, err)
	}
	for _, e := range page.Entries {
		if strings.EqualFold(e.Email, address) {
			return e.SelfLink
		}
	}
	t.Fatalf("mailstack: %s is no %s of %s", address, role, list)
	return ""
}

// exists says whether a REST resource is there (200) or not (404).
func (m *Mailman) exists(t testing.TB, path string) bool {
	t.Helper()
	status, body, err := m.do(http.MethodGet, m.RESTURL+path, nil)
	if err != nil {
		t.Fatalf("mailstack: mailman GET %s: %v", path, err)
	}
	if status != http.StatusOK && status != http.StatusNotFound {
		t.Fatalf("mailstack: mailman GET %s: %d %s", path, status, body)
	}
	return status == http.StatusOK
}

// call makes a REST call on a path under RESTURL, failing the test unless
// it succeeds, and returns the answer's body.
func (m *Mailman) call(t testing.TB, method, path string, form url.Values) []byte {
	t.Helper()
	return m.callURL(t, method, m.RESTURL+path, form)
}

func (m *Mailman) callURL(t testing.TB, method, target string, form url.Values) []byte {
	t.Helper()
	status, body, err := m.do(method, target, form)
	if err != nil {
		t.Fatalf("mailstack: mailman %s %s: %v", method, target, err)
	}
	if status/100 != 2 {
		t.Fatalf("mailstack: mailman %s %s %v: %d %s", method, target, form, status, body)
	}
	return body
}

// do sends one form-encoded request with the REST credentials.
func (m *Mailman) do(method, target string, form url.Values) (int, []byte, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return 0, nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(mailmanRESTUser, mailmanRESTPassword)
	resp, err := (&http.Client{Timeout: restBudget}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// waitREST polls the API's version resource until it answers, the watcher
// exits, or the start budget runs out.
func (m *Mailman) waitREST(exited <-chan struct{}) error {
	deadline := time.Now().Add(mailmanStartBudget)
	for {
		status, _, err := m.do(http.MethodGet, m.RESTURL+"/system/versions", nil)
		if err == nil && status == http.StatusOK {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("wait for mailman rest: %w", errExited)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for mailman rest after %v: status %d, %v", mailmanStartBudget, status, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// listID is Mailman's list id of a posting address: LIST.DOMAIN, which is
// also the List-Id it writes into each post (RFC 2919).
func listID(address string) string {
	return strings.Replace(address, "@", ".", 1)
}
