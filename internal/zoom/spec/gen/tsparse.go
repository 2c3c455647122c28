package main

import (
	"fmt"
	"strings"
)

// The subset of TypeScript that Rivet's generated declarations use for Zoom's settings and
// users, and all this parser reads:
//
//	decl    = "type" Ident "=" union ";"
//	union   = ["|"] inter { "|" inter }
//	inter   = postfix { "&" postfix }
//	postfix = primary { "[" "]" }
//	primary = "{" { member } "}" | "(" union ")" | StringLit | NumberLit
//	        | "boolean" | "number" | "string" | "object"
//	member  = Name ["?"] ":" union ";"
//
// Anything else (generics, functions, type references, imports) is an error that names the
// declaration and the offset: the generator must fail loudly, never guess.

// tsKind is what a parsed type is.
type tsKind int

const (
	tsObject tsKind = iota // { a?: T; ... }
	tsUnion                // A | B
	tsArray                // T[]
	tsBool                 // boolean
	tsNumber               // number
	tsString               // string
	tsOpaque               // object: an object whose shape is not published
	tsStrLit               // "x"
	tsNumLit               // 5
)

// tsType is a parsed TypeScript type.
type tsType struct {
	kind     tsKind
	members  []tsMember // tsObject, in source order
	variants []*tsType  // tsUnion
	elem     *tsType    // tsArray
	lit      string     // tsStrLit (unquoted), tsNumLit (as written)
}

// tsMember is one property of an object type.
type tsMember struct {
	name     string
	optional bool
	typ      *tsType
}

// extractDecl returns the text of "type name = ...;" in src, from "type" to its closing
// semicolon at nesting depth 0, or an error when src has no such declaration.
func extractDecl(src, name string) (string, error) {
	key := "type " + name + " = "
	i := 0
	for {
		j := strings.Index(src[i:], key)
		if j < 0 {
			return "", fmt.Errorf("no declaration of %s", name)
		}
		i += j
		if i == 0 || src[i-1] == '\n' {
			break
		}
		i += len(key)
	}
	depth := 0
	inStr := byte(0)
	for k := i + len(key); k < len(src); k++ {
		c := src[k]
		switch {
		case inStr != 0:
			if c == '\\' {
				k++
			} else if c == inStr {
				inStr = 0
			}
		case c == '"' || c == '\'':
			inStr = c
		case c == '{' || c == '(' || c == '[':
			depth++
		case c == '}' || c == ')' || c == ']':
			depth--
		case c == ';' && depth == 0:
			return src[i : k+1], nil
		}
	}
	return "", fmt.Errorf("declaration of %s does not end", name)
}

// parseDecl parses one "type Name = T;" declaration and returns its name and type.
func parseDecl(text string) (string, *tsType, error) {
	p := &tsParser{src: text}
	if !p.word("type") {
		return "", nil, p.errf("want 'type'")
	}
	name := p.ident()
	if name == "" {
		return "", nil, p.errf("want a type name")
	}
	if !p.punct("=") {
		return "", nil, p.errf("want '=' after %s", name)
	}
	t, err := p.union()
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", name, err)
	}
	if !p.punct(";") {
		return "", nil, fmt.Errorf("%s: %w", name, p.errf("want ';'"))
	}
	p.space()
	if p.pos != len(p.src) {
		return "", nil, fmt.Errorf("%s: %w", name, p.errf("text after the declaration"))
	}
	return name, t, nil
}

// tsParser is a recursive-descent parser over one declaration's text.
type tsParser struct {
	src string
	pos int
}

func (p *tsParser) errf(format string, args ...any) error {
	end := min(p.pos+30, len(p.src))
	return fmt.Errorf("offset %d (%q): %s", p.pos, p.src[p.pos:end], fmt.Sprintf(format, args...))
}

// space skips white space and comments.
func (p *tsParser) space() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case strings.HasPrefix(p.src[p.pos:], "//"):
			if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
				p.pos += i + 1
			} else {
				p.pos = len(p.src)
			}
		case strings.HasPrefix(p.src[p.pos:], "/*"):
			if i := strings.Index(p.src[p.pos+2:], "*/"); i >= 0 {
				p.pos += i + 4
			} else {
				p.pos = len(p.src)
			}
		default:
			return
		}
	}
}

// punct consumes s when it comes next.
func (p *tsParser) punct(s string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.pos:], s) {
		p.pos += len(s)
		return true
	}
	return false
}

func isIdent(c byte, first bool) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

