package templates

import (
	"slices"
	"testing"
)

func TestBreakPoints(t *testing.T) {
	for in, want := range map[string][]string{
		"oscar.yilmaz@adventure-foods.example": {"oscar.", "yilmaz@", "adventure-foods.", "example"},
		"Business":                             {"Business"},
		"end.":                                 {"end."},
		"":                                     {""},
	} {
		if got := breakPoints(in); !slices.Equal(got, want) {
			t.Errorf("breakPoints(%q) = %q, want %q", in, got, want)
		}
	}
}
