-- Whether a copy to a list caucus was distributed (issue 10): one row per
-- delivery the list's answer is known of. state is 'distributed' (our copy
-- came back through the list), 'held' or 'rejected' (the list's notice or
-- a bounce report to the caucus's envelope said so), or 'not_seen' (no
-- confirmation within lists.confirm_within; notify was told when the row
-- was written, so it is told once). A later confirmation replaces any
-- state; 'not_seen' never replaces one.
CREATE TABLE list_confirmations (
    delivery_id BIGINT NOT NULL PRIMARY KEY,
    caucus      TEXT   NOT NULL,
    state       TEXT   NOT NULL,
    detail      TEXT   NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX list_confirmations_caucus ON list_confirmations (caucus, at);

-- What a caucus's list did to our copy that the admins must fix: its Reply-To
-- no longer carried our reply token (a list that munges Reply-To, or
-- DMARC mitigation), so answers will not find their way. One row per
-- caucus, the latest such copy.
CREATE TABLE list_warnings (
    caucus     TEXT   NOT NULL PRIMARY KEY,
    kind       TEXT   NOT NULL,
    detail     TEXT   NOT NULL,
    message_id TEXT   NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
