-- Messages held for moderation. The decision is made once: approving
-- writes the state and the deliveries together. A message approved past
-- one rule can be held again by a later one, hence no unique message_ref.
CREATE TABLE held (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_ref     BIGINT  NOT NULL REFERENCES messages(id),
    rule            TEXT    NOT NULL,
    rule_index      INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    moderators      TEXT    NOT NULL,
    held_at         BIGINT  NOT NULL,
    remind_at       BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    reminded_at     BIGINT,
    state           TEXT    NOT NULL,
    decided_by      TEXT    NOT NULL DEFAULT '',
    decided_at      BIGINT,
    decision_reason TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX held_state ON held (state, expires_at);
CREATE INDEX held_message ON held (message_ref);
