-- Zoom webhooks: each partner's webhook Secret Token (sealed, like every secret), and the
-- events already handled, so that Zoom's retries of one event change nothing twice.

-- +goose Up

CREATE TABLE webhook_secrets (
	partner_id        bigint PRIMARY KEY REFERENCES partners (id),
	key_id            text NOT NULL,
	secret            bytea NOT NULL,
	updated_at        timestamptz NOT NULL DEFAULT now(),
	last_validated_at timestamptz,
	last_event_at     timestamptz
);
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_secrets TO tierdesk_app;
ALTER TABLE webhook_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY webhook_secrets_partner ON webhook_secrets USING (partner_id = (SELECT tierdesk_partner()));

-- One row per event received, keyed by the SHA-256 of its raw body (a retry repeats the body
-- exactly), with the event as verified; outcome is empty until a job has applied it.
CREATE TABLE webhook_events (
	partner_id  bigint NOT NULL REFERENCES partners (id),
	digest      bytea NOT NULL,
	event       text NOT NULL,
	body        jsonb NOT NULL,
	outcome     text NOT NULL DEFAULT '',
	received_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (partner_id, digest)
);
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_events TO tierdesk_app;
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_events FORCE ROW LEVEL SECURITY;
CREATE POLICY webhook_events_partner ON webhook_events USING (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP TABLE webhook_events;
DROP TABLE webhook_secrets;
