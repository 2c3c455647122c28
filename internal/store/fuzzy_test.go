package store_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// searchTexts are customers' names, owner emails and account ids of several shapes: words,
// digits, punctuation, letters beyond ASCII (pg_trgm keeps those trigrams as hashes),
// repeated letters, very short words.
var searchTexts = [][3]string{
	{"Harbor Clinic 17", "owner17@harbor-clinic.example", "bench0000017"},
	{"Blue Summit Analytics", "grace@blueharbor.example", "kp138wfihaa9yh6yxq4ma"},
	{"Meridian Dental Group", "maria@lakeside-dental.example", "x9"},
	{"Contoso Reseller", "owner@contoso.example", "acct-cres"},
	{"Zürich Bäckerei AG", "hans@bäckerei.example", "z1"},
	{"Aaa Aaaa Bbb", "a.a@aa-aa.example", "aa-1"},
	{"O'Neil & Sons, Ltd.", "o_neil+billing@sons.example", "on_1%x"},
	{"Testing Acme", "qa@acme-testing.example", "acme-t"},
	{"Quokka 042", "keeper-042@quokka-r.example", "cm-r-042"},
	{"Δέλτα Λογιστική", "info@delta.example", "gr-7"},
}

// typos returns w with one letter deleted, replaced, inserted or swapped, n times.
func typos(rng *rand.Rand, w string, n int) []string {
	letters := []rune("abcdefghijklmnopqrstuvwxyzäü0123456789")
	var out []string
	for range n {
		c := []rune(w)
		if len(c) == 0 {
			break
		}
		i := rng.IntN(len(c))
		switch rng.IntN(4) {
		case 0:
			c = append(c[:i], c[i+1:]...)
		case 1:
			c[i] = letters[rng.IntN(len(letters))]
		case 2:
			c = append(c[:i], append([]rune{letters[rng.IntN(len(letters))]}, c[i:]...)...)
		case 3:
			if i+1 < len(c) {
				c[i], c[i+1] = c[i+1], c[i]
			}
		}
		out = append(out, string(c))
	}
	return out
}

// Every text that contains a word has the word's necessary trigrams, whatever surrounds it:
// the exact pass looks for customers by one of them, so one missing would drop a match.
func TestNecessaryTrigramsAreInEveryTextContainingTheWord(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []rune("abcab01 -.@_äßΔé")
	checked, nonEmpty := 0, 0
	for range 400 {
		text := make([]rune, 3+rng.IntN(14))
		for i := range text {
			text[i] = alphabet[rng.IntN(len(alphabet))]
		}
		i := rng.IntN(len(text))
		j := i + 1 + rng.IntN(len(text)-i)
		word := strings.TrimSpace(string(text[i:j]))
		if word == "" || strings.Contains(word, " ") {
			continue
		}
		var missing []string
		var n int
		err := pool.QueryRow(ctx, "SELECT coalesce(array_agg(g) FILTER (WHERE NOT g = ANY (show_trgm($2))), '{}'), count(g) FROM unnest("+
			store.NecessaryTrigrams("$1::text")+") g", word, string(text)).Scan(&missing, &n)
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("%q contains %q but lacks its necessary trigrams %q", string(text), word, missing)
		}
		checked++
		if n > 0 {
			nonEmpty++
		}
	}
	if checked < 300 || nonEmpty < 100 {
		t.Fatalf("%d words checked, %d with necessary trigrams: the test checks too little", checked, nonEmpty)
	}
	// Of a word alone, the trigrams of its open ends are not necessary; those of a word
	// enclosed in punctuation are.
	for word, want := range map[string]string{"harbor": "arb bor har rbo", "17": "", "cm-r-07": "  0,  r, 07, r ,cm "} {
		var got []string
		if err := pool.QueryRow(ctx, "SELECT array(SELECT g FROM unnest("+store.NecessaryTrigrams("$1::text")+") g ORDER BY g COLLATE \"C\")", word).Scan(&got); err != nil {
			t.Fatal(err)
		}
		sep := " "
		if strings.Contains(want, ",") {
			sep = ","
		}
		if strings.Join(got, sep) != want {
			t.Errorf("necessary trigrams of %q: %q, want %q", word, got, want)
		}
	}
}

