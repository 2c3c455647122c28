package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// StandardMode is what Tierdesk does about a standard's drift.
type StandardMode string

// Standard modes. Both are reported alike; an enforce standard's report also offers to bring
// its drifted customers back (a change across customers, previewed, then a bulk job).
const (
	StandardReport  StandardMode = "report"  // show drift
	StandardEnforce StandardMode = "enforce" // show drift and bring drifted customers back
)

// Valid reports whether m is one of the modes.
func (m StandardMode) Valid() bool { return m == StandardReport || m == StandardEnforce }

// Standard is a partner's settings template assigned to one of its customer groups: every
// customer of the group should have the template's settings and locks.
type Standard struct {
	ID           int64        `db:"id"`
	PartnerID    int64        `db:"partner_id"`
	Name         string       `db:"name"`
	TemplateID   int64        `db:"template_id"`
	TemplateName string       `db:"template_name"` // read with the standard
	GroupID      int64        `db:"group_id"`
	GroupName    string       `db:"group_name"` // read with the standard
	Mode         StandardMode `db:"mode"`
	CreatedBy    *int64       `db:"created_by"`
	CreatedAt    time.Time    `db:"created_at"`
	UpdatedAt    time.Time    `db:"updated_at"`
}

const standardSelect = `SELECT s.id, s.partner_id, s.name, s.template_id, t.name AS template_name, s.group_id, g.name AS group_name,
	s.mode, s.created_by, s.created_at, s.updated_at
	FROM standards s JOIN settings_templates t ON t.id = s.template_id JOIN customer_groups g ON g.id = s.group_id`

func standardByID(ctx context.Context, tx pgx.Tx, partnerID, id int64) (Standard, error) {
	rows, _ := tx.Query(ctx, standardSelect+" WHERE s.partner_id = $1 AND s.id = $2", partnerID, id)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Standard])
	return st, translate(err)
}

// Standards lists partnerID's standards by name, with their template's and group's names.
func (s *Store) Standards(ctx context.Context, partnerID int64) ([]Standard, error) {
	var out []Standard
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(standardSelect+" WHERE s.partner_id = $1 ORDER BY lower(s.name), s.id", partnerID).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Standard])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("standards of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// Standard reads partnerID's standard id. Another partner's standard, or none, is ErrNotFound.
func (s *Store) Standard(ctx context.Context, partnerID, id int64) (Standard, error) {
	var st Standard
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(standardSelect+" WHERE s.partner_id = $1 AND s.id = $2", partnerID, id).Query(func(rows pgx.Rows) (err error) {
			st, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Standard])
			return err
		})
	})
	if err != nil {
		return Standard{}, fmt.Errorf("standard %d: %w", id, err)
	}
	return st, nil
}

// standardRecord is what a standard's audit event records of it.
func standardRecord(st Standard) map[string]any {
	return map[string]any{"name": st.Name, "template_id": st.TemplateID, "template": st.TemplateName,
		"group_id": st.GroupID, "group": st.GroupName, "mode": st.Mode}
}

