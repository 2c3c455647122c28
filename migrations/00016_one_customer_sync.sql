-- At most one customer sync per partner queued or running: two clicks of "Sync now", or a
-- click and a webhook, used to be able to start two (each checked, then inserted).

-- +goose Up
CREATE UNIQUE INDEX jobs_one_customer_sync_idx ON jobs (partner_id)
	WHERE kind = 'sync_customers' AND status IN ('queued', 'running');

-- +goose Down
DROP INDEX jobs_one_customer_sync_idx;
