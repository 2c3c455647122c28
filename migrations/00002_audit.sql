-- The portal's database role, and the audit log: append-only, hash-chained per partner.

-- +goose Up

-- tierdesk_app is the role the portal acts as at run time (its pool does SET ROLE
-- tierdesk_app). It owns no table: the role that runs migrations does. Creating it needs
-- CREATEROLE once; an operator may create it beforehand instead.
-- +goose StatementBegin
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tierdesk_app') THEN
		CREATE ROLE tierdesk_app NOLOGIN;
	END IF;
	-- The migrating role may act as tierdesk_app (needed when one URL serves both).
	IF NOT pg_has_role(current_user, 'tierdesk_app', 'MEMBER') THEN
		EXECUTE format('GRANT tierdesk_app TO %I', current_user);
	END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO tierdesk_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tierdesk_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO tierdesk_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO tierdesk_app;
-- Tables made later by this role (including River's) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tierdesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO tierdesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO tierdesk_app;

-- One row per audited event. (partner_id, seq) is gapless per partner; hash chains each
-- event to the one before: hash = sha256(prev_hash || canonical(event)).
CREATE TABLE audit_events (
	partner_id      bigint NOT NULL REFERENCES partners (id),
	seq             bigint NOT NULL CHECK (seq > 0),
	occurred_at     timestamptz NOT NULL,
	staff_id        bigint,
	staff_email     text NOT NULL DEFAULT '',
	zoom_user_id    text NOT NULL DEFAULT '',
	grant_ref       text NOT NULL DEFAULT '',
	action          text NOT NULL,
	target_type     text NOT NULL DEFAULT '',
	target_id       text NOT NULL DEFAULT '',
	target_label    text NOT NULL DEFAULT '',
	customer_id     text NOT NULL DEFAULT '',
	outcome         text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'denied', 'pending')),
	zoom_code       integer NOT NULL DEFAULT 0,
	zoom_message    text NOT NULL DEFAULT '',
	external        boolean NOT NULL DEFAULT false,
	request_id      text NOT NULL DEFAULT '',
	ip              text NOT NULL DEFAULT '',
	user_agent      text NOT NULL DEFAULT '',
	job_id          text NOT NULL DEFAULT '',
	details         json NOT NULL DEFAULT '{}',
	prev_hash       bytea NOT NULL,
	hash            bytea NOT NULL,
	-- Words of the text fields, with e-mail addresses, ids and dotted actions split into
	-- their parts, so that "alice@exam" or "sign_in" find what people expect.
	search          tsvector GENERATED ALWAYS AS (
		to_tsvector('simple', translate(lower(action || ' ' || target_type || ' ' || target_id || ' ' || target_label || ' ' ||
			customer_id || ' ' || staff_email || ' ' || zoom_message || ' ' || details::text),
			'@._-:/"{}[],=', '             '))) STORED,
	PRIMARY KEY (partner_id, seq)
);
CREATE INDEX audit_events_time_idx ON audit_events (partner_id, occurred_at DESC);
CREATE INDEX audit_events_staff_idx ON audit_events (partner_id, staff_id, seq DESC);
CREATE INDEX audit_events_action_idx ON audit_events (partner_id, action, seq DESC);
CREATE INDEX audit_events_customer_idx ON audit_events (partner_id, customer_id, seq DESC) WHERE customer_id <> '';
CREATE INDEX audit_events_target_idx ON audit_events (partner_id, target_type, target_id, seq DESC);
CREATE INDEX audit_events_outcome_idx ON audit_events (partner_id, outcome, seq DESC) WHERE outcome <> 'succeeded';
CREATE INDEX audit_events_search_idx ON audit_events USING gin (search);

-- The head of each partner's chain. Writers lock their partner's row, so one partner's
-- events serialize without gaps or forks and partners never wait on each other.
CREATE TABLE audit_heads (
	partner_id bigint PRIMARY KEY REFERENCES partners (id),
	seq        bigint NOT NULL,
	hash       bytea NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
	FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
	FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- The portal may only add and read events.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM tierdesk_app;
GRANT SELECT, INSERT ON audit_events TO tierdesk_app;

-- +goose Down
DROP TABLE audit_heads;
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM tierdesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM tierdesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM tierdesk_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tierdesk_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM tierdesk_app;
REVOKE USAGE ON SCHEMA public FROM tierdesk_app;
