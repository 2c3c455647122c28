package handlers

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// fuzzIsText is what PostgreSQL's text can hold: valid UTF-8 without NUL.
func fuzzIsText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// fuzzImportKinds are the kinds of bulk user file.
var fuzzImportKinds = []string{store.ImportCreate, store.ImportDeactivate, store.ImportRemove}

// FuzzParseImportCSV: parseImportCSV never panics; it returns rows or a *fileError, never
// both; a file that (after a BOM) is not UTF-8 or holds a NUL is refused; every row's fields
// are text, trimmed; there are 1 to MaxImportRows rows; their line numbers increase (after the
// header's); a file without a customer column gives no customers; and a file read with CRLF
// line ends (as spreadsheets on Windows save it) gives the same rows as with LF.
func FuzzParseImportCSV(f *testing.F) {
	seeds := []struct {
		kind uint8
		file string
	}{
		{0, "email,first_name,last_name,type,action\na@example.com,Ada,Lovelace,1,create\n"},
		{0, "\xef\xbb\xbfAction,E-mail,First Name,Surname,User Type,Account\r\ncreate,a@example.com,A,B,licensed,acct1\r\n\r\n,,,,,\r\n"},
		{0, "email,first_name,last_name,type,action,customer\n\"a@example.com\",\"Lovelace, Ada\",\"x\"\"y\",2,custCreate,\"Acme, Inc.\"\n"},
		{0, "email,first_name,last_name,type,action\na@example.com,Zoë,Ångström,basic,ssoCreate\n\"b@example.com\",\"multi\nline\",B,1,create\n"},
		{1, "email\na@example.com\nb@example.com\n"},
		{2, "Email Address,customer\r\n a@example.com , acct\r\n"},
		{1, "email\na@example.com\x00\n"},
		{1, "email\na\x00b@example.com\n"},
		{1, "e\x00m\x00a\x00i\x00l\x00\n\x00"},
		{1, "\xff\xfee\x00m\x00a\x00i\x00l\x00"},
		{1, "email\n\xff@example.com\n"},
		{1, "email\nJos\xe9@example.com\n"},
		{1, "email\n\"unterminated\n"},
		{1, "email\na\"b@example.com\n"},
		{0, "email,email\na,b\n"},
		{0, "first_name\nAda\n"},
		{1, ""},
		{1, "\xef\xbb\xbf"},
		{1, "email\n"},
		{1, "email\n\n\n   \n"},
		{1, "email\r\na@x.co\rb@x.co\r\n"},
		{1, "email\n\"a\r\nb\"\n"},
		{1, "email\n\"\"\"\n"},
	}
	for _, s := range seeds {
		f.Add([]byte(s.file), s.kind)
	}
	f.Fuzz(func(t *testing.T, data []byte, kindSel uint8) {
		kind := fuzzImportKinds[int(kindSel)%len(fuzzImportKinds)]
		rows, hasCustomer, err := parseImportCSV(data, kind)
		checkImportParse(t, data, kind, rows, hasCustomer, err)
		// CRLF line ends read the same as LF (only when the file has no CR of its own).
		if !bytes.Contains(data, []byte("\r")) && bytes.Contains(data, []byte("\n")) {
			crlf := bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
			rows2, hasCustomer2, err2 := parseImportCSV(crlf, kind)
			checkImportParse(t, crlf, kind, rows2, hasCustomer2, err2)
			if (err == nil) != (err2 == nil) || hasCustomer != hasCustomer2 || !reflect.DeepEqual(rows, rows2) {
				t.Fatalf("parseImportCSV(%q) with LF: %v %v %v; with CRLF: %v %v %v", data, rows, hasCustomer, err, rows2, hasCustomer2, err2)
			}
		}
	})
}

