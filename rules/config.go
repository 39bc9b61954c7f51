package rules

import (
	"slices"
	"strings"
	"time"

	"caucusgate/internal/yamlfile"
	"caucusgate/trust"
)

// Bureau is the bureau's settings: who may route by tag, who moderates.
type Bureau struct {
	Members          []string // lower-cased addresses
	Moderators       []string
	RequireAuth      string   // "none", "dkim" or "dmarc"
	TrustedAuthserv  []string // authserv-ids whose Authentication-Results count; patterns; "microsoft365"
	Verify           string   // "authres" (default): the provider's results; "local": DKIM verified by the gateway
	TagKeywords      []string // lower-cased; default caucus, to
	HoldOutsiderTags bool
	HoldExpiry       time.Duration // default 336h
}

// Forwarding is how forwarded copies are made.
type Forwarding struct {
	FromRewrite    string // always (default), dmarc, never
	Mode           string // resend (default), encapsulate, redirect
	MaxMessageSize int64  // bytes; default 25 MiB
	LoopLimit      LoopLimit
	// VERP gives each roster copy an envelope sender naming its delivery,
	// one recipient per transaction, so that a bounce names the member
	// (default true); off, a roster goes out in transactions of up to 50
	// recipients.
	VERP bool
	// HoldDMARCFail holds mail whose trusted result is dmarc=fail for a
	// From domain publishing p=quarantine or p=reject (the gateway looks
	// the policy up into Message.DMARCPolicy).
	HoldDMARCFail bool
}

// LoopLimit is the circuit breaker: at most Relays relays of one thread in
// Window.
type LoopLimit struct {
	Relays int           // default 5
	Window time.Duration // default 60m
}

// Replies is how caucus members' replies are relayed to the inviter.
type Replies struct {
	RelayTo     string // "sender" (default: the inviter), "bureau" (its members), or an address
	From        string // "anyone" (default) or "members"
	StripQuotes bool
	Schedule    string // "immediate" (default) or a cron spec
	Digest      bool   // default true
	Review      bool
	TokenTTL    time.Duration // default 2160h
	// InviterAnswers is what happens to the inviter's answer to a relayed
	// reply: "forward" (default: to the caucus) or "hold" (for review).
	InviterAnswers string
	// ShowMembers is how relays and digests name a caucus member who
	// answered: "name" (default), "name_and_address" or "none".
	ShowMembers string
	// DailyCap is how many replies one thread relays in 24 hours before
	// the next is held (default 3; 0 for no cap).
	DailyCap int
}

// Defaults of the rules file (CONTRACT.md, "Keys").
const (
	defaultHoldExpiry     = 336 * time.Hour
	defaultMaxMessageSize = 25 << 20
	defaultLoopRelays     = 5
	defaultLoopWindow     = 60 * time.Minute
	defaultTokenTTL       = 2160 * time.Hour
	defaultDailyCap       = 3
	immediate             = "immediate"
)

// Bureau returns the bureau settings, defaults applied.
func (s *Set) Bureau() Bureau { return s.bureau }

// Forwarding returns the forwarding settings, defaults applied.
func (s *Set) Forwarding() Forwarding { return s.forwarding }

// Replies returns the reply-relay settings, defaults applied.
func (s *Set) Replies() Replies { return s.replies }

func (c *compiler) compileBureau(fb fileBureau) {
	b := Bureau{
		Members: lowerAll(fb.Members), Moderators: lowerAll(fb.Moderators),
		RequireAuth: or(strings.ToLower(fb.RequireAuth), "none"), TrustedAuthserv: fb.TrustedAuthserv,
		Verify:      or(strings.ToLower(fb.Verify), "authres"),
		TagKeywords: lowerAll(fb.TagKeywords), HoldOutsiderTags: fb.HoldOutsiderTags, HoldExpiry: fb.HoldExpiry,
	}
	if len(b.TagKeywords) == 0 {
		b.TagKeywords = []string{"caucus", "to"}
	}
	if b.HoldExpiry == 0 {
		b.HoldExpiry = defaultHoldExpiry
	}
	c.checkAddresses("bureau.members", fb.Members)
	c.checkAddresses("bureau.moderators", fb.Moderators)
	c.checkKeywords(b.TagKeywords)
	c.checkAuth(b)
	c.set.bureau = b
	c.set.trust = trust.Policy{Authserv: b.TrustedAuthserv, Local: b.Verify == "local"}
}

func (c *compiler) checkAuth(b Bureau) {
	switch b.RequireAuth {
	case "none":
		if len(b.Members) > 0 {
			c.warnf("bureau.members", "tags are accepted without require_auth: anyone can forge a member's From and route mail by tag; set require_auth: dkim (or dmarc) and trusted_authserv to your mail provider's authserv-id")
		}
	case "dkim", "dmarc":
		c.checkTrusted(b)
	default:
		c.errorf("bureau.require_auth", "require_auth must be none, dkim or dmarc, not %q", b.RequireAuth)
	}
	for i, p := range b.TrustedAuthserv {
		if err := trust.CheckPattern(p); err != nil {
			c.errorf(yamlfile.Index("bureau.trusted_authserv", i), "%v", err)
		}
	}
	if b.HoldOutsiderTags && len(b.Moderators) == 0 {
		c.warnf("bureau.hold_outsider_tags", "hold_outsider_tags holds messages, but bureau.moderators is empty: nobody is told of them")
	}
}

