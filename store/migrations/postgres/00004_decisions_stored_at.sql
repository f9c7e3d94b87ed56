-- When each decision reached the database, beside when it was answered (at): one spooled while
-- the database was down is written long after it was answered, and zhiyi copy --since, reading
-- by the time it was answered, passed it by when it arrived after the first copy. Rows stored
-- before this column existed keep 0 and are read by at. No index: only a copy's second pass
-- reads it (a scan of the table), and every decision written would pay for one.

-- +goose Up
ALTER TABLE decisions ADD COLUMN stored_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE decisions DROP COLUMN stored_at;
