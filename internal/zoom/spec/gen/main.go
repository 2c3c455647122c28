// Command gen writes internal/zoom/spec/catalogue_gen.go from TypeScript type declarations
// checked in under internal/zoom/spec/testdata: testdata/rivet, a copy of Zoom's published
// types, and testdata/primary, the primary account API's answers, for which Zoom publishes
// none, written by hand from Zoom's documentation (see the README in each folder).
// It runs offline, from that copy alone, and its output depends on nothing else: running it
// twice gives the same bytes, which TestGeneratedFileIsCurrent checks.
//
//	go generate ./internal/zoom/spec/          # rewrite catalogue_gen.go
//	go run ./internal/zoom/spec/gen -extract /tmp/rivet/package
//	                                           # refresh the checked-in copy from an unpacked
//	                                           # `npm pack @zoom/rivet`
//
// -extract copies, from Rivet's accounts/accounts.d.ts and users/users.d.ts, exactly the type
// declarations the generator reads (verbatim, in the order of the decls table), so that the
// checked-in copy holds Zoom's text and nothing else of the SDK.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// decl is one declaration the generator reads and the Go variable it becomes.
type decl struct {
	file   string // under testdata/rivet (and under the Rivet package with -extract), or primary/… for the hand-kept ones
	name   string // the TypeScript type
	goVar  string // the generated []Field
	option bool   // a union whose variants line up with the endpoint's ?option= values
}

// decls are the declarations read, in the order they are written.
var decls = []decl{
	{"accounts/accounts.d.ts", "AccountsGetAccountSettingsResponse", "accountSettingsFields", true},
	{"accounts/accounts.d.ts", "AccountsUpdateAccountSettingsRequestBody", "accountSettingsUpdateFields", true},
	{"accounts/accounts.d.ts", "AccountsGetLockedSettingsResponse", "lockSettingsFields", true},
	{"accounts/accounts.d.ts", "AccountsUpdateLockedSettingsRequestBody", "lockSettingsUpdateFields", true},
	{"users/users.d.ts", "UsersGetUserSettingsResponse", "userSettingsFields", true},
	{"users/users.d.ts", "UsersUpdateUserSettingsRequestBody", "userSettingsUpdateFields", true},
	{"users/users.d.ts", "UsersGetUserResponse", "userFields", false},
	{"users/users.d.ts", "UsersListUsersResponse", "userListFields", false},
	{"accounts/accounts.d.ts", "AccountsGetAccountsManagedDomainsResponse", "managedDomainsFields", false},
	{"accounts/accounts.d.ts", "AccountsGetAccountsTrustedDomainsResponse", "trustedDomainsFields", false},
	{"users/users.d.ts", "UsersCreateUsersResponse", "createdUserFields", false},
	{"users/users.d.ts", "UsersCheckUserEmailResponse", "userEmailFields", false},
	{"primary/primary.d.ts", "PrimaryListSubAccountsResponse", "subAccountListFields", false},
	{"primary/primary.d.ts", "PrimaryCreateSubAccountResponse", "createdSubAccountFields", false},
	{"primary/primary.d.ts", "PrimaryGetSubAccountResponse", "subAccountFields", false},
	{"primary/primary.d.ts", "PrimaryGetBillingContactResponse", "billingContactFields", false},
	{"primary/primary.d.ts", "PrimaryGetPlansResponse", "plansFields", false},
	{"primary/primary.d.ts", "PrimaryGetPlanUsageResponse", "planUsageFields", false},
	{"primary/primary.d.ts", "ZoomErrorResponse", "errorFields", false},
	{"primary/primary.d.ts", "OAuthTokenResponse", "tokenFields", false},
}

// handKept reports whether a declaration is one of the hand-kept ones (not Rivet's).
func (d decl) handKept() bool { return strings.HasPrefix(d.file, "primary/") }

// source is the path of the declaration's file under the spec package's testdata.
func (d decl) source() string {
	if d.handKept() {
		return d.file
	}
	return filepath.Join("rivet", filepath.Base(d.file))
}

