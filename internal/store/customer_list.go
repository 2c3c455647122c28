package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

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
	Query     string         // name, owner email or account id: each word must occur
	Fuzzy     bool           // match words by similarity (typos) rather than as substrings
	Sort      CustomerSort   // "" means by name
	After     string         // keyset cursor from the previous page
	Limit     int            // 0 means 50, at most 500
}

// CustomerPage is a page of customers and the cursor of the next.
type CustomerPage struct {
	Customers []Customer
	Next      string
	Fuzzy     bool // no customer had the words: these are near misses
	// Total is how many customers match the filter, counted up to CountCap (More: there are
	// more than that). Counting stops there so that a page costs the same with 10,000.
	Total int
	More  bool
}

// CountCap is how far Customers counts the customers that match.
const CountCap = 1000

// listOrder is how one sort order reads: the sort key's SQL, whether it descends, and how a
// key value is written in and read back from a cursor.
type listOrder struct {
	key   string
	desc  bool
	write func(v any) string
	read  func(s string) any
}

var orders = map[CustomerSort]listOrder{
	SortName: {key: "lower(c.account_name)",
		write: func(v any) string { return fmt.Sprint(v) }, read: func(s string) any { return s }},
	SortNewest: {key: "coalesce(c.zoom_created_at, 'epoch'::timestamptz)", desc: true,
		write: func(v any) string { t, _ := v.(time.Time); return t.UTC().Format(time.RFC3339Nano) },
		read:  func(s string) any { t, _ := time.Parse(time.RFC3339Nano, s); return t }},
	SortSeats: {key: "c.seats", desc: true,
		write: func(v any) string { return fmt.Sprint(v) }, read: func(s string) any { n, _ := strconv.Atoi(s); return n }},
	SortUpdated: {key: "c.updated_at", desc: true,
		write: func(v any) string { t, _ := v.(time.Time); return t.UTC().Format(time.RFC3339Nano) },
		read:  func(s string) any { t, _ := time.Parse(time.RFC3339Nano, s); return t }},
	"relevance": {key: "score", desc: true,
		write: func(v any) string { f, _ := v.(float32); return strconv.FormatFloat(float64(f), 'g', -1, 32) },
		read:  func(s string) any { f, _ := strconv.ParseFloat(s, 32); return float32(f) }},
}

// searchWords splits a query into the words that must each match.
func searchWords(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return unicode.IsSpace(r) })
	if len(words) > 6 {
		words = words[:6]
	}
	return words
}

