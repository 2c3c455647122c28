-- When each customer's settings and lock settings were last read from Zoom, and since when
-- Zoom has said they changed (account.settings_updated) without Tierdesk having read them
-- again. Kept apart from fetched_at, which a page's view of the other parts moves and a change
-- expires: the drift report says when the settings themselves were read, and the steady
-- refresh reads the stale ones first, then the oldest.

-- +goose Up
ALTER TABLE customer_details ADD COLUMN settings_read_at timestamptz, ADD COLUMN settings_stale_at timestamptz;
UPDATE customer_details SET settings_read_at = fetched_at
	WHERE settings IS NOT NULL OR lock_settings IS NOT NULL OR errors::jsonb ? 'settings';

-- +goose Down
ALTER TABLE customer_details DROP COLUMN settings_read_at, DROP COLUMN settings_stale_at;
