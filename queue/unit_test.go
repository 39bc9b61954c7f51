package queue

import (
	"strings"
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, sqlite, postgres string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ?", "x = '?' AND y = ?", "x = '?' AND y = $1"},
		{`"we?rd" = ?`, `"we?rd" = ?`, `"we?rd" = $1`},
		{"'it''s?' || ?", "'it''s?' || ?", "'it''s?' || $1"},
	}
	for _, tt := range tests {
		if got := dialectSQLite.rebind(tt.in); got != tt.sqlite {
			t.Errorf("sqlite rebind(%q) = %q, want %q", tt.in, got, tt.sqlite)
		}
		if got := dialectPostgres.rebind(tt.in); got != tt.postgres {
			t.Errorf("postgres rebind(%q) = %q, want %q", tt.in, got, tt.postgres)
		}
	}
}

func FuzzRebind(f *testing.F) {
	for _, s := range []string{"a = ?", "'?' ?", `"?"'?'??`, "'unterminated ?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		out := dialectPostgres.rebind(q)
		if strings.Count(out, "?") > strings.Count(q, "?") {
			t.Fatalf("rebind(%q) = %q added question marks", q, out)
		}
		if !strings.Contains(q, "?") && out != q {
			t.Fatalf("rebind(%q) = %q changed a query without placeholders", q, out)
		}
	})
}

func TestDialectOf(t *testing.T) {
	tests := map[string]dialect{
		"./caucusgate.db":                     dialectSQLite,
		"/var/lib/caucusgate/state.db":        dialectSQLite,
		"postgres://u@h/db":                   dialectPostgres,
		"postgresql://u@h/db?sslmode=disable": dialectPostgres,
	}
	for dsn, want := range tests {
		if got := dialectOf(dsn); got != want {
			t.Errorf("dialectOf(%q) = %v, want %v", dsn, got, want)
		}
	}
}

func TestSQLiteDSNEscapesPath(t *testing.T) {
	got := sqliteDSN("/tmp/a dir/x?y#z.db")
	if !strings.HasPrefix(got, "file:/tmp/a%20dir/x%3Fy%23z.db?_pragma=journal_mode(WAL)") {
		t.Errorf("sqliteDSN = %q", got)
	}
}

func TestDefaultRetryPolicy(t *testing.T) {
	p := DefaultRetryPolicy()
	p.Jitter = 0
	want := []time.Duration{time.Minute, 7*time.Minute + 30*time.Second, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 4 * time.Hour, 4 * time.Hour}
	var total time.Duration
	for i, w := range want {
		if got := p.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	for failed := 1; failed < p.MaxAttempts(); failed++ {
		total += p.Delay(failed)
	}
	if total > 72*time.Hour || total+4*time.Hour <= 72*time.Hour {
		t.Errorf("MaxAttempts %d spans %v of retries, want just under 72h", p.MaxAttempts(), total)
	}
	jittered := DefaultRetryPolicy()
	for range 100 {
		if d := jittered.Delay(3); d < 13*time.Minute+30*time.Second || d > 16*time.Minute+30*time.Second {
			t.Fatalf("jittered Delay(3) = %v, want 15 min ± 10%%", d)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- comment; with semicolon\nCREATE TABLE a (x INT);\n\nCREATE INDEX b ON a (x);\n")
	if len(got) != 2 || got[0] != "CREATE TABLE a (x INT)" || got[1] != "CREATE INDEX b ON a (x)" {
		t.Errorf("splitStatements = %q", got)
	}
}

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	base := &StoreInUseError{Path: "x"}
	err := Permanent(base)
	if !IsPermanent(err) || IsPermanent(base) {
		t.Error("IsPermanent does not tell marked from unmarked errors")
	}
	if d, ok := retryAfter(tempErr{after: time.Minute}); !ok || d != time.Minute {
		t.Errorf("retryAfter = %v, %v", d, ok)
	}
}
