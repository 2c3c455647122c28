-- Zoom rate budgets booked in batches (store.BookZoomRate, zoom.NewBudgetLimiter): a portal
-- process books the calls that wait for one budget at the same time in one round trip, and
-- background work books only a short way ahead, so that a person's call is never booked behind
-- a bulk job's backlog.
--
-- zoom_rate_limits stays UNLOGGED (00003): its rows are pacing state, not data. A transaction
-- that writes only unlogged tables writes no WAL record of its rows, so its commit is not
-- flushed (no fsync, no synchronous standby wait): a booking costs a round trip and a row lock,
-- not a durable write. After a crash the table is empty and every budget starts afresh with its
-- burst; Zoom still counts, and its 429s pause the budget as they always do.

-- +goose Up

-- zoom_rate_book books up to n calls of one budget at one call per interval_us microseconds
-- with bursts of up to burst calls (GCRA: n calls booked at once get the slots of n calls booked
-- one after another), under the row's lock and on the database's clock. With horizon_us > 0 it
-- books only the calls whose slots fall within horizon_us of now (possibly none). It returns
-- how many it booked, the first one's slot in microseconds from now (negative within the burst
-- allowance; with none booked, where the next slot lies), and, instead, the end of a daily
-- block that has not passed (nothing booked).
-- +goose StatementBegin
CREATE FUNCTION zoom_rate_book(p_account text, p_label text, p_interval_us bigint, p_burst integer, p_n integer,
	p_horizon_us bigint, OUT booked integer, OUT offset_us bigint, OUT blocked timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
	v_tat     timestamptz;
	v_blocked timestamptz;
	v_at      timestamptz;
	v_lead    bigint;
BEGIN
	SELECT r.tat, r.blocked_until INTO v_tat, v_blocked FROM zoom_rate_limits r
		WHERE r.zoom_account_id = p_account AND r.label = p_label FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO zoom_rate_limits (zoom_account_id, label, tat) VALUES (p_account, p_label, clock_timestamp())
			ON CONFLICT (zoom_account_id, label) DO NOTHING;
		SELECT r.tat, r.blocked_until INTO v_tat, v_blocked FROM zoom_rate_limits r
			WHERE r.zoom_account_id = p_account AND r.label = p_label FOR UPDATE;
	END IF;
	v_at := clock_timestamp();
	IF v_blocked IS NOT NULL AND v_blocked > v_at THEN
		booked := 0;
		offset_us := 0;
		blocked := v_blocked;
		RETURN;
	END IF;
	v_lead := greatest(0, floor(extract(epoch FROM v_tat - v_at) * 1000000))::bigint;
	offset_us := v_lead + p_interval_us - p_interval_us * greatest(p_burst, 1);
	IF p_horizon_us <= 0 THEN
		booked := p_n;
	ELSIF offset_us > p_horizon_us THEN
		booked := 0;
	ELSE
		booked := least(p_n, (p_horizon_us - offset_us) / p_interval_us + 1);
	END IF;
	IF booked > 0 THEN
		UPDATE zoom_rate_limits r SET tat = v_at + (v_lead + booked * p_interval_us) * interval '1 microsecond'
			WHERE r.zoom_account_id = p_account AND r.label = p_label;
	END IF;
END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION zoom_rate_book(text, text, bigint, integer, integer, bigint) TO tierdesk_app;

-- +goose Down
DROP FUNCTION zoom_rate_book(text, text, bigint, integer, integer, bigint);
