-- Foundation: sessions, partners, staff, Zoom grants, pending sign-ins.

-- +goose Up

-- scs sessions (github.com/alexedwards/scs/pgxstore).
CREATE TABLE sessions (
	token  text PRIMARY KEY,
	data   bytea NOT NULL,
	expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- A partner is one Zoom primary account registered in Tierdesk.
CREATE TABLE partners (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	zoom_account_id text NOT NULL UNIQUE,
	name            text NOT NULL CHECK (name <> ''),
	parent_id       bigint REFERENCES partners (id),
	created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partners_parent_idx ON partners (parent_id) WHERE parent_id IS NOT NULL;

-- Staff: users of the partner's Zoom account who may sign in, with a role.
CREATE TABLE staff (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id      bigint NOT NULL REFERENCES partners (id),
	zoom_user_id    text,
	email           text NOT NULL CHECK (email <> ''),
	first_name      text NOT NULL DEFAULT '',
	last_name       text NOT NULL DEFAULT '',
	role            text NOT NULL CHECK (role IN ('owner', 'admin', 'support', 'viewer')),
	status          text NOT NULL CHECK (status IN ('invited', 'active', 'suspended', 'removed')),
	invited_by      bigint REFERENCES staff (id),
	last_sign_in_at timestamptz,
	created_at      timestamptz NOT NULL DEFAULT now(),
	UNIQUE (partner_id, zoom_user_id)
);
CREATE UNIQUE INDEX staff_partner_email_idx ON staff (partner_id, lower(email)) WHERE status <> 'removed';

-- Zoom grants: a staff member's user OAuth grant, or a partner's Server-to-Server grant.
-- Token columns hold AES-256-GCM ciphertext (nonce || sealed) under key key_id.
-- partner_id is null only while a sign-in waits for its account to be registered.
CREATE TABLE zoom_grants (
	id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id        bigint REFERENCES partners (id),
	staff_id          bigint REFERENCES staff (id),
	kind              text NOT NULL CHECK (kind IN ('user', 's2s')),
	zoom_account_id   text NOT NULL,
	zoom_user_id      text,
	client_id         text NOT NULL DEFAULT '',
	key_id            text NOT NULL,
	access_token      bytea,
	refresh_token     bytea,
	client_secret     bytea,
	scopes            text NOT NULL DEFAULT '',
	access_expires_at timestamptz,
	status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'expired', 'revoked')),
	created_at        timestamptz NOT NULL DEFAULT now(),
	updated_at        timestamptz NOT NULL DEFAULT now()
);
-- One user grant per staff member: Zoom invalidates earlier tokens when a user authorizes again.
CREATE UNIQUE INDEX zoom_grants_staff_idx ON zoom_grants (staff_id) WHERE staff_id IS NOT NULL;
CREATE INDEX zoom_grants_partner_idx ON zoom_grants (partner_id);

-- Pending sign-ins: the OAuth state (hashed), bound to the browser by the hash of a cookie,
-- with the PKCE verifier (encrypted). Single use, valid 10 minutes.
CREATE TABLE signin_states (
	state_hash    bytea PRIMARY KEY,
	binding_hash  bytea NOT NULL,
	key_id        text NOT NULL,
	code_verifier bytea NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signin_states_created_idx ON signin_states (created_at);

-- +goose Down
DROP TABLE signin_states;
DROP TABLE zoom_grants;
DROP TABLE staff;
DROP TABLE partners;
DROP TABLE sessions;
