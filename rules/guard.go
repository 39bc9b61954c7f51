package rules

import (
	"fmt"
	"strings"
)

// Guard names why a message is never forwarded, whatever rules and tags say.
type Guard string

// The guards, in the order they are checked.
const (
	GuardXLoop           Guard = "x-loop"           // our own X-Loop: our forward came back
	GuardListID          Guard = "list-id"          // one of our List-Ids: our forward came back
	GuardForwardedBefore Guard = "forwarded-before" // a Message-ID we forwarded, back through a caucus list
	GuardDeliveryReport  Guard = "delivery-report"  // null or MAILER-DAEMON sender, multipart/report (RFC 6522)
	GuardAutoReply       Guard = "auto-reply"       // Auto-Submitted: auto-replied (RFC 3834), X-Autoreply, out-of-office
	GuardTooManyHops     Guard = "too-many-hops"    // more Received fields than mail crosses: a loop somewhere
)

// maxHops is the Received count above which a message is taken for a loop.
// Postfix bounces at 50 (hopcount_limit); honest mail crosses a dozen
// hops at most, and a loop through the gateway adds several per turn.
const maxHops = 30

type guardCheck struct {
	guard Guard
	what  string
	test  func(m *Message, env Env) (bool, string)
}

var guardChecks = []guardCheck{
	{GuardXLoop, "our X-Loop", ourXLoop},
	{GuardListID, "our List-Id", ourListID},
	{GuardForwardedBefore, "a Message-ID we forwarded", forwardedBefore},
	{GuardDeliveryReport, "a delivery report", deliveryReport},
	{GuardAutoReply, "an auto-reply", autoReply},
	{GuardTooManyHops, "too many Received fields", tooManyHops},
}

func tooManyHops(m *Message, _ Env) (bool, string) {
	if m.ReceivedCount > maxHops {
		return true, fmt.Sprintf("%d Received fields (over %d): a mail loop", m.ReceivedCount, maxHops)
	}
	return false, ""
}

// guard runs the never-forwarded checks in order and returns the first that
// holds ("" if none), with a trace step for each check run.
func guard(m *Message, env Env) (Guard, string, []Step) {
	steps := make([]Step, 0, len(guardChecks))
	for _, g := range guardChecks {
		hit, why := g.test(m, env)
		steps = append(steps, Step{What: g.what, Matched: hit, Why: why})
		if hit {
			return g.guard, why, steps
		}
	}
	return "", "", steps
}

func ourXLoop(m *Message, env Env) (bool, string) {
	if env.AccountAddress == "" {
		return false, "no account address to compare"
	}
	for _, v := range m.header("X-Loop") {
		if strings.EqualFold(bareAddress(v), env.AccountAddress) {
			return true, "X-Loop: " + strings.TrimSpace(v)
		}
	}
	return false, ""
}

func ourListID(m *Message, env Env) (bool, string) {
	domain := listIDDomain(env)
	if domain == "" {
		return false, "no List-Id domain to compare"
	}
	suffix := ".caucus." + strings.ToLower(domain)
	for _, v := range m.header("List-Id") {
		if strings.HasSuffix(strings.ToLower(listID(v)), suffix) {
			return true, "List-Id: " + strings.TrimSpace(v)
		}
	}
	return false, ""
}

// listIDDomain is the env's List-Id domain, else the account address's.
func listIDDomain(env Env) string {
	if env.ListIDDomain != "" {
		return env.ListIDDomain
	}
	_, domain, _ := strings.Cut(env.AccountAddress, "@")
	return domain
}

// listID returns the id of a List-Id value (RFC 2919): what is between the
// angle brackets, after an optional phrase.
func listID(v string) string {
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	return strings.TrimSpace(v)
}

// bareAddress strips angle brackets and blanks around an address.
func bareAddress(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	return v
}
