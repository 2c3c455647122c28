-- Settings templates: named sets of account settings and lock settings kept per partner,
-- applied to customers (by the onboarding wizard, or from a customer's page).

-- +goose Up
CREATE TABLE settings_templates (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id  bigint NOT NULL REFERENCES partners (id),
	name        text NOT NULL CHECK (name <> ''),
	-- {"section": {"field": value}}: only the settings the template sets.
	settings    json NOT NULL DEFAULT '{}',
	-- {"section": {"field": true|false}}: only the locks the template sets.
	locks       json NOT NULL DEFAULT '{}',
	created_by  bigint REFERENCES staff (id),
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX settings_templates_name_idx ON settings_templates (partner_id, lower(name));
GRANT SELECT, INSERT, UPDATE, DELETE ON settings_templates TO tierdesk_app;
ALTER TABLE settings_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE settings_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY settings_templates_partner ON settings_templates USING (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP TABLE settings_templates;
