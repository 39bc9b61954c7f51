-- Items waiting for a slot of a schedule (replies to relay to an inviter,
-- invitations batched to a caucus), the batches they go out in, and the
-- claims that let one instance run each slot.
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule    TEXT    NOT NULL,
    slot        BIGINT  NOT NULL,
    destination TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    sent_at     BIGINT,
    last_error  TEXT    NOT NULL DEFAULT '',
    UNIQUE (schedule, slot, destination)
);
CREATE INDEX batches_open ON batches (schedule, state);

CREATE TABLE pending_items (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT    NOT NULL,
    message_ref    BIGINT  NOT NULL REFERENCES messages(id),
    invitation_ref BIGINT  REFERENCES messages(id),
    caucus         TEXT    NOT NULL,
    destination    TEXT    NOT NULL,
    schedule       TEXT    NOT NULL,
    due_slot       BIGINT  NOT NULL,
    state          TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    batch_id       BIGINT  REFERENCES batches(id),
    sent_at        BIGINT
);
CREATE INDEX pending_items_due ON pending_items (schedule, state, due_slot);
CREATE INDEX pending_items_batch ON pending_items (batch_id);

CREATE TABLE slot_claims (
    schedule   TEXT   NOT NULL,
    slot       BIGINT NOT NULL,
    holder     TEXT   NOT NULL,
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (schedule, slot)
);
