package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A reported metric fills its row and is judged against the goal in the goal's direction; a
// missing one says "not measured"; the Markdown section is replaced, not appended, and the
// rest of the file stays.
func TestRenderJudgesAndWriteMarkdownReplaces(t *testing.T) {
	table := render(map[string]map[string]float64{
		"BenchmarkCustomers/10k/page-101-vs-first": {"p101/first-p50": 1.3},
		"BenchmarkCustomers/10k/search-typo":       {"p99-ms": 12},
		"BenchmarkAuditAppend":                     {"ratio-1-partner-p50": 0.95},
	})
	for _, want := range []string{
		"| customer list, 10,000 customers: page 101 ÷ first page (p50) | 1.3 | <= 1.2 | no |",
		"| typo search, 10,000 customers: p99, ms | 12 | <= 25 | yes |",
		"| chained audit appends ÷ plain inserts, 16 writers, one partner (durable): p50 | 0.95 | >= 0.9 | yes |",
		"| portal RSS idle (`portal serve`), MB | not measured | <= 25 | — |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte("# Benchmarks\n\nintro\n\n"+beginMark+"\nold table\n"+endMark+"\n\n## Notes\nkept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeMarkdown(path, table); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if strings.Contains(doc, "old table") || strings.Count(doc, beginMark) != 1 || !strings.Contains(doc, "## Notes\nkept") || !strings.Contains(doc, "| 12 | <= 25 | yes |") {
		t.Fatalf("BENCHMARKS.md after the rewrite:\n%s", doc)
	}
}
