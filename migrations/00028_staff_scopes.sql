-- Staff scoped to customer groups. An owner may limit a staff member to some of the
-- partner's groups (staff_scopes); such a member reaches only the customers those groups hold
-- when the request is made. The portal evaluates the groups at the start of each of the
-- member's requests (with the customer list's own group code) and sets the customers' ids on
-- every transaction of that request as tierdesk.scope ('{1,2,3}'; '{}' reaches nothing; unset
-- or '' is an unscoped member). The policies of every table that holds a customer's data read
-- it, beside the acting partner: the second wall behind internal/policy.
--
-- Writes keep the partner's rules (and a scoped member can write no out-of-scope row, which it
-- cannot read); audit events are inserted whatever the scope (a scoped member's refusal names
-- the customer it was refused) and read within it.

-- +goose Up
CREATE TABLE staff_scopes (
	staff_id   bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	-- A group that limits someone cannot be deleted (dropping it would widen their reach).
	group_id   bigint NOT NULL REFERENCES customer_groups (id),
	partner_id bigint NOT NULL REFERENCES partners (id),
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (staff_id, group_id)
);
CREATE INDEX staff_scopes_group_idx ON staff_scopes (group_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON staff_scopes TO tierdesk_app;
ALTER TABLE staff_scopes ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_scopes FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_scopes_partner ON staff_scopes USING (partner_id = (SELECT tierdesk_partner()));

-- A job about one customer (a users sync of it, its onboarding) names it, so that a scoped
-- member sees only the jobs of customers in scope (and every job about no one customer).
ALTER TABLE jobs ADD COLUMN customer_id bigint REFERENCES customers (id) ON DELETE SET NULL;

-- The jobs recorded before: an onboarding's is its customer's, a users sync of one customer
-- names it in its job.start event. The owner reads every partner's rows for this transaction.
ALTER TABLE jobs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE onboardings NO FORCE ROW LEVEL SECURITY;
ALTER TABLE customers NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY;
UPDATE jobs j SET customer_id = o.customer_id FROM onboardings o WHERE o.job_id = j.id AND o.customer_id IS NOT NULL;
UPDATE jobs j SET customer_id = c.id FROM audit_events e JOIN customers c ON c.zoom_account_id = e.customer_id
	WHERE e.action = 'job.start' AND e.customer_id <> '' AND e.job_id = j.id::text AND e.partner_id = j.partner_id AND j.customer_id IS NULL;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
ALTER TABLE onboardings FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;

-- The in-scope customers of the transaction's scoped member, or NULL for everyone else.
CREATE FUNCTION tierdesk_scope() RETURNS bigint[] LANGUAGE sql STABLE AS $$
	SELECT nullif(current_setting('tierdesk.scope', true), '')::bigint[]
$$;

-- The Zoom account ids of the in-scope customers (what audit events name), or NULL.
CREATE FUNCTION tierdesk_scope_accounts() RETURNS text[] LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN tierdesk_scope() IS NULL THEN NULL
		ELSE (SELECT coalesce(array_agg(zoom_account_id), '{}') FROM customers WHERE id = ANY (tierdesk_scope())) END
$$;

-- Each policy below is its partner condition as before, and the scope: (SELECT f()) is
-- evaluated once per statement, not once per row.

DROP POLICY customers_read ON customers;
DROP POLICY customers_update ON customers;
DROP POLICY customers_delete ON customers;
CREATE POLICY customers_read ON customers FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[])
	AND ((SELECT tierdesk_scope() IS NULL) OR id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customers_update ON customers FOR UPDATE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customers_delete ON customers FOR DELETE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY customer_trigrams_read ON customer_trigrams;
CREATE POLICY customer_trigrams_read ON customer_trigrams FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[])
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY customer_details_read ON customer_details;
DROP POLICY customer_details_write ON customer_details;
DROP POLICY customer_details_update ON customer_details;
DROP POLICY customer_details_delete ON customer_details;
CREATE POLICY customer_details_read ON customer_details FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[])
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_details_write ON customer_details FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_details_update ON customer_details FOR UPDATE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_details_delete ON customer_details FOR DELETE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY customer_users_read ON customer_users;
DROP POLICY customer_users_insert ON customer_users;
DROP POLICY customer_users_update ON customer_users;
DROP POLICY customer_users_delete ON customer_users;
CREATE POLICY customer_users_read ON customer_users FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[])
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_users_insert ON customer_users FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_users_update ON customer_users FOR UPDATE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_users_delete ON customer_users FOR DELETE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY customer_user_dirs_read ON customer_user_dirs;
DROP POLICY customer_user_dirs_insert ON customer_user_dirs;
DROP POLICY customer_user_dirs_update ON customer_user_dirs;
DROP POLICY customer_user_dirs_delete ON customer_user_dirs;
CREATE POLICY customer_user_dirs_read ON customer_user_dirs FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[])
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_user_dirs_insert ON customer_user_dirs FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_user_dirs_update ON customer_user_dirs FOR UPDATE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY customer_user_dirs_delete ON customer_user_dirs FOR DELETE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY user_pending_changes_partner ON user_pending_changes;
CREATE POLICY user_pending_changes_partner ON user_pending_changes USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

