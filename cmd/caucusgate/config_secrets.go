package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"regexp"
)

// checkSecretSources is what `check` adds to the config's checks: every
// file holding a secret, key or certificate exists, is readable and is not
// empty (a certificate and its key also match; a DKIM key parses), so that
// `run` does not fail on one after `check` said the config is fine. An
// unset *_env variable is a warning, not an error: like `postfix check`,
// `check` usually runs in an admin's shell, not in the service's
// environment (systemd Environment=, EnvironmentFile=), and `run` says
// so with exit status 1 if the variable is still unset there.
func checkSecretSources(cfg *config) []problem {
	var ps []problem
	add := func(warning bool, path, format string, args ...any) {
		ps = append(ps, problem{Path: path, Message: fmt.Sprintf(format, args...), Warning: warning})
	}
	secret := func(p, env, file string) {
		if env != "" {
			if _, ok := os.LookupEnv(env); !ok {
				add(true, p+".password_env", "environment variable %s is not set here; run fails unless its environment sets it", env)
			}
		}
		if file != "" {
			cfg.checkFile(p+".password_file", "password_file", file, add)
		}
	}
	for i, a := range cfg.file.Accounts {
		secret(fmt.Sprintf("accounts[%d]", i), a.PasswordEnv, a.PasswordFile)
	}
	secret("relay", cfg.file.Relay.PasswordEnv, cfg.file.Relay.PasswordFile)
	secret("admin", cfg.file.Admin.PasswordEnv, cfg.file.Admin.PasswordFile)
	cfg.checkTLSPair(add)
	ps = append(ps, checkWrapKey(cfg)...)
	if cfg.file.DKIM.PrivateKeyFile != "" && cfg.checkFile("dkim.private_key_file", "private_key_file", cfg.file.DKIM.PrivateKeyFile, add) {
		if _, err := dkimSigner(cfg); err != nil {
			add(false, "dkim.private_key_file", "%v", err)
		}
	}
	return ps
}

// checkFile reports a file that cannot be read or is empty; true when it is
// fine.
func (cfg *config) checkFile(path, key, file string, add func(bool, string, string, ...any)) bool {
	b, err := os.ReadFile(cfg.resolve(file))
	switch {
	case err != nil:
		add(false, path, "%s: %v", key, err)
		return false
	case len(b) == 0:
		add(false, path, "%s: %s is empty", key, cfg.resolve(file))
		return false
	}
	return true
}

func (cfg *config) checkTLSPair(add func(bool, string, string, ...any)) {
	a := cfg.file.Admin
	if a.TLSCert == "" || a.TLSKey == "" {
		return // checkAdmin reports one without the other
	}
	certOK := cfg.checkFile("admin.tls_cert", "tls_cert", a.TLSCert, add)
	keyOK := cfg.checkFile("admin.tls_key", "tls_key", a.TLSKey, add)
	if certOK && keyOK {
		if _, err := tls.LoadX509KeyPair(cfg.resolve(a.TLSCert), cfg.resolve(a.TLSKey)); err != nil {
			add(false, "admin.tls_cert", "tls_cert and tls_key: %v", err)
		}
	}
}

// Secrets in the lines `check` shows: the value of a key that holds one
// (password, secret, token...; not *_env, *_file or *_command, which name
// where it is), and the password of a URL's user information.
var (
	secretKeyLine = regexp.MustCompile(`(?i)^(\s*(?:-\s+)?["']?[\w-]*(?:password|passwd|secret|token|api_?key|credentials?)["']?\s*:\s*)(\S.*)$`)
	urlPassword   = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]*:)([^\s/@]+)@`)
)

const secretMask = "********"

// maskSecrets returns src with every secret value replaced by asterisks,
// line by line, so that line and column numbers still point where they
// did.
func maskSecrets(src []byte) []byte {
	if src == nil {
		return nil
	}
	lines := regexp.MustCompile(`\r?\n`).Split(string(src), -1)
	out := make([]byte, 0, len(src))
	for i, line := range lines {
		if i > 0 {
			out = append(out, '\n')
		}
		out = append(out, maskLine(line)...)
	}
	return out
}

func maskLine(line string) string {
	line = urlPassword.ReplaceAllString(line, "${1}"+secretMask+"@")
	if m := secretKeyLine.FindStringSubmatch(line); m != nil && !isSecretReference(m[1]) {
		return m[1] + secretMask
	}
	return line
}

// isSecretReference reports a key that names where a secret is, not the
// secret: password_env, password_file, token_command.
func isSecretReference(key string) bool {
	return regexp.MustCompile(`(?i)_(env|file|command)["']?\s*:\s*$`).MatchString(key)
}

// maskURLPasswords masks the passwords of URLs in text: diagnostics may
// quote a URL.
func maskURLPasswords(text []byte) []byte {
	return urlPassword.ReplaceAll(text, []byte("${1}"+secretMask+"@"))
}
