-- Users inside customers: the user directory of every customer (a cache of Zoom, for lists
-- and for search across tiers), changes whose answer from Zoom was lost, and bulk user jobs
-- (imports, bulk deactivate and remove) with their per-row state.

-- +goose Up

-- One row per Zoom user of a customer, as Zoom last listed it. partner_id is the customer's
-- direct partner (like customers.partner_id): its staff write, partners above read.
CREATE TABLE customer_users (
	id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id       bigint NOT NULL REFERENCES partners (id),
	customer_id      bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	zoom_user_id     text,   -- NULL for pending users: Zoom's list gives them no id
	email            text NOT NULL,
	first_name       text NOT NULL DEFAULT '',
	last_name        text NOT NULL DEFAULT '',
	display_name     text NOT NULL DEFAULT '',
	user_type        integer NOT NULL DEFAULT 1,
	status           text NOT NULL CHECK (status IN ('active', 'inactive', 'pending')),
	role_id          text NOT NULL DEFAULT '',
	dept             text NOT NULL DEFAULT '',
	timezone         text NOT NULL DEFAULT '',
	zoom_created_at  timestamptz,
	last_login_at    timestamptz,
	seen_at          timestamptz NOT NULL,   -- when Zoom last listed or returned the user
	updated_at       timestamptz NOT NULL DEFAULT now(),
	search           text GENERATED ALWAYS AS (lower(email || ' ' || first_name || ' ' || last_name || ' ' || display_name)) STORED
);
CREATE UNIQUE INDEX customer_users_email_idx ON customer_users (customer_id, lower(email));
CREATE UNIQUE INDEX customer_users_zoom_id_idx ON customer_users (customer_id, zoom_user_id) WHERE zoom_user_id IS NOT NULL;
CREATE INDEX customer_users_status_idx ON customer_users (customer_id, status, lower(email));
CREATE INDEX customer_users_partner_idx ON customer_users (partner_id);
CREATE INDEX customer_users_email_any_idx ON customer_users (lower(email));
CREATE INDEX customer_users_search_trgm_idx ON customer_users USING gin (search gin_trgm_ops);

-- When each customer's directory was last read whole from Zoom, and why the last attempt
-- failed, if it did.
CREATE TABLE customer_user_dirs (
	customer_id   bigint PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
	partner_id    bigint NOT NULL REFERENCES partners (id),
	synced_at     timestamptz,
	attempted_at  timestamptz,
	error         text NOT NULL DEFAULT '',
	error_at      timestamptz
);

-- A change sent to Zoom whose answer was lost (timeout, 5xx): it stays here until a look-up
-- in Zoom says whether it happened; until then no new change of that user is sent.
CREATE TABLE user_pending_changes (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id    bigint NOT NULL REFERENCES partners (id),
	customer_id   bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	email         text NOT NULL,
	zoom_user_id  text NOT NULL DEFAULT '',
	action        text NOT NULL,            -- user.create, user.update, user.activate, ...
	wanted        json NOT NULL DEFAULT '{}', -- what the change asked for (never a password)
	audit_seq     bigint NOT NULL,          -- the "pending" audit event
	staff_id      bigint REFERENCES staff (id),
	grant_ref     text NOT NULL DEFAULT '',
	created_at    timestamptz NOT NULL DEFAULT now(),
	resolved_at   timestamptz,
	resolution    text NOT NULL DEFAULT ''  -- succeeded or failed, once resolved
);
CREATE UNIQUE INDEX user_pending_changes_open_idx ON user_pending_changes (customer_id, lower(email)) WHERE resolved_at IS NULL;

