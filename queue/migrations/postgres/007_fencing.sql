-- Fencing under faults (issue 11).
-- A delivery's attempts are owned by their number: attempts_started is the
-- compare-and-set an attempt's result must still match. duplicates counts
-- relay acceptances that arrived after a retry had already started.
ALTER TABLE deliveries ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;

-- A lease's fence grows on every acquisition: an intake commit fences on
-- (holder, fence) unchanged, so a holder that lost its lease while paused
-- cannot commit.
ALTER TABLE leases ADD COLUMN fence BIGINT NOT NULL DEFAULT 0;

-- A slot claim expires unless its claimant renews it while sending; a dead
-- claimant's claim is taken over once it has expired.
ALTER TABLE slot_claims ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;

-- A batch's backoff after a temporary failure is stored, not kept in one
-- instance's memory.
ALTER TABLE batches ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
