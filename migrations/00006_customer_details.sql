-- Customer details from Zoom (cached for the customer page), and one Server-to-Server grant
-- per partner.

-- +goose Up

-- What the customer page shows, as Zoom last answered it: the sub account (options, vanity
-- URL), plans, plan usage, settings, lock settings, managed and trusted domains. Each part
-- has its own time, because each is fetched (and may fail) on its own.
CREATE TABLE customer_details (
	customer_id       bigint PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
	partner_id        bigint NOT NULL REFERENCES partners (id),
	account           json,
	plans             json,
	plan_usage        json,
	settings          json,
	lock_settings     json,
	managed_domains   json,
	trusted_domains   json,
	fetched_at        timestamptz,
	errors            json NOT NULL DEFAULT '{}'
);
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_details TO tierdesk_app;
ALTER TABLE customer_details ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_details FORCE ROW LEVEL SECURITY;
CREATE POLICY customer_details_read ON customer_details FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customer_details_write ON customer_details FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_details_update ON customer_details FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_details_delete ON customer_details FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

-- Typo-tolerant search over name, owner email and account id.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE customers ADD COLUMN search text GENERATED ALWAYS AS (
	lower(account_name || ' ' || owner_email || ' ' || zoom_account_id)) STORED;
CREATE INDEX customers_search_trgm_idx ON customers USING gin (search gin_trgm_ops);
CREATE INDEX customers_partner_created_idx ON customers (partner_id, zoom_created_at, id);
CREATE INDEX customers_partner_seats_idx ON customers (partner_id, seats, id);

-- A partner has at most one Server-to-Server grant.
CREATE UNIQUE INDEX zoom_grants_s2s_idx ON zoom_grants (partner_id) WHERE kind = 's2s';

-- +goose Down
DROP INDEX zoom_grants_s2s_idx;
DROP INDEX customers_partner_seats_idx;
DROP INDEX customers_partner_created_idx;
DROP INDEX customers_search_trgm_idx;
ALTER TABLE customers DROP COLUMN search;
DROP TABLE customer_details;
