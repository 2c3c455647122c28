-- Zoom rate-limit budgets shared by every portal process (internal/zoom, store/ratelimits.go).

-- +goose Up

-- One row per Zoom account and rate-limit label ("Light", "Medium", "Heavy",
-- "Resource-intensive"). The pacing is GCRA: tat is the theoretical arrival time of the next
-- call at the configured pace; a call may go at tat - burst * interval. Reserving a call moves
-- tat forward under the row lock, so processes never hand out the same slot twice.
-- blocked_until is set when Zoom reported the daily limit reached: calls fail fast until then.
-- The rows are a cache of pacing state, not data: UNLOGGED (no WAL, emptied after a crash,
-- which only forgets a few seconds of pacing) and not tenant data (no partner_id).
CREATE UNLOGGED TABLE zoom_rate_limits (
	zoom_account_id text NOT NULL,
	label           text NOT NULL,
	tat             timestamptz NOT NULL,
	blocked_until   timestamptz,
	PRIMARY KEY (zoom_account_id, label)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON zoom_rate_limits TO tierdesk_app;

-- +goose Down
DROP TABLE zoom_rate_limits;
