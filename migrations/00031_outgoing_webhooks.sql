-- Outgoing webhooks (notifications): a partner's own URL that Tierdesk POSTs events to
-- (delegations, failed jobs, drift), signed with the partner's secret the way Zoom signs its
-- own. The secret is sealed like every secret (internal/secret). Each event to send is a
-- delivery row, worked by a River job that retries; the row records every attempt. The drift
-- counts remember, per standard, how many customers had drifted at the last refresh run, so
-- that a run notifies only when the number went up. All three are the partner's own: only its
-- own staff read or change them (a distributor does not see its resellers' webhooks).

-- +goose Up
CREATE TABLE outgoing_webhooks (
	partner_id bigint PRIMARY KEY REFERENCES partners (id),
	url        text NOT NULL CHECK (url <> ''),
	key_id     text NOT NULL,
	secret     bytea NOT NULL,
	enabled    boolean NOT NULL DEFAULT true,
	kinds      text[] NOT NULL DEFAULT '{}',
	updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON outgoing_webhooks TO tierdesk_app;
ALTER TABLE outgoing_webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE outgoing_webhooks FORCE ROW LEVEL SECURITY;
CREATE POLICY outgoing_webhooks_partner ON outgoing_webhooks USING (partner_id = (SELECT tierdesk_partner()));

-- One row per event to send. body is the JSON sent, exactly (text, not jsonb: every attempt
-- sends the same bytes). status: pending until a 2xx answer (delivered) or the last attempt
-- (failed). last_status is the HTTP status of the last answer (NULL when none came), last_error
-- what went wrong in words.
CREATE TABLE webhook_deliveries (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id      bigint NOT NULL REFERENCES partners (id),
	delivery_id     uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
	kind            text NOT NULL,
	body            text NOT NULL,
	status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts        int NOT NULL DEFAULT 0,
	last_status     int,
	last_error      text NOT NULL DEFAULT '',
	last_attempt_at timestamptz,
	next_attempt_at timestamptz,
	delivered_at    timestamptz,
	created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_partner_idx ON webhook_deliveries (partner_id, id DESC);
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_deliveries TO tierdesk_app;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY webhook_deliveries_partner ON webhook_deliveries USING (partner_id = (SELECT tierdesk_partner()));

CREATE TABLE standard_drift_counts (
	standard_id bigint PRIMARY KEY REFERENCES standards (id) ON DELETE CASCADE,
	partner_id  bigint NOT NULL REFERENCES partners (id),
	drifted     int NOT NULL,
	counted_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON standard_drift_counts TO tierdesk_app;
ALTER TABLE standard_drift_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE standard_drift_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY standard_drift_counts_partner ON standard_drift_counts USING (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP TABLE standard_drift_counts;
DROP TABLE webhook_deliveries;
DROP TABLE outgoing_webhooks;
