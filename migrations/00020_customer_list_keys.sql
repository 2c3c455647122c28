-- The customer list and its search under row-level security (ARCHITECTURE.md, "Lists under
-- row-level security"). PostgreSQL lets a condition of a query run before the policy's own
-- only if it cannot leak the rows it sees: all its functions and operators are LEAKPROOF.
-- Otherwise it is a filter applied after the policy, and an index cannot serve it. So:
--
-- * the sort keys of the list are stored columns, so that the keyset condition compares
--   columns with leakproof operators (text and timestamptz comparison) instead of calling
--   lower() or coalesce() (not leakproof) on every row: page 101 is an index range scan;
-- * the search has a side table of each customer's trigrams (pg_trgm's, of the search
--   text), looked up by equality (leakproof), in place of the trigram GIN index that LIKE
--   and pg_trgm's operators (not leakproof) could never use under the policy;
-- * tierdesk_reach(), which every reach policy calls once per table of a query, keeps its
--   plan for the session (PL/pgSQL) instead of planning its recursive query on every call.

-- +goose Up
ALTER TABLE customers
	ADD COLUMN name_key    text        GENERATED ALWAYS AS (lower(account_name)) STORED,
	ADD COLUMN created_key timestamptz GENERATED ALWAYS AS (coalesce(zoom_created_at, 'epoch'::timestamptz)) STORED;
CREATE INDEX customers_partner_name_key_idx ON customers (partner_id, name_key, id);
CREATE INDEX customers_partner_created_key_idx ON customers (partner_id, created_key DESC, id DESC);
DROP INDEX customers_partner_name_idx;
DROP INDEX customers_partner_newest_idx;
DROP INDEX customers_search_trgm_idx;

-- Every distinct trigram of a customer's search text, as show_trgm() gives it. partner_id is
-- the customer's (like customers.partner_id). Kept by the triggers below, as whoever changes
-- the customer (the acting partner, under the same policies): rows of a customer are replaced
-- when its search text changes. (A later migration that rewrites customers' names as the
-- owner lifts row-level security on this table too, as below for customers.)
CREATE TABLE customer_trigrams (
	partner_id  bigint NOT NULL REFERENCES partners (id),
	trigram     text COLLATE "C" NOT NULL,
	customer_id bigint NOT NULL,
	PRIMARY KEY (partner_id, trigram, customer_id)
);

-- +goose StatementBegin
CREATE FUNCTION customer_trigrams_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		DELETE FROM customer_trigrams
		WHERE partner_id = OLD.partner_id AND trigram = ANY (show_trgm(OLD.search)) AND customer_id = OLD.id;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO customer_trigrams (partner_id, trigram, customer_id)
		SELECT NEW.partner_id, g, NEW.id FROM unnest(show_trgm(NEW.search)) g;
	END IF;
	RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER customer_trigrams_insert AFTER INSERT ON customers
	FOR EACH ROW EXECUTE FUNCTION customer_trigrams_keep();
CREATE TRIGGER customer_trigrams_update AFTER UPDATE OF account_name, owner_email, zoom_account_id, partner_id ON customers
	FOR EACH ROW WHEN (OLD.search IS DISTINCT FROM NEW.search OR OLD.partner_id <> NEW.partner_id)
	EXECUTE FUNCTION customer_trigrams_keep();
CREATE TRIGGER customer_trigrams_delete AFTER DELETE ON customers
	FOR EACH ROW EXECUTE FUNCTION customer_trigrams_keep();

-- The owner fills the table from every partner's customers: row-level security on customers
-- is lifted for this transaction.
ALTER TABLE customers NO FORCE ROW LEVEL SECURITY;
INSERT INTO customer_trigrams (partner_id, trigram, customer_id)
SELECT c.partner_id, g, c.id FROM customers c, unnest(show_trgm(c.search)) g;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;

GRANT SELECT, INSERT, DELETE ON customer_trigrams TO tierdesk_app;
ALTER TABLE customer_trigrams ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_trigrams FORCE ROW LEVEL SECURITY;
CREATE POLICY customer_trigrams_read ON customer_trigrams FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY customer_trigrams_insert ON customer_trigrams FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY customer_trigrams_delete ON customer_trigrams FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

-- The same reach as before (00004), planned once per session.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tierdesk_reach() RETURNS bigint[] LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (WITH RECURSIVE tree(id) AS (
		SELECT id FROM partners WHERE id = tierdesk_partner()
		UNION
		SELECT p.id FROM partners p JOIN tree ON p.parent_id = tree.id
	)
	SELECT coalesce(array_agg(id), '{}') FROM tree);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tierdesk_reach() RETURNS bigint[] LANGUAGE sql STABLE AS $$
	WITH RECURSIVE tree(id) AS (
		SELECT id FROM partners WHERE id = tierdesk_partner()
		UNION
		SELECT p.id FROM partners p JOIN tree ON p.parent_id = tree.id
	)
	SELECT coalesce(array_agg(id), '{}') FROM tree
$$;
-- +goose StatementEnd
DROP TRIGGER customer_trigrams_delete ON customers;
DROP TRIGGER customer_trigrams_update ON customers;
DROP TRIGGER customer_trigrams_insert ON customers;
DROP FUNCTION customer_trigrams_keep();
DROP TABLE customer_trigrams;
CREATE INDEX customers_search_trgm_idx ON customers USING gin (search gin_trgm_ops);
CREATE INDEX customers_partner_newest_idx ON customers (partner_id, (coalesce(zoom_created_at, 'epoch'::timestamptz)) DESC, id DESC);
CREATE INDEX customers_partner_name_idx ON customers (partner_id, lower(account_name), id);
DROP INDEX customers_partner_created_key_idx;
DROP INDEX customers_partner_name_key_idx;
ALTER TABLE customers DROP COLUMN created_key, DROP COLUMN name_key;
