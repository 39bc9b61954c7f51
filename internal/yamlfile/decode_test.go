package yamlfile

import (
	"bytes"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden *.err files")

// testConfig has the shapes a real config has: nested structs, lists of
// structs, maps, durations, numbers, booleans, a text unmarshaler and an
// inlined struct.
type testConfig struct {
	Store    string            `yaml:"store"`
	Listen   string            `yaml:"listen"`
	Accounts []testAccount     `yaml:"accounts"`
	Relay    *testRelay        `yaml:"relay"`
	Labels   map[string]string `yaml:"labels"`
	Any      any               `yaml:"any"`
	Timeout  time.Duration     `yaml:"timeout"`
	Ratio    float64           `yaml:"ratio"`
}

type testAccount struct {
	Name      string        `yaml:"name"`
	IMAP      string        `yaml:"imap"`
	Mailboxes []string      `yaml:"mailboxes"`
	Idle      bool          `yaml:"idle"`
	Poll      time.Duration `yaml:"poll_interval"`
	Bind      netip.Addr    `yaml:"bind"`
}

type testRelay struct {
	CommonFields `yaml:",inline"`
	Sessions     int    `yaml:"sessions"`
	Port         uint16 `yaml:"port"`
	skipped      int
}

type CommonFields struct {
	URL      string `yaml:"url"`
	Username string `yaml:"username"`
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var cfg testConfig
			diags := Decode(file, src, &cfg)
			var out bytes.Buffer
			if err := diags.Render(&out, src); err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".err", out.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestDecodeValid(t *testing.T) {
	src := []byte(`
defaults: &acct
  idle: false
  mailboxes: [INBOX]
store: ./x.db
accounts:
  - <<: *acct
    name: bureau
    imap: imap://127.0.0.1:143
    poll_interval: 90s
    bind: 127.0.0.1
relay: {url: "smtp://h", sessions: 8, port: 25}
labels: {a.b: c}
timeout: 1m
ratio: 2
`)
	type withDefaults struct {
		Config   testConfig `yaml:",inline"`
		Defaults any        `yaml:"defaults"`
	}
	var cfg withDefaults
	pos, diags := DecodeWithPositions("c.yaml", src, &cfg)
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	a := cfg.Config.Accounts[0]
	if a.Name != "bureau" || a.Poll != 90*time.Second || a.Idle || len(a.Mailboxes) != 1 || a.Bind.String() != "127.0.0.1" {
		t.Errorf("account decoded wrong: %+v", a)
	}
	if cfg.Config.Relay.URL != "smtp://h" || cfg.Config.Relay.Sessions != 8 || cfg.Config.Timeout != time.Minute || cfg.Config.Labels["a.b"] != "c" {
		t.Errorf("decoded wrong: %+v %+v", cfg.Config, cfg.Config.Relay)
	}
	for path, want := range map[string]Pos{
		"accounts[0].imap":         {9, 11},
		"accounts[0]":              {7, 5},
		"accounts[0].mailboxes[0]": {4, 15},
		"relay.sessions":           {12, 36},
		`labels["a.b"]`:            {13, 15},
	} {
		if got, ok := pos.Lookup(path); !ok || got != want {
			t.Errorf("Lookup(%q) = %v, %v; want %v", path, got, ok, want)
		}
	}
	if got := pos.Nearest("accounts[0].token_command"); got != (Pos{7, 5}) {
		t.Errorf("Nearest of a missing key = %v, want its parent at 7:5", got)
	}
	d := pos.Errorf("accounts[0].imap", "plaintext auth to %s", "h")
	if d.String() != "c.yaml:9:11: plaintext auth to h" || d.Severity != Error {
		t.Errorf("Errorf = %q", d)
	}
	if w := pos.Warnf("store", "x"); w.String() != "c.yaml:5:8: warning: x" || w.Severity != Warning {
		t.Errorf("Warnf = %q", w)
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "---\n"} {
		cfg := testConfig{Store: "kept"}
		if diags := Decode("e.yaml", []byte(src), &cfg); len(diags) != 0 || cfg.Store != "kept" {
			t.Errorf("Decode(%q) = %v, store %q", src, diags, cfg.Store)
		}
	}
}

func TestDecodeNotPointer(t *testing.T) {
	diags := Decode("x.yaml", []byte("a: 1"), testConfig{})
	if !diags.HasErrors() {
		t.Fatal("decoding into a non-pointer must fail")
	}
}

func TestErr(t *testing.T) {
	warn := Diagnostics{{File: "f", Line: 1, Column: 2, Message: "w", Severity: Warning}}
	if err := warn.Err(); err != nil {
		t.Errorf("warnings alone gave error %v", err)
	}
	two := append(warn, Diagnostic{File: "f", Line: 3, Column: 4, Message: "e1"}, Diagnostic{File: "f", Line: 5, Column: 6, Message: "e2"})
	err := two.Err()
	var ie *InvalidError
	if !errors.As(err, &ie) || len(ie.Diagnostics) != 2 || !IsInvalid(err) {
		t.Fatalf("Err() = %v", err)
	}
	if err.Error() != "f:3:4: e1 (and 1 more)" {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	var v map[string]any
	diags := Decode("laughs.yaml", []byte(b.String()), &v)
	if !diags.HasErrors() || !strings.Contains(diags.String(), "too many aliases") {
		t.Errorf("alias bomb not refused: %s", diags)
	}
}

func TestPathHelpers(t *testing.T) {
	for _, tc := range []struct{ path, parent string }{
		{"a.b", "a"}, {"a[3]", "a"}, {`a["x.y"]`, "a"}, {"a", ""}, {"", ""}, {`a["x"].b[2]`, `a["x"].b`},
	} {
		if got := parent(tc.path); got != tc.parent {
			t.Errorf("parent(%q) = %q, want %q", tc.path, got, tc.parent)
		}
	}
	if got := Key(Index("rules", 2), "when"); got != "rules[2].when" {
		t.Errorf("Key/Index = %q", got)
	}
	if got := Key("header", "X.Y"); got != `header["X.Y"]` {
		t.Errorf("Key with dot = %q", got)
	}
}

func TestDecodePartial(t *testing.T) {
	for _, tc := range []struct {
		file    string
		decoded bool
		check   func(c testConfig) bool
	}{
		{"testdata/unknown_keys.yaml", true, func(c testConfig) bool {
			return c.Store == "./db" && len(c.Accounts) == 2 && c.Accounts[1].Name == "second" && c.Relay.URL == "smtp://h" && c.Relay.Username == "u"
		}},
		{"testdata/types.yaml", true, func(c testConfig) bool {
			return c.Store == "" && c.Accounts == nil && c.Relay != nil && c.Relay.Sessions == 0 && c.Timeout == 0
		}},
		{"testdata/types_nested.yaml", true, func(c testConfig) bool {
			return len(c.Accounts) == 2 && c.Accounts[0].Name == "a" && c.Accounts[1].Name == "" && len(c.Accounts[1].Mailboxes) == 0
		}},
		{"testdata/quote_alias.yaml", true, func(c testConfig) bool { return c.Accounts[0].Name == "x" && c.Accounts[0].IMAP == "" }},
		{"testdata/syntax.yaml", false, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			src, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			var cfg testConfig
			_, diags, decoded := DecodePartial(tc.file, src, &cfg)
			full := Decode(tc.file, src, &testConfig{})
			if diags.String() != full.String() {
				t.Errorf("partial decoding changed the diagnostics:\n%s\nvs\n%s", diags, full)
			}
			if decoded != tc.decoded {
				t.Fatalf("decoded = %v, want %v", decoded, tc.decoded)
			}
			if tc.check != nil && !tc.check(cfg) {
				t.Errorf("sound part decoded wrong: %+v", cfg)
			}
		})
	}
}

// TestQuotedScalarsAreText: a quoted "t", "1" or "0x1F" is text: the
// checker refuses it where a bool or number is wanted, in one pass, rather
// than letting goccy refuse it one error a run.
func TestQuotedScalarsAreText(t *testing.T) {
	src := []byte("accounts:\n  - idle: \"t\"\n  - idle: \"1\"\nrelay:\n  sessions: \"0x1F\"\n  port: \"31\"\nratio: \"1.5\"\n")
	var cfg testConfig
	diags := Decode("f.yaml", src, &cfg)
	got := diags.String()
	for _, want := range []string{"f.yaml:2:11: accounts[0].idle: expected true or false", "f.yaml:3:11: accounts[1].idle: expected true or false",
		"f.yaml:5:13: relay.sessions: expected a whole number", "f.yaml:6:9: relay.port: expected a whole number", "f.yaml:7:8: ratio: expected a number"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if n := len(diags.Errors()); n != 5 || !strings.Contains(got, "remove the quotes") {
		t.Errorf("%d errors, want 5 with a hint:\n%s", n, got)
	}
}

// TestTagsAgree is FuzzDecode's finding: a tagged list item made Decode and
// DecodePartial report differently.
func TestTagsAgree(t *testing.T) {
	src := []byte("accounts:\n  - !00000\n00000000: 00")
	diags := Decode("f.yaml", src, &testConfig{})
	_, partial, _ := DecodePartial("f.yaml", src, &testConfig{})
	if diags.String() != partial.String() || !strings.Contains(diags.String(), "f.yaml:2:5: YAML tag !00000") {
		t.Fatalf("Decode:\n%s\nDecodePartial:\n%s", diags, partial)
	}
}
