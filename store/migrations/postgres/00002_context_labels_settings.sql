-- Conversation context, rules, variants and sentiment on decisions; labels; settings (the
-- generated hash key when none is configured).

-- +goose Up
ALTER TABLE decisions
    ADD COLUMN rule          TEXT    NOT NULL DEFAULT '',
    ADD COLUMN variant       TEXT    NOT NULL DEFAULT '',
    ADD COLUMN sentiment     TEXT    NOT NULL DEFAULT '',
    ADD COLUMN turn          INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN active_intent TEXT    NOT NULL DEFAULT '',
    ADD COLUMN is_repeat     BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN escalation    TEXT    NOT NULL DEFAULT '';

CREATE TABLE labels (
    label_key   TEXT   NOT NULL PRIMARY KEY,
    at          BIGINT NOT NULL,
    text        TEXT   NOT NULL DEFAULT '',
    intent      TEXT   NOT NULL,
    source      TEXT   NOT NULL DEFAULT '',
    labelled_by TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX labels_at ON labels (at);

CREATE TABLE settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE labels;
ALTER TABLE decisions
    DROP COLUMN escalation,
    DROP COLUMN is_repeat,
    DROP COLUMN active_intent,
    DROP COLUMN turn,
    DROP COLUMN sentiment,
    DROP COLUMN variant,
    DROP COLUMN rule;
