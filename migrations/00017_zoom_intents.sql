-- Write-ahead intents: every change Tierdesk sends to Zoom is written here, and committed,
-- before the call. The transaction that records Zoom's answer (the audit event and the cache
-- update) closes the intent. An intent still open after its lease means the answer was never
-- recorded (the process died, or the write failed after Zoom answered): the resolve job looks
-- the change up in Zoom and audits it, so nothing that reached Zoom ends up unaudited.

-- +goose Up
CREATE TABLE zoom_intents (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id    bigint NOT NULL REFERENCES partners (id),
	staff_id      bigint REFERENCES staff (id),
	customer_id   bigint REFERENCES customers (id) ON DELETE CASCADE,
	action        text NOT NULL,               -- the audit action: user.create, customer.options, ...
	target_type   text NOT NULL,
	target_id     text NOT NULL,
	target_label  text NOT NULL DEFAULT '',
	event         json NOT NULL,               -- the audit event as prepared before the call (redacted)
	wanted        json NOT NULL DEFAULT '{}',  -- what the change asks for, to compare with a look-up
	owner         text NOT NULL DEFAULT '',    -- who resolves it when stale: '' the resolve job, 'import:<id>' or 'onboarding:<id>' their job
	lease_until   timestamptz NOT NULL,        -- until then the sender owns it (its call may be in flight)
	created_at    timestamptz NOT NULL DEFAULT now(),
	closed_at     timestamptz,
	outcome       text NOT NULL DEFAULT '',    -- the outcome audited when it was closed
	audit_seq     bigint                       -- the audit event that closed it
);
CREATE INDEX zoom_intents_open_idx ON zoom_intents (partner_id, lease_until) WHERE closed_at IS NULL;
CREATE INDEX zoom_intents_customer_idx ON zoom_intents (customer_id);

GRANT SELECT, INSERT, UPDATE ON zoom_intents TO tierdesk_app;
ALTER TABLE zoom_intents ENABLE ROW LEVEL SECURITY;
ALTER TABLE zoom_intents FORCE ROW LEVEL SECURITY;
CREATE POLICY zoom_intents_partner ON zoom_intents USING (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP TABLE zoom_intents;
