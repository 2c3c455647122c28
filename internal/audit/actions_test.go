package audit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// constants parses the package's source (actions.go) and returns every constant of type
// Action: its value by name. A constant whose value the test cannot read fails it.
func constants(t *testing.T) map[string]Action {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Action{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					var value ast.Expr
					if i < len(vs.Values) {
						value = vs.Values[i]
					}
					if !isAction(vs.Type, value) {
						continue
					}
					v, ok := stringValue(value)
					if !ok {
						t.Fatalf("%s: the constant %s has a value this test cannot read: write it as %s Action = \"...\"",
							fset.Position(id.Pos()), id.Name, id.Name)
					}
					out[id.Name] = Action(v)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no constant of type Action found in the package's source")
	}
	return out
}

// isAction reports whether a constant declared with typ and value is an Action: its type is
// written Action, or its value is a conversion Action(...).
func isAction(typ, value ast.Expr) bool {
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name == "Action"
	}
	if c, ok := value.(*ast.CallExpr); ok {
		id, ok := c.Fun.(*ast.Ident)
		return ok && id.Name == "Action"
	}
	return false
}

// stringValue reads a string literal, also inside a conversion Action("...").
func stringValue(e ast.Expr) (string, bool) {
	if c, ok := e.(*ast.CallExpr); ok && len(c.Args) == 1 {
		e = c.Args[0]
	}
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}

// TestEveryActionIsLabelled: every constant has a label and a value of its own, and the
// package's tables name only constants.
func TestEveryActionIsLabelled(t *testing.T) {
	consts := constants(t)
	byValue := map[Action]string{}
	for _, name := range slices.Sorted(maps.Keys(consts)) {
		a := consts[name]
		if other, dup := byValue[a]; dup {
			t.Errorf("%s and %s share the value %q: each action needs a value of its own", other, name, a)
		}
		byValue[a] = name
		if a.Label() == "" {
			t.Errorf("%s (%q) has no label: add one to labels in actions.go", name, a)
		}
	}
	for a := range labels {
		if _, ok := byValue[a]; !ok {
			t.Errorf("labels has %q, which is no constant of type Action", a)
		}
	}
	for a := range zoomChanges {
		if _, ok := byValue[a]; !ok {
			t.Errorf("zoomChanges has %q, which is no constant of type Action", a)
		}
	}
	all := All()
	if len(all) != len(byValue) || !slices.IsSorted(all) {
		t.Errorf("All() returns %d actions (sorted: %v), want the %d constants sorted", len(all), slices.IsSorted(all), len(byValue))
	}
}

// TestNoActionLiteral: outside this package, an action is always written as its constant. A
// string literal whose value is an action's (in any non-test Go file of internal/ and cmd/,
// but Zoom's client and sandbox, whose event names are Zoom's, and templ's output) fails,
// naming the constant to use.
func TestNoActionLiteral(t *testing.T) {
	names := map[Action]string{}
	for name, a := range constants(t) {
		names[a] = name
	}
	root := moduleRoot(t)
	skip := map[string]bool{
		filepath.Join(root, "internal", "audit"): true,
		filepath.Join(root, "internal", "zoom"):  true, // and everything below it
	}
	fset := token.NewFileSet()
	files := 0
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if skip[path] || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") {
					return filepath.SkipDir
				}
				return nil
			}
			name := d.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_templ.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			files++
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil || !Action(v).Known() {
					return true
				}
				pos := fset.Position(lit.Pos())
				rel, _ := filepath.Rel(root, pos.Filename)
				t.Errorf("%s:%d: the action %s is written as a string: use audit.%s", filepath.ToSlash(rel), pos.Line, lit.Value, names[Action(v)])
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 50 {
		t.Fatalf("read %d Go files under %s: the walk is missing the module's code", files, root)
	}
}

// moduleRoot is the directory of the go.mod above the test's working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// Every action belongs to an area of the audit page's filter, and reads in words; a value
// that is none of the constants is spelled out.
func TestEveryActionHasAnAreaAndWords(t *testing.T) {
	for _, a := range All() {
		if _, ok := AreaOf(a); !ok {
			t.Errorf("%s belongs to no area: add its prefix to areas", a)
		}
		if a.Words() != a.Label() {
			t.Errorf("%s reads %q, not its label %q", a, a.Words(), a.Label())
		}
	}
	for in, want := range map[Action]string{"legacy.thing": "Legacy thing", "old_kind.some-thing": "Old kind some thing", "": "Unnamed action"} {
		if got := in.Words(); got != want {
			t.Errorf("Action(%q).Words() = %q, want %q", in, got, want)
		}
	}
}