-- A bulk user job: a CSV or a selection, checked (preview), then run by River. The lease
-- says which River job works on it until when; a lease that runs out means the worker died
-- and another one takes over.
CREATE TABLE user_imports (
	id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	partner_id        bigint NOT NULL REFERENCES partners (id),
	kind              text NOT NULL CHECK (kind IN ('create', 'deactivate', 'remove')),
	source            text NOT NULL DEFAULT '',
	options           json NOT NULL DEFAULT '{}',
	status            text NOT NULL DEFAULT 'preview' CHECK (status IN ('preview', 'started', 'discarded')),
	notes             text[] NOT NULL DEFAULT '{}',
	job_id            uuid REFERENCES jobs (id),
	created_by        bigint REFERENCES staff (id),
	created_at        timestamptz NOT NULL DEFAULT now(),
	lease_owner       bigint,
	lease_until       timestamptz,
	cancel_requested  boolean NOT NULL DEFAULT false,
	cancelled_by      bigint REFERENCES staff (id)
);
CREATE INDEX user_imports_partner_idx ON user_imports (partner_id, created_at DESC);
CREATE UNIQUE INDEX user_imports_job_idx ON user_imports (job_id);

-- One row of a bulk job. state: invalid (refused by the check, never sent), ready (to send),
-- sending (sent, answer not recorded yet: resolved by looking the user up before anything
-- else), succeeded, failed (Zoom refused), cancelled (not sent: the job was cancelled).
CREATE TABLE user_import_rows (
	import_id       uuid NOT NULL REFERENCES user_imports (id) ON DELETE CASCADE,
	line            integer NOT NULL,
	partner_id      bigint NOT NULL REFERENCES partners (id),
	customer_id     bigint REFERENCES customers (id),
	zoom_account_id text NOT NULL DEFAULT '',
	email           text NOT NULL DEFAULT '',
	first_name      text NOT NULL DEFAULT '',
	last_name       text NOT NULL DEFAULT '',
	user_type       integer NOT NULL DEFAULT 0,
	create_action   text NOT NULL DEFAULT '',
	zoom_user_id    text NOT NULL DEFAULT '',
	state           text NOT NULL CHECK (state IN ('invalid', 'ready', 'sending', 'succeeded', 'failed', 'cancelled')),
	message         text NOT NULL DEFAULT '',
	zoom_code       integer NOT NULL DEFAULT 0,
	zoom_message    text NOT NULL DEFAULT '',
	attempts        integer NOT NULL DEFAULT 0,
	sent_at         timestamptz,
	finished_at     timestamptz,
	PRIMARY KEY (import_id, line)
);
CREATE INDEX user_import_rows_state_idx ON user_import_rows (import_id, state, line);
CREATE INDEX user_import_rows_finished_idx ON user_import_rows (import_id, finished_at) WHERE finished_at IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON customer_users, customer_user_dirs, user_pending_changes, user_imports, user_import_rows TO tierdesk_app;

-- Row-level security, forced: writes are the acting partner's rows; reads also reach the
-- partners below (the distributor's read-only roll-up), like customers and jobs.
ALTER TABLE customer_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_users FORCE ROW LEVEL SECURITY;
CREATE POLICY customer_users_read ON customer_users FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customer_users_insert ON customer_users FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_users_update ON customer_users FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_users_delete ON customer_users FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

ALTER TABLE customer_user_dirs ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_user_dirs FORCE ROW LEVEL SECURITY;
CREATE POLICY customer_user_dirs_read ON customer_user_dirs FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customer_user_dirs_insert ON customer_user_dirs FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_user_dirs_update ON customer_user_dirs FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_user_dirs_delete ON customer_user_dirs FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

ALTER TABLE user_pending_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_pending_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY user_pending_changes_partner ON user_pending_changes USING (partner_id = (SELECT tierdesk_partner()));

ALTER TABLE user_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY user_imports_read ON user_imports FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY user_imports_insert ON user_imports FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY user_imports_update ON user_imports FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));

ALTER TABLE user_import_rows ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_import_rows FORCE ROW LEVEL SECURITY;
CREATE POLICY user_import_rows_read ON user_import_rows FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY user_import_rows_insert ON user_import_rows FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY user_import_rows_update ON user_import_rows FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP TABLE user_import_rows;
DROP TABLE user_imports;
DROP TABLE user_pending_changes;
DROP TABLE customer_user_dirs;
DROP TABLE customer_users;
