-- What the store keeps about roster members: bounces recorded against
-- them (RFC 3464 reports) and one-click unsubscriptions (RFC 8058).
CREATE TABLE bounces (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT  REFERENCES deliveries(id),
    member      TEXT    NOT NULL,
    caucus      TEXT    NOT NULL,
    class       TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    diagnostic  TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX bounces_member ON bounces (caucus, member);

CREATE TABLE unsubscriptions (
    caucus TEXT   NOT NULL,
    member TEXT   NOT NULL,
    at     BIGINT NOT NULL,
    PRIMARY KEY (caucus, member)
);
