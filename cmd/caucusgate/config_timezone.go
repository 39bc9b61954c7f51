package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"caucusgate/internal/typo"
)

// displayLocation is display_timezone loaded: an IANA zone name such as
// Europe/Paris, or the host's zone when empty.
func displayLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err == nil {
		return loc, nil
	}
	hint := ""
	if near, ok := closestZone(name, zoneNames()); ok {
		hint = fmt.Sprintf(" (did you mean %s?)", near)
	}
	return nil, fmt.Errorf("display_timezone %q is not a known time zone%s: want an IANA name such as Europe/Paris or UTC, or nothing for the host's zone", name, hint)
}

// zoneNames lists the zones of the host's zoneinfo, for a did-you-mean
// after a mistyped name; empty when the host has none.
func zoneNames() []string {
	dir := os.Getenv("ZONEINFO")
	if dir == "" {
		dir = "/usr/share/zoneinfo"
	}
	var names []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || !zoneLike(rel) {
			return nil
		}
		names = append(names, rel)
		return nil
	})
	return names
}

// zoneLike keeps zone names (Europe/Paris, UTC), not the posix/ and right/
// copies or the tables (zone.tab, leapseconds) beside them.
func zoneLike(rel string) bool {
	first := strings.SplitN(rel, string(filepath.Separator), 2)[0]
	if first == "posix" || first == "right" || first == "Etc" && strings.Contains(rel, "+") {
		return false
	}
	base := filepath.Base(rel)
	return base != "" && base[0] >= 'A' && base[0] <= 'Z' && !strings.Contains(base, ".")
}

// closestZone is the zone name nearest to name, ignoring case, so that
// "europe/pairs" finds Europe/Paris.
func closestZone(name string, names []string) (string, bool) {
	byLower := make(map[string]string, len(names))
	lower := make([]string, 0, len(names))
	for _, n := range names {
		byLower[strings.ToLower(n)] = n
		lower = append(lower, strings.ToLower(n))
	}
	near, ok := typo.Closest(strings.ToLower(name), lower)
	return byLower[near], ok
}
