package archtest

import (
	"slices"
	"strings"
	"testing"
)

const testModule = "example.com/app"

// testRules is a small imports block in the format of ARCHITECTURE.md's.
const testRules = `
# package        may import
cmd/app          *
internal/web     internal/store internal/zoom   # pages
internal/store   -
internal/zoom    -
internal/later   internal/store                 # a package that does not exist yet
forbid internal/web github.com/jackc/pgx/v5 database/sql
forbid internal/web net/smtp
`

// mod turns project paths into import paths of testModule.
func mod(paths ...string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = testModule + "/" + p
	}
	return out
}

// The checker allows what each line names (any project package for *, none for -), leaves
// outside packages free unless a forbid line names them or a path below them, fails a
// package with no line, and says which import breaks which rule.
func TestCheck(t *testing.T) {
	r, err := parseRules(testRules)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pkgs []pkg
		want []string
	}{
		{name: "allowed", pkgs: []pkg{
			{ImportPath: testModule + "/cmd/app", Imports: append(mod("internal/web", "internal/store", "internal/new"), "github.com/jackc/pgx/v5")},
			{ImportPath: testModule + "/internal/web", Imports: append(mod("internal/store", "internal/zoom"), "net/http", "github.com/jackc/pgxlisten", "database/sqlite")},
			{ImportPath: testModule + "/internal/store", Imports: []string{"github.com/jackc/pgx/v5/pgxpool", "database/sql"}},
			{ImportPath: testModule + "/internal/zoom", Imports: []string{"net/http"}},
		}},
		{name: "a project package the line does not name", pkgs: []pkg{
			{ImportPath: testModule + "/internal/zoom", Imports: append(mod("internal/store"), "net/http")},
			{ImportPath: testModule + "/internal/web", Imports: mod("internal/store", "cmd/app")},
		}, want: []string{
			"internal/web imports cmd/app, which ARCHITECTURE.md does not allow",
			"internal/zoom imports internal/store, which ARCHITECTURE.md does not allow",
		}},
		{name: "forbidden outside packages, and the packages below them", pkgs: []pkg{
			{ImportPath: testModule + "/internal/web", Imports: []string{"github.com/jackc/pgx/v5/pgxpool", "database/sql", "net/smtp", "github.com/jackc/pgx/v5"}},
		}, want: []string{
			"internal/web imports database/sql, which ARCHITECTURE.md forbids (forbid internal/web database/sql)",
			"internal/web imports github.com/jackc/pgx/v5, which ARCHITECTURE.md forbids (forbid internal/web github.com/jackc/pgx/v5)",
			"internal/web imports github.com/jackc/pgx/v5/pgxpool, which ARCHITECTURE.md forbids (forbid internal/web github.com/jackc/pgx/v5)",
			"internal/web imports net/smtp, which ARCHITECTURE.md forbids (forbid internal/web net/smtp)",
		}},
		{name: "a package with no rule", pkgs: []pkg{
			{ImportPath: testModule + "/internal/new", Imports: mod("internal/store")},
			{ImportPath: testModule + "/internal/store/storetest", Imports: nil},
		}, want: []string{
			"internal/new has no rule in ARCHITECTURE.md's imports block: add a line saying which project packages it may import",
			"internal/store/storetest has no rule in ARCHITECTURE.md's imports block: add a line saying which project packages it may import",
		}},
		{name: "a module whose path is a prefix of another's", pkgs: []pkg{
			{ImportPath: testModule + "/internal/zoom", Imports: []string{testModule + "x/internal/store"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := check(r, testModule, tc.pkgs); !slices.Equal(got, tc.want) {
				t.Errorf("check =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// A block that does not say what it seems to is refused, line by line, rather than read
// as something looser.
func TestParseRulesRefusesUnclearLines(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"internal/zoom", "line 1: internal/zoom names nothing it may import: write - for no project package"},
		{"internal/zoom -\ninternal/zoom internal/store", "line 2: a second rule for internal/zoom"},
		{"internal/web - internal/store", "line 1: internal/web: * and - stand alone"},
		{"internal/web * internal/store", "line 1: internal/web: * and - stand alone"},
		{"internal/web github.com/jackc/pgx/v5", "line 1: internal/web: github.com/jackc/pgx/v5 is not a project package (name outside packages in a forbid line)"},
		{"# x\nforbid internal/web", "line 2: forbid wants a package and at least one import path: \"forbid internal/web\""},
	} {
		if _, err := parseRules(tc.text); err == nil || err.Error() != tc.want {
			t.Errorf("parseRules(%q) error = %v, want %q", tc.text, err, tc.want)
		}
	}
}

// The rules are the one ```imports block of the document, whatever surrounds it.
func TestImportsBlock(t *testing.T) {
	doc := "# Doc\n\n```\nnot this\n```\n\n## Layers\n\n```imports\na -\nb a\n```\n\ntext\n"
	if got, err := importsBlock(doc); err != nil || got != "a -\nb a" {
		t.Errorf("importsBlock = %q, %v; want %q", got, err, "a -\nb a")
	}
	for _, tc := range []struct{ doc, want string }{
		{"# Doc\n```go\nx\n```\n", "no ```imports block"},
		{"```imports\na -\n```\n```imports\nb -\n```\n", "2 ```imports blocks, want one"},
		{"```imports\na -\n", "the imports block is not closed"},
	} {
		if _, err := importsBlock(tc.doc); err == nil || err.Error() != tc.want {
			t.Errorf("importsBlock(%q) error = %v, want %q", tc.doc, err, tc.want)
		}
	}
}

// go list -json prints one object per package, one after another.
func TestDecodePackages(t *testing.T) {
	out := `{
	"ImportPath": "example.com/app/internal/zoom",
	"Imports": ["net/http"]
}
{
	"ImportPath": "example.com/app/migrations"
}
`
	got, err := decodePackages(strings.NewReader(out))
	if err != nil || len(got) != 2 || got[0].ImportPath != "example.com/app/internal/zoom" || !slices.Equal(got[0].Imports, []string{"net/http"}) ||
		got[1].ImportPath != "example.com/app/migrations" || got[1].Imports != nil {
		t.Errorf("decodePackages = %+v, %v", got, err)
	}
}
