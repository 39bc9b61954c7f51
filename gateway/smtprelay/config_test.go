package smtprelay

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // fragments of the error; none: valid
	}{
		{"minimal", Config{URL: &url.URL{Scheme: "smtp", Host: "127.0.0.1:25"}}, nil},
		{"no URL", Config{}, []string{"no relay URL"}},
		{"bad scheme and no host", Config{URL: &url.URL{Scheme: "http"}},
			[]string{`scheme "http"`, "no host"}},
		{"credentials in URL", Config{URL: &url.URL{Scheme: "smtps", Host: "h", User: url.UserPassword("u", "p")}},
			[]string{"carries credentials"}},
		{"password and token", Config{URL: &url.URL{Scheme: "smtps", Host: "h"}, Username: "u",
			Password: "p", Token: &tokenList{}}, []string{"choose one"}},
		{"password without user", Config{URL: &url.URL{Scheme: "smtps", Host: "h"}, Password: "p"},
			[]string{"without a username"}},
		{"negative numbers", Config{URL: &url.URL{Scheme: "smtps", Host: "h"}, Sessions: -1, Rate: -2},
			[]string{"negative sessions -1", "negative rate -2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("New: %v, want ErrConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "p@") || strings.Contains(err.Error(), ":p") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{URL: &url.URL{Scheme: "smtps", Host: "mail.example.org"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sessions != 4 || cfg.MaxPerConnection != 100 || cfg.Hostname == "" ||
		cfg.CommandTimeout.Minutes() != 5 || cfg.DataTimeout.Minutes() != 10 || cfg.IdleTimeout.Seconds() != 30 {
		t.Errorf("defaults %+v", cfg)
	}
	if got := cfg.address(); got != "mail.example.org:465" {
		t.Errorf("smtps address %q, want port 465", got)
	}
	if got := (Config{URL: &url.URL{Scheme: "smtp", Host: "mail.example.org"}}).address(); got != "mail.example.org:25" {
		t.Errorf("smtp address %q, want port 25", got)
	}
}
