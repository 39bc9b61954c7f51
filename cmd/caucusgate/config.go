package main

// fileConfig is the config file as admins write it (CONTRACT.md, "Config
// file"). Only this package knows it: it is turned into the Go structs the
// gateway and queue packages take.
type fileConfig struct {
	Store        string          `yaml:"store"`
	Listen       string          `yaml:"listen"`
	PublicListen string          `yaml:"public_listen"`
	PublicURL    string          `yaml:"public_url"`
	Notify       string          `yaml:"notify"`
	Admin        adminConfig     `yaml:"admin"`
	Accounts     []accountConfig `yaml:"accounts"`
	Relay        relayConfig     `yaml:"relay"`
	DKIM         dkimConfig      `yaml:"dkim"`
	Rules        string          `yaml:"rules"`
	Retention    string          `yaml:"retention"`
	Invitations  inviteConfig    `yaml:"invitations"`
	// DisplayTimezone is the zone times are shown in (CLI, admin pages,
	// notices); empty: the host's.
	DisplayTimezone string `yaml:"display_timezone"`
	// Bounce scoring, named as Mailman 3 names its per-list settings; here
	// they hold for every roster address, since an address's score counts
	// across all the caucuses it belongs to.
	BounceScoreThreshold *float64    `yaml:"bounce_score_threshold"`
	BounceInfoStaleAfter string      `yaml:"bounce_info_stale_after"`
	Keys                 keysConfig  `yaml:"keys"`
	Lists                listsConfig `yaml:"lists"`
}

type adminConfig struct {
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	TLSCert      string `yaml:"tls_cert"`
	TLSKey       string `yaml:"tls_key"`
	Insecure     bool   `yaml:"insecure"`
}

type accountConfig struct {
	Name         string   `yaml:"name"`
	IMAP         string   `yaml:"imap"`
	Username     string   `yaml:"username"`
	PasswordEnv  string   `yaml:"password_env"`
	PasswordFile string   `yaml:"password_file"`
	TokenCommand string   `yaml:"token_command"`
	Address      string   `yaml:"address"`
	Mailboxes    []string `yaml:"mailboxes"`
	Start        string   `yaml:"start"`
	IDLE         *bool    `yaml:"idle"`
	PollInterval string   `yaml:"poll_interval"`
	DoneMailbox  string   `yaml:"done_mailbox"`
	Insecure     bool     `yaml:"insecure"`
}

type relayConfig struct {
	URL          string `yaml:"url"`
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	TokenCommand string `yaml:"token_command"`
	Sessions     int    `yaml:"sessions"`
	Workers      int    `yaml:"workers"`
	Rate         int    `yaml:"rate"`
	DailyLimit   int    `yaml:"daily_limit"`
	Hostname     string `yaml:"hostname"`
	Insecure     bool   `yaml:"insecure"`
}

type dkimConfig struct {
	Domain         string `yaml:"domain"`
	Selector       string `yaml:"selector"`
	PrivateKeyFile string `yaml:"private_key_file"`
}

// Defaults the contract names.
const (
	defaultStore        = "./caucusgate.db"
	defaultRules        = "rules.yaml"
	defaultPollInterval = "60s"
	defaultSessions     = 4
	defaultRetention    = "2160h"
)
