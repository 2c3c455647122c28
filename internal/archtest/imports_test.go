// Package archtest holds the architecture test: which of the project's packages may import
// which, as the "imports" block of ARCHITECTURE.md (section "Layers and allowed imports")
// says. It has only tests; nothing imports it.
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestImportsFollowArchitecture lists every package of the module with `go list` and checks
// each one's imports against the rules in ARCHITECTURE.md. A package with no rule fails too,
// so that a new package cannot slip past the layers: it must be given a line.
//
// Only the imports of a package's non-test files (go list's Imports) are checked: tests may
// reach further (a handler test reads rows with pgx, a Zoom test stores grants in
// PostgreSQL), and what ships is what the layers are about.
func TestImportsFollowArchitecture(t *testing.T) {
	root := moduleRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	block, err := importsBlock(string(doc))
	if err != nil {
		t.Fatalf("ARCHITECTURE.md: %v", err)
	}
	r, err := parseRules(block)
	if err != nil {
		t.Fatalf("ARCHITECTURE.md, imports block: %v", err)
	}
	module := strings.TrimSpace(string(goCmd(t, root, "list", "-m")))
	pkgs, err := decodePackages(bytes.NewReader(goCmd(t, root, "list", "-json=ImportPath,Imports", "./...")))
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	for _, v := range check(r, module, pkgs) {
		t.Error(v)
	}
}

// moduleRoot is the directory of go.mod above the test's working directory (go test runs a
// test in its package's directory).
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
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// goCmd runs the go command in dir and returns its standard output. go test puts the go
// command that runs it first in PATH, so this is the same toolchain.
func goCmd(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// pkg is what the check needs of a package: its import path and the import paths of its
// non-test files.
type pkg struct {
	ImportPath string
	Imports    []string
}

// decodePackages reads the stream of JSON objects that `go list -json` prints.
func decodePackages(r io.Reader) ([]pkg, error) {
	var out []pkg
	dec := json.NewDecoder(r)
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
}

// importsBlock returns the text inside the one fenced code block of markdown whose info
// string is "imports".
func importsBlock(markdown string) (string, error) {
	var blocks []string
	var cur []string
	in := false
	for line := range strings.Lines(markdown) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case !in && strings.TrimSpace(line) == "```imports":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	switch {
	case in:
		return "", errors.New("the imports block is not closed")
	case len(blocks) == 0:
		return "", errors.New("no ```imports block")
	case len(blocks) > 1:
		return "", fmt.Errorf("%d ```imports blocks, want one", len(blocks))
	}
	return blocks[0], nil
}

// rules is what the imports block says. Packages are named by their path inside the
// module ("internal/zoom").
type rules struct {
	allow  map[string]allowance // package → the project packages it may import
	forbid map[string][]string  // package → import paths (prefixes) it must not import
}

// allowance is one package's line: any project package (*), or those named.
type allowance struct {
	any  bool
	pkgs map[string]bool
}

// parseRules reads an imports block. Each line (after # comments and blank lines are
// dropped) is either
//
//	PACKAGE  ALLOWED...             the project packages PACKAGE may import; "*" any, "-" none
//	forbid PACKAGE  IMPORT...       import paths PACKAGE must not import, nor anything below them
//
// A package's allowed list is given once; forbid lines add up. A package may be named before
// it exists (a rule can come with the change that adds the package).
func parseRules(text string) (rules, error) {
	r := rules{allow: map[string]allowance{}, forbid: map[string][]string{}}
	var errs []error
	for n, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("line %d: %s", n+1, fmt.Sprintf(format, args...)))
		}
		if f[0] == "forbid" {
			if len(f) < 3 {
				bad("forbid wants a package and at least one import path: %q", strings.TrimSpace(line))
				continue
			}
			r.forbid[f[1]] = append(r.forbid[f[1]], f[2:]...)
			continue
		}
		name, list := f[0], f[1:]
		if _, dup := r.allow[name]; dup {
			bad("a second rule for %s", name)
			continue
		}
		switch {
		case len(list) == 0:
			bad("%s names nothing it may import: write - for no project package", name)
		case slices.Contains(list, "*") || slices.Contains(list, "-"):
			if len(list) != 1 {
				bad("%s: * and - stand alone", name)
				continue
			}
			r.allow[name] = allowance{any: list[0] == "*", pkgs: map[string]bool{}}
		default:
			a := allowance{pkgs: map[string]bool{}}
			for _, p := range list {
				// A dot in the first element is a domain: an outside package, which the
				// allowed lists do not name (outside packages are free unless forbidden).
				if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
					bad("%s: %s is not a project package (name outside packages in a forbid line)", name, p)
					continue
				}
				a.pkgs[p] = true
			}
			r.allow[name] = a
		}
	}
	return r, errors.Join(errs...)
}

// check returns one sentence per violation of r by pkgs, the packages of module, in order of
// package and import.
func check(r rules, module string, pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		name, ok := projectPath(module, p.ImportPath)
		if !ok {
			continue // not the module's own (go list ./... lists only its own)
		}
		a, ok := r.allow[name]
		if !ok {
			out = append(out, fmt.Sprintf("%s has no rule in ARCHITECTURE.md's imports block: add a line saying which project packages it may import", name))
		}
		for _, imp := range p.Imports {
			if dep, own := projectPath(module, imp); own {
				if ok && !a.any && !a.pkgs[dep] {
					out = append(out, fmt.Sprintf("%s imports %s, which ARCHITECTURE.md does not allow", name, dep))
				}
			}
			for _, f := range r.forbid[name] {
				if imp == f || strings.HasPrefix(imp, f+"/") {
					out = append(out, fmt.Sprintf("%s imports %s, which ARCHITECTURE.md forbids (forbid %s %s)", name, imp, name, f))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// projectPath returns importPath's path inside module ("internal/zoom"; "." for the module's
// root package) and whether it is in module at all.
func projectPath(module, importPath string) (string, bool) {
	if importPath == module {
		return ".", true
	}
	rest, ok := strings.CutPrefix(importPath, module+"/")
	return rest, ok
}
