-- Conversation context, rules, variants and sentiment on decisions; labels; settings (the
-- generated hash key when none is configured).

-- +goose Up
ALTER TABLE decisions ADD COLUMN rule TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN variant TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN sentiment TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN active_intent TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN is_repeat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN escalation TEXT NOT NULL DEFAULT '';

CREATE TABLE labels (
    label_key   TEXT    NOT NULL PRIMARY KEY,
    at          INTEGER NOT NULL,
    text        TEXT    NOT NULL DEFAULT '',
    intent      TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT '',
    labelled_by TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX labels_at ON labels (at);

CREATE TABLE settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE labels;
ALTER TABLE decisions DROP COLUMN escalation;
ALTER TABLE decisions DROP COLUMN is_repeat;
ALTER TABLE decisions DROP COLUMN active_intent;
ALTER TABLE decisions DROP COLUMN turn;
ALTER TABLE decisions DROP COLUMN sentiment;
ALTER TABLE decisions DROP COLUMN variant;
ALTER TABLE decisions DROP COLUMN rule;
