-- Bounce scores of roster addresses, as Mailman 3 keeps them (issue 13):
-- the rules file stays the source of who is a member; the store holds only
-- each address's state. disabled_at is 0 for an address that gets copies;
-- warned_at is 0 until the member and the moderators were told it was
-- disabled. delivery_id is the delivery whose bounce counted last.
CREATE TABLE member_states (
    address     TEXT   NOT NULL PRIMARY KEY,
    score       REAL NOT NULL DEFAULT 0,
    last_bounce BIGINT NOT NULL DEFAULT 0,
    delivery_id BIGINT NOT NULL DEFAULT 0,
    disabled_at BIGINT NOT NULL DEFAULT 0,
    warned_at   BIGINT NOT NULL DEFAULT 0,
    enabled_by  TEXT   NOT NULL DEFAULT ''
);

-- When a schedule last ran, as opposed to the slot it ran for: the admin
-- page showed the slot, which can precede the daemon's first start.
ALTER TABLE schedule_runs ADD COLUMN ran_at BIGINT NOT NULL DEFAULT 0;
