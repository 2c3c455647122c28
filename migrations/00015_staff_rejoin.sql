-- A removed staff member can be invited again. A removed row stays (the audit log names it),
-- with its Zoom user id; the new invitation binds that same Zoom user id at its first sign-in,
-- which UNIQUE (partner_id, zoom_user_id) refused (a 500 at sign-in). Like the email, the Zoom
-- user id is now unique among the staff who are not removed.

-- +goose Up
ALTER TABLE staff DROP CONSTRAINT staff_partner_id_zoom_user_id_key;
CREATE UNIQUE INDEX staff_partner_zoom_user_idx ON staff (partner_id, zoom_user_id) WHERE status <> 'removed';

-- +goose Down
DROP INDEX staff_partner_zoom_user_idx;
ALTER TABLE staff ADD CONSTRAINT staff_partner_id_zoom_user_id_key UNIQUE (partner_id, zoom_user_id);