// SaveStandard creates (ID 0) or replaces partnerID's standard st and appends ev
// (standard.create or standard.update, with before and after) in one transaction. A name,
// template, group or mode it refuses is a *ValidationError naming the field ("name",
// "template", "group", "mode"); another partner's standard is ErrNotFound.
func (s *Store) SaveStandard(ctx context.Context, partnerID int64, st Standard, ev AuditEvent) (Standard, error) {
	var out Standard
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		errs := map[string]string{}
		st.Name = strings.TrimSpace(st.Name)
		switch {
		case st.Name == "":
			errs["name"] = "Name the standard."
		case utf8.RuneCountInString(st.Name) > 80:
			errs["name"] = "Use at most 80 characters."
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM settings_templates WHERE partner_id = $1 AND id = $2", partnerID, st.TemplateID).Scan(&n); err != nil {
			return err
		} else if n == 0 {
			errs["template"] = "Choose one of your settings templates."
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM customer_groups WHERE partner_id = $1 AND id = $2", partnerID, st.GroupID).Scan(&n); err != nil {
			return err
		} else if n == 0 {
			errs["group"] = "Choose one of your customer groups."
		}
		if !st.Mode.Valid() {
			errs["mode"] = "Choose report or enforce."
		}
		if len(errs) > 0 {
			return &ValidationError{Fields: errs}
		}
		var before map[string]any
		var id int64
		var err error
		if st.ID == 0 {
			ev.Action = audit.StandardCreate
			err = tx.QueryRow(ctx, `INSERT INTO standards (partner_id, name, template_id, group_id, mode, created_by)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, partnerID, st.Name, st.TemplateID, st.GroupID, st.Mode, st.CreatedBy).Scan(&id)
		} else {
			ev.Action = audit.StandardUpdate
			old, rerr := standardByID(ctx, tx, partnerID, st.ID)
			if rerr != nil {
				return rerr
			}
			before = standardRecord(old)
			err = tx.QueryRow(ctx, `UPDATE standards SET name = $3, template_id = $4, group_id = $5, mode = $6, updated_at = now()
				WHERE partner_id = $1 AND id = $2 RETURNING id`, partnerID, st.ID, st.Name, st.TemplateID, st.GroupID, st.Mode).Scan(&id)
		}
		if err != nil {
			if err = translate(err); strings.Contains(err.Error(), "standards_name_idx") {
				return &ValidationError{Fields: map[string]string{"name": "Another standard already has this name."}}
			}
			return err
		}
		if out, err = standardByID(ctx, tx, partnerID, id); err != nil {
			return err
		}
		ev.PartnerID, ev.Outcome = partnerID, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "standard", strconv.FormatInt(id, 10), out.Name
		ev.Details = mustJSON(map[string]any{"before": before, "after": standardRecord(out)})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		var verr *ValidationError
		if errors.As(err, &verr) {
			return st, verr
		}
		return Standard{}, fmt.Errorf("save standard %q: %w", st.Name, err)
	}
	return out, nil
}

// DeleteStandard deletes partnerID's standard id and appends ev (standard.delete) in one
// transaction. Another partner's standard, or none, is ErrNotFound. Its template, group and
// customers stay as they are.
func (s *Store) DeleteStandard(ctx context.Context, partnerID, id int64, ev AuditEvent) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		old, err := standardByID(ctx, tx, partnerID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM standards WHERE partner_id = $1 AND id = $2", partnerID, id); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.StandardDelete, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "standard", strconv.FormatInt(id, 10), old.Name
		ev.Details = mustJSON(map[string]any{"before": standardRecord(old)})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete standard %d: %w", id, err)
	}
	return nil
}

// StandardsUsing names partnerID's standards that use template templateID (when not 0) or
// group groupID (when not 0): what deleting them would leave without a template or group.
func (s *Store) StandardsUsing(ctx context.Context, partnerID, templateID, groupID int64) ([]string, error) {
	var out []string
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT name FROM standards WHERE partner_id = $1 AND (template_id = $2 OR group_id = $3) ORDER BY lower(name)`,
			partnerID, templateID, groupID).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("standards using template %d or group %d: %w", templateID, groupID, err)
	}
	return out, nil
}

// StandardMember is one customer of a standard's group with what the cache holds of its
// settings: only the values at the paths asked for.
type StandardMember struct {
	CustomerID    int64
	ZoomAccountID string
	AccountName   string
	// ReadAt is when its settings and locks were last read from Zoom (nil: never).
	ReadAt *time.Time
	// SettingsRead and LocksRead say whether the cache holds its settings and lock settings.
	SettingsRead, LocksRead bool
	// SettingsError is why Zoom's last answer for its settings was a refusal (a free account), if it was.
	SettingsError string
	// Settings and Locks hold, for each path asked for, the cached value (absent: the cached
	// settings have no such field).
	Settings, Locks map[string]any
}

