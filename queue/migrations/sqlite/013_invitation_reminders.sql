-- Reminders and the weekly summary of invitations (issue 14).
--
-- A reminder is recorded in invitation_reminders (once per invitation,
-- caucus and reminder, its primary key) in the transaction that queues the
-- deliveries carrying it; this table ties those deliveries to it, so that
-- its timeline says when it was delivered or failed. The deliveries carry
-- no caucus: they are not copies of the invitation.
CREATE TABLE invitation_reminder_deliveries (
    delivery_ref BIGINT PRIMARY KEY REFERENCES deliveries(id),
    message_ref  BIGINT NOT NULL REFERENCES messages(id),
    caucus       TEXT   NOT NULL,
    reminder     TEXT   NOT NULL
);
CREATE INDEX invitation_reminder_deliveries_ref ON invitation_reminder_deliveries (message_ref, caucus, reminder);

-- One row per slot of the summary schedule that was attempted: sent_at
-- once the relay accepted it; a temporary failure stores the next attempt,
-- which every instance honours.
CREATE TABLE invitation_summaries (
    schedule        TEXT    NOT NULL,
    slot            BIGINT  NOT NULL,
    message_id      TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    sent_at         BIGINT,
    PRIMARY KEY (schedule, slot)
);
