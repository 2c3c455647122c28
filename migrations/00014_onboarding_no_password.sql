-- Onboarding no longer takes the owner's first password: it would have had to be kept until
-- the create step ran, and passwords that pass through are never stored. The create step
-- sends a random one, which Zoom's confirmation email lets the owner replace.

-- +goose Up
ALTER TABLE onboardings DROP COLUMN owner_password, DROP COLUMN owner_password_key;

-- +goose Down
ALTER TABLE onboardings ADD COLUMN owner_password bytea, ADD COLUMN owner_password_key text;
