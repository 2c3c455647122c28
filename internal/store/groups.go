package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// Tag limits: a customer has at most MaxTags tags of at most MaxTagLength characters each.
const (
	MaxTags      = 20
	MaxTagLength = 30
)

// NormalizeTag returns tag as Tierdesk keeps it: lower case, its spaces trimmed and each run
// of spaces inside it one hyphen ("North  America" → "north-america"). It says in words why
// when the tag cannot be kept: too long, or a character other than letters, digits, '-', '_'
// and '.'.
func NormalizeTag(tag string) (string, error) {
	t := strings.Join(strings.Fields(strings.ToLower(tag)), "-")
	if t == "" {
		return "", nil
	}
	if n := utf8.RuneCountInString(t); n > MaxTagLength {
		return "", fmt.Errorf("“%s” is %d characters long: a tag has at most %d", t, n, MaxTagLength)
	}
	for _, r := range t {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return "", fmt.Errorf("“%s” holds “%c”: a tag is letters, digits, '-', '_' and '.'", t, r)
		}
	}
	return t, nil
}

// NormalizeTags normalizes each tag (NormalizeTag), drops empty ones and repeats, and sorts
// them. It refuses more than MaxTags, saying why in words.
func NormalizeTags(tags []string) ([]string, error) {
	out := []string{}
	for _, raw := range tags {
		t, err := NormalizeTag(raw)
		if err != nil {
			return nil, err
		}
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, fmt.Errorf("that is %d tags: a customer has at most %d", len(out), MaxTags)
	}
	slices.Sort(out)
	return out, nil
}

