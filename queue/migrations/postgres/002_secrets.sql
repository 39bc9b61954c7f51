-- Random keys created on first use (token HMAC keys). Rotation adds a
-- generation; the previous one stays, so tokens it signed still verify.
CREATE TABLE secrets (
    name       TEXT    NOT NULL,
    generation INTEGER NOT NULL,
    secret     BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (name, generation)
);
