-- Invitations tracked to their answers (issue 14): one row per message
-- forwarded, or held and possibly forwarded on approval, with what the
-- gateway read about its dates. Which caucuses got it, and their answers,
-- are read from deliveries and pending_items; reminders sent are recorded
-- here, once per (invitation, caucus, reminder).
CREATE TABLE invitations (
    message_ref       BIGINT  PRIMARY KEY REFERENCES messages(id),
    inviter           TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    received_at       BIGINT  NOT NULL,
    deadline          BIGINT,
    deadline_source   TEXT    NOT NULL DEFAULT '',
    deadline_phrase   TEXT    NOT NULL DEFAULT '',
    deadline_confirmed INTEGER NOT NULL DEFAULT 0,
    event             BIGINT,
    event_source      TEXT    NOT NULL DEFAULT '',
    event_phrase      TEXT    NOT NULL DEFAULT '',
    closed_at         BIGINT,
    updated_at        BIGINT  NOT NULL
);
CREATE INDEX invitations_received ON invitations (received_at);

CREATE TABLE invitation_reminders (
    message_ref BIGINT NOT NULL REFERENCES messages(id),
    caucus      TEXT   NOT NULL,
    reminder    TEXT   NOT NULL,
    message_id  TEXT   NOT NULL,
    sent_at     BIGINT NOT NULL,
    PRIMARY KEY (message_ref, caucus, reminder)
);

-- What admins did to an invitation, for its timeline.
CREATE TABLE invitation_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_ref BIGINT  NOT NULL REFERENCES messages(id),
    at          BIGINT  NOT NULL,
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX invitation_actions_ref ON invitation_actions (message_ref, at);
