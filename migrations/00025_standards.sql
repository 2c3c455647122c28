-- Settings standards: a partner's settings template assigned to one of its customer groups,
-- whose drift (each member's cached settings against the template) is reported. The mode
-- says what Tierdesk does about drift: 'report' shows it; 'enforce' (a later job) will also
-- bring drifted customers back. Standards are the partner's own, like groups and templates:
-- only its own staff read or change them.

-- +goose Up
CREATE TABLE standards (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id  bigint NOT NULL REFERENCES partners (id),
	name        text NOT NULL CHECK (name <> ''),
	template_id bigint NOT NULL REFERENCES settings_templates (id),
	group_id    bigint NOT NULL REFERENCES customer_groups (id),
	mode        text NOT NULL DEFAULT 'report' CHECK (mode IN ('report', 'enforce')),
	created_by  bigint REFERENCES staff (id),
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX standards_name_idx ON standards (partner_id, lower(name));
CREATE INDEX standards_template_idx ON standards (template_id);
CREATE INDEX standards_group_idx ON standards (group_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON standards TO tierdesk_app;
ALTER TABLE standards ENABLE ROW LEVEL SECURITY;
ALTER TABLE standards FORCE ROW LEVEL SECURITY;
CREATE POLICY standards_partner ON standards USING (partner_id = (SELECT tierdesk_partner()));

-- The drift report reads a few values out of each member's cached settings: parsing each
-- customer's whole settings (json, kept as Zoom answered) on every report cost about 0.2 ms a
-- customer. A binary copy, kept by PostgreSQL on each write, is read instead.
ALTER TABLE customer_details
	ADD COLUMN settings_b jsonb GENERATED ALWAYS AS (settings::jsonb) STORED,
	ADD COLUMN lock_settings_b jsonb GENERATED ALWAYS AS (lock_settings::jsonb) STORED;
-- Compressed with lz4, which unpacks a customer's settings several times faster than pglz.
ALTER TABLE customer_details ALTER COLUMN settings_b SET COMPRESSION lz4, ALTER COLUMN lock_settings_b SET COMPRESSION lz4;

-- +goose Down
ALTER TABLE customer_details DROP COLUMN settings_b, DROP COLUMN lock_settings_b;
DROP TABLE standards;
