-- When each feedback reached the database, beside when it was given (at): a feedback spooled
-- through an outage, or waiting for its decision on another replica, is stored long after it
-- was given, and a learner reading corrections by the time they were given would have passed
-- it for good. Rows stored before this column existed keep 0 and are read by at.

-- +goose Up
ALTER TABLE feedback ADD COLUMN stored_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX feedback_stored_at ON feedback (stored_at);

-- +goose Down
DROP INDEX feedback_stored_at;
ALTER TABLE feedback DROP COLUMN stored_at;
