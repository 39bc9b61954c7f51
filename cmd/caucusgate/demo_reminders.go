package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"caucusgate/gateway"
	"caucusgate/gateway/invitation"
	"caucusgate/queue"
)

// demoReminders are the demo's invitations.reminders: [7d, 2d].
var demoReminders = []invitation.Reminder{{Name: "7d", Before: 7 * 24 * time.Hour}, {Name: "2d", Before: 2 * 24 * time.Hour}}

// demoITU is the Message-ID of the demo's ITU invitation.
const demoITU = "<wsis-2026-consult@itu.int>"

// reminderPass shows a reminder: an admin sets the ITU invitation's
// deadline (a firm one: a date guessed from the text never reminds
// anybody), and two days later the gateway reminds the Education Caucus,
// which has not answered; the Gender Caucus answered and gets none. The
// deadline is set from today and the gateway's clock moved on two days,
// so that the demo tells the same story whatever the day it runs.
func (c *demoCommand) reminderPass(ctx context.Context, d *demo) error {
	ref, err := demoInvitationRef(ctx, d, demoITU)
	if err != nil {
		return err
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	deadline := today.AddDate(0, 0, 9)
	if err := d.store.SetInvitationDeadline(ctx, ref, deadline, "demo admin"); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "\nAn admin sets the ITU invitation's deadline to %s (caucusgate invitations deadline %d %s);\n"+
		"reminders are configured 7 and 2 days before it. Two days later:\n", deadline.Format("2 January 2006"), ref, deadline.Format("2006-01-02"))
	before := len(d.world.Received())
	cfg := demoConfig(d.world, d.store, d.set, d.log, nil)
	cfg.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	g, err := gateway.New(cfg)
	if err != nil {
		return err
	}
	if _, err := g.RunOnce(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, r := range d.world.Received()[before:] {
		h := headerOf(r.Data)
		fmt.Fprintf(c.stdout, "Reminder to %s: %q, In-Reply-To %s, Reply-To the copy's %s\n",
			strings.Join(r.To, ", "), h["Subject"], h["In-Reply-To"], h["Reply-To"])
	}
	return nil
}

func demoInvitationRef(ctx context.Context, d *demo, messageID string) (int64, error) {
	list, err := d.store.ListInvitations(ctx, queue.InvitationFilter{})
	if err != nil {
		return 0, err
	}
	for _, inv := range list {
		if strings.Trim(inv.MessageID, "<>") == strings.Trim(messageID, "<>") {
			return inv.ID, nil
		}
	}
	return 0, fmt.Errorf("demo: the invitation %s was not recorded", messageID)
}