func main() {
	log.SetFlags(0)
	dir := flag.String("dir", ".", "the spec package's directory")
	extract := flag.String("extract", "", "an unpacked @zoom/rivet package: refresh the checked-in copy from it instead")
	flag.Parse()
	if *extract != "" {
		if err := extractCopy(*extract, filepath.Join(*dir, "testdata", "rivet")); err != nil {
			log.Fatalf("gen: %v", err)
		}
		return
	}
	out, err := generate(*dir)
	if err != nil {
		log.Fatalf("gen: %v", err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "catalogue_gen.go"), out, 0o644); err != nil {
		log.Fatalf("gen: %v", err)
	}
}

// extractCopy writes to dst, per file of decls, the declarations of that file read from the
// Rivet package at src.
func extractCopy(src, dst string) error {
	texts := map[string]*bytes.Buffer{}
	var order []string
	for _, d := range decls {
		if d.handKept() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(src, d.file))
		if err != nil {
			return err
		}
		text, err := extractDecl(string(raw), d.name)
		if err != nil {
			return fmt.Errorf("%s: %w", d.file, err)
		}
		b := texts[d.file]
		if b == nil {
			b = &bytes.Buffer{}
			texts[d.file] = b
			order = append(order, d.file)
		}
		b.WriteString(text)
		b.WriteString("\n")
	}
	for _, f := range order {
		out := filepath.Join(dst, filepath.Base(f))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, texts[f].Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generate returns the gofmt'd source of catalogue_gen.go from the copy under dir/testdata.
func generate(dir string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by go run ./gen from testdata/rivet (@zoom/rivet 0.4.0) and testdata/primary. DO NOT EDIT.\n\n")
	b.WriteString("package spec\n\n")
	for _, d := range decls {
		raw, err := os.ReadFile(filepath.Join(dir, "testdata", d.source()))
		if err != nil {
			return nil, err
		}
		text, err := extractDecl(string(raw), d.name)
		if err != nil {
			return nil, err
		}
		_, t, err := parseDecl(text)
		if err != nil {
			return nil, err
		}
		fields, err := flattenDecl(d, t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.name, err)
		}
		whose := "Zoom's"
		if d.handKept() {
			whose = "the hand-kept"
		}
		fmt.Fprintf(&b, "// %s is %s %s, field by field.\nvar %s = []Field{\n", d.goVar, whose, d.name, d.goVar)
		for _, f := range fields {
			b.WriteString("\t{")
			if f.option != "" {
				fmt.Fprintf(&b, "Option: %q, ", f.option)
			}
			fmt.Fprintf(&b, "Path: %q, Type: %s", f.path, f.typ)
			if f.elem != "" {
				fmt.Fprintf(&b, ", Elem: %s", f.elem)
			}
			if len(f.enum) > 0 {
				q := make([]string, len(f.enum))
				for i, e := range f.enum {
					q[i] = strconv.Quote(e)
				}
				fmt.Fprintf(&b, ", Enum: []string{%s}", strings.Join(q, ", "))
			}
			if f.required {
				b.WriteString(", Required: true")
			}
			b.WriteString("},\n")
		}
		b.WriteString("}\n\n")
	}
	return format.Source(b.Bytes())
}

// genField is one row of a generated table.
type genField struct {
	option, path string
	typ, elem    string // the spec.Type constants' names
	enum         []string
	required     bool
}

