-- Delegated access between tiers. A partner (the owner: a reseller) lets the partner directly
-- above it (the delegate: its distributor) act on some of its customers with a role (viewer,
-- support, admin) for a limited time. Either side asks; the other side answers (a request of
-- the owner's is its approval, so the delegate accepts it); either side ends it; it expires by
-- itself, and a request nobody answered lapses after 7 days.
--
-- While a delegation is active, the delegate's staff act on its customers under the owner's
-- Server-to-Server app. Their transactions set tierdesk.partner_id to the DELEGATE (who acts)
-- and tierdesk.delegation to the delegation's id; tierdesk_partner() then answers the OWNER's
-- id only while that delegation is active, names the delegate and has not expired, and
-- tierdesk_scope() answers the delegation's customers. So every policy that reads
-- tierdesk_partner() and tierdesk_scope() (every tenant table) checks the delegation in the
-- database: an ended, expired, declined or made-up delegation reaches no row at all.

-- +goose Up
CREATE TABLE delegations (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner_partner_id    bigint NOT NULL REFERENCES partners (id),
	delegate_partner_id bigint NOT NULL REFERENCES partners (id),
	-- Which side asked: 'delegate' (the distributor asks for access) or 'owner' (the reseller
	-- asks its distributor to help).
	requested_by        text NOT NULL CHECK (requested_by IN ('owner', 'delegate')),
	requested_by_staff  bigint REFERENCES staff (id) ON DELETE SET NULL,
	requested_by_email  text NOT NULL,
	role                text NOT NULL CHECK (role IN ('viewer', 'support', 'admin')),
	duration            interval NOT NULL CHECK (duration >= interval '1 hour' AND duration <= interval '90 days'),
	reason              text NOT NULL CHECK (reason <> ''),
	-- How the customers were chosen: a list, or a group of the owner's (its members when the
	-- owner asked or approved, group_name as it was then).
	customer_kind       text NOT NULL CHECK (customer_kind IN ('list', 'group')),
	group_name          text NOT NULL DEFAULT '',
	status              text NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'active', 'declined', 'ended', 'expired', 'lapsed')),
	requested_at        timestamptz NOT NULL,
	lapses_at           timestamptz NOT NULL,
	answered_at         timestamptz,
	answered_by_email   text NOT NULL DEFAULT '',
	starts_at           timestamptz,
	expires_at          timestamptz,
	ended_at            timestamptz,
	ended_by_partner    bigint REFERENCES partners (id),
	ended_by_email      text NOT NULL DEFAULT '',
	CHECK (owner_partner_id <> delegate_partner_id),
	CHECK (status NOT IN ('active', 'expired') OR (starts_at IS NOT NULL AND expires_at IS NOT NULL))
);
CREATE INDEX delegations_owner_idx ON delegations (owner_partner_id, status);
CREATE INDEX delegations_delegate_idx ON delegations (delegate_partner_id, status);

-- The customers a delegation covers (both partners named, for the policies).
CREATE TABLE delegation_customers (
	delegation_id       bigint NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
	customer_id         bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	owner_partner_id    bigint NOT NULL REFERENCES partners (id),
	delegate_partner_id bigint NOT NULL REFERENCES partners (id),
	PRIMARY KEY (delegation_id, customer_id)
);
CREATE INDEX delegation_customers_customer_idx ON delegation_customers (customer_id);

-- The partner whose staff is acting in this transaction (the setting as the store wrote it):
-- under a delegation the delegate, otherwise the same as tierdesk_partner().
CREATE FUNCTION tierdesk_acting_partner() RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT nullif(current_setting('tierdesk.partner_id', true), '')::bigint
$$;

-- Both sides read and write their delegations: by the acting partner, never the delegated one
-- (so the functions below can read the delegation they check).
GRANT SELECT, INSERT, UPDATE ON delegations TO tierdesk_app;
GRANT SELECT, INSERT ON delegation_customers TO tierdesk_app;
ALTER TABLE delegations ENABLE ROW LEVEL SECURITY;
ALTER TABLE delegations FORCE ROW LEVEL SECURITY;
CREATE POLICY delegations_sides ON delegations USING ((SELECT tierdesk_acting_partner()) IN (owner_partner_id, delegate_partner_id));
ALTER TABLE delegation_customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE delegation_customers FORCE ROW LEVEL SECURITY;
CREATE POLICY delegation_customers_sides ON delegation_customers USING ((SELECT tierdesk_acting_partner()) IN (owner_partner_id, delegate_partner_id));

-- The owner of the transaction's delegation when it is active now and its delegate is acting;
-- else NULL (no row of anyone's).
-- +goose StatementBegin
CREATE FUNCTION tierdesk_delegation_owner() RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT owner_partner_id FROM delegations
	WHERE id = nullif(current_setting('tierdesk.delegation', true), '')::bigint
		AND delegate_partner_id = tierdesk_acting_partner()
		AND status = 'active' AND expires_at > now()
$$;
-- +goose StatementEnd

-- The customers of the transaction's active delegation ('{}' when it is not active).
-- +goose StatementBegin
CREATE FUNCTION tierdesk_delegation_customers() RETURNS bigint[] LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(dc.customer_id ORDER BY dc.customer_id), '{}')
	FROM delegation_customers dc
	WHERE dc.delegation_id = nullif(current_setting('tierdesk.delegation', true), '')::bigint
		AND dc.owner_partner_id = tierdesk_delegation_owner()
$$;
-- +goose StatementEnd

-- The acting partner for every policy: the owner under an active delegation.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tierdesk_partner() RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN coalesce(current_setting('tierdesk.delegation', true), '') = ''
		THEN nullif(current_setting('tierdesk.partner_id', true), '')::bigint
		ELSE tierdesk_delegation_owner() END
$$;
-- +goose StatementEnd

-- The customers in reach of a limited transaction: the delegation's under a delegation,
-- else the scoped member's (migration 00028), else NULL.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tierdesk_scope() RETURNS bigint[] LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN coalesce(current_setting('tierdesk.delegation', true), '') = ''
		THEN nullif(current_setting('tierdesk.scope', true), '')::bigint[]
		ELSE tierdesk_delegation_customers() END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tierdesk_scope() RETURNS bigint[] LANGUAGE sql STABLE AS $$
	SELECT nullif(current_setting('tierdesk.scope', true), '')::bigint[]
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tierdesk_partner() RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT nullif(current_setting('tierdesk.partner_id', true), '')::bigint
$$;
-- +goose StatementEnd
DROP FUNCTION tierdesk_delegation_customers();
DROP FUNCTION tierdesk_delegation_owner();
DROP TABLE delegation_customers;
DROP TABLE delegations;
DROP FUNCTION tierdesk_acting_partner();
