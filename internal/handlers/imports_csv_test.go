package handlers

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
)

func TestParseImportCSV(t *testing.T) {
	t.Parallel()
	many := func(n int) string {
		var b strings.Builder
		b.WriteString("email\n")
		for i := range n {
			fmt.Fprintf(&b, "u%d@example.com\n", i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, kind, file string
		rows             int
		customer         bool
		fileErr          string
	}{
		{"header aliases, any order, BOM, blank lines", store.ImportCreate,
			"\xef\xbb\xbfAction,E-mail,First Name,Surname,User Type,Account\ncreate,a@example.com,A,B,1,acct1\n\n,,,,,\ncreate,b@example.com,C,D,2,\n", 2, true, ""},
		{"quoted fields with commas", store.ImportCreate,
			"email,first_name,last_name,type,action\n\"c@example.com\",\"Lee, Jr.\",X,1,create\n", 1, false, ""},
		{"deactivate needs only email", store.ImportDeactivate, "email\nx@example.com\n", 1, false, ""},
		{"missing columns", store.ImportCreate, "email,first_name\na@example.com,A\n", 0, false, "missing: last_name, type, action"},
		{"empty", store.ImportCreate, "", 0, false, "empty"},
		{"header only", store.ImportDeactivate, "email\n", 0, false, "no rows"},
		{"not UTF-8", store.ImportDeactivate, "email\n\xff\xfe@example.com\n", 0, false, "UTF-8"},
		{"twice the same column", store.ImportDeactivate, "email,e-mail\na@example.com,b@example.com\n", 0, false, "twice"},
		{"10,000 rows", store.ImportDeactivate, many(MaxImportRows), MaxImportRows, false, ""},
		{"10,001 rows", store.ImportDeactivate, many(MaxImportRows + 1), 0, false, "more than 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, customer, err := parseImportCSV([]byte(tc.file), tc.kind)
			var fe *fileError
			if tc.fileErr != "" {
				if !errors.As(err, &fe) || !strings.Contains(fe.msg, tc.fileErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.fileErr)
				}
				return
			}
			if err != nil || len(rows) != tc.rows || customer != tc.customer {
				t.Fatalf("%d rows, customer column %v, %v", len(rows), customer, err)
			}
		})
	}
	rows, _, err := parseImportCSV([]byte("action,email,first,last,type\ncreate,a@example.com,A,B,1\n\ncreate,b@example.com,C,D,2\n"), store.ImportCreate)
	if err != nil {
		t.Fatal(err)
	}
	if rows[1].line != 4 || rows[1].email != "b@example.com" || rows[1].typ != "2" || rows[0].first != "A" {
		t.Fatalf("rows: %+v", rows)
	}
}

func TestPasswordProblemIsZoomsRule(t *testing.T) {
	t.Parallel()
	for p, ok := range map[string]bool{"Secret123": true, "short1A": false, "alllowercase1": false, "NoDigitsHere": false,
		"Aaaaaaa1b": false, "Xabcdef9Y": false, "Z987654yy": false, strings.Repeat("Ab1", 11): false, "Tr1cky-Pass": true,
		"Abc12345": true, "Aaaaa1bc": true, "Xabcde9Y": true, "aaaaaa1B": false, "Pass123456": false, "": false} {
		if got := passwordProblem(p) == ""; got != ok {
			t.Errorf("passwordProblem(%q) accepted %v, want %v", p, got, ok)
		}
	}
}
