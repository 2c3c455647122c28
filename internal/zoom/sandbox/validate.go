package sandbox

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Words a name may not contain (code 300 "...contains an invalid word"). The sandbox uses
// obvious test words so tests and trainees can trigger the error on purpose.
var invalidWords = []string{"badword", "profanity"}

// blockedDomains are email domains Zoom refuses (code 1107 "Email domain is blocked").
var blockedDomains = []string{"blocked.example", "mailinator.com"}

// validEmail reports whether s is a plain address.
func validEmail(s string) bool {
	if s == "" || strings.ContainsAny(s, " <>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@")+1:], ".")
}

// emailDomain returns the lower-case domain of an address.
func emailDomain(email string) string {
	return strings.ToLower(email[strings.LastIndex(email, "@")+1:])
}

// domainBlocked reports whether the email's domain is blocked.
func domainBlocked(email string) bool {
	d := emailDomain(email)
	for _, b := range blockedDomains {
		if d == b {
			return true
		}
	}
	return false
}

// invalidWord returns the first invalid word found in any of names, or "".
func invalidWord(names ...string) string {
	for _, n := range names {
		l := strings.ToLower(n)
		for _, w := range invalidWords {
			if strings.Contains(l, w) {
				return n
			}
		}
	}
	return ""
}

// tooLong reports whether s has more than n characters.
func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// passwordRun reports a run of 6 identical characters ("repeated") or of 6 consecutive
// ones like "abcdef" or "123456" ("consecutive"), or "".
func passwordRun(p string) string {
	rs := []rune(p)
	same, up, down := 1, 1, 1
	for i := 1; i < len(rs); i++ {
		same, up, down = next(rs[i] == rs[i-1], same), next(rs[i] == rs[i-1]+1, up), next(rs[i] == rs[i-1]-1, down)
		if same >= 6 {
			return "repeated"
		}
		if up >= 6 || down >= 6 {
			return "consecutive"
		}
	}
	return ""
}

func next(cont bool, n int) int {
	if cont {
		return n + 1
	}
	return 1
}

// validDomain reports whether s looks like a DNS domain.
func validDomain(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}