// checkTrusted checks where require_auth takes its results from.
func (c *compiler) checkTrusted(b Bureau) {
	switch b.Verify {
	case "authres":
		if len(b.TrustedAuthserv) == 0 {
			c.errorf("bureau.require_auth", "require_auth: %s needs trusted_authserv: the authserv-ids of your own mail provider's Authentication-Results (RFC 8601), or microsoft365; or verify: local with require_auth: dkim", b.RequireAuth)
		}
	case "local":
		if b.RequireAuth != "dkim" {
			c.errorf("bureau.verify", "verify: local verifies DKIM signatures only: use it with require_auth: dkim")
		}
	default:
		c.errorf("bureau.verify", "verify must be authres (your provider's Authentication-Results) or local (caucusgate verifies DKIM), not %q", b.Verify)
	}
}

func (c *compiler) checkKeywords(keywords []string) {
	for i, k := range keywords {
		if k == "" || strings.ContainsFunc(k, func(r rune) bool { return strings.ContainsRune(" \t[]:,", r) }) {
			c.errorf(yamlfile.Index("bureau.tag_keywords", i), "bad tag keyword %q: one word, without brackets, colons or commas", k)
		}
		if k == "fwd" || k == "fw" {
			c.errorf(yamlfile.Index("bureau.tag_keywords", i), "tag keyword %q would read old mailers' [Fwd: subject] as a tag", k)
		}
	}
}

func (c *compiler) checkAddresses(path string, list []string) {
	for i, a := range list {
		if !looksLikeAddress(a) {
			c.errorf(yamlfile.Index(path, i), "bad address %q: write a bare address such as ana@example.org", a)
		}
	}
}

func looksLikeAddress(a string) bool {
	local, domain, ok := strings.Cut(a, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(a, " \t\r\n<>,;\"*?")
}

func (c *compiler) compileForwarding(ff fileForwarding) {
	f := Forwarding{
		FromRewrite: or(ff.FromRewrite, "always"), Mode: or(ff.Mode, "resend"),
		MaxMessageSize: int64(ff.MaxMessageSize), LoopLimit: LoopLimit{Relays: ff.LoopLimit.Relays, Window: ff.LoopLimit.Window},
		VERP: ff.VERP == nil || *ff.VERP, HoldDMARCFail: ff.HoldDMARCFail,
	}
	if f.MaxMessageSize == 0 {
		f.MaxMessageSize = defaultMaxMessageSize
	}
	if f.LoopLimit.Relays == 0 {
		f.LoopLimit.Relays = defaultLoopRelays
	}
	if f.LoopLimit.Window == 0 {
		f.LoopLimit.Window = defaultLoopWindow
	}
	c.oneOf("forwarding.from_rewrite", f.FromRewrite, "always", "dmarc", "never")
	c.checkMode("forwarding.mode", f.Mode)
	if f.LoopLimit.Relays < 0 || f.LoopLimit.Window < 0 {
		c.errorf("forwarding.loop_limit", "loop_limit needs a positive relays count and window")
	}
	c.set.forwarding = f
}

func (c *compiler) compileReplies(fr fileReplies) {
	r := Replies{
		RelayTo: or(fr.RelayTo, "sender"), From: or(fr.From, "anyone"), StripQuotes: fr.StripQuotes,
		Schedule: or(fr.Schedule, immediate), Digest: fr.Digest == nil || *fr.Digest, Review: fr.Review, TokenTTL: fr.TokenTTL,
	}
	if r.TokenTTL == 0 {
		r.TokenTTL = defaultTokenTTL
	}
	r.InviterAnswers, r.ShowMembers, r.DailyCap = or(fr.InviterAnswers, "forward"), or(fr.ShowMembers, "name"), defaultDailyCap
	if fr.DailyCap != nil {
		r.DailyCap = *fr.DailyCap
	}
	c.oneOf("replies.inviter_answers", r.InviterAnswers, "forward", "hold")
	c.oneOf("replies.show_members", r.ShowMembers, "name", "name_and_address", "none")
	if r.DailyCap < 0 {
		c.errorf("replies.daily_cap", "daily_cap must be 0 (no cap) or more")
	}
	if r.RelayTo != "sender" && r.RelayTo != "bureau" && !looksLikeAddress(r.RelayTo) {
		c.errorf("replies.relay_to", "relay_to must be sender (the inviter), bureau (its members) or an address, not %q", r.RelayTo)
	}
	c.oneOf("replies.from", r.From, "anyone", "members")
	c.checkSchedule("replies.schedule", r.Schedule)
	if r.TokenTTL < 0 {
		c.errorf("replies.token_ttl", "token_ttl must be positive")
	}
	c.set.replies = r
}

func (c *compiler) checkMode(path, mode string) {
	c.oneOf(path, mode, "resend", "encapsulate", "redirect")
}

func (c *compiler) oneOf(path, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		c.errorf(path, "%q is not one of %s", value, strings.Join(allowed, ", "))
	}
}

func or(s, def string) string {
	if s = strings.TrimSpace(s); s == "" {
		return def
	}
	return s
}

func lowerAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}
