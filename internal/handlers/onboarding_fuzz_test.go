package handlers

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// firstUsersSeeds are users steps as typed or uploaded.
var firstUsersSeeds = []string{
	"a@example.com, Ada, Lovelace, licensed\nb@example.com,Bob,Builder",
	"email,first name,last name,type\r\na@example.com,Ada,Lovelace,2\r\nb@example.com,,,\r\n",
	"\xef\xbb\xbfE-mail;Given Name\na@example.com;Ada",
	"Surname,Email Address\nLovelace,a@example.com\nBuilder,B@Example.com\nX,b@example.com",
	"owner@example.com,Owner,Self",
	"a@example.com,\"Lovelace, Ada\",\"multi\nline\",unassigned",
	"a@example.com,\"x,\ny\",B",
	"a@example.com,A,B,none\na@example.com,A,B,99\nc@example.com,A,B,4",
	"a@example.com,A\x00,B",
	"a@example.com,\xff,B",
	"not-an-email,A,B\n\"unterminated",
	"a@example.com," + strings.Repeat("é", 65) + ",B",
	"a@example.com,A,B,basic,extra,cells",
	"\n\n  \n,,,\n",
	"a@[1.2.3.4],A,B\n\"a b\"@example.com\n<a@example.com>",
}

// FuzzCSVUpload: an uploaded users file that (after a BOM) is not UTF-8 or holds a NUL is
// refused with a message that is text; an accepted one becomes trimmed text without CRLF, and
// the users step reads it into users whose fields are text.
func FuzzCSVUpload(f *testing.F) {
	for _, s := range firstUsersSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("\xff\xfee\x00m\x00a\x00i\x00l\x00\r\x00\n\x00")) // saved as UTF-16 ("Unicode text")
	f.Add([]byte("email\r\na@example.com,Jos\xe9\r\n"))            // saved as Latin-1
	f.Fuzz(func(t *testing.T, data []byte) {
		text, fe := csvUpload(data)
		content := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if fe != nil {
			if text != "" || !fuzzIsText(fe.msg) || fe.notText == "" || fe.line < 1 {
				t.Fatalf("csvUpload(%q) = %q, %+v", data, text, fe)
			}
			return
		}
		if !fuzzIsText(string(content)) {
			t.Fatalf("csvUpload(%q) accepted a file that is not text: %q", data, text)
		}
		if strings.Contains(text, "\r\n") || strings.TrimSpace(text) != text || !fuzzIsText(text) {
			t.Fatalf("csvUpload(%q) = %q", data, text)
		}
		users, msgs := parseFirstUsers(text, "")
		checkFirstUsers(t, text, "", users, msgs)
	})
}

// FuzzParseFirstUsers: the users step never panics; every user it returns has an email Zoom
// takes (checkEmail), names of at most 64 characters, trimmed, a type of 1, 2 or 4, is not the
// owner and is listed once (case aside); from text, users and messages are text; there are at
// most MaxFirstUsers users when there is no message and at most 11 messages; and the lines a
// draft shows again (usersText, via draftForm) read back as the same users without a message.
func FuzzParseFirstUsers(f *testing.F) {
	for _, s := range firstUsersSeeds {
		f.Add(s, "owner@example.com")
	}
	f.Add("OWNER@example.com,A,B", "owner@example.com")
	f.Add("a@example.com,A,B", "")
	f.Fuzz(func(t *testing.T, text, owner string) {
		users, msgs := parseFirstUsers(text, owner)
		checkFirstUsers(t, text, owner, users, msgs)
		if len(users) > MaxFirstUsers {
			return
		}
		lines := draftForm(store.OnboardingForm{Email: owner, Users: users})["users"]
		again, msgs2 := parseFirstUsers(lines, owner)
		if len(msgs2) > 0 || len(again) != len(users) {
			t.Fatalf("parseFirstUsers(%q): users %+v are shown again as %q, which reads as %+v with %q", text, users, lines, again, msgs2)
		}
		for i := range users {
			if again[i] != users[i] {
				t.Fatalf("parseFirstUsers(%q): user %+v is shown again as %q, which reads as %+v", text, users[i], lines, again[i])
			}
		}
	})
}

func checkFirstUsers(t *testing.T, text, owner string, users []store.NewUserInput, msgs []string) {
	t.Helper()
	if len(msgs) > 11 {
		t.Fatalf("parseFirstUsers(%q): %d messages", text, len(msgs))
	}
	if len(msgs) == 0 && len(users) > MaxFirstUsers {
		t.Fatalf("parseFirstUsers(%q): %d users without a message", text, len(users))
	}
	fromText := fuzzIsText(text)
	for _, m := range msgs {
		if m == "" || fromText && !fuzzIsText(m) {
			t.Fatalf("parseFirstUsers(%q): message %q", text, m)
		}
	}
	seen := map[string]bool{}
	for _, u := range users {
		if msg := checkEmail(u.Email); msg != "" {
			t.Fatalf("parseFirstUsers(%q): user %+v: %s", text, u, msg)
		}
		for _, v := range []string{u.Email, u.FirstName, u.LastName} {
			if strings.TrimSpace(v) != v || fromText && !fuzzIsText(v) {
				t.Fatalf("parseFirstUsers(%q): user %+v holds %q", text, u, v)
			}
		}
		if utf8.RuneCountInString(u.FirstName) > 64 || utf8.RuneCountInString(u.LastName) > 64 {
			t.Fatalf("parseFirstUsers(%q): user %+v has a name over 64 characters", text, u)
		}
		if u.Type != zoom.UserBasic && u.Type != zoom.UserLicensed && u.Type != zoom.UserUnassigned {
			t.Fatalf("parseFirstUsers(%q): user %+v has type %d", text, u, u.Type)
		}
		if owner != "" && strings.EqualFold(u.Email, owner) {
			t.Fatalf("parseFirstUsers(%q): the owner %q is a first user", text, owner)
		}
		if k := strings.ToLower(u.Email); seen[k] {
			t.Fatalf("parseFirstUsers(%q): %q listed twice", text, u.Email)
		} else {
			seen[k] = true
		}
	}
}
