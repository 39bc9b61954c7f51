package bounce

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/token"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenAccount is the bureau account of every testdata report; the VERP
// and reply tokens in them were sealed by goldenKey.
const goldenAccount = "bureau@example.org"

var goldenKey = []byte("caucusgate golden test key")

// liveToken is the Bounce token for delivery 4711 that the testdata
// reports carry (postfix-live.eml got it by writeLive).
const liveToken = "mltsjeartau4bfixevw2mm5c"

// golden is what the golden files record of a Parse.
type golden struct {
	OK          bool     `json:"ok"`
	Report      *Report  `json:"report,omitempty"`
	IsReport    bool     `json:"is_delivery_report"`
	VERPTokens  []string `json:"verp_tokens,omitempty"`
	TokenOpens  string   `json:"token_opens,omitempty"`
	ClassOfEach []string `json:"classes,omitempty"`
}

func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	keys, err := token.NewKeyring(goldenKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := marshal(t, describe(raw, keys))
			checkGolden(t, strings.TrimSuffix(file, ".eml")+".json", got)
		})
	}
}

func describe(raw []byte, keys *token.Keyring) golden {
	r, ok := Parse(raw)
	header := readHeader(string(raw))
	g := golden{OK: ok, Report: r, IsReport: IsDeliveryReport(header)}
	g.VERPTokens = VERPTokens(r, goldenAccount, header)
	if len(g.VERPTokens) > 0 {
		at := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
		tok, err := keys.Open(g.VERPTokens[0], at)
		g.TokenOpens = tok.Kind.String()
		if err != nil {
			g.TokenOpens = err.Error()
		}
	}
	if r != nil {
		for _, rc := range r.Recipients {
			g.ClassOfEach = append(g.ClassOfEach, rc.Address+": "+rc.Class.String())
		}
	}
	return g
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestLiveTokenIsGenuine keeps liveToken honest: it must be what goldenKey
// seals for delivery 4711.
func TestLiveTokenIsGenuine(t *testing.T) {
	t.Parallel()
	keys, err := token.NewKeyring(goldenKey)
	if err != nil {
		t.Fatal(err)
	}
	want := keys.Seal(token.Token{Kind: token.Bounce, ID: 4711, Expires: time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)})
	if liveToken != want {
		t.Errorf("liveToken = %q, goldenKey seals %q", liveToken, want)
	}
}