// SetCustomerTags replaces the tags of partnerID's own customer customerID (normalized by
// NormalizeTags; a refusal is a *ValidationError on "tags") and appends ev
// ("customer.tags", Tierdesk's own record) with before and after, in one transaction. Tags
// equal to the customer's change nothing and record nothing. A customer of another partner
// is ErrNotFound.
func (s *Store) SetCustomerTags(ctx context.Context, partnerID, customerID int64, tags []string, ev AuditEvent) (Customer, error) {
	tags, err := NormalizeTags(tags)
	if err != nil {
		return Customer{}, &ValidationError{Fields: map[string]string{"tags": upperFirst(err.Error()) + "."}}
	}
	var c Customer
	err = s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT 1 FROM customers WHERE id = $1 FOR UPDATE", customerID); err != nil {
			return translate(err)
		}
		before, err := customerByID(ctx, tx, customerID)
		if err != nil {
			return err
		}
		if before.PartnerID != partnerID {
			return ErrNotFound
		}
		if slices.Equal(before.Tags, tags) {
			c = before
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE customers SET tags = $2, updated_at = now() WHERE id = $1", customerID, tags); err != nil {
			return err
		}
		if c, err = customerByID(ctx, tx, customerID); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.CustomerTags, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID
		ev.Details = mustJSON(map[string]any{"before": map[string]any{"tags": before.Tags}, "after": map[string]any{"tags": c.Tags}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Customer{}, fmt.Errorf("tags of customer %d: %w", customerID, err)
	}
	return c, nil
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// TagCount is a tag and how many customers in reach have it.
type TagCount struct {
	Tag       string `db:"tag"`
	Customers int    `db:"customers"`
}

// CustomerTags lists the tags of the customers in partnerID's reach (gone and disassociated
// ones aside), by tag, with how many customers have each.
func (s *Store) CustomerTags(ctx context.Context, partnerID int64) ([]TagCount, error) {
	var out []TagCount
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT t AS tag, count(*)::int AS customers FROM customers c CROSS JOIN LATERAL unnest(c.tags) t
			WHERE c.partner_id = ANY (tierdesk_reach()) AND c.status NOT IN ('gone', 'disassociated') GROUP BY t ORDER BY t`).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[TagCount])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tags of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// GroupKind is the rule a customer group selects its customers by.
type GroupKind string

// Group kinds.
const (
	GroupByTag    GroupKind = "tag"    // the customers with a tag
	GroupByTier   GroupKind = "tier"   // a reseller's customers (and those of the resellers below it), read only
	GroupByFilter GroupKind = "filter" // a filter of the customer list, evaluated on each use
	GroupByList   GroupKind = "list"   // an explicit list of customers
)

// Valid reports whether k is one of the kinds.
func (k GroupKind) Valid() bool {
	return k == GroupByTag || k == GroupByTier || k == GroupByFilter || k == GroupByList
}

// GroupFilter is a filter group's rule: the customer list's filter parameters (the same as
// the list's query string), kept as the partner saved them and applied on each use.
type GroupFilter struct {
	Query     string `json:"q,omitempty"`
	Status    string `json:"status,omitempty"`
	PayMode   string `json:"pay_mode,omitempty"`
	Plan      string `json:"plan,omitempty"`
	NearSeats bool   `json:"near_seats,omitempty"`
	PartnerID int64  `json:"partner,omitempty"`
}

// Empty reports whether the filter selects nothing in particular (every customer).
func (f GroupFilter) Empty() bool { return f == GroupFilter{} }

// AsGroupFilter is the part of the customer list's filter f a filter group saves (its
// query, status, pay mode, plan, near-seats and partner; not its tag, group or paging).
func (f CustomerFilter) AsGroupFilter() GroupFilter {
	return GroupFilter{Query: f.Query, Status: string(f.Status), PayMode: f.PayMode, Plan: f.Plan, NearSeats: f.NearSeats, PartnerID: f.PartnerID}
}

// Group is a partner's saved group of customers: a name and one rule. Its members are not
// stored (but for an explicit list): they are whoever the rule selects when the group is used.
type Group struct {
	ID            int64       `db:"id"`
	PartnerID     int64       `db:"partner_id"`
	Name          string      `db:"name"`
	Kind          GroupKind   `db:"kind"`
	Tag           string      `db:"tag"`             // GroupByTag
	TierPartnerID *int64      `db:"tier_partner_id"` // GroupByTier
	TierName      string      `db:"tier_name"`       // the tier partner's name, when read
	Filter        GroupFilter `db:"filter"`          // GroupByFilter
	CreatedBy     *int64      `db:"created_by"`
	CreatedAt     time.Time   `db:"created_at"`
	UpdatedAt     time.Time   `db:"updated_at"`
	// Accounts are an explicit list's customers, by Zoom account id (read by Group; given to
	// SaveGroup).
	Accounts []string `db:"-"`
	// Members is how many customers the group holds now, counted up to CountCap (More: more
	// than that); filled by Groups.
	Members int  `db:"-"`
	More    bool `db:"-"`
}

const groupColumns = `g.id, g.partner_id, g.name, g.kind, g.tag, g.tier_partner_id, coalesce(tp.name, '') AS tier_name,
	g.filter, g.created_by, g.created_at, g.updated_at`

const groupFrom = ` FROM customer_groups g LEFT JOIN partners tp ON tp.id = g.tier_partner_id`

// groupByID reads partnerID's group id in tx (ErrNotFound when it is not the partner's).
func groupByID(ctx context.Context, tx pgx.Tx, partnerID, id int64) (Group, error) {
	rows, _ := tx.Query(ctx, "SELECT "+groupColumns+groupFrom+" WHERE g.partner_id = $1 AND g.id = $2", partnerID, id)
	g, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Group])
	if err != nil {
		return Group{}, translate(err)
	}
	if g.Kind == GroupByList {
		rows, _ := tx.Query(ctx, `SELECT c.zoom_account_id FROM customer_group_members m JOIN customers c ON c.id = m.customer_id
			WHERE m.partner_id = $1 AND m.group_id = $2 ORDER BY c.name_key, c.id`, partnerID, id)
		if g.Accounts, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return Group{}, err
		}
	}
	return g, nil
}

// Group reads partnerID's group id, with an explicit list's accounts. Another partner's
// group, or none, is ErrNotFound.
func (s *Store) Group(ctx context.Context, partnerID, id int64) (Group, error) {
	var g Group
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) (err error) {
		g, err = groupByID(ctx, tx, partnerID, id)
		return err
	})
	if err != nil {
		return Group{}, fmt.Errorf("group %d: %w", id, err)
	}
	return g, nil
}

// Groups lists partnerID's groups by name, each with how many customers it holds now
// (evaluated as the customer list would, up to CountCap).
func (s *Store) Groups(ctx context.Context, partnerID int64) ([]Group, error) {
	var out []Group
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+groupColumns+groupFrom+" WHERE g.partner_id = $1 ORDER BY lower(g.name), g.id", partnerID)
		var err error
		if out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Group]); err != nil {
			return err
		}
		for i := range out {
			f := CustomerFilter{group: &out[i]}
			f.applyGroup()
			reach, err := f.reachOf(ctx, tx)
			if err != nil {
				return err
			}
			q, args := f.countQuery(reach, searchPlan{})
			if err := tx.QueryRow(ctx, q, args...).Scan(&out[i].Members); err != nil {
				return err
			}
			if out[i].Members > CountCap {
				out[i].Members, out[i].More = CountCap, true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("groups of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// GroupNames lists partnerID's groups by name, without counting their members (for menus).
func (s *Store) GroupNames(ctx context.Context, partnerID int64) ([]Group, error) {
	var out []Group
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+groupColumns+groupFrom+" WHERE g.partner_id = $1 ORDER BY lower(g.name), g.id", partnerID).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Group])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("group names of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// validateGroup checks a group's name and rule, and resolves an explicit list's accounts to
// customers in reach; it returns their ids.
func validateGroup(ctx context.Context, tx pgx.Tx, partnerID int64, g *Group) ([]int64, error) {
	errs := map[string]string{}
	g.Name = strings.TrimSpace(g.Name)
	switch {
	case g.Name == "":
		errs["name"] = "Name the group."
	case utf8.RuneCountInString(g.Name) > 80:
		errs["name"] = "Use at most 80 characters."
	}
	var ids []int64
	switch g.Kind {
	case GroupByTag:
		t, err := NormalizeTag(g.Tag)
		switch {
		case err != nil:
			errs["tag"] = upperFirst(err.Error()) + "."
		case t == "":
			errs["tag"] = "Choose the tag whose customers the group holds."
		}
		g.Tag = t
	case GroupByTier:
		reach, err := reachIn(ctx, tx)
		if err != nil {
			return nil, err
		}
		if g.TierPartnerID == nil || *g.TierPartnerID == partnerID || !slices.Contains(reach, *g.TierPartnerID) {
			errs["tier"] = "Choose one of your resellers."
		}
	case GroupByFilter:
		if g.Filter.Empty() {
			errs["filter"] = "Set at least one filter: a group of every customer is the customer list itself."
		}
		if g.Filter.PartnerID != 0 {
			reach, err := reachIn(ctx, tx)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(reach, g.Filter.PartnerID) {
				errs["partner"] = "Choose a partner in your tree."
			}
		}
	case GroupByList:
		var unknown []string
		seen := map[string]bool{}
		var accounts []string
		for _, a := range g.Accounts {
			if a = strings.TrimSpace(a); a != "" && !seen[a] {
				seen[a] = true
				accounts = append(accounts, a)
			}
		}
		g.Accounts = accounts
		if len(accounts) > 5000 {
			errs["accounts"] = "List at most 5,000 customers."
			break
		}
		// Every account resolved in one query; an account no customer in reach has is named.
		rows, _ := tx.Query(ctx, `SELECT a.acct, c.id FROM unnest($1::text[]) WITH ORDINALITY AS a(acct, n)
			LEFT JOIN customers c ON c.zoom_account_id = a.acct AND c.partner_id = ANY (tierdesk_reach()) ORDER BY a.n`, accounts)
		var acct string
		var id *int64
		if _, err := pgx.ForEachRow(rows, []any{&acct, &id}, func() error {
			if id == nil {
				unknown = append(unknown, acct)
			} else {
				ids = append(ids, *id)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		switch {
		case len(unknown) > 0:
			errs["accounts"] = "Not a customer of yours: " + strings.Join(unknown, ", ") + "."
		case len(accounts) == 0:
			errs["accounts"] = "List at least one customer's account id."
		}
	default:
		errs["kind"] = "Choose how the group selects its customers."
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Fields: errs}
	}
	return ids, nil
}

// groupRecord is what a group's audit event records of it.
func groupRecord(g Group) map[string]any {
	m := map[string]any{"name": g.Name, "kind": g.Kind}
	switch g.Kind {
	case GroupByTag:
		m["tag"] = g.Tag
	case GroupByTier:
		m["tier_partner_id"] = g.TierPartnerID
	case GroupByFilter:
		m["filter"] = g.Filter
	case GroupByList:
		m["accounts"] = g.Accounts
	}
	return m
}

// SaveGroup creates (ID 0) or replaces partnerID's group g and appends ev (group.create or
// group.update, with before and after) in one transaction. A name or rule it refuses is a
// *ValidationError naming the field ("name", "kind", "tag", "tier", "filter", "partner",
// "accounts"); another partner's group is ErrNotFound.
func (s *Store) SaveGroup(ctx context.Context, partnerID int64, g Group, ev AuditEvent) (Group, error) {
	var out Group
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		ids, err := validateGroup(ctx, tx, partnerID, &g)
		if err != nil {
			return err
		}
		tag, tier, filter := "", (*int64)(nil), GroupFilter{}
		switch g.Kind {
		case GroupByTag:
			tag = g.Tag
		case GroupByTier:
			tier = g.TierPartnerID
		case GroupByFilter:
			filter = g.Filter
		}
		var before map[string]any
		var id int64
		if g.ID == 0 {
			ev.Action = audit.GroupCreate
			err = tx.QueryRow(ctx, `INSERT INTO customer_groups (partner_id, name, kind, tag, tier_partner_id, filter, created_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, partnerID, g.Name, g.Kind, tag, tier, filter, g.CreatedBy).Scan(&id)
		} else {
			ev.Action = audit.GroupUpdate
			old, rerr := groupByID(ctx, tx, partnerID, g.ID)
			if rerr != nil {
				return rerr
			}
			before = groupRecord(old)
			err = tx.QueryRow(ctx, `UPDATE customer_groups SET name = $3, kind = $4, tag = $5, tier_partner_id = $6, filter = $7, updated_at = now()
				WHERE partner_id = $1 AND id = $2 RETURNING id`, partnerID, g.ID, g.Name, g.Kind, tag, tier, filter).Scan(&id)
			if err == nil {
				_, err = tx.Exec(ctx, "DELETE FROM customer_group_members WHERE partner_id = $1 AND group_id = $2", partnerID, id)
			}
		}
		if err != nil {
			if err = translate(err); strings.Contains(err.Error(), "customer_groups_name_idx") {
				return &ValidationError{Fields: map[string]string{"name": "Another group already has this name."}}
			}
			return err
		}
		if len(ids) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO customer_group_members (group_id, customer_id, partner_id)
				SELECT $2, unnest($3::bigint[]), $1`, partnerID, id, ids); err != nil {
				return err
			}
		}
		if out, err = groupByID(ctx, tx, partnerID, id); err != nil {
			return err
		}
		ev.PartnerID, ev.Outcome = partnerID, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "group", strconv.FormatInt(id, 10), out.Name
		ev.Details = mustJSON(map[string]any{"before": before, "after": groupRecord(out)})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		var verr *ValidationError
		if errors.As(err, &verr) {
			return g, verr
		}
		return Group{}, fmt.Errorf("save group %q: %w", g.Name, err)
	}
	return out, nil
}

// DeleteGroup deletes partnerID's group id and appends ev (group.delete) in one transaction.
// Another partner's group, or none, is ErrNotFound; a group a standard uses is ErrConflict.
// The customers stay as they are.
func (s *Store) DeleteGroup(ctx context.Context, partnerID, id int64, ev AuditEvent) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		old, err := groupByID(ctx, tx, partnerID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM customer_groups WHERE partner_id = $1 AND id = $2", partnerID, id); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.GroupDelete, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "group", strconv.FormatInt(id, 10), old.Name
		ev.Details = mustJSON(map[string]any{"before": groupRecord(old)})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete group %d: %w", id, translate(err))
	}
	return nil
}

// loadGroup reads the filter's group (GroupID) in tx, as partnerID: another partner's group,
// or none, is ErrNotFound.
func (f *CustomerFilter) loadGroup(ctx context.Context, tx pgx.Tx, partnerID int64) error {
	if f.GroupID == 0 {
		return nil
	}
	g, err := groupByID(ctx, tx, partnerID, f.GroupID)
	if err != nil {
		return fmt.Errorf("group %d: %w", f.GroupID, err)
	}
	f.group = &g
	f.applyGroup()
	return nil
}

// applyGroup folds the loaded group's rule into the filter: both must hold. A filter group's
// fields fill the list's empty ones; one set differently in both selects nothing.
func (f *CustomerFilter) applyGroup() {
	g := f.group
	if g == nil || g.Kind != GroupByFilter {
		return
	}
	gf := g.Filter
	if gf.Status != "" {
		if f.Status == "" {
			f.Status = CustomerStatus(gf.Status)
		} else if string(f.Status) != gf.Status {
			f.none = true
		}
	}
	if gf.PayMode != "" {
		if f.PayMode == "" {
			f.PayMode = gf.PayMode
		} else if f.PayMode != gf.PayMode {
			f.none = true
		}
	}
	if gf.Plan != "" {
		if f.Plan == "" {
			f.Plan = gf.Plan
		} else if !strings.EqualFold(f.Plan, gf.Plan) {
			f.none = true
		}
	}
	f.NearSeats = f.NearSeats || gf.NearSeats
	if gf.PartnerID != 0 {
		if f.PartnerID == 0 {
			f.PartnerID = gf.PartnerID
		} else if f.PartnerID != gf.PartnerID {
			f.none = true
		}
	}
}

// groupConds are the filter's conditions of its tag and group (on c, arguments through q).
func (f CustomerFilter) groupConds(q *listSQL) []string {
	var conds []string
	if f.none {
		conds = append(conds, "false")
	}
	if f.Tag != "" {
		conds = append(conds, "c.tags @> ARRAY["+q.arg(f.Tag)+"::text]")
	}
	g := f.group
	if g == nil {
		return conds
	}
	switch g.Kind {
	case GroupByTag:
		conds = append(conds, "c.tags @> ARRAY["+q.arg(g.Tag)+"::text]")
	case GroupByList:
		conds = append(conds, "c.id IN (SELECT m.customer_id FROM customer_group_members m WHERE m.group_id = "+q.arg(g.ID)+")")
	case GroupByFilter:
		// The group's words, as plain conditions (the list's own search finds its candidates).
		for _, w := range searchWords(g.Filter.Query) {
			conds = append(conds, "c.search LIKE "+q.arg("%"+likeEscaper.Replace(w)+"%"))
		}
	}
	return conds
}

// tierReach narrows reach to a tier group's partner and the partners below it.
func (f CustomerFilter) tierReach(ctx context.Context, tx pgx.Tx, reach []int64) ([]int64, error) {
	if f.group == nil || f.group.Kind != GroupByTier || f.group.TierPartnerID == nil {
		return reach, nil
	}
	rows, _ := tx.Query(ctx, `WITH RECURSIVE sub(id) AS (SELECT $1::bigint UNION ALL SELECT p.id FROM partners p JOIN sub ON p.parent_id = sub.id)
		SELECT id FROM sub`, *f.group.TierPartnerID)
	below, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range reach {
		if slices.Contains(below, id) {
			out = append(out, id)
		}
	}
	return out, nil
}
