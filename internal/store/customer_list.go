package store

import (
	"cmp"
	"context"
	"fmt"
	"math"
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
	// SortSeatUse puts the fullest first: seats used of bought in each customer's latest seat
	// snapshot (customers without one, or without seats, last). It is computed for every
	// customer of the filter, not walked on an index: for the occasional "who is full?".
	SortSeatUse CustomerSort = "seat_use"
)

// CustomerFilter selects customers. Zero fields do not filter.
type CustomerFilter struct {
	PartnerID int64          // only this partner's (within reach)
	Status    CustomerStatus // "" means every status but gone and disassociated
	AllStatus bool           // every status
	PayMode   string         // master or sub
	Plan      string         // account type, e.g. Business
	NearSeats bool           // only customers whose latest seat snapshot uses 90 % of their seats or more
	Tag       string         // only customers with this tag (as NormalizeTag keeps it)
	GroupID   int64          // only the members of this group of the acting partner (ErrNotFound if it has none)
	Query     string         // name, owner email or account id: each word must occur
	Fuzzy     bool           // match words by similarity (typos) rather than as substrings
	Sort      CustomerSort   // "" means by name
	After     string         // keyset cursor from the previous page
	Limit     int            // 0 means 50, at most 500

	group *Group // GroupID's group, once read (loadGroup)
	none  bool   // the group's rule and the filter contradict each other: nothing matches
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

// orders: every sort key is a column of customers (the name's and the creation time's are
// stored by migration 00020), so that the keyset condition compares columns with leakproof
// operators and, under row-level security, is an index condition, not a filter (ARCHITECTURE.md,
// "Lists under row-level security").
var orders = map[CustomerSort]listOrder{
	SortName: {key: "c.name_key",
		write: func(v any) string { return fmt.Sprint(v) }, read: func(s string) any { return s }},
	SortNewest: {key: "c.created_key", desc: true,
		write: func(v any) string { t, _ := v.(time.Time); return t.UTC().Format(time.RFC3339Nano) },
		read:  func(s string) any { t, _ := time.Parse(time.RFC3339Nano, s); return t }},
	SortSeats: {key: "c.seats", desc: true,
		write: func(v any) string { return fmt.Sprint(v) }, read: func(s string) any { n, _ := strconv.Atoi(s); return n }},
	SortSeatUse: {key: `coalesce((SELECT (s.licensed + s.pending)::real / nullif(c.seats, 0) FROM seat_snapshots s
			WHERE s.customer_id = c.id ORDER BY s.day DESC LIMIT 1), -1)::real`, desc: true,
		write: func(v any) string { f, _ := v.(float32); return strconv.FormatFloat(float64(f), 'g', -1, 32) },
		read:  func(s string) any { f, _ := strconv.ParseFloat(s, 32); return float32(f) }},
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

// nearThreshold is the word similarity (pg_trgm's word_similarity) a typo-tolerant search
// wants between each of its words and a customer's search text: one typo in a six-letter word
// ("testng") scores 0.57, under pg_trgm's default 0.6.
const nearThreshold = 0.5

// probeCap is how many customers the probe counts at most for each trigram of a search: enough
// to tell a rare trigram from a common one, never a walk through a common one's whole list.
const probeCap = 256

// necessaryTrigrams is SQL for the trigrams every text containing word (SQL text) has: the
// trigrams word yields whatever surrounds it. They are its own trigrams (show_trgm) that are
// also trigrams of word with a letter ('a' or 'b') before or after it, which differ from its
// own exactly in the trigrams of its open ends.
func necessaryTrigrams(word string) string {
	return "ARRAY(SELECT unnest(show_trgm(" + word + ")) INTERSECT SELECT unnest(show_trgm('a' || " + word + "))" +
		" INTERSECT SELECT unnest(show_trgm('b' || " + word + ")) INTERSECT SELECT unnest(show_trgm(" + word + " || 'a'))" +
		" INTERSECT SELECT unnest(show_trgm(" + word + " || 'b')))"
}

// probeSQL gives, for every trigram of every search word ($1; show_trgm's, as
// customer_trigrams holds them): the word's position, the trigram, whether it is necessary
// (necessaryTrigrams), and how many customers in reach ($2) have it, up to $3.
var probeSQL = `SELECT w.i::int, g.t, g.t = ANY (n.necessary),
	(SELECT count(*) FROM (SELECT 1 FROM customer_trigrams ct WHERE ct.partner_id = ANY ($2::bigint[]) AND ct.trigram = g.t LIMIT $3) x)::int
FROM unnest($1::text[]) WITH ORDINALITY w(word, i)
CROSS JOIN LATERAL (SELECT ` + necessaryTrigrams("w.word") + ` AS necessary OFFSET 0) n
CROSS JOIN LATERAL unnest(show_trgm(w.word)) g(t)`

// searchPlan is how a search finds its candidates in customer_trigrams, by equality on the
// trigram (leakproof, so an index condition under row-level security); LIKE and pg_trgm's
// operators then judge only the candidates, where before they judged every customer.
type searchPlan struct {
	words []string
	// exact holds the trigrams the exact pass finds its candidates by: the rarest necessary
	// trigram of any word when fewer than probeCap customers in reach have it (a customer
	// containing every word has it, so the pass judges at most that many), else the rarest
	// necessary trigram of each word, all of which such a customer has. Words too short to
	// have a necessary trigram (all their trigrams depend on what surrounds them) are judged
	// by LIKE alone; when no word has one, LIKE judges every customer.
	exact []string
	// noExact: some word's rarest necessary trigram belongs to no customer in reach, so no
	// customer contains every word.
	noExact bool
	// near holds, for each word, trigrams of which every customer near the word has at least
	// one: the rarest n - ⌈n·nearThreshold⌉ + 1 of its n trigrams. pg_trgm's word similarity
	// of a word and a text is at most the share of the word's trigrams the text has, so a
	// near text has at least ⌈n·nearThreshold⌉ of them and misses at most the rest.
	near [][]string
	// noNear: some word has no trigram, or none of its near trigrams belongs to a customer in
	// reach, so no customer is near every word.
	noNear bool
}

// probeTrigram is one row of probeSQL.
type probeTrigram struct {
	Word      int
	Trigram   string
	Necessary bool
	Count     int
}

// searchPlan probes the trigrams of the filter's words among the customers in reach (one
// query; none without words).
func (f CustomerFilter) searchPlan(ctx context.Context, tx pgx.Tx, reach []int64) (searchPlan, error) {
	sp := searchPlan{words: searchWords(f.Query)}
	if len(sp.words) == 0 {
		return sp, nil
	}
	rows, _ := tx.Query(ctx, probeSQL, sp.words, reach, probeCap)
	probe, err := pgx.CollectRows(rows, pgx.RowToStructByPos[probeTrigram])
	if err != nil {
		return sp, fmt.Errorf("probe the search's trigrams: %w", err)
	}
	byWord := make([][]probeTrigram, len(sp.words))
	for _, t := range probe {
		byWord[t.Word-1] = append(byWord[t.Word-1], t)
	}
	rarest, rarestCount := "", probeCap
	for _, ts := range byWord {
		// Rarest first; among the common ones (counted up to the cap), those within a word
		// first: a word's first letters ("  h", " ha") begin far more words.
		padded := func(t probeTrigram) int {
			if strings.Contains(t.Trigram, " ") {
				return 1
			}
			return 0
		}
		slices.SortFunc(ts, func(a, b probeTrigram) int {
			return cmp.Or(cmp.Compare(a.Count, b.Count), cmp.Compare(padded(a), padded(b)), strings.Compare(a.Trigram, b.Trigram))
		})
		if i := slices.IndexFunc(ts, func(t probeTrigram) bool { return t.Necessary }); i >= 0 {
			sp.noExact = sp.noExact || ts[i].Count == 0
			if !slices.Contains(sp.exact, ts[i].Trigram) {
				sp.exact = append(sp.exact, ts[i].Trigram)
			}
			if ts[i].Count < rarestCount {
				rarest, rarestCount = ts[i].Trigram, ts[i].Count
			}
		}
		n := len(ts)
		k := n - int(math.Ceil(float64(n)*nearThreshold)) + 1
		var near []string
		found := 0
		for _, t := range ts[:min(k, n)] {
			near = append(near, t.Trigram)
			found += t.Count
		}
		sp.noNear = sp.noNear || found == 0
		sp.near = append(sp.near, near)
	}
	if rarest != "" {
		sp.exact = []string{rarest}
	}
	return sp, nil
}

// listSQL builds one statement of the list: its arguments, and what every partner's branch
// of it shares.
type listSQL struct {
	args  []any
	conds []string                // conditions on c besides its partner and the search's candidates
	cand  func(pid string) string // a search's candidates: a condition on c.id, or nil
	near  []string                // a typo-tolerant search: each word's similarity to c.search
	score string
	sort  CustomerSort
}

func (q *listSQL) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// trigramsOf is the customers of partner pid (an argument) having one of each array of
// trigrams in grams (arguments): their ids, read first, one trigram at a time from
// customer_trigrams' primary key (OFFSET 0 keeps each a lookup on the key's leading columns
// whatever the planner believes of the table, of which right after a partner's first sync it
// has no statistics), one set per array, intersected (hashed); then looked up in customers'
// primary key (an index condition, which the planner prefers to reading every customer of
// the partner).
func trigramsOf(pid string, grams []string) string {
	var sets []string
	for _, g := range grams {
		sets = append(sets, "SELECT t.customer_id FROM unnest("+g+"::text[]) g(trigram)"+
			" CROSS JOIN LATERAL (SELECT t.customer_id FROM customer_trigrams t"+
			" WHERE t.partner_id = "+pid+" AND t.trigram = g.trigram OFFSET 0) t")
	}
	return "c.id = ANY (ARRAY(" + strings.Join(sets, " INTERSECT ") + "))"
}

// candidates sets q.cand to the customers having, for each of words, one of its trigrams.
func (q *listSQL) candidates(words [][]string) {
	var grams []string
	for _, w := range words {
		grams = append(grams, q.arg(w))
	}
	q.cand = func(pid string) string { return trigramsOf(pid, grams) }
}

// build reads the filter (but not its cursor) into q.
func (f CustomerFilter) build(sp searchPlan) *listSQL {
	q := &listSQL{score: "0::real"}
	q.conds = append(q.conds, f.groupConds(q)...)
	switch {
	case f.Status != "":
		q.conds = append(q.conds, "c.status = "+q.arg(string(f.Status)))
	case !f.AllStatus:
		q.conds = append(q.conds, "c.status NOT IN ('gone', 'disassociated')")
	}
	if f.PayMode != "" {
		q.conds = append(q.conds, "c.pay_mode = "+q.arg(f.PayMode))
	}
	if f.Plan != "" {
		q.conds = append(q.conds, "lower(c.account_type) = lower("+q.arg(f.Plan)+")")
	}
	if f.NearSeats {
		// From the customer's latest seat snapshot (taken after every users sync): a
		// primary-key look-up per candidate, not a count of its directory.
		q.conds = append(q.conds, `c.seats > 0 AND EXISTS (SELECT 1 FROM seat_snapshots s WHERE s.customer_id = c.id
			AND s.day = (SELECT max(s2.day) FROM seat_snapshots s2 WHERE s2.customer_id = c.id) AND (s.licensed + s.pending) * 10 >= c.seats * 9)`)
	}
	q.sort = f.Sort
	if _, ok := orders[q.sort]; !ok || q.sort == "relevance" {
		q.sort = SortName
	}
	if len(sp.words) == 0 {
		return q
	}
	if !f.Fuzzy {
		// Every word must occur (LIKE), among the customers with the words' trigrams.
		for _, w := range sp.words {
			q.conds = append(q.conds, "c.search LIKE "+q.arg("%"+likeEscaper.Replace(w)+"%"))
		}
		var each [][]string
		for _, g := range sp.exact {
			each = append(each, []string{g})
		}
		switch {
		case sp.noExact:
			q.conds = append(q.conds, "false")
		case len(each) > 0:
			q.candidates(each)
		}
		return q
	}
	// Every word must be near a word of the customer (pg_trgm's word similarity): "contso"
	// finds Contoso. The candidates have one of each word's near trigrams; each word's
	// similarity, computed once, judges them, and its sum orders them.
	q.sort = "relevance"
	var sum []string
	for i, w := range sp.words {
		col := "near" + strconv.Itoa(i)
		q.near = append(q.near, "word_similarity("+q.arg(w)+", c.search) AS "+col)
		sum = append(sum, "c."+col)
		q.conds = append(q.conds, "c."+col+" >= "+strconv.FormatFloat(nearThreshold, 'f', -1, 64))
	}
	q.score = "(" + strings.Join(sum, " + ") + ")::real"
	if sp.noNear {
		q.cand = func(string) string { return "false" }
	} else {
		q.candidates(sp.near)
	}
	return q
}

// from is the FROM (with join) and WHERE of partner pid's branch, with more conditions: the
// partner's customers, or a search's candidates among them, read first (OFFSET 0 keeps the
// planner from judging every customer of the partner with LIKE or pg_trgm, whose cost and
// selectivity it cannot know under row-level security) with each word's similarity, then
// judged by the conditions.
func (q *listSQL) from(pid, join string, more ...string) string {
	conds := append(slices.Clone(q.conds), more...)
	if q.cand == nil {
		conds = append([]string{"c.partner_id = " + pid}, conds...)
		return " FROM customers c" + join + " WHERE " + strings.Join(conds, " AND ")
	}
	cols := "c.*"
	if q.near != nil {
		cols += ", " + strings.Join(q.near, ", ")
	}
	return " FROM (SELECT " + cols + " FROM customers c WHERE c.partner_id = " + pid + " AND " + q.cand(pid) + " OFFSET 0) c" + join +
		" WHERE " + strings.Join(conds, " AND ")
}

// listQuery builds the query of one page (limit > 0) or of everything (limit 0): a branch
// per partner in reach, each an index walk in the list's order (or the walk of a search's
// candidates), merged. That keeps a page as fast with 10,000 customers as with 10, and page
// 101 as fast as the first.
func (f CustomerFilter) listQuery(reach []int64, limit int, sp searchPlan) (string, []any, listOrder) {
	q := f.build(sp)
	o := orders[q.sort]
	key := o.key
	if q.sort == "relevance" {
		key = q.score
	}
	op, dir := ">", "ASC"
	if o.desc {
		op, dir = "<", "DESC"
	}
	var keyset []string
	if sortKey, id, ok := readCursor(f.After); ok {
		keyset = append(keyset, "("+key+", c.id) "+op+" ("+q.arg(o.read(sortKey))+", "+q.arg(id)+")")
	}
	lim := ""
	if limit > 0 {
		lim = " LIMIT " + strconv.Itoa(limit)
	}
	var branches []string
	for _, partner := range reach {
		from := q.from(q.arg(partner), " JOIN partners p ON p.id = c.partner_id", keyset...)
		branches = append(branches, "(SELECT "+customerColumns+", "+q.score+" AS score, "+key+" AS sort_key"+from+
			" ORDER BY "+key+" "+dir+", c.id "+dir+lim+")")
	}
	if len(branches) == 0 {
		branches = []string{"(SELECT " + customerColumns + ", 0::real AS score, NULL AS sort_key" + customerFrom + " WHERE false)"}
	}
	return "SELECT * FROM (" + strings.Join(branches, " UNION ALL ") + ") u ORDER BY sort_key " + dir + ", id " + dir + lim, q.args, o
}

// countQuery counts the customers of the filter (its cursor aside), up to CountCap + 1: a
// branch per partner in reach, each stopping there, reading no more than it counts (an index
// of customers, or a search's candidates).
func (f CustomerFilter) countQuery(reach []int64, sp searchPlan) (string, []any) {
	q := f.build(sp)
	lim := " LIMIT " + strconv.Itoa(CountCap+1)
	var branches []string
	for _, partner := range reach {
		branches = append(branches, "(SELECT 1"+q.from(q.arg(partner), "")+lim+")")
	}
	if len(branches) == 0 {
		return "SELECT 0", nil
	}
	return "SELECT count(*) FROM (SELECT 1 FROM (" + strings.Join(branches, " UNION ALL ") + ") b" + lim + ") n", q.args
}

// scoredCustomer is a customer with its search relevance and sort key.
type scoredCustomer struct {
	Customer
	Score   float32 `db:"score"`
	SortKey any     `db:"sort_key"`
}

// reachOf returns the partners the filter covers: one partner, or every partner in reach.
func (f CustomerFilter) reachOf(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	reach, err := reachIn(ctx, tx)
	if err != nil {
		return nil, err
	}
	reach, err = f.tierReach(ctx, tx, reach)
	if err != nil {
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

// page reads one page of the filter (limit rows and one more, to know there is a next),
// skipping the query when the plan says nothing can match.
func (f CustomerFilter) page(ctx context.Context, tx pgx.Tx, reach []int64, limit int, sp searchPlan) ([]scoredCustomer, listOrder, error) {
	q, args, o := f.listQuery(reach, limit+1, sp)
	if len(sp.words) > 0 && ((f.Fuzzy && sp.noNear) || (!f.Fuzzy && sp.noExact)) {
		return nil, o, nil
	}
	rows, _ := tx.Query(ctx, q, args...)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[scoredCustomer])
	return cs, o, err
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
		if err := f.loadGroup(ctx, tx, partnerID); err != nil {
			return err
		}
		reach, err := f.reachOf(ctx, tx)
		if err != nil {
			return err
		}
		sp, err := f.searchPlan(ctx, tx, reach)
		if err != nil {
			return err
		}
		cs, o, err := f.page(ctx, tx, reach, limit, sp)
		if err != nil {
			return err
		}
		// No customer has these words: look for near misses (typos), best first.
		if len(cs) == 0 && f.Query != "" && !f.Fuzzy && f.After == "" {
			f.Fuzzy = true
			page.Fuzzy = true
			if cs, o, err = f.page(ctx, tx, reach, limit, sp); err != nil {
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
		if err := onboardingsOfDrafts(ctx, tx, partnerID, page.Customers); err != nil {
			return err
		}
		// The count of the whole filter (not only from this page on), bounded; near misses
		// (a list by relevance) are not counted. A first page that holds them all is the count.
		switch {
		case f.Fuzzy:
			return nil
		case f.After == "" && page.Next == "":
			page.Total = len(cs)
			return nil
		case len(sp.words) > 0 && sp.noExact:
			return nil
		}
		q, args := f.countQuery(reach, sp)
		if err := tx.QueryRow(ctx, q, args...).Scan(&page.Total); err != nil {
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
		if err := setActing(ctx, tx, partnerID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT set_config('statement_timeout', '0', true)"); err != nil {
			return err
		}
		if err := f.loadGroup(ctx, tx, partnerID); err != nil {
			return err
		}
		reach, err := f.reachOf(ctx, tx)
		if err != nil {
			return err
		}
		sp, err := f.searchPlan(ctx, tx, reach)
		if err != nil {
			return err
		}
		q, args, _ := f.listQuery(reach, 0, sp)
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
		reach, err := reachIn(ctx, tx)
		if err != nil {
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
