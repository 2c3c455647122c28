package store_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// The LIKE prefilter of a fuzzy search never drops a row pg_trgm would have matched: for
// typos of the words of customer-like texts (and unrelated words), every text whose
// word_similarity with the word reaches the search's 0.5 contains one of the word's cores.
func TestTrigramCoresNeverDropAMatch(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	texts := []string{
		"harbor clinic 17 owner17@harbor-clinic.example bench0000017",
		"blue summit analytics grace@blueharbor.example kp138wfihaa9yh6yxq4ma",
		"meridian dental group maria@lakeside-dental.example x9",
		"contoso reseller owner@contoso.example acct-res",
		"zürich bäckerei ag hans@bäckerei.example z1",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	letters := []rune("abcdefghijklmnopqrstuvwxyzäü0123456789")
	var words []string
	for _, text := range texts {
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '@' || r == '.' || r == '-' }) {
			r := []rune(w)
			if len(r) < 3 {
				continue
			}
			words = append(words, w)
			for range 6 { // a deletion, a substitution, an insertion, a transposition
				c := append([]rune(nil), r...)
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
				words = append(words, string(c))
			}
		}
	}
	words = append(words, "harbr", "clinc", "analytcs", "contso", "owner4242", "xyz", "bäkerei")
	matched := 0
	for _, w := range words {
		cores, ok := store.TrigramCores(w)
		if !ok {
			continue
		}
		for _, text := range texts {
			var sim float64
			if err := pool.QueryRow(context.Background(), "SELECT word_similarity($1, $2)", w, text).Scan(&sim); err != nil {
				t.Fatal(err)
			}
			if sim < 0.5 {
				continue
			}
			matched++
			found := false
			for _, c := range cores {
				found = found || strings.Contains(text, c)
			}
			if !found {
				t.Errorf("%q matches %q (similarity %.2f) but contains none of its cores %q", w, text, sim, cores)
			}
		}
	}
	if matched < len(texts)*5 {
		t.Fatalf("only %d word-text pairs matched: the test checks too little", matched)
	}
	if cores, _ := store.TrigramCores("harbr"); strings.Join(cores, ",") != "ha,br,arb" {
		t.Errorf("cores of harbr: %q", cores)
	}
}
