-- Changes across many customers: a settings template, a settings change or an option change
-- applied to a customer group runs as a bulk job, on the machinery of the bulk user jobs
-- (user_imports and its rows: states, leases, the watchdog). A row is then a customer, and
-- its change (the PATCHes the preview showed) is kept with it. A bulk job's rows resolve
-- their intents when the job resumes; the index finds a job's intents, open or closed.

-- +goose Up
ALTER TABLE user_imports DROP CONSTRAINT user_imports_kind_check;
ALTER TABLE user_imports ADD CONSTRAINT user_imports_kind_check CHECK (kind IN ('create', 'deactivate', 'remove', 'fleet'));
ALTER TABLE user_import_rows ADD COLUMN change json NOT NULL DEFAULT '{}';
CREATE INDEX zoom_intents_owner_idx ON zoom_intents (partner_id, owner) WHERE owner <> '';

-- +goose Down
DROP INDEX zoom_intents_owner_idx;
ALTER TABLE user_import_rows DROP COLUMN change;
DELETE FROM user_imports WHERE kind = 'fleet';
ALTER TABLE user_imports DROP CONSTRAINT user_imports_kind_check;
ALTER TABLE user_imports ADD CONSTRAINT user_imports_kind_check CHECK (kind IN ('create', 'deactivate', 'remove'));
