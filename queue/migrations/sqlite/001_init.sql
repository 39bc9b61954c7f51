-- Times are BIGINT unix microseconds, the same in both dialects.
CREATE TABLE mailbox_epochs (
    account           TEXT   NOT NULL,
    mailbox           TEXT   NOT NULL,
    uidvalidity       BIGINT NOT NULL,
    last_uid          BIGINT NOT NULL,
    fingerprint_below BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (account, mailbox, uidvalidity)
);

CREATE TABLE messages (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    account              TEXT   NOT NULL,
    mailbox              TEXT   NOT NULL,
    uidvalidity          BIGINT NOT NULL,
    uid                  BIGINT NOT NULL CHECK (uid > 0),
    message_id           TEXT   NOT NULL,
    fingerprint          TEXT   NOT NULL,
    fallback_fingerprint TEXT   NOT NULL,
    decision             TEXT   NOT NULL,
    caucuses             TEXT   NOT NULL,
    rules                TEXT   NOT NULL,
    reason               TEXT   NOT NULL,
    trace                TEXT   NOT NULL,
    subject              TEXT   NOT NULL,
    from_addr            TEXT   NOT NULL,
    received_at          BIGINT NOT NULL,
    duplicate_of         BIGINT REFERENCES messages(id),
    raw_size             BIGINT NOT NULL,
    raw_purged_at        BIGINT,
    acked_at             BIGINT,
    UNIQUE (account, mailbox, uidvalidity, uid)
);
CREATE INDEX messages_fingerprint ON messages (account, mailbox, fingerprint);
CREATE INDEX messages_fallback ON messages (account, mailbox, fallback_fingerprint);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_unacked ON messages (account, mailbox, uidvalidity) WHERE acked_at IS NULL;

CREATE TABLE raw_chunks (
    message_ref BIGINT NOT NULL REFERENCES messages(id),
    seq         INTEGER NOT NULL,
    data        BLOB   NOT NULL,
    PRIMARY KEY (message_ref, seq)
);

CREATE TABLE deliveries (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    message_ref       BIGINT NOT NULL REFERENCES messages(id),
    caucus            TEXT   NOT NULL,
    envelope_from     TEXT   NOT NULL,
    recipients        TEXT   NOT NULL,
    spec              TEXT   NOT NULL,
    state             TEXT   NOT NULL,
    attempts_started  INTEGER NOT NULL DEFAULT 0,
    attempts_finished INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT   NOT NULL DEFAULT '',
    last_attempt_at   BIGINT,
    sent_at           BIGINT,
    job_id            BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX deliveries_message ON deliveries (message_ref);
CREATE INDEX deliveries_state ON deliveries (state, id);

CREATE TABLE leases (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE instances (
    id           TEXT   PRIMARY KEY,
    host         TEXT   NOT NULL,
    pid          BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

-- River's periodic jobs live in memory and missed ticks are not replayed,
-- so each schedule's last completed slot is kept here.
CREATE TABLE schedule_runs (
    name     TEXT   PRIMARY KEY,
    last_run BIGINT NOT NULL
);
