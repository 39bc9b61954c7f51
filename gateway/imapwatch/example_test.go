package imapwatch_test

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"time"

	"caucusgate/gateway/imapwatch"
)

// How the daemon wires one mailbox: the store is the Sink, the config file
// gives the rest. Run blocks until ctx ends; SyncOnce serves "run -once".
func ExampleNew() {
	var store imapwatch.Sink // the queue package's intake store
	s, err := imapwatch.New(imapwatch.Config{
		Account:     "bureau",
		Mailbox:     "INBOX",
		URL:         &url.URL{Scheme: "imaps", Host: "imap.example.org"},
		Username:    "bureau@example.org",
		Password:    os.Getenv("BUREAU_PASSWORD"),
		IDLE:        true,
		Start:       imapwatch.Start{Mode: imapwatch.StartSince, Since: 720 * time.Hour},
		DoneMailbox: "Caucusgate",
		Sink:        store,
		Logger:      slog.Default(),
	})
	if err != nil {
		return // no sink in this example: New says so
	}
	_ = s.Run(context.Background())
}
