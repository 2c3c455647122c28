-- Customer groups: a partner's saved selections of customers, each by one rule (a tag, a tier,
-- a filter of the customer list, or an explicit list), evaluated when used. Tags themselves
-- stay where they were (customers.tags, migration 00004); this adds an index for them.
-- Groups are the partner's own: only its own staff read or change them (a distributor does
-- not see its resellers' groups), so every policy is the acting partner's.

-- +goose Up
CREATE TABLE customer_groups (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id      bigint NOT NULL REFERENCES partners (id),
	name            text NOT NULL CHECK (name <> ''),
	kind            text NOT NULL CHECK (kind IN ('tag', 'tier', 'filter', 'list')),
	tag             text NOT NULL DEFAULT '',
	tier_partner_id bigint REFERENCES partners (id),
	-- The customer list's filter parameters, as the list takes them ({"plan": "Pro", ...}).
	filter          jsonb NOT NULL DEFAULT '{}',
	created_by      bigint REFERENCES staff (id),
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	CHECK (kind <> 'tag' OR tag <> ''),
	CHECK (kind <> 'tier' OR tier_partner_id IS NOT NULL)
);
CREATE UNIQUE INDEX customer_groups_name_idx ON customer_groups (partner_id, lower(name));
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_groups TO tierdesk_app;
ALTER TABLE customer_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY customer_groups_partner ON customer_groups USING (partner_id = (SELECT tierdesk_partner()));

-- The customers of an explicit list (kind 'list'): any customer in the partner's reach.
CREATE TABLE customer_group_members (
	group_id    bigint NOT NULL REFERENCES customer_groups (id) ON DELETE CASCADE,
	customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	partner_id  bigint NOT NULL REFERENCES partners (id),
	PRIMARY KEY (group_id, customer_id)
);
CREATE INDEX customer_group_members_customer_idx ON customer_group_members (customer_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_group_members TO tierdesk_app;
ALTER TABLE customer_group_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_group_members FORCE ROW LEVEL SECURITY;
CREATE POLICY customer_group_members_partner ON customer_group_members USING (partner_id = (SELECT tierdesk_partner()));

-- A tag's customers: the list's ?tag= and a tag group's members.
CREATE INDEX customers_tags_idx ON customers USING gin (tags);

-- +goose Down
DROP INDEX customers_tags_idx;
DROP TABLE customer_group_members;
DROP TABLE customer_groups;
