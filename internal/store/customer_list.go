package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CustomerSort orders a customer list.
type CustomerSort string

// Customer list orders. A search orders by relevance instead.
const (
	SortName    CustomerSort = "name"    // by name, A to Z
	SortNewest  CustomerSort = "newest"  // newest in Zoom first
	SortSeats   CustomerSort = "seats"   // most seats first
	SortUpdated CustomerSort = "updated" // most recently changed in Tierdesk first
)

// CustomerFilter selects customers. Zero fields do not filter.
type CustomerFilter struct {
	PartnerID int64          // only this partner's (within reach)
	Status    CustomerStatus // "" means every status but gone and disassociated
	AllStatus bool           // every status
	PayMode   string         // master or sub
	Plan      string         // account type, e.g. Business
	Query     string         // name, owner email or account id, typo-tolerant
	Sort      CustomerSort   // "" means by name
	After     string         // keyset cursor from the previous page
	Limit     int            // 0 means 50, at most 500; -1 means all (export)
}

// CustomerPage is a page of customers and the cursor of the next.
type CustomerPage struct {
	Customers []Customer
	Next      string
}

// query builds the WHERE, ORDER BY and keyset condition of f.
func (f CustomerFilter) query() (sql string, args []any, key func(Customer, float64) string) {
	var conds []string
	add := func(cond string, v ...any) {
		for _, a := range v {
			args = append(args, a)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		conds = append(conds, cond)
	}
	if f.PartnerID != 0 {
		add("c.partner_id = ?", f.PartnerID)
	}
	switch {
	case f.Status != "":
		add("c.status = ?", string(f.Status))
	case !f.AllStatus:
		conds = append(conds, "c.status NOT IN ('gone', 'disassociated')")
	}
	if f.PayMode != "" {
		add("c.pay_mode = ?", f.PayMode)
	}
	if f.Plan != "" {
		add("lower(c.account_type) = lower(?)", f.Plan)
	}
	score := "0::real"
	q := strings.ToLower(strings.TrimSpace(f.Query))
	if q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		// A substring match, or a word close to the query (pg_trgm): "contso" finds Contoso.
		add("(c.search LIKE ? OR ? <% c.search)", like, q)
		args = append(args, like, q)
		n := len(args)
		score = fmt.Sprintf("((CASE WHEN c.search LIKE $%d THEN 1 ELSE 0 END) + word_similarity($%d, c.search))::real", n-1, n)
	}
	var order string
	cur := strings.SplitN(f.After, "\x00", 2)
	hasCursor := len(cur) == 2
	curID := int64(0)
	if hasCursor {
		curID, _ = strconv.ParseInt(cur[1], 10, 64)
	}
	switch {
	case q != "":
		order = score + " DESC, c.id"
		if hasCursor {
			v, _ := strconv.ParseFloat(cur[0], 32)
			add("("+score+" < ? OR ("+score+" = ? AND c.id > ?))", float32(v), float32(v), curID)
		}
		key = func(c Customer, s float64) string {
			return strconv.FormatFloat(s, 'g', -1, 32) + "\x00" + strconv.FormatInt(c.ID, 10)
		}
	case f.Sort == SortNewest:
		order = "coalesce(c.zoom_created_at, 'epoch') DESC, c.id"
		if hasCursor {
			t, _ := time.Parse(time.RFC3339Nano, cur[0])
			add("(coalesce(c.zoom_created_at, 'epoch') < ? OR (coalesce(c.zoom_created_at, 'epoch') = ? AND c.id > ?))", t, t, curID)
		}
		key = func(c Customer, _ float64) string {
			t := time.Unix(0, 0).UTC()
			if c.ZoomCreatedAt != nil {
				t = *c.ZoomCreatedAt
			}
			return t.UTC().Format(time.RFC3339Nano) + "\x00" + strconv.FormatInt(c.ID, 10)
		}
	case f.Sort == SortSeats:
		order = "c.seats DESC, c.id"
		if hasCursor {
			n, _ := strconv.Atoi(cur[0])
			add("(c.seats < ? OR (c.seats = ? AND c.id > ?))", n, n, curID)
		}
		key = func(c Customer, _ float64) string {
			return strconv.Itoa(c.Seats) + "\x00" + strconv.FormatInt(c.ID, 10)
		}
	case f.Sort == SortUpdated:
		order = "c.updated_at DESC, c.id"
		if hasCursor {
			t, _ := time.Parse(time.RFC3339Nano, cur[0])
			add("(c.updated_at < ? OR (c.updated_at = ? AND c.id > ?))", t, t, curID)
		}
		key = func(c Customer, _ float64) string {
			return c.UpdatedAt.UTC().Format(time.RFC3339Nano) + "\x00" + strconv.FormatInt(c.ID, 10)
		}
	default:
		order = "lower(c.account_name), c.id"
		if hasCursor {
			add("(lower(c.account_name), c.id) > (?, ?)", cur[0], curID)
		}
		key = func(c Customer, _ float64) string {
			return strings.ToLower(c.AccountName) + "\x00" + strconv.FormatInt(c.ID, 10)
		}
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	return "SELECT " + customerColumns + ", " + score + " AS score" + customerFrom + where + " ORDER BY " + order, args, key
}

// scoredCustomer is a customer with its search relevance.
type scoredCustomer struct {
	Customer
	Score float32 `db:"score"`
}

// Customers lists the customers in partnerID's reach (its own and, read only, its
// descendants'), a page at a time (keyset pagination on the sort order).
func (s *Store) Customers(ctx context.Context, partnerID int64, f CustomerFilter) (CustomerPage, error) {
	var page CustomerPage
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	} else if limit > 500 {
		limit = 500
	}
	q, args, key := f.query()
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, q+" LIMIT "+strconv.Itoa(limit+1), args...)
		cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[scoredCustomer])
		if err != nil {
			return err
		}
		if len(cs) > limit {
			cs = cs[:limit]
			page.Next = key(cs[limit-1].Customer, float64(cs[limit-1].Score))
		}
		for _, c := range cs {
			page.Customers = append(page.Customers, c.Customer)
		}
		return nil
	})
	if err != nil {
		return CustomerPage{}, fmt.Errorf("customers of partner %d: %w", partnerID, err)
	}
	return page, nil
}

// ExportCustomers streams every customer in partnerID's reach matching f (ignoring After and
// Limit) to fn, from one snapshot.
func (s *Store) ExportCustomers(ctx context.Context, partnerID int64, f CustomerFilter, fn func(Customer) error) error {
	f.After = ""
	q, args, _ := f.query()
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), set_config('statement_timeout', '0', true)", strconv.FormatInt(partnerID, 10)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := pgx.RowToStructByName[scoredCustomer](rows)
			if err != nil {
				return err
			}
			if err := fn(c.Customer); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// CustomerPlans lists the account types (plans) among partnerID's customers in reach, for the
// filter menu.
func (s *Store) CustomerPlans(ctx context.Context, partnerID int64) ([]string, error) {
	var out []string
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT DISTINCT account_type FROM customers WHERE account_type <> '' ORDER BY 1")
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}
