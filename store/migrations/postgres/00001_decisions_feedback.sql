-- The decision log and its feedback. Times are unix microseconds (UTC): the same numbers as the
-- SQLite schema, so one set of queries serves both (to_timestamp(at / 1e6) reads them).

-- +goose Up
CREATE TABLE decisions (
    msg_id     TEXT             NOT NULL PRIMARY KEY,
    at         BIGINT           NOT NULL,
    channel    TEXT             NOT NULL DEFAULT '',
    sender     TEXT             NOT NULL DEFAULT '',
    chat       TEXT             NOT NULL DEFAULT '',
    text       TEXT             NOT NULL DEFAULT '',
    intent     TEXT             NOT NULL DEFAULT '',
    confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
    route      TEXT             NOT NULL DEFAULT '',
    reason     TEXT             NOT NULL DEFAULT '',
    answer_id  TEXT             NOT NULL DEFAULT '',
    model      TEXT             NOT NULL DEFAULT '',
    latency_us BIGINT           NOT NULL DEFAULT 0
);
CREATE INDEX decisions_at ON decisions (at);

CREATE TABLE feedback (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             TEXT     NOT NULL UNIQUE,
    msg_id         TEXT     NOT NULL,
    at             BIGINT   NOT NULL,
    rating         SMALLINT NOT NULL DEFAULT 0,
    resolved       BOOLEAN,
    correct_intent TEXT     NOT NULL DEFAULT '',
    comment        TEXT     NOT NULL DEFAULT '',
    agent_id       TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX feedback_msg_id ON feedback (msg_id);
CREATE INDEX feedback_at ON feedback (at);

-- +goose Down
DROP TABLE feedback;
DROP TABLE decisions;
