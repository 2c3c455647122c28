-- Customer onboarding: drafts of the wizard, and the saga that runs them step by step.

-- +goose Up
CREATE TABLE onboardings (
	id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	partner_id   bigint NOT NULL REFERENCES partners (id),
	-- draft: being filled in; running: its steps are running; stopped: a step failed and waits
	-- for retry, skip or abandon; succeeded; abandoned.
	status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'stopped', 'succeeded', 'abandoned')),
	form         json NOT NULL DEFAULT '{}',
	customer_id  bigint REFERENCES customers (id),
	job_id       uuid REFERENCES jobs (id),
	created_by   bigint REFERENCES staff (id),
	updated_by   bigint REFERENCES staff (id),
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	started_at   timestamptz,
	finished_at  timestamptz,
	-- The owner's first password, when the admin typed one at the start: sealed with the
	-- portal's keyring (the onboarding id as additional data) and erased once the sub account
	-- exists. Drafts never hold it.
	owner_password     bytea,
	owner_password_key text
);
CREATE INDEX onboardings_partner_idx ON onboardings (partner_id, status, updated_at DESC);
CREATE UNIQUE INDEX onboardings_job_idx ON onboardings (job_id) WHERE job_id IS NOT NULL;

CREATE TABLE onboarding_steps (
	onboarding_id   uuid NOT NULL REFERENCES onboardings (id) ON DELETE CASCADE,
	seq             integer NOT NULL,
	partner_id      bigint NOT NULL REFERENCES partners (id),
	kind            text NOT NULL,   -- create_account, set_options, subscribe_plan, apply_template, create_user
	subject         text NOT NULL DEFAULT '', -- the user's email for create_user
	idempotency_key text NOT NULL UNIQUE,
	status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
	attempts        integer NOT NULL DEFAULT 0,
	result          json NOT NULL DEFAULT '{}',
	error           text NOT NULL DEFAULT '',
	zoom_code       integer NOT NULL DEFAULT 0,
	started_at      timestamptz,
	finished_at     timestamptz,
	-- The River job that owns the step: set when it is enqueued, and taken over by the
	-- watchdog when its lease ran out (a killed process). Any other job for the step does nothing.
	lease_job       bigint,
	lease_until     timestamptz,
	PRIMARY KEY (onboarding_id, seq)
);
CREATE INDEX onboarding_steps_running_idx ON onboarding_steps (lease_until) WHERE status = 'running';

GRANT SELECT, INSERT, UPDATE, DELETE ON onboardings, onboarding_steps TO tierdesk_app;
ALTER TABLE onboardings ENABLE ROW LEVEL SECURITY;
ALTER TABLE onboardings FORCE ROW LEVEL SECURITY;
CREATE POLICY onboardings_partner ON onboardings USING (partner_id = (SELECT tierdesk_partner()));
ALTER TABLE onboarding_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE onboarding_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY onboarding_steps_partner ON onboarding_steps USING (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP TABLE onboarding_steps;
DROP TABLE onboardings;
