package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFileIsCurrent regenerates catalogue_gen.go from the checked-in copy and
// compares it with the committed file: it fails when either changed without the other (run
// `go generate ./internal/zoom/spec/`), like the templ staleness check of `make check`.
func TestGeneratedFileIsCurrent(t *testing.T) {
	got, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "catalogue_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/zoom/spec/catalogue_gen.go is stale (run: go generate ./internal/zoom/spec/)")
	}
	again, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Fatal("two runs of the generator wrote different files")
	}
	if !bytes.HasPrefix(got, []byte("// Code generated ")) || !bytes.Contains(got[:200], []byte("DO NOT EDIT.")) {
		t.Fatal("the generated file lacks the Code generated … DO NOT EDIT. header")
	}
}

// TestCopyHoldsOnlyTheDeclarationsRead checks that the checked-in copy is the declarations
// of the decls table (Rivet's and the hand-kept ones), each once, and nothing else.
func TestCopyHoldsOnlyTheDeclarationsRead(t *testing.T) {
	var text strings.Builder
	for _, f := range []string{"rivet/accounts.d.ts", "rivet/users.d.ts", "primary/primary.d.ts"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		text.Write(b)
	}
	var n int
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(line, "type ") {
			n++
		}
	}
	if n != len(decls) {
		t.Fatalf("the copy has %d declarations, the generator reads %d", n, len(decls))
	}
	for _, d := range decls {
		if _, err := extractDecl(text.String(), d.name); err != nil {
			t.Error(err)
		}
	}
}

func TestParseDecl(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`type A = { a?: boolean; b: number; c?: string; };`, `{a?: boolean; b: number; c?: string;}`},
		{`type A = { a?: { b?: { c?: object; }; }; };`, `{a?: {b?: {c?: object;};};}`},
		{`type A = { e?: "x" | "y" | "z"; n?: 1 | 2 | -3; };`, `{e?: "x" | "y" | "z"; n?: 1 | 2 | -3;}`},
		{`type A = { a?: string[]; b?: ("x" | "y")[]; c?: { d?: number; }[]; };`,
			`{a?: string[]; b?: ("x" | "y")[]; c?: {d?: number;}[];}`},
		{`type A = { a?: boolean; } | ({ b?: boolean; } | { c?: boolean; }) | { d?: boolean; };`,
			`{a?: boolean;} | ({b?: boolean;} | {c?: boolean;}) | {d?: boolean;}`},
		{`type A = { id?: string; } & { x?: number; id?: string; };`, `{id?: string; x?: number;}`},
		{"type A = {\n    // a comment\n    a?: boolean; /* another */\n};", `{a?: boolean;}`},
		{`type A = | "a" | "b";`, `"a" | "b"`},
	} {
		name, got, err := parseDecl(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if name != "A" || describe(got) != tc.want {
			t.Errorf("%s:\n got %s %s\nwant A %s", tc.src, name, describe(got), tc.want)
		}
	}
}

func TestParseDeclRefusesWhatItDoesNotRead(t *testing.T) {
	for _, src := range []string{
		`type A = { a?: Foo; };`,           // a type reference
		`type A = { a?: Array<string>; };`, // generics
		`type A = { a?: boolean }`,         // no semicolons
		`type A = { a?: boolean; a?: boolean; };`,
		`type A = { a?: boolean; } & string;`,
		`type A = { a?: string; } & { a?: number; };`,
		`type A = { a?: boolean; }; type B = {};`,
		`type A = { a?: string[ ; };`,
	} {
		if _, _, err := parseDecl(src); err == nil {
			t.Errorf("%s: parsed, want an error", src)
		}
	}
}

func TestExtractDecl(t *testing.T) {
	src := "type AB = { x?: 1; };\ntype A = { a?: \"};\"; b?: { c?: boolean; }; };\ntype C = {};\n"
	got, err := extractDecl(src, "A")
	if err != nil {
		t.Fatal(err)
	}
	if want := `type A = { a?: "};"; b?: { c?: boolean; }; };`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := extractDecl(src, "B"); err == nil {
		t.Fatal("found B, which is not declared")
	}
}

func TestFlattenNamesVariantsAndPaths(t *testing.T) {
	_, ty, err := parseDecl(`type S = {
		in_meeting?: { chat?: boolean; who?: "host" | "all"; list?: { id?: string; tags?: (1 | 2)[]; }[]; };
	} | ({ meeting_authentication?: boolean; authentication_options?: { type?: "a"; }[]; }
	   | { recording_authentication?: boolean; }) | { meeting_security?: { waiting_room?: boolean; }; };`)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := flattenDecl(decl{option: true}, ty)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		s := f.option + "|" + f.path + "|" + f.typ + "|" + f.elem + "|" + strings.Join(f.enum, ",")
		got = append(got, s)
	}
	want := []string{
		"|in_meeting|Object||", "|in_meeting.chat|Bool||", "|in_meeting.who|String||host,all",
		"|in_meeting.list|Array|Object|", "|in_meeting.list[].id|String||", "|in_meeting.list[].tags|Array|Number|1,2",
		"meeting_authentication|meeting_authentication|Bool||",
		"meeting_authentication|authentication_options|Array|Object|",
		"meeting_authentication|authentication_options[].type|String||a",
		"recording_authentication|recording_authentication|Bool||",
		"meeting_security|meeting_security|Object||", "meeting_security|meeting_security.waiting_room|Bool||",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_, odd, _ := parseDecl(`type S = { a?: boolean; } | { b?: boolean; };`)
	if _, err := flattenDecl(decl{option: true}, odd); err == nil {
		t.Fatal("a variant that matches no option was accepted")
	}
	_, mixed, _ := parseDecl(`type S = { a?: "x" | 1; };`)
	if _, err := flattenDecl(decl{}, mixed); err == nil {
		t.Fatal("a union of a string and a number literal was accepted")
	}
}
