-- Audit log hardening: keyed chain hashes, the chain head kept by the database, and a system
-- chain (partner 0) for events that belong to no partner (sign-ins refused before a partner
-- is known).

-- +goose Up

-- The key that signed each event's hash (HMAC-SHA256 under a key derived from
-- PORTAL_SECRET_KEY): without it nobody can recompute a chain after changing it.
ALTER TABLE audit_events ADD COLUMN key_id text NOT NULL DEFAULT '';
ALTER TABLE audit_events ALTER COLUMN key_id DROP DEFAULT;

-- Partner 0 is the system chain: no partners row.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_partner_id_fkey;
ALTER TABLE audit_heads DROP CONSTRAINT audit_heads_partner_id_fkey;

-- The database, not the portal, moves the head: an event is accepted only if it follows the
-- head (next sequence number, previous hash), and the head then points at it. The portal may
-- only read heads.
-- +goose StatementBegin
CREATE FUNCTION audit_events_link() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	head_seq bigint;
	head_hash bytea;
BEGIN
	INSERT INTO audit_heads (partner_id, seq, hash) VALUES (NEW.partner_id, 0, decode(repeat('00', 32), 'hex'))
		ON CONFLICT (partner_id) DO NOTHING;
	SELECT seq, hash INTO head_seq, head_hash FROM audit_heads WHERE partner_id = NEW.partner_id FOR UPDATE;
	IF head_seq IS NULL OR NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
		RAISE EXCEPTION 'audit chain of partner %: event % does not follow event %', NEW.partner_id, NEW.seq, head_seq
			USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	UPDATE audit_heads SET seq = NEW.seq, hash = NEW.hash WHERE partner_id = NEW.partner_id;
	RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_link BEFORE INSERT ON audit_events
	FOR EACH ROW EXECUTE FUNCTION audit_events_link();

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_heads FROM tierdesk_app;
GRANT SELECT ON audit_heads TO tierdesk_app;
REVOKE EXECUTE ON FUNCTION audit_events_link() FROM PUBLIC;

-- The portal reads the migration ledger (for /readyz) and never writes it.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON goose_db_version FROM tierdesk_app;

-- +goose Down
GRANT INSERT, UPDATE, DELETE ON goose_db_version TO tierdesk_app;
GRANT INSERT, UPDATE, DELETE ON audit_heads TO tierdesk_app;
DROP TRIGGER audit_events_link ON audit_events;
DROP FUNCTION audit_events_link();
ALTER TABLE audit_events DROP COLUMN key_id;
