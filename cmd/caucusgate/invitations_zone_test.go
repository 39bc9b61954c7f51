package main

import "testing"

// One zone per view (issue 13): invitations follow display_timezone unless
// their own zone is set; they were read and shown in UTC.
func TestInvitationsFollowTheDisplayZone(t *testing.T) {
	for _, tc := range []struct{ own, display, want string }{
		{"", "Asia/Tokyo", "Asia/Tokyo"},
		{"Europe/Zurich", "Asia/Tokyo", "Europe/Zurich"},
		{"", "", "Local"},
	} {
		opts, err := inviteConfig{Zone: tc.own}.options(tc.display)
		if err != nil {
			t.Fatalf("options(%q, %q): %v", tc.own, tc.display, err)
		}
		if opts.Zone == nil || opts.Zone.String() != tc.want {
			t.Errorf("zone with invitations.zone %q and display_timezone %q = %v, want %s", tc.own, tc.display, opts.Zone, tc.want)
		}
	}
}