// likeEscaper escapes LIKE's wildcards in a literal.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// trigramCores returns substrings of which a text must contain at least one for pg_trgm's
// word_similarity(w, text) to reach 0.5: the letters of each of w's trigrams (a shared
// trigram means a shared substring), leaving out the one-letter core of a word's first
// trigram ("  h"), since reaching half of a word of three letters or more takes another
// shared trigram. Cores that contain another are dropped. It reports false when w has a
// word shorter than three letters (no such bound is worth having).
func trigramCores(w string) ([]string, bool) {
	words := strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return nil, false
	}
	var cores []string
	for _, word := range words {
		r := []rune(word)
		if len(r) < 3 {
			return nil, false
		}
		cores = append(cores, string(r[:2]), string(r[len(r)-2:]))
		for i := 0; i+3 <= len(r); i++ {
			cores = append(cores, string(r[i:i+3]))
		}
	}
	var out []string
	for i, c := range cores {
		keep := true
		for j, o := range cores {
			if i != j && strings.Contains(c, o) && (len(o) < len(c) || j < i) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	return out, true
}

// listQuery builds the query of one page (limit > 0) or of everything (limit 0): a branch
// per partner in reach, each an index walk in the list's order, merged. That keeps a first
// page as fast with 10,000 customers as with 10.
func (f CustomerFilter) listQuery(reach []int64, limit int) (string, []any, listOrder) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var conds []string
	switch {
	case f.Status != "":
		conds = append(conds, "c.status = "+arg(string(f.Status)))
	case !f.AllStatus:
		conds = append(conds, "c.status NOT IN ('gone', 'disassociated')")
	}
	if f.PayMode != "" {
		conds = append(conds, "c.pay_mode = "+arg(f.PayMode))
	}
	if f.Plan != "" {
		conds = append(conds, "lower(c.account_type) = lower("+arg(f.Plan)+")")
	}
	score := "0::real"
	sort := f.Sort
	if _, ok := orders[sort]; !ok || sort == "relevance" {
		sort = SortName
	}
	if words := searchWords(f.Query); len(words) > 0 {
		// Every word must occur (a trigram index makes that fast); a fuzzy search instead wants
		// every word close to a word of the customer (pg_trgm): "contso" finds Contoso.
		var parts, pre, close []string
		for _, w := range words {
			if f.Fuzzy {
				word := arg(w)
				if cores, ok := trigramCores(w); ok {
					var likes []string
					for _, c := range cores {
						likes = append(likes, "c.search LIKE "+arg("%"+likeEscaper.Replace(c)+"%"))
					}
					pre = append(pre, "("+strings.Join(likes, " OR ")+")")
				}
				close = append(close, word+" <% c.search")
				parts = append(parts, "word_similarity("+word+", c.search)")
			} else {
				like := arg("%" + likeEscaper.Replace(w) + "%")
				conds = append(conds, "c.search LIKE "+like)
				parts = append(parts, "(CASE WHEN c.search LIKE "+like+" THEN 1 ELSE 0 END)")
			}
		}
		score = "(" + strings.Join(parts, " + ") + ")::real"
		if f.Fuzzy {
			sort = "relevance"
			// Row-level security keeps pg_trgm's operators (not leakproof) from using the
			// trigram index, so rows are scored one by one. Cheap LIKEs that every close match
			// passes (trigramCores) decide first, inside one CASE so that the planner cannot
			// reorder them, and leave few rows to score.
			if len(pre) > 0 {
				conds = append(conds, "CASE WHEN "+strings.Join(pre, " AND ")+" THEN "+strings.Join(close, " AND ")+" END")
			} else {
				conds = append(conds, close...)
			}
		}
	}
	o := orders[sort]
	key := o.key
	if sort == "relevance" {
		key = score
	}
	cmp, dir := ">", "ASC"
	if o.desc {
		cmp, dir = "<", "DESC"
	}
	if sortKey, id, ok := readCursor(f.After); ok {
		conds = append(conds, "("+key+", c.id) "+cmp+" ("+arg(o.read(sortKey))+", "+arg(id)+")")
	}
	where := strings.Join(conds, " AND ")
	if where != "" {
		where = " AND " + where
	}
	lim := ""
	if limit > 0 {
		lim = " LIMIT " + strconv.Itoa(limit)
	}
	order := " ORDER BY sort_key " + dir + ", id " + dir
	var branches []string
	for _, pid := range reach {
		branches = append(branches, "(SELECT "+customerColumns+", "+score+" AS score, "+key+" AS sort_key"+customerFrom+
			" WHERE c.partner_id = "+arg(pid)+where+" ORDER BY "+key+" "+dir+", c.id "+dir+lim+")")
	}
	if len(branches) == 0 {
		branches = []string{"(SELECT " + customerColumns + ", 0::real AS score, NULL AS sort_key" + customerFrom + " WHERE false)"}
	}
	return "SELECT * FROM (" + strings.Join(branches, " UNION ALL ") + ") u" + order + lim, args, o
}

// fuzzyThreshold lowers pg_trgm's word similarity threshold for this transaction: one typo
// in a six-letter word ("testng") scores 0.57, under the default 0.6.
func fuzzyThreshold(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', true)")
	return err
}

// scoredCustomer is a customer with its search relevance and sort key.
type scoredCustomer struct {
	Customer
	Score   float32 `db:"score"`
	SortKey any     `db:"sort_key"`
}

// reachOf returns the partners the filter covers: one partner, or every partner in reach.
func (f CustomerFilter) reachOf(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	var reach []int64
	if err := tx.QueryRow(ctx, "SELECT tierdesk_reach()").Scan(&reach); err != nil {
		return nil, err
	}
	if f.PartnerID == 0 {
		return reach, nil
	}
	for _, id := range reach {
		if id == f.PartnerID {
			return []int64{id}, nil
		}
	}
	return nil, nil
}

