package rules

import (
	"fmt"
	"strconv"
	"strings"
)

// ByteSize is a size in bytes, written in a rules file as a number with an
// optional unit: 25MiB, 500KiB, 10MB, 2048.
type ByteSize int64

var byteUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"k", 1000}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

// UnmarshalText parses a size such as 25MiB.
func (s *ByteSize) UnmarshalText(b []byte) error {
	n, err := parseByteSize(string(b))
	if err != nil {
		return err
	}
	*s = ByteSize(n)
	return nil
}

func parseByteSize(text string) (int64, error) {
	t := strings.TrimSpace(text)
	factor := int64(1)
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, factor = strings.TrimSpace(num), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/factor {
		return 0, fmt.Errorf("bad size %q: write a number and a unit, such as 25MiB, 500KiB or 10MB", text)
	}
	return n * factor, nil
}

// rejectSpec is a rule's reject action: `reject: true` sends the default
// notice, `reject: "text"` sends text (a Go text/template over the message).
type rejectSpec struct {
	set    bool
	notice string
}

// UnmarshalText reads true, false, or a notice template.
func (r *rejectSpec) UnmarshalText(b []byte) error {
	switch s := string(b); s {
	case "false", "":
		*r = rejectSpec{}
	case "true":
		*r = rejectSpec{set: true}
	default:
		*r = rejectSpec{set: true, notice: s}
	}
	return nil
}

// MarshalText writes the spec as it was read, for Diff's fingerprints.
func (r rejectSpec) MarshalText() ([]byte, error) {
	switch {
	case !r.set:
		return []byte("false"), nil
	case r.notice == "":
		return []byte("true"), nil
	}
	return []byte(r.notice), nil
}