// ident consumes an identifier, or returns "".
func (p *tsParser) ident() string {
	p.space()
	start := p.pos
	for p.pos < len(p.src) && isIdent(p.src[p.pos], p.pos == start) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// word consumes the keyword w when it comes next as a whole identifier.
func (p *tsParser) word(w string) bool {
	save := p.pos
	if p.ident() == w {
		return true
	}
	p.pos = save
	return false
}

func (p *tsParser) union() (*tsType, error) {
	p.punct("|") // a leading bar is allowed
	var vs []*tsType
	for {
		t, err := p.inter()
		if err != nil {
			return nil, err
		}
		vs = append(vs, t)
		if !p.punct("|") {
			break
		}
	}
	if len(vs) == 1 {
		return vs[0], nil
	}
	return &tsType{kind: tsUnion, variants: vs}, nil
}

// inter parses A & B & ...; an intersection of object types is one object with the members
// of each (a member named twice keeps its first declaration, which must have the same type).
func (p *tsParser) inter() (*tsType, error) {
	t, err := p.postfix()
	if err != nil {
		return nil, err
	}
	for p.punct("&") {
		u, err := p.postfix()
		if err != nil {
			return nil, err
		}
		if t.kind != tsObject || u.kind != tsObject {
			return nil, p.errf("'&' of a type that is not an object")
		}
		merged := &tsType{kind: tsObject, members: append([]tsMember(nil), t.members...)}
		for _, m := range u.members {
			if prev := merged.member(m.name); prev != nil {
				if describe(prev.typ) != describe(m.typ) {
					return nil, p.errf("'&' declares %s twice with different types", m.name)
				}
				continue
			}
			merged.members = append(merged.members, m)
		}
		t = merged
	}
	return t, nil
}

func (p *tsParser) postfix() (*tsType, error) {
	t, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		save := p.pos
		if p.punct("[") {
			if p.punct("]") {
				t = &tsType{kind: tsArray, elem: t}
				continue
			}
			p.pos = save
			return nil, p.errf("want '[]'")
		}
		return t, nil
	}
}

func (p *tsParser) primary() (*tsType, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, p.errf("unexpected end")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		p.pos++
		return p.object()
	case c == '(':
		p.pos++
		t, err := p.union()
		if err != nil {
			return nil, err
		}
		if !p.punct(")") {
			return nil, p.errf("want ')'")
		}
		return t, nil
	case c == '"' || c == '\'':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			return nil, p.errf("string does not end")
		}
		s := p.src[p.pos+1 : p.pos+1+end]
		if strings.ContainsAny(s, "\\") {
			return nil, p.errf("escapes in string literals are not supported")
		}
		p.pos += end + 2
		return &tsType{kind: tsStrLit, lit: s}, nil
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		p.pos++
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
			p.pos++
		}
		return &tsType{kind: tsNumLit, lit: p.src[start:p.pos]}, nil
	}
	switch w := p.ident(); w {
	case "boolean":
		return &tsType{kind: tsBool}, nil
	case "number":
		return &tsType{kind: tsNumber}, nil
	case "string":
		return &tsType{kind: tsString}, nil
	case "object":
		return &tsType{kind: tsOpaque}, nil
	case "":
		return nil, p.errf("want a type")
	default:
		return nil, p.errf("type %q is outside the subset this parser reads", w)
	}
}

// object parses the members of { ... } after the opening brace.
func (p *tsParser) object() (*tsType, error) {
	t := &tsType{kind: tsObject}
	for {
		if p.punct("}") {
			return t, nil
		}
		name := p.ident()
		if name == "" {
			return nil, p.errf("want a member name")
		}
		opt := p.punct("?")
		if !p.punct(":") {
			return nil, p.errf("want ':' after %s", name)
		}
		mt, err := p.union()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if !p.punct(";") {
			return nil, p.errf("want ';' after %s", name)
		}
		if t.member(name) != nil {
			return nil, p.errf("member %s declared twice", name)
		}
		t.members = append(t.members, tsMember{name: name, optional: opt, typ: mt})
	}
}

// member returns the member called name, or nil.
func (t *tsType) member(name string) *tsMember {
	for i := range t.members {
		if t.members[i].name == name {
			return &t.members[i]
		}
	}
	return nil
}

// describe renders t in a compact TypeScript-like form (for tests and error messages).
func describe(t *tsType) string {
	switch t.kind {
	case tsObject:
		var b strings.Builder
		b.WriteString("{")
		for i, m := range t.members {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(m.name)
			if m.optional {
				b.WriteString("?")
			}
			b.WriteString(": " + describe(m.typ) + ";")
		}
		b.WriteString("}")
		return b.String()
	case tsUnion:
		parts := make([]string, len(t.variants))
		for i, v := range t.variants {
			parts[i] = describe(v)
			if v.kind == tsUnion {
				parts[i] = "(" + parts[i] + ")"
			}
		}
		return strings.Join(parts, " | ")
	case tsArray:
		if t.elem.kind == tsUnion {
			return "(" + describe(t.elem) + ")[]"
		}
		return describe(t.elem) + "[]"
	case tsBool:
		return "boolean"
	case tsNumber:
		return "number"
	case tsString:
		return "string"
	case tsOpaque:
		return "object"
	case tsStrLit:
		if strings.Contains(t.lit, `"`) {
			return "'" + t.lit + "'" // as the parser reads it: no escapes, either quote
		}
		return `"` + t.lit + `"`
	case tsNumLit:
		return t.lit
	}
	return "?"
}
