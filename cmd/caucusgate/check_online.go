package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"caucusgate/gateway/imapwatch"
)

// checkOnline logs in to every account with a done_mailbox and looks it up
// with LIST, changing nothing on the server. A name the server will refuse
// (outside its personal namespace) is a runtime failure: the daemon would
// take mail and never acknowledge it.
func checkOnline(ctx context.Context, cfg *config, stdout io.Writer) error {
	var errs []error
	for _, a := range cfg.file.Accounts {
		if a.DoneMailbox == "" {
			continue
		}
		acct, err := accountConfigFor(cfg, a)
		if err != nil {
			return err
		}
		w := acct.Watch
		w.Account = a.Name
		if err := imapwatch.CheckDoneMailbox(ctx, w); err != nil {
			errs = append(errs, fmt.Errorf("account %s: %w", a.Name, err))
			continue
		}
		fmt.Fprintf(stdout, "account %s: done_mailbox %q: ok\n", a.Name, a.DoneMailbox)
	}
	return errors.Join(errs...)
}
