package benchforward

import (
	"strings"
	"testing"
	"time"
)

func TestSelectTools(t *testing.T) {
	sel, err := selectTools("pg, once,limit")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tl := range sel {
		got = append(got, tl.key)
	}
	if strings.Join(got, ",") != "pg,once,limit" {
		t.Errorf("selectTools kept %v, want the rows in the order named", got)
	}
	for _, bad := range []string{"once,sqlite", "once,once", ""} {
		if _, err := selectTools(bad); err == nil {
			t.Errorf("selectTools(%q) = nil error", bad)
		}
	}
}

func TestReportRatios(t *testing.T) {
	msgs := make([][]byte, 10)
	sel, err := selectTools("once,daemon,pg")
	if err != nil {
		t.Fatal(err)
	}
	out := report("c", msgs, sel, map[string][]result{
		"once": {{elapsed: 900 * time.Millisecond, cpu: 90 * time.Millisecond},
			{elapsed: 2 * time.Second, cpu: 300 * time.Millisecond},
			{elapsed: time.Second, cpu: 100 * time.Millisecond}},
		"daemon": {{elapsed: 2 * time.Second, cpu: 150 * time.Millisecond}},
		"pg":     {{elapsed: 1250 * time.Millisecond, cpu: 50 * time.Millisecond}},
	})
	for _, want := range []string{
		"daemon / run -once (SQLite): 0.50× msg/s, 1.50× CPU/msg",
		"PostgreSQL / SQLite (run -once): 0.80× msg/s, 0.50× CPU/msg",
		"caucusgate run -once                      10.0        -          10.00   11.1/9.00 5.0/30.00 10.0/10.00\n",
		"caucusgate run -once, PostgreSQL           8.0        -           5.00   8.0/5.00\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "caucusgate / fetchmail") {
		t.Errorf("report gives a ratio to fetchmail, which was not measured:\n%s", out)
	}
}
