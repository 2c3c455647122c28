-- Seats over time: one snapshot a day of each active customer's paid seats (Zoom's seats of
-- the sub account) and the licensed users that take them (active and invited, from the user
-- directory). Partner-scoped like customers: the owning partner writes, partners above read.

-- +goose Up
CREATE TABLE seat_snapshots (
	customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	partner_id  bigint NOT NULL REFERENCES partners (id),
	day         date NOT NULL,
	seats       integer NOT NULL,
	licensed    integer NOT NULL,
	pending     integer NOT NULL,
	taken_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (customer_id, day)
);
CREATE INDEX seat_snapshots_partner_day_idx ON seat_snapshots (partner_id, day);
GRANT SELECT, INSERT, UPDATE, DELETE ON seat_snapshots TO tierdesk_app;
ALTER TABLE seat_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE seat_snapshots FORCE ROW LEVEL SECURITY;
CREATE POLICY seat_snapshots_read ON seat_snapshots FOR SELECT USING (partner_id = ANY ((SELECT tierdesk_reach())::bigint[]));
CREATE POLICY seat_snapshots_insert ON seat_snapshots FOR INSERT WITH CHECK (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY seat_snapshots_update ON seat_snapshots FOR UPDATE USING (partner_id = (SELECT tierdesk_partner()));
CREATE POLICY seat_snapshots_delete ON seat_snapshots FOR DELETE USING (partner_id = (SELECT tierdesk_partner()));

-- +goose Down
DROP TABLE seat_snapshots;
