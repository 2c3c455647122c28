-- Pending grants behind their own door. A pending grant (zoom_grants.partner_id IS NULL) is
-- the Zoom grant of an owner or admin of a primary account that is not a partner yet, kept
-- between the sign-in that offered registration and the registration that claims it (or the
-- sign-out that revokes it, or the clean-up that deletes it after an hour). 00004 let every
-- transaction see them, whatever partner it acted for: any partner's query that forgot its
-- partner_id filter reached other accounts' tokens. Now:
--
--   * a partner's transaction sees its own grants only;
--   * a transaction with no acting partner sees no grant at all, unless it is on the sign-in
--     path and says which pending grants it works on (tierdesk.pending_grant, set for the
--     transaction only by the store's sign-in path): 'all' to save a new one or clean up
--     stale ones, or one grant's id to revoke it at sign-out;
--   * a registration, inside the new partner's transaction, may claim the one pending grant
--     it names by id, and only into that partner.

-- +goose Up

-- The pending grants the transaction works on: 'all', one grant's id, or NULL (none).
CREATE FUNCTION tierdesk_pending_grant() RETURNS text LANGUAGE sql STABLE AS $$
	SELECT nullif(current_setting('tierdesk.pending_grant', true), '')
$$;

DROP POLICY zoom_grants_partner ON zoom_grants;

-- The acting partner's grants: every command.
CREATE POLICY zoom_grants_partner ON zoom_grants
	USING (partner_id = (SELECT tierdesk_partner()));

-- Pending grants, with no acting partner, on the sign-in path only.
CREATE POLICY zoom_grants_pending ON zoom_grants
	USING (partner_id IS NULL AND (SELECT tierdesk_partner()) IS NULL
		AND ((SELECT tierdesk_pending_grant()) = 'all' OR id::text = (SELECT tierdesk_pending_grant())));

-- A registration claims the pending grant it names, into the partner it acts for (the UPDATE
-- reads the row, so it must be visible to the claim too).
CREATE POLICY zoom_grants_claim_read ON zoom_grants FOR SELECT
	USING (partner_id IS NULL AND id::text = (SELECT tierdesk_pending_grant()));
CREATE POLICY zoom_grants_claim ON zoom_grants FOR UPDATE
	USING (partner_id IS NULL AND id::text = (SELECT tierdesk_pending_grant()))
	WITH CHECK (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP POLICY zoom_grants_claim ON zoom_grants;
DROP POLICY zoom_grants_claim_read ON zoom_grants;
DROP POLICY zoom_grants_pending ON zoom_grants;
DROP POLICY zoom_grants_partner ON zoom_grants;
CREATE POLICY zoom_grants_partner ON zoom_grants
	USING (partner_id = (SELECT tierdesk_partner()) OR partner_id IS NULL);
DROP FUNCTION tierdesk_pending_grant();