// flattenDecl lists the fields of a declaration, variant by variant.
func flattenDecl(d decl, t *tsType) ([]genField, error) {
	variants := []*tsType{t}
	if t.kind == tsUnion {
		if !d.option {
			return nil, fmt.Errorf("a union where one object was expected")
		}
		variants = flattenUnion(t)
	}
	var out []genField
	seen := map[string]bool{}
	for i, v := range variants {
		if v.kind != tsObject {
			return nil, fmt.Errorf("variant %d is not an object", i)
		}
		opt := ""
		if d.option {
			var err error
			if opt, err = variantOption(i, v); err != nil {
				return nil, err
			}
		}
		if seen[opt] {
			return nil, fmt.Errorf("two variants for option %q", opt)
		}
		seen[opt] = true
		fs, err := flattenObject(opt, "", v)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// flattenUnion returns the variants of a union, with parenthesised unions spliced in:
// A | (B | C) | D is A, B, C, D.
func flattenUnion(t *tsType) []*tsType {
	if t.kind != tsUnion {
		return []*tsType{t}
	}
	var out []*tsType
	for _, v := range t.variants {
		out = append(out, flattenUnion(v)...)
	}
	return out
}

// variantOption names the ?option= value (or the pseudo-option) a variant of a settings
// union answers. Rivet keeps the order of Zoom's OpenAPI oneOf but not its titles, so the
// variant is recognised by its top-level members:
//
//   - the first variant is the plain GET, option "";
//   - one with meeting_security is option=meeting_security;
//   - one with a top-level meeting_authentication (or recording_authentication) flag is
//     option=meeting_authentication (or recording_authentication);
//   - one with in_session is what a Video SDK account answers: pseudo-option "videosdk";
//   - one with only an authentication_options object (user settings) holds both
//     authentication settings nested: pseudo-option "authentication_options".
//
// Any other variant stops the generator: a new shape needs a decision, not a guess.
func variantOption(i int, v *tsType) (string, error) {
	if i == 0 {
		return "", nil
	}
	has := func(n string) bool { return v.member(n) != nil }
	switch {
	case has("meeting_security"):
		return "meeting_security", nil
	case has("meeting_authentication"):
		return "meeting_authentication", nil
	case has("recording_authentication"):
		return "recording_authentication", nil
	case has("in_session"):
		return "videosdk", nil
	case len(v.members) == 1 && has("authentication_options") && v.members[0].typ.kind == tsObject:
		return "authentication_options", nil
	}
	return "", fmt.Errorf("variant %d (%s) matches no option", i, describe(v))
}

// flattenObject lists the fields of an object type under prefix, each object field before
// its own fields; the fields of an array's object elements are under "path[]".
func flattenObject(opt, prefix string, t *tsType) ([]genField, error) {
	var out []genField
	for _, m := range t.members {
		path := m.name
		if prefix != "" {
			path = prefix + "." + m.name
		}
		f := genField{option: opt, path: path, required: !m.optional}
		typ, enum, err := scalar(m.typ)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		f.typ, f.enum = typ, enum
		out = append(out, f)
		switch m.typ.kind {
		case tsObject:
			sub, err := flattenObject(opt, path, m.typ)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case tsArray:
			el := m.typ.elem
			etyp, eenum, err := scalar(el)
			if err != nil {
				return nil, fmt.Errorf("%s[]: %w", path, err)
			}
			if etyp == "Array" {
				return nil, fmt.Errorf("%s: arrays of arrays are not supported", path)
			}
			out[len(out)-1].elem, out[len(out)-1].enum = etyp, eenum
			if el.kind == tsObject {
				sub, err := flattenObject(opt, path+"[]", el)
				if err != nil {
					return nil, err
				}
				out = append(out, sub...)
			}
		}
	}
	return out, nil
}

// scalar names the spec.Type of t, with its enum values when t is a union of literals.
func scalar(t *tsType) (string, []string, error) {
	switch t.kind {
	case tsObject:
		return "Object", nil, nil
	case tsArray:
		return "Array", nil, nil
	case tsBool:
		return "Bool", nil, nil
	case tsNumber:
		return "Number", nil, nil
	case tsString:
		return "String", nil, nil
	case tsOpaque:
		return "Opaque", nil, nil
	case tsStrLit:
		return "String", []string{t.lit}, nil
	case tsNumLit:
		return "Number", []string{t.lit}, nil
	case tsUnion:
		vs := flattenUnion(t)
		kind := vs[0].kind
		var enum []string
		for _, v := range vs {
			if v.kind != kind || (kind != tsStrLit && kind != tsNumLit) {
				return "", nil, fmt.Errorf("a union that is not of literals of one kind: %s", describe(t))
			}
			enum = append(enum, v.lit)
		}
		if kind == tsStrLit {
			return "String", enum, nil
		}
		return "Number", enum, nil
	}
	return "", nil, fmt.Errorf("unsupported type %s", describe(t))
}
