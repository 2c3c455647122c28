package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// SettingsTemplate is a named set of account settings and lock settings of a partner. Each
// holds only what it sets: {"section": {"field": value}}.
type SettingsTemplate struct {
	ID        int64                      `db:"id"`
	PartnerID int64                      `db:"partner_id"`
	Name      string                     `db:"name"`
	Settings  map[string]map[string]any  `db:"settings"`
	Locks     map[string]map[string]bool `db:"locks"`
	CreatedBy *int64                     `db:"created_by"`
	CreatedAt time.Time                  `db:"created_at"`
	UpdatedAt time.Time                  `db:"updated_at"`
}

const templateColumns = "id, partner_id, name, settings, locks, created_by, created_at, updated_at"

// SettingsTemplates lists partnerID's templates by name.
func (s *Store) SettingsTemplates(ctx context.Context, partnerID int64) ([]SettingsTemplate, error) {
	var out []SettingsTemplate
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+templateColumns+" FROM settings_templates WHERE partner_id = $1 ORDER BY lower(name)", partnerID)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[SettingsTemplate])
		return err
	})
	for i := range out {
		currentPaths(&out[i])
	}
	if err != nil {
		return nil, fmt.Errorf("settings templates of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// SettingsTemplateByID returns one of partnerID's templates, or ErrNotFound.
func (s *Store) SettingsTemplateByID(ctx context.Context, partnerID, id int64) (SettingsTemplate, error) {
	var t SettingsTemplate
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+templateColumns+" FROM settings_templates WHERE partner_id = $1 AND id = $2", partnerID, id)
		var err error
		t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[SettingsTemplate])
		return translate(err)
	})
	if err != nil {
		return SettingsTemplate{}, fmt.Errorf("settings template %d: %w", id, err)
	}
	currentPaths(&t)
	return t, nil
}

// earlierPaths are the setting paths that templates saved by earlier versions of the
// template form may hold, and the path that names the same setting in Zoom's types now
// (internal/zoom/spec; issue 17): "" when Zoom's account settings have no such setting, or
// (earlierLocks) its lock settings no boolean lock for it, so that it is left out. A template
// is read with today's paths, and saved with them the next time it is saved.
var (
	earlierPaths = map[string]string{
		"in_meeting.waiting_room":             "meeting_security.waiting_room",
		"schedule_meeting.participants_video": "schedule_meeting.participant_video",
		"schedule_meeting.mute_upon_entry":    "",
	}
	earlierLocks = map[string]string{
		"in_meeting.waiting_room":             "meeting_security.waiting_room",
		"schedule_meeting.participants_video": "schedule_meeting.participant_video",
		"schedule_meeting.mute_upon_entry":    "",
		"in_meeting.who_can_share_screen":     "",
		"in_meeting.entry_exit_chime":         "",
	}
)

// currentPaths rewrites a template's earlier paths (earlierPaths, earlierLocks) to today's.
func currentPaths(t *SettingsTemplate) {
	renamePaths(t.Settings, earlierPaths)
	renamePaths(t.Locks, earlierLocks)
}

func renamePaths[V any](m map[string]map[string]V, renames map[string]string) {
	for from, to := range renames {
		sec, field, _ := strings.Cut(from, ".")
		v, ok := m[sec][field]
		if !ok {
			continue
		}
		delete(m[sec], field)
		if len(m[sec]) == 0 {
			delete(m, sec)
		}
		if to == "" {
			continue
		}
		tsec, tfield, _ := strings.Cut(to, ".")
		if _, taken := m[tsec][tfield]; taken {
			continue // saved with both: today's path wins
		}
		if m[tsec] == nil {
			m[tsec] = map[string]V{}
		}
		m[tsec][tfield] = v
	}
}

func validateTemplate(t SettingsTemplate) error {
	errs := map[string]string{}
	switch name := strings.TrimSpace(t.Name); {
	case name == "":
		errs["name"] = "Name the template."
	case len(name) > 100:
		errs["name"] = "Use at most 100 characters."
	}
	if len(t.Settings) == 0 && len(t.Locks) == 0 {
		errs["_"] = "Set at least one setting or lock: an empty template would change nothing."
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	return nil
}

// SaveSettingsTemplate creates (ID 0) or replaces a template of partnerID and appends ev
// ("settings_template.create" or ".update") with before and after. A name already used is
// a *ValidationError on "name"; an unknown id is ErrNotFound.
func (s *Store) SaveSettingsTemplate(ctx context.Context, partnerID int64, t SettingsTemplate, ev AuditEvent) (SettingsTemplate, error) {
	t.Name = strings.TrimSpace(t.Name)
	if err := validateTemplate(t); err != nil {
		return t, err
	}
	var out SettingsTemplate
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		settings, locks := mustJSON(t.Settings), mustJSON(t.Locks)
		var before any
		var rows pgx.Rows
		if t.ID == 0 {
			ev.Action = audit.SettingsTemplateCreate
			rows, _ = tx.Query(ctx, `INSERT INTO settings_templates (partner_id, name, settings, locks, created_by)
				VALUES ($1, $2, $3, $4, $5) RETURNING `+templateColumns, partnerID, t.Name, string(settings), string(locks), t.CreatedBy)
		} else {
			ev.Action = audit.SettingsTemplateUpdate
			old, err := s.templateInTx(ctx, tx, partnerID, t.ID)
			if err != nil {
				return err
			}
			before = map[string]any{"name": old.Name, "settings": old.Settings, "locks": old.Locks}
			rows, _ = tx.Query(ctx, `UPDATE settings_templates SET name = $3, settings = $4, locks = $5, updated_at = now()
				WHERE partner_id = $1 AND id = $2 RETURNING `+templateColumns, partnerID, t.ID, t.Name, string(settings), string(locks))
		}
		var err error
		if out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[SettingsTemplate]); err != nil {
			if err = translate(err); strings.Contains(err.Error(), "settings_templates_name_idx") {
				return &ValidationError{Fields: map[string]string{"name": "Another template already has this name."}}
			}
			return err
		}
		ev.PartnerID, ev.Outcome = partnerID, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "settings_template", strconv.FormatInt(out.ID, 10), out.Name
		d := map[string]any{"after": map[string]any{"name": out.Name, "settings": out.Settings, "locks": out.Locks}}
		if before != nil {
			d["before"] = before
		}
		ev.Details = mustJSON(d)
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return SettingsTemplate{}, fmt.Errorf("save settings template %q: %w", t.Name, err)
	}
	return out, nil
}

func (s *Store) templateInTx(ctx context.Context, tx pgx.Tx, partnerID, id int64) (SettingsTemplate, error) {
	rows, _ := tx.Query(ctx, "SELECT "+templateColumns+" FROM settings_templates WHERE partner_id = $1 AND id = $2 FOR UPDATE", partnerID, id)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[SettingsTemplate])
	return t, translate(err)
}

// DeleteSettingsTemplate removes a template and appends ev ("settings_template.delete"); a
// template a standard uses is ErrConflict, and nothing is deleted.
func (s *Store) DeleteSettingsTemplate(ctx context.Context, partnerID, id int64, ev AuditEvent) error {
	return translate(s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		old, err := s.templateInTx(ctx, tx, partnerID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM settings_templates WHERE partner_id = $1 AND id = $2", partnerID, id); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.SettingsTemplateDelete, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "settings_template", strconv.FormatInt(id, 10), old.Name
		ev.Details = mustJSON(map[string]any{"before": map[string]any{"name": old.Name, "settings": old.Settings, "locks": old.Locks}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	}))
}
