-- When Tierdesk first saw each directory user: Zoom's list gives a pending user no creation
-- time, and "invitations pending over 7 days" needs one. Rows that exist already count from
-- now (the earliest Tierdesk can vouch for).

-- +goose Up
ALTER TABLE customer_users ADD COLUMN first_seen_at timestamptz NOT NULL DEFAULT now();

-- +goose Down
ALTER TABLE customer_users DROP COLUMN first_seen_at;
