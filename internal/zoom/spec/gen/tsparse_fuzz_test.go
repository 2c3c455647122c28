package main

import "testing"

// FuzzParseDecl: any text is parsed or refused without panicking, and what parses is
// described in a form that parses again to the same description.
func FuzzParseDecl(f *testing.F) {
	f.Add(`type A = { a?: boolean; b: number; c?: string; };`)
	f.Add(`type A = { a?: ("x" | "y")[]; b?: { c?: object; }[]; } | ({ d?: 1 | 2; } | { e?: boolean; });`)
	f.Add(`type A = { id?: string; } & { x?: number; };`)
	f.Add("type A = {\n // c\n a?: boolean; /* d */ };")
	f.Add(`type A = { a?: Foo; };`)
	f.Fuzz(func(t *testing.T, src string) {
		_, ty, err := parseDecl(src)
		if err != nil {
			return
		}
		d := describe(ty)
		_, again, err := parseDecl("type A = " + d + ";")
		if err != nil {
			t.Fatalf("%q parsed as %s, which does not parse: %v", src, d, err)
		}
		if describe(again) != d {
			t.Fatalf("%q: %s, then %s", src, d, describe(again))
		}
	})
}