func checkImportParse(t *testing.T, data []byte, kind string, rows []csvRow, hasCustomer bool, err error) {
	t.Helper()
	content := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err != nil {
		var fe *fileError
		if !errors.As(err, &fe) {
			t.Fatalf("parseImportCSV(%q, %s): error %T %v, want a *fileError", data, kind, err, err)
		}
		if rows != nil || hasCustomer {
			t.Fatalf("parseImportCSV(%q, %s): rows %v (customer %v) with the error %v", data, kind, rows, hasCustomer, err)
		}
		if fe.msg == "" || !fuzzIsText(fe.msg) {
			t.Fatalf("parseImportCSV(%q, %s): the message %q is not text for the page", data, kind, fe.msg)
		}
		return
	}
	if !fuzzIsText(string(content)) {
		t.Fatalf("parseImportCSV(%q, %s) accepted a file that is not text (%d rows)", data, kind, len(rows))
	}
	if len(rows) == 0 || len(rows) > MaxImportRows {
		t.Fatalf("parseImportCSV(%q, %s) = %d rows", data, kind, len(rows))
	}
	last := 1 // the header's line, at least
	for _, r := range rows {
		if r.line <= last {
			t.Fatalf("parseImportCSV(%q, %s): row at line %d after line %d", data, kind, r.line, last)
		}
		last = r.line
		for _, v := range []string{r.email, r.first, r.last, r.typ, r.action, r.customerID} {
			if !fuzzIsText(v) {
				t.Fatalf("parseImportCSV(%q, %s): line %d holds %q, not text", data, kind, r.line, v)
			}
			if strings.TrimSpace(v) != v {
				t.Fatalf("parseImportCSV(%q, %s): line %d holds %q, not trimmed", data, kind, r.line, v)
			}
		}
		if !hasCustomer && r.customerID != "" {
			t.Fatalf("parseImportCSV(%q, %s): customer %q without a customer column", data, kind, r.customerID)
		}
	}
	if last > bytes.Count(content, []byte("\n"))+bytes.Count(content, []byte("\r"))+1 {
		t.Fatalf("parseImportCSV(%q, %s): line %d beyond the file", data, kind, last)
	}
}

// FuzzParseImportType: a type is 1, 2 or 4 (or 99 with ssoCreate) with no message, or 0 with a
// message that is text; the words mean their numbers; anything else reads as checkType does.
func FuzzParseImportType(f *testing.F) {
	for _, s := range []string{"1", "2", "4", "99", " 2 ", "basic", "Licensed", "PRO", "paid", "unassigned", "none", "3", "0", "-1",
		"+2", "02", "2.0", "1e0", "99999999999999999999", "", "\x00", "\xff", "lícensed"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(2))
	}
	actions := []string{zoom.ActionCreate, zoom.ActionCustCreate, zoom.ActionSSOCreate, zoom.ActionAutoCreate}
	f.Fuzz(func(t *testing.T, s string, actionSel uint8) {
		action := actions[int(actionSel)%len(actions)]
		typ, msg := parseImportType(s, action)
		if msg != "" {
			if typ != 0 || !fuzzIsText(msg) {
				t.Fatalf("parseImportType(%q, %s) = %d, %q", s, action, typ, msg)
			}
		} else {
			switch typ {
			case zoom.UserBasic, zoom.UserLicensed, zoom.UserUnassigned:
			case zoom.UserNone:
				if action != zoom.ActionSSOCreate {
					t.Fatalf("parseImportType(%q, %s) = 99 without ssoCreate", s, action)
				}
			default:
				t.Fatalf("parseImportType(%q, %s) = %d", s, action, typ)
			}
		}
		words := map[string]int{"basic": 1, "licensed": 2, "pro": 2, "paid": 2, "unassigned": 4, "none": 99}
		if n, ok := words[strings.ToLower(strings.TrimSpace(s))]; ok {
			if want, wantMsg := checkType(strconv.Itoa(n), action); typ != want || msg != wantMsg {
				t.Fatalf("parseImportType(%q, %s) = %d, %q; want %d, %q", s, action, typ, msg, want, wantMsg)
			}
		} else if want, wantMsg := checkType(s, action); typ != want || msg != wantMsg {
			t.Fatalf("parseImportType(%q, %s) = %d, %q; checkType says %d, %q", s, action, typ, msg, want, wantMsg)
		}
	})
}

// FuzzParseImportAction: an action is create, custCreate or ssoCreate, matching the cell
// (case and spaces aside), with no message; anything else (autoCreate included) is refused
// with a message that is text, whatever the cell held.
func FuzzParseImportAction(f *testing.F) {
	for _, s := range []string{"create", " Create ", "CUSTCREATE", "ssoCreate", "autoCreate", "AutoCreate ", "", "creat", "create\x00",
		"\xff", "crea\u200bte", "ſsoCreate", "\"create\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, msg := parseImportAction(s)
		switch a {
		case zoom.ActionCreate, zoom.ActionCustCreate, zoom.ActionSSOCreate:
			if msg != "" || !strings.EqualFold(strings.TrimSpace(s), a) {
				t.Fatalf("parseImportAction(%q) = %q, %q", s, a, msg)
			}
		case "":
			if msg == "" || !fuzzIsText(msg) {
				t.Fatalf("parseImportAction(%q) refused with the message %q", s, msg)
			}
		default:
			t.Fatalf("parseImportAction(%q) = %q", s, a)
		}
	})
}
