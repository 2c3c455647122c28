-- Indexes for every order of the customer list, per partner, in the direction the list reads
-- them, so that a first page is an index walk whatever the number of customers.

-- +goose Up
DROP INDEX IF EXISTS customers_partner_created_idx;
DROP INDEX IF EXISTS customers_partner_seats_idx;
CREATE INDEX customers_partner_newest_idx ON customers (partner_id, (coalesce(zoom_created_at, 'epoch'::timestamptz)) DESC, id DESC);
CREATE INDEX customers_partner_seats_idx ON customers (partner_id, seats DESC, id DESC);
CREATE INDEX customers_partner_updated_idx ON customers (partner_id, updated_at DESC, id DESC);
CREATE INDEX customers_partner_plan_idx ON customers (partner_id, account_type);

-- +goose Down
DROP INDEX customers_partner_plan_idx;
DROP INDEX customers_partner_updated_idx;
DROP INDEX customers_partner_seats_idx;
DROP INDEX customers_partner_newest_idx;
CREATE INDEX customers_partner_created_idx ON customers (partner_id, zoom_created_at, id);
CREATE INDEX customers_partner_seats_idx ON customers (partner_id, seats, id);
