package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"caucusgate/queue"
)

// keysConfig is the config's `keys` section: where the key-encryption key
// that wraps the token signing keys in the store comes from (issue 9).
type keysConfig struct {
	WrapKeyFile string `yaml:"wrap_key_file"`
	WrapKeyEnv  string `yaml:"wrap_key_env"`
}

// wrapKeySetting names the config key the wrap key comes from, for
// messages; empty when none is configured.
func (cfg *config) wrapKeySetting() string {
	switch k := cfg.file.Keys; {
	case k.WrapKeyFile != "":
		return "keys.wrap_key_file"
	case k.WrapKeyEnv != "":
		return "keys.wrap_key_env"
	}
	return ""
}

// wrapKey reads the configured wrap key; nil when none is configured.
func (cfg *config) wrapKey() ([]byte, error) {
	k := cfg.file.Keys
	var text string
	switch {
	case k.WrapKeyFile != "" && k.WrapKeyEnv != "":
		return nil, errors.New("keys: set wrap_key_file or wrap_key_env, not both")
	case k.WrapKeyFile != "":
		b, err := os.ReadFile(cfg.resolve(k.WrapKeyFile))
		if err != nil {
			return nil, fmt.Errorf("keys.wrap_key_file: %w", err)
		}
		text = string(b)
	case k.WrapKeyEnv != "":
		v, ok := os.LookupEnv(k.WrapKeyEnv)
		if !ok {
			return nil, fmt.Errorf("keys.wrap_key_env: environment variable %s is not set", k.WrapKeyEnv)
		}
		text = v
	default:
		return nil, nil
	}
	key, err := parseWrapKey(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.wrapKeySetting(), err)
	}
	return key, nil
}

// parseWrapKey accepts 32 bytes written in hex (`openssl rand -hex 32`) or
// base64 (`openssl rand -base64 32`), surrounding white space ignored.
func parseWrapKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if b, err := hex.DecodeString(text); err == nil && len(b) == queue.WrapKeySize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(text); err == nil && len(b) == queue.WrapKeySize {
		return b, nil
	}
	return nil, fmt.Errorf("want %d random bytes in hex or base64 (make them with: openssl rand -hex 32)", queue.WrapKeySize)
}

// openStore opens the config's store with its wrap key; opts gives the
// rest. A wrap key that does not open the stored keys is an error naming
// the setting: new keys would invalidate every token already sent.
func (cfg *config) openStore(ctx context.Context, opts queue.Options) (*queue.Store, error) {
	key, err := cfg.wrapKey()
	if err != nil {
		return nil, err
	}
	opts.DSN, opts.WrapKey = cfg.storeDSN(), key
	store, err := queue.Open(ctx, opts)
	switch {
	case errors.Is(err, queue.ErrWrongWrapKey):
		return nil, fmt.Errorf("%w than %s gives; restore the one they were wrapped with (new keys would invalidate every token sent)", err, cfg.wrapKeySetting())
	case errors.Is(err, queue.ErrWrapKeyMissing):
		return nil, fmt.Errorf("%w: set keys.wrap_key_file or keys.wrap_key_env to the wrap key", err)
	}
	return store, err
}

// checkWrapKey is `check`'s word on the wrap key: unreadable or malformed
// is an error, an unset variable a warning (as for password_env), and
// none configured a warning that the token keys are stored unencrypted.
func checkWrapKey(cfg *config) []problem {
	k := cfg.file.Keys
	if k.WrapKeyFile == "" && k.WrapKeyEnv == "" {
		return []problem{{Path: "keys", Warning: true, Message: "token signing keys are stored unencrypted in the store; " +
			"set keys.wrap_key_file or keys.wrap_key_env to wrap them (make a key with: openssl rand -hex 32)"}}
	}
	if k.WrapKeyEnv != "" && k.WrapKeyFile == "" {
		if _, ok := os.LookupEnv(k.WrapKeyEnv); !ok {
			return []problem{{Path: "keys.wrap_key_env", Warning: true,
				Message: fmt.Sprintf("environment variable %s is not set here; run fails unless its environment sets it", k.WrapKeyEnv)}}
		}
	}
	if _, err := cfg.wrapKey(); err != nil {
		return []problem{{Path: cfg.wrapKeySetting(), Message: err.Error()}}
	}
	return nil
}