-- A bulk job's rows: those of no customer (refused before one was found) stay visible.
DROP POLICY user_import_rows_read ON user_import_rows;
CREATE POLICY user_import_rows_read ON user_import_rows FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[])
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id IS NULL OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

-- An onboarding is its customer's: a draft with no customer yet is no scoped member's.
DROP POLICY onboardings_partner ON onboardings;
CREATE POLICY onboardings_partner ON onboardings USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY seat_snapshots_read ON seat_snapshots;
DROP POLICY seat_snapshots_insert ON seat_snapshots;
DROP POLICY seat_snapshots_update ON seat_snapshots;
DROP POLICY seat_snapshots_delete ON seat_snapshots;
CREATE POLICY seat_snapshots_read ON seat_snapshots FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[])
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY seat_snapshots_insert ON seat_snapshots FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY seat_snapshots_update ON seat_snapshots FOR UPDATE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));
CREATE POLICY seat_snapshots_delete ON seat_snapshots FOR DELETE USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY zoom_intents_partner ON zoom_intents;
CREATE POLICY zoom_intents_partner ON zoom_intents USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id IS NULL OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY customer_group_members_partner ON customer_group_members;
CREATE POLICY customer_group_members_partner ON customer_group_members USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

DROP POLICY jobs_read ON jobs;
CREATE POLICY jobs_read ON jobs FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[])
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id IS NULL OR customer_id = ANY ((SELECT tierdesk_scope())::bigint[])));

-- The audit log: recorded whatever the scope, read within it (an event about no customer is
-- the partner's, and stays visible).
DROP POLICY audit_events_partner ON audit_events;
CREATE POLICY audit_events_insert ON audit_events FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY audit_events_read ON audit_events FOR SELECT USING (partner_id = (SELECT tierdesk_partner())
	AND ((SELECT tierdesk_scope() IS NULL) OR customer_id = '' OR customer_id = ANY ((SELECT tierdesk_scope_accounts())::text[])));

-- +goose Down
DROP POLICY audit_events_read ON audit_events;
DROP POLICY audit_events_insert ON audit_events;
CREATE POLICY audit_events_partner ON audit_events USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY jobs_read ON jobs;
CREATE POLICY jobs_read ON jobs FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));

DROP POLICY customer_group_members_partner ON customer_group_members;
CREATE POLICY customer_group_members_partner ON customer_group_members USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY zoom_intents_partner ON zoom_intents;
CREATE POLICY zoom_intents_partner ON zoom_intents USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY seat_snapshots_read ON seat_snapshots;
DROP POLICY seat_snapshots_insert ON seat_snapshots;
DROP POLICY seat_snapshots_update ON seat_snapshots;
DROP POLICY seat_snapshots_delete ON seat_snapshots;
CREATE POLICY seat_snapshots_read ON seat_snapshots FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY seat_snapshots_insert ON seat_snapshots FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY seat_snapshots_update ON seat_snapshots FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY seat_snapshots_delete ON seat_snapshots FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY onboardings_partner ON onboardings;
CREATE POLICY onboardings_partner ON onboardings USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY user_import_rows_read ON user_import_rows;
CREATE POLICY user_import_rows_read ON user_import_rows FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));

DROP POLICY user_pending_changes_partner ON user_pending_changes;
CREATE POLICY user_pending_changes_partner ON user_pending_changes USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY customer_user_dirs_read ON customer_user_dirs;
DROP POLICY customer_user_dirs_insert ON customer_user_dirs;
DROP POLICY customer_user_dirs_update ON customer_user_dirs;
DROP POLICY customer_user_dirs_delete ON customer_user_dirs;
CREATE POLICY customer_user_dirs_read ON customer_user_dirs FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customer_user_dirs_insert ON customer_user_dirs FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_user_dirs_update ON customer_user_dirs FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_user_dirs_delete ON customer_user_dirs FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY customer_users_read ON customer_users;
DROP POLICY customer_users_insert ON customer_users;
DROP POLICY customer_users_update ON customer_users;
DROP POLICY customer_users_delete ON customer_users;
CREATE POLICY customer_users_read ON customer_users FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customer_users_insert ON customer_users FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_users_update ON customer_users FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_users_delete ON customer_users FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY customer_details_read ON customer_details;
DROP POLICY customer_details_write ON customer_details;
DROP POLICY customer_details_update ON customer_details;
DROP POLICY customer_details_delete ON customer_details;
CREATE POLICY customer_details_read ON customer_details FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customer_details_write ON customer_details FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_details_update ON customer_details FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_details_delete ON customer_details FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

DROP POLICY customer_trigrams_read ON customer_trigrams;
CREATE POLICY customer_trigrams_read ON customer_trigrams FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));

DROP POLICY customers_read ON customers;
DROP POLICY customers_update ON customers;
DROP POLICY customers_delete ON customers;
CREATE POLICY customers_read ON customers FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customers_update ON customers FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customers_delete ON customers FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

DROP FUNCTION tierdesk_scope_accounts();
DROP FUNCTION tierdesk_scope();
ALTER TABLE jobs DROP COLUMN customer_id;
DROP TABLE staff_scopes;
