-- Tenancy: customers (the cache of each partner's sub accounts), the account directory,
-- jobs, and row-level security on every tenant table.

-- +goose Up

-- A customer is a Zoom sub account; partner_id is its direct primary's partner.
CREATE TABLE customers (
	id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id              bigint NOT NULL REFERENCES partners (id),
	zoom_account_id         text NOT NULL UNIQUE,
	account_name            text NOT NULL DEFAULT '',
	owner_email             text NOT NULL DEFAULT '',
	account_type            text NOT NULL DEFAULT '',
	account_number          text NOT NULL DEFAULT '',
	seats                   integer NOT NULL DEFAULT 0,
	pay_mode                text NOT NULL DEFAULT '',
	subscription_start      timestamptz,
	subscription_end        timestamptz,
	zoom_created_at         timestamptz,
	vanity_url              text NOT NULL DEFAULT '',
	-- active: in Zoom under this partner; gone: no longer in the partner's sub-account list;
	-- disassociated: by Tierdesk; draft: being onboarded; pending: a create whose answer was lost.
	status                  text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'gone', 'disassociated', 'draft', 'pending')),
	synced_at               timestamptz,
	tags                    text[] NOT NULL DEFAULT '{}',
	notes                   text NOT NULL DEFAULT '',
	external_ref            text NOT NULL DEFAULT '',
	created_at              timestamptz NOT NULL DEFAULT now(),
	updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_partner_name_idx ON customers (partner_id, lower(account_name), id);
CREATE INDEX customers_partner_status_idx ON customers (partner_id, status);

-- Which partner manages which Zoom account: lets a second-level primary that registers find
-- the partner above it before it can see anything of that partner. Not tenant data: an
-- account id and a partner id, written by the sync.
CREATE TABLE account_directory (
	zoom_account_id text PRIMARY KEY,
	partner_id      bigint NOT NULL REFERENCES partners (id),
	updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Long work with visible progress (sync, imports, onboarding). River runs it; this row is
-- what people see.
CREATE TABLE jobs (
	id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	partner_id    bigint NOT NULL REFERENCES partners (id),
	kind          text NOT NULL,
	title         text NOT NULL DEFAULT '',
	status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
	total         integer NOT NULL DEFAULT 0,
	done          integer NOT NULL DEFAULT 0,
	failed        integer NOT NULL DEFAULT 0,
	message       text NOT NULL DEFAULT '',
	created_by    bigint REFERENCES staff (id),
	river_job_id  bigint,
	created_at    timestamptz NOT NULL DEFAULT now(),
	started_at    timestamptz,
	finished_at   timestamptz,
	updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_partner_idx ON jobs (partner_id, created_at DESC);
CREATE INDEX jobs_running_idx ON jobs (partner_id) WHERE status IN ('queued', 'running');

GRANT SELECT, INSERT, UPDATE, DELETE ON customers, account_directory, jobs TO tierdesk_app;

-- The acting partner of the current transaction (set by the portal with
-- set_config('tierdesk.partner_id', id, true)); NULL when none is set.
CREATE FUNCTION tierdesk_partner() RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT nullif(current_setting('tierdesk.partner_id', true), '')::bigint
$$;

-- The acting partner and every partner below it (its resellers, and theirs).
CREATE FUNCTION tierdesk_reach() RETURNS bigint[] LANGUAGE sql STABLE AS $$
	WITH RECURSIVE tree(id) AS (
		SELECT id FROM partners WHERE id = tierdesk_partner()
		UNION
		SELECT p.id FROM partners p JOIN tree ON p.parent_id = tree.id
	)
	SELECT coalesce(array_agg(id), '{}') FROM tree
$$;

-- Row-level security on every tenant table, forced so that even the owner obeys it. Writes
-- are the acting partner's rows only; reads of customers and jobs also reach the partners
-- below (the distributor's read-only roll-up). (SELECT f()) makes PostgreSQL evaluate the
-- function once per statement, not once per row.
ALTER TABLE staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_partner ON staff USING (partner_id = (SELECT tierdesk_partner()));

-- Grants waiting for their account's registration belong to no partner yet.
ALTER TABLE zoom_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE zoom_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY zoom_grants_partner ON zoom_grants
	USING (partner_id = (SELECT tierdesk_partner()) OR partner_id IS NULL);

ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
CREATE POLICY customers_read ON customers FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customers_insert ON customers FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customers_update ON customers FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customers_delete ON customers FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_read ON jobs FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY jobs_insert ON jobs FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY jobs_update ON jobs FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_partner ON audit_events USING (partner_id = (SELECT tierdesk_partner()));

ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_heads_partner ON audit_heads USING (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP POLICY audit_heads_partner ON audit_heads;
ALTER TABLE audit_heads NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_heads DISABLE ROW LEVEL SECURITY;
DROP POLICY audit_events_partner ON audit_events;
ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_events DISABLE ROW LEVEL SECURITY;
DROP POLICY zoom_grants_partner ON zoom_grants;
ALTER TABLE zoom_grants NO FORCE ROW LEVEL SECURITY;
ALTER TABLE zoom_grants DISABLE ROW LEVEL SECURITY;
DROP POLICY staff_partner ON staff;
ALTER TABLE staff NO FORCE ROW LEVEL SECURITY;
ALTER TABLE staff DISABLE ROW LEVEL SECURITY;
DROP FUNCTION tierdesk_reach();
DROP FUNCTION tierdesk_partner();
DROP TABLE jobs;
DROP TABLE account_directory;
DROP TABLE customers;
