-- The circuit breaker's record: each relay of mail coming back about one
-- forward (the thread), so a thread that relays too often is held.
CREATE TABLE relays (
    thread TEXT   NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX relays_thread ON relays (thread, at);
