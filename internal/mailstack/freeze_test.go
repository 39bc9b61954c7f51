package mailstack

import "testing"

func TestParseStat(t *testing.T) {
	tests := []struct {
		line      string
		pid, pgrp int
		comm      string
		ok        bool
	}{
		{"4242 (imap) S 4200 4100 4100 0 -1", 4242, 4100, "imap", true},
		{"7 (a (b) c) R 1 7 7 0", 7, 7, "a (b) c", true},
		{"garbage", 0, 0, "", false},
	}
	for _, tt := range tests {
		pid, comm, pgrp, ok := parseStat(tt.line)
		if pid != tt.pid || comm != tt.comm || pgrp != tt.pgrp || ok != tt.ok {
			t.Errorf("parseStat(%q) = %d %q %d %v", tt.line, pid, comm, pgrp, ok)
		}
	}
}
