package rules

import "time"

// The YAML shapes of a rules file. Unknown keys are errors (see
// internal/yamlfile); the compiled forms are in set.go and the files they
// name.

type fileRoot struct {
	Caucuses   []fileCaucus   `yaml:"caucuses"`
	Bureau     fileBureau     `yaml:"bureau"`
	Forwarding fileForwarding `yaml:"forwarding"`
	Rules      []fileRule     `yaml:"rules"`
	Replies    fileReplies    `yaml:"replies"`
}

type fileCaucus struct {
	ID            string   `yaml:"id"`
	Name          string   `yaml:"name"`
	Address       string   `yaml:"address"`
	Members       []string `yaml:"members"`
	Tags          []string `yaml:"tags"`
	Moderators    []string `yaml:"moderators"`
	Mode          string   `yaml:"mode"`
	SubjectPrefix string   `yaml:"subject_prefix"`
	Schedule      string   `yaml:"schedule"`
	ReplySchedule string   `yaml:"reply_schedule"`
	ListID        string   `yaml:"list_id"`
	Responders    []string `yaml:"responders"`
}

type fileBureau struct {
	Members          []string      `yaml:"members"`
	Moderators       []string      `yaml:"moderators"`
	RequireAuth      string        `yaml:"require_auth"`
	TrustedAuthserv  []string      `yaml:"trusted_authserv"`
	Verify           string        `yaml:"verify"`
	TagKeywords      []string      `yaml:"tag_keywords"`
	HoldOutsiderTags bool          `yaml:"hold_outsider_tags"`
	HoldExpiry       time.Duration `yaml:"hold_expiry"`
}

type fileForwarding struct {
	FromRewrite    string        `yaml:"from_rewrite"`
	Mode           string        `yaml:"mode"`
	MaxMessageSize ByteSize      `yaml:"max_message_size"`
	LoopLimit      fileLoopLimit `yaml:"loop_limit"`
	VERP           *bool         `yaml:"verp"`
	HoldDMARCFail  bool          `yaml:"hold_dmarc_fail"`
}

type fileLoopLimit struct {
	Relays int           `yaml:"relays"`
	Window time.Duration `yaml:"window"`
}

type fileRule struct {
	Name          string     `yaml:"name"`
	When          *fileWhen  `yaml:"when"`
	Forward       []string   `yaml:"forward"`
	Hold          bool       `yaml:"hold"`
	Reject        rejectSpec `yaml:"reject"`
	Discard       bool       `yaml:"discard"`
	Stop          bool       `yaml:"stop"`
	Schedule      string     `yaml:"schedule"`
	ReplySchedule string     `yaml:"reply_schedule"`
	Mode          string     `yaml:"mode"`
}

// fileWhen is one condition block: every key present must match.
type fileWhen struct {
	From       string            `yaml:"from"`
	To         string            `yaml:"to"`
	Cc         string            `yaml:"cc"`
	Subject    string            `yaml:"subject"`
	Header     map[string]string `yaml:"header"`
	Body       string            `yaml:"body"`
	ListID     string            `yaml:"list_id"`
	Attachment string            `yaml:"attachment"`
	Size       string            `yaml:"size"`
	// Authenticated matches when the sender is (true) or is not (false)
	// authenticated under bureau.require_auth.
	Authenticated *bool      `yaml:"authenticated"`
	Any           []fileWhen `yaml:"any"`
	All           []fileWhen `yaml:"all"`
	Not           *fileWhen  `yaml:"not"`
}

type fileReplies struct {
	RelayTo     string        `yaml:"relay_to"`
	From        string        `yaml:"from"`
	StripQuotes bool          `yaml:"strip_quotes"`
	Schedule    string        `yaml:"schedule"`
	Digest      *bool         `yaml:"digest"`
	Review      bool          `yaml:"review"`
	TokenTTL    time.Duration `yaml:"token_ttl"`
	// InviterAnswers, ShowMembers and DailyCap: see Replies.
	InviterAnswers string `yaml:"inviter_answers"`
	ShowMembers    string `yaml:"show_members"`
	DailyCap       *int   `yaml:"daily_cap"`
}
