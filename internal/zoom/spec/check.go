package spec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a value that does not fit a catalogue: a field it does not have (Unknown), or a
// value of the wrong type or outside the field's enum.
type Error struct {
	Path    string // dotted, with array indexes: "chat.chat_etiquette_tool.policies[2].status"
	Unknown bool   // Zoom's type has no such field
	Problem string // what is wrong, for people: "is not a boolean", "is not one of: all, none"
}

// Error reads "in_meeting.chat: is not a boolean".
func (e *Error) Error() string { return e.Path + ": " + e.Problem }

// pathElem is a path being walked, rendered only when a problem is found.
type pathElem struct {
	up    *pathElem
	name  string
	index int // >= 0: an array element
}

func (p *pathElem) String() string {
	var parts []*pathElem
	for q := p; q != nil; q = q.up {
		parts = append(parts, q)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		q := parts[i]
		if q.index >= 0 {
			b.WriteString("[" + strconv.Itoa(q.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if q.name == "" || strings.ContainsAny(q.name, ".[]\"\\") || !utf8.ValidString(q.name) {
			b.WriteString(strconv.Quote(q.name)) // a name that would read as another path
			continue
		}
		b.WriteString(q.name)
	}
	return b.String()
}

// Validate checks a request body against one variant: it returns the first field (in key
// order, depth first) that the variant does not have, or whose value has the wrong type or is
// outside its enum, as an *Error; an unknown option is an *Error on the path "option". A body
// that fits returns nil. Null is no type's value.
func (c *Catalogue) Validate(opt string, body map[string]any) error {
	o := c.option(opt)
	if o == nil {
		return &Error{Path: "option", Problem: fmt.Sprintf("%q is not an option of %s", opt, c.name)}
	}
	var first *Error
	c.walkObject(o.root, nil, body, true, func(e *Error) bool { first = e; return false })
	if first != nil {
		return first
	}
	return nil
}

// Errors is Validate that goes on after the first problem: every one, in the same order
// (none is nil).
func (c *Catalogue) Errors(opt string, body map[string]any) []*Error {
	o := c.option(opt)
	if o == nil {
		return []*Error{{Path: "option", Problem: fmt.Sprintf("%q is not an option of %s", opt, c.name)}}
	}
	var all []*Error
	c.walkObject(o.root, nil, body, true, func(e *Error) bool { all = append(all, e); return true })
	return all
}

// CheckShape lists every way v (a decoded JSON object, or a Go value that encodes to one)
// differs from one variant: a field Zoom's type does not have, a value of the wrong type or
// outside its enum, a field the type requires that is missing. Each is "path: problem", in key
// order; none is nil.
func (c *Catalogue) CheckShape(opt string, v any) []string {
	o := c.option(opt)
	if o == nil {
		return []string{fmt.Sprintf("option: %q is not an option of %s", opt, c.name)}
	}
	m, ok := v.(map[string]any)
	if !ok {
		b, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil || m == nil {
			return []string{fmt.Sprintf(": is not an object (%T)", v)}
		}
	}
	var out []string
	c.walkObject(o.root, nil, m, true, func(e *Error) bool { out = append(out, e.Error()); return true })
	return out
}

// CheckShape is ByKind(kind).CheckShape(option, v); an unknown kind is one mismatch.
func CheckShape(kind, option string, v any) []string {
	c := ByKind(kind)
	if c == nil {
		return []string{fmt.Sprintf("%q is not a catalogue", kind)}
	}
	return c.CheckShape(option, v)
}

// walkObject checks the members of m against the fields of n, in key order, reporting each
// problem until report returns false; it returns false when stopped.
func (c *Catalogue) walkObject(n *node, at *pathElem, m map[string]any, required bool, report func(*Error) bool) bool {
	var buf [32]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := &pathElem{up: at, name: k, index: -1}
		kid := n.kids[k]
		if kid == nil {
			if !report(&Error{Path: p.String(), Unknown: true, Problem: "is not a field of Zoom's " + strings.ReplaceAll(c.name, "_", " ")}) {
				return false
			}
			continue
		}
		if !c.walkValue(kid, kid.f.Type, p, m[k], report) {
			return false
		}
	}
	if required {
		for _, kid := range n.kid {
			if kid.f.Required {
				if _, ok := m[kid.f.Name()]; !ok {
					p := &pathElem{up: at, name: kid.f.Name(), index: -1}
					if !report(&Error{Path: p.String(), Problem: "is missing (Zoom's type requires it)"}) {
						return false
					}
				}
			}
		}
	}
	return true
}

// walkValue checks one value against a field (typ is the field's type, or its Elem for an
// array's element).
func (c *Catalogue) walkValue(n *node, typ Type, at *pathElem, v any, report func(*Error) bool) bool {
	bad := func(problem string) bool {
		return report(&Error{Path: at.String(), Problem: problem})
	}
	if v == nil {
		return bad("is null, not " + article(typ))
	}
	switch typ {
	case Bool:
		if _, ok := v.(bool); !ok {
			return bad("is not a boolean")
		}
	case String:
		s, ok := v.(string)
		if !ok {
			return bad("is not a string")
		}
		if len(n.f.Enum) > 0 && !slices.Contains(n.f.Enum, s) {
			return bad("is not one of: " + strings.Join(n.f.Enum, ", "))
		}
	case Number:
		x, ok := number(v)
		if !ok {
			return bad("is not a number")
		}
		if len(n.nums) > 0 && !slices.Contains(n.nums, x) {
			return bad("is not one of: " + strings.Join(n.f.Enum, ", "))
		}
	case Object, Opaque:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("is not an object")
		}
		if typ == Object {
			return c.walkObject(n, at, m, true, report)
		}
	case Array:
		a, ok := v.([]any)
		if !ok {
			return bad("is not an array")
		}
		for i, e := range a {
			if !c.walkValue(n, n.f.Elem, &pathElem{up: at, index: i}, e, report) {
				return false
			}
		}
	}
	return true
}

// number reads a JSON number as encoding/json decodes it, or a Go number.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		return float64(x), true
	}
	return 0, false
}

func article(t Type) string {
	if t == Array || t == Object || t == Opaque {
		return "an " + t.String()
	}
	return "a " + t.String()
}