// StandardMembers reads the customers of partnerID's standard's group now (membership as the
// customer list evaluates it, by name), each with its cached values at settingPaths and
// lockPaths (dotted paths of Zoom's settings), in one transaction. Only those values leave
// the database, not each customer's whole settings. Another partner's group is ErrNotFound.
func (s *Store) StandardMembers(ctx context.Context, partnerID, groupID int64, settingPaths, lockPaths []string) ([]StandardMember, error) {
	var out []StandardMember
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		q, args, err := groupMembersQuery(ctx, tx, partnerID, groupID)
		if err != nil {
			return err
		}
		// Each customer's settings are read once from their binary copy (settings_b, migration
		// 00025) into memory (|| '{}', OFFSET 0: not fetched and unpacked again for each path);
		// then each path's value is picked by a JSON path, as an array: [] when the settings
		// lack the field, [v] when they have it (a JSON null too).
		var sets, locks string
		sets, args = pickSQL("j.s", settingPaths, args)
		locks, args = pickSQL("j.l", lockPaths, args)
		rows, _ := tx.Query(ctx, `SELECT u.id, u.zoom_account_id, u.account_name, d.settings_read_at, d.settings IS NOT NULL, d.lock_settings IS NOT NULL,
				coalesce(d.errors->>'settings', ''), `+sets+`, `+locks+`
			FROM (`+q+`) u LEFT JOIN customer_details d ON d.customer_id = u.id
			LEFT JOIN LATERAL (SELECT d.settings_b || '{}' AS s, d.lock_settings_b || '{}' AS l OFFSET 0) j ON true
			ORDER BY u.sort_key, u.id`, args...)
		defer rows.Close()
		for rows.Next() {
			var m StandardMember
			var set, lock []byte
			if err := rows.Scan(&m.CustomerID, &m.ZoomAccountID, &m.AccountName, &m.ReadAt, &m.SettingsRead, &m.LocksRead, &m.SettingsError, &set, &lock); err != nil {
				return err
			}
			if m.Settings, err = pickValues(set, settingPaths); err != nil {
				return err
			}
			if m.Locks, err = pickValues(lock, lockPaths); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("members of group %d: %w", groupID, err)
	}
	return out, nil
}

// jsonPath is the JSON path of a dotted settings path ("in_meeting.chat" → $."in_meeting"."chat").
func jsonPath(path string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, el := range strings.Split(path, ".") {
		b.WriteString(`."`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(el))
		b.WriteString(`"`)
	}
	return b.String()
}

// pickValues reads the values StandardMembers picked ([[] or [v], ...], one per path).
func pickValues(raw []byte, paths []string) (map[string]any, error) {
	out := make(map[string]any, len(paths))
	if raw == nil {
		return out, nil
	}
	var vals [][]any
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, err
	}
	for i, v := range vals {
		if len(v) > 0 && i < len(paths) {
			out[paths[i]] = v[0]
		}
	}
	return out, nil
}

// groupMembersQuery is the list query selecting the customers of partnerID's group now
// (membership as the customer list evaluates it), in tx, with its arguments. Another
// partner's group is ErrNotFound.
func groupMembersQuery(ctx context.Context, tx pgx.Tx, partnerID, groupID int64) (string, []any, error) {
	f := CustomerFilter{GroupID: groupID}
	if err := f.loadGroup(ctx, tx, partnerID); err != nil {
		return "", nil, err
	}
	reach, err := f.reachOf(ctx, tx)
	if err != nil {
		return "", nil, err
	}
	q, args, _ := f.listQuery(reach, 0, searchPlan{})
	return q, args, nil
}

// pickSQL is the expression picking, from the JSONB column col, the value at each of paths
// (dotted paths of Zoom's settings) by a JSON path, as an array: [] when the settings lack the
// field, [v] when they have it (a JSON null too). The paths are appended to args.
func pickSQL(col string, paths []string, args []any) (string, []any) {
	if len(paths) == 0 {
		return "'[]'::jsonb", args
	}
	var parts []string
	for _, p := range paths {
		args = append(args, jsonPath(p))
		parts = append(parts, "jsonb_path_query_array("+col+", $"+strconv.Itoa(len(args))+"::jsonpath)")
	}
	return "jsonb_build_array(" + strings.Join(parts, ", ") + ")", args
}