// Customers lists the customers in partnerID's reach (its own and, read only, its
// descendants'), a page at a time (keyset pagination on the sort order).
func (s *Store) Customers(ctx context.Context, partnerID int64, f CustomerFilter) (CustomerPage, error) {
	var page CustomerPage
	if strings.HasPrefix(f.After, "~") || f.Fuzzy {
		f.Fuzzy, page.Fuzzy = true, true
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	} else if limit > 500 {
		limit = 500
	}
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		reach, err := f.reachOf(ctx, tx)
		if err != nil {
			return err
		}
		if f.Fuzzy {
			if err := fuzzyThreshold(ctx, tx); err != nil {
				return err
			}
		}
		q, args, o := f.listQuery(reach, limit+1)
		rows, _ := tx.Query(ctx, q, args...)
		cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[scoredCustomer])
		if err != nil {
			return err
		}
		// No customer has these words: look for near misses (typos), best first.
		if len(cs) == 0 && f.Query != "" && !f.Fuzzy && f.After == "" {
			f.Fuzzy = true
			page.Fuzzy = true
			if err := fuzzyThreshold(ctx, tx); err != nil {
				return err
			}
			q, args, o = f.listQuery(reach, limit+1)
			rows, _ := tx.Query(ctx, q, args...)
			if cs, err = pgx.CollectRows(rows, pgx.RowToStructByName[scoredCustomer]); err != nil {
				return err
			}
		}
		if len(cs) > limit {
			cs = cs[:limit]
			last := cs[limit-1]
			page.Next = o.write(last.SortKey) + cursorSep + strconv.FormatInt(last.ID, 10)
			if o.key == "score" {
				page.Next = "~" + o.write(last.Score) + cursorSep + strconv.FormatInt(last.ID, 10)
			}
		}
		for _, c := range cs {
			page.Customers = append(page.Customers, c.Customer)
		}
		// The count of the whole filter (not only from this page on), bounded; near misses
		// (a list by relevance) are not counted.
		if f.Fuzzy {
			return nil
		}
		whole := f
		whole.After = ""
		q, args, _ = whole.listQuery(reach, CountCap+1)
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM ("+q+") n", args...).Scan(&page.Total); err != nil {
			return err
		}
		if page.Total > CountCap {
			page.Total, page.More = CountCap, true
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
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), set_config('statement_timeout', '0', true)", strconv.FormatInt(partnerID, 10)); err != nil {
			return err
		}
		reach, err := f.reachOf(ctx, tx)
		if err != nil {
			return err
		}
		if f.Fuzzy {
			if err := fuzzyThreshold(ctx, tx); err != nil {
				return err
			}
		}
		q, args, _ := f.listQuery(reach, 0)
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
// filter menu: a loose index scan per partner, fast however many customers there are.
func (s *Store) CustomerPlans(ctx context.Context, partnerID int64) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var reach []int64
		if err := tx.QueryRow(ctx, "SELECT tierdesk_reach()").Scan(&reach); err != nil {
			return err
		}
		for _, pid := range reach {
			rows, _ := tx.Query(ctx, `WITH RECURSIVE t(plan) AS (
					(SELECT account_type FROM customers WHERE partner_id = $1 AND account_type <> '' ORDER BY account_type LIMIT 1)
					UNION ALL
					SELECT (SELECT account_type FROM customers WHERE partner_id = $1 AND account_type > t.plan ORDER BY account_type LIMIT 1)
					FROM t WHERE t.plan IS NOT NULL)
				SELECT plan FROM t WHERE plan IS NOT NULL`, pid)
			plans, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			for _, p := range plans {
				if !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// TreeNode is a partner of the tier tree below (and including) the acting partner.
type TreeNode struct {
	PartnerID int64
	Name      string
	Depth     int
}

// PartnerTree lists partnerID and the partners below it, depth first by name.
func (s *Store) PartnerTree(ctx context.Context, partnerID int64) ([]TreeNode, error) {
	rows, _ := s.pool.Query(ctx, `WITH RECURSIVE tree(id, name, depth, path) AS (
			SELECT id, name, 0, ARRAY[name] FROM partners WHERE id = $1
			UNION ALL
			SELECT p.id, p.name, t.depth + 1, t.path || p.name FROM partners p JOIN tree t ON p.parent_id = t.id)
		SELECT id, name, depth FROM tree ORDER BY path`, partnerID)
	nodes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TreeNode, error) {
		var n TreeNode
		err := r.Scan(&n.PartnerID, &n.Name, &n.Depth)
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("tree of partner %d: %w", partnerID, err)
	}
	return nodes, nil
}

// cursorSep separates a list cursor's sort key from the row id after it. The id is digits, so
// the last separator is the one: the key may hold anything, itself included.
const cursorSep = "."

// readCursor splits a list cursor ("[~]sortkey.id") into its sort key and id.
func readCursor(after string) (string, int64, bool) {
	after = strings.TrimPrefix(after, "~")
	i := strings.LastIndex(after, cursorSep)
	if i < 0 {
		return "", 0, false
	}
	id, err := strconv.ParseInt(after[i+len(cursorSep):], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return after[:i], id, true
}
