-- Webhook events are kept as Zoom sent them: body is Zoom's envelope (event, event_ts,
-- payload), which internal/zoom parses when the event is applied, and the facts of the request
-- that brought it (for its audit event) get their own columns. Before, body held Tierdesk's own
-- reading of the event with the request facts inside; events not yet applied are rewritten.

-- +goose Up
ALTER TABLE webhook_events
	ADD COLUMN request_id text NOT NULL DEFAULT '',
	ADD COLUMN ip         text NOT NULL DEFAULT '',
	ADD COLUMN user_agent text NOT NULL DEFAULT '';

-- The owner rewrites every partner's rows: row-level security is lifted for this transaction.
ALTER TABLE webhook_events NO FORCE ROW LEVEL SECURITY;
UPDATE webhook_events SET
	request_id = coalesce(body->>'request_id', ''),
	ip         = coalesce(body->>'ip', ''),
	user_agent = coalesce(body->>'user_agent', ''),
	body = jsonb_build_object('event', body->'event', 'event_ts', coalesce(body->'event_ts', '0'::jsonb),
		'payload', CASE WHEN body->>'event' = 'app_deauthorized' THEN coalesce(body->'object', '{}'::jsonb)
			ELSE jsonb_strip_nulls(jsonb_build_object('account_id', body->'account_id', 'operator', body->'operator',
				'operator_id', body->'operator_id', 'creation_type', body->'creation_type',
				'object', body->'object', 'old_object', body->'old_object')) END)
WHERE outcome = '' AND NOT body ? 'payload';
ALTER TABLE webhook_events FORCE ROW LEVEL SECURITY;

-- +goose Down
ALTER TABLE webhook_events NO FORCE ROW LEVEL SECURITY;
UPDATE webhook_events SET outcome = 'ignored' WHERE outcome = '';
ALTER TABLE webhook_events FORCE ROW LEVEL SECURITY;
ALTER TABLE webhook_events DROP COLUMN request_id, DROP COLUMN ip, DROP COLUMN user_agent;