// A search finds exactly the customers LIKE finds (every word a substring of the search
// text), and, when there are none, exactly those pg_trgm finds near every word (word
// similarity 0.5 or more), in the same order as before: the trigram candidates drop no
// match. Across the distributor's reach, in pages.
func TestSearchFindsExactlyWhatLikeAndWordSimilarityFind(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, _ := threeTiers(t, st)
	for i, text := range searchTexts {
		p := []store.Partner{dist, res}[i%2]
		c := store.SyncedCustomer{AccountName: text[0], OwnerEmail: text[1], ZoomAccountID: text[2]}
		if _, err := st.SaveSyncedCustomers(ctx, p.ID, []store.SyncedCustomer{c}, time.Now(), ""); err != nil {
			t.Fatal(err)
		}
	}
	su := storetest.Superuser(t, st)
	// One customer renamed after the fact: its trigrams follow its new name.
	if _, err := su.Exec(ctx, "UPDATE customers SET account_name = 'Renamed Lighthouse' WHERE zoom_account_id = 'c-r2'"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var queries []string
	for _, text := range searchTexts {
		all := strings.ToLower(strings.Join(text[:], " "))
		for _, tok := range strings.Fields(all) {
			r := []rune(tok)
			queries = append(queries, tok)
			for range 2 { // a part of it, anywhere
				i := rng.IntN(len(r))
				queries = append(queries, string(r[i:i+1+rng.IntN(len(r)-i)]))
			}
			queries = append(queries, typos(rng, tok, 3)...)
		}
	}
	queries = append(queries, "harbr clinc", "analytcs", "contso", "owner4242", "xyz", "bäkerei", "lighthous", "harbor 17",
		"blue harbr", "@", "a", "%", "_", "qa@acme", "o'neil", "ltd.", "renamed", "d1", "r1 res")
	reach := []int64{dist.ID, res.ID}
	ids := func(q string, args ...any) []string {
		rows, _ := su.Query(ctx, q, args...)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	exact, near := 0, 0
	for _, q := range queries {
		words := strings.Fields(strings.ToLower(q))
		var likes []string
		for _, w := range words {
			likes = append(likes, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(w)+"%")
		}
		wantExact := ids(`SELECT zoom_account_id FROM customers c WHERE partner_id = ANY ($1) AND status NOT IN ('gone', 'disassociated')
			AND (SELECT bool_and(c.search LIKE l) FROM unnest($2::text[]) l) ORDER BY lower(account_name), id`, reach, likes)
		wantNear := ids(`SELECT zoom_account_id FROM (SELECT zoom_account_id, id,
				(SELECT sum(word_similarity(w, c.search))::real FROM unnest($2::text[]) w) AS score,
				(SELECT bool_and(word_similarity(w, c.search) >= 0.5) FROM unnest($2::text[]) w) AS near
			FROM customers c WHERE partner_id = ANY ($1) AND status NOT IN ('gone', 'disassociated')) s
			WHERE near ORDER BY score DESC, id DESC`, reach, words)
		page, err := st.Customers(ctx, dist.ID, store.CustomerFilter{Query: q, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := cmAll(t, st, dist.ID, store.CustomerFilter{Query: q}, 3)
		if len(wantExact) > 0 {
			exact++
			if page.Fuzzy || !slices.Equal(cmIDs(got), wantExact) {
				t.Errorf("%q: %v (near misses: %v), want %v", q, cmIDs(got), page.Fuzzy, wantExact)
			}
			if page.Total != min(len(wantExact), store.CountCap) {
				t.Errorf("%q: counted %d, want %d", q, page.Total, len(wantExact))
			}
			continue
		}
		if len(wantNear) > 0 {
			near++
		}
		if (len(wantNear) > 0 && !page.Fuzzy) || !slices.Equal(cmIDs(got), wantNear) {
			t.Errorf("%q (no exact match): %v (near misses: %v), want near misses %v", q, cmIDs(got), page.Fuzzy, wantNear)
		}
		// Asked for near misses directly (the export of such a list), the same.
		var exported []string
		if err := st.ExportCustomers(ctx, dist.ID, store.CustomerFilter{Query: q, Fuzzy: true}, func(c store.Customer) error {
			exported = append(exported, c.ZoomAccountID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(exported, wantNear) {
			t.Errorf("%q exported as near misses: %v, want %v", q, exported, wantNear)
		}
	}
	if exact < 100 || near < 50 {
		t.Fatalf("%d queries matched exactly, %d only nearly: the test checks too little", exact, near)
	}
}
