package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
)

// fuzzFormRequest is a POST of a urlencoded form with the given body, as a browser sends it.
func fuzzFormRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/form", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// fuzzFormBody encodes a form of fuzzed fields (keys first, then values), plus raw, a body as
// typed by anyone (percent escapes can spell any byte).
func fuzzFormBody(raw string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	enc := v.Encode()
	if raw == "" {
		return enc
	}
	if enc == "" {
		return raw
	}
	return enc + "&" + raw
}

// fuzzOnlyFields fails when errs names a field that is not one of fields, or a message that is not text.
func fuzzOnlyFields(t *testing.T, what string, errs map[string]string, fields ...string) {
	t.Helper()
	for k, msg := range errs {
		known := false
		for _, f := range fields {
			known = known || k == f
		}
		if !known || msg == "" || !fuzzIsText(msg) {
			t.Fatalf("%s: error %q on %q, not a field of the form (%v)", what, msg, k, fields)
		}
	}
}

// FuzzPlanForm: the plan form's errors name its fields (type, hosts); an accepted order is of a
// base plan of the catalogue (as Zoom writes its code), with hosts as typed, within the plan's
// range and 1 to 99,999.
func FuzzPlanForm(f *testing.F) {
	f.Add("business_annual", "10", "")
	f.Add("business_annual", "5", "")
	f.Add("business", "5", "")
	f.Add("BUSINESS_MONTHLY", "49", "")
	f.Add("large500_monthly", "1", "")
	f.Add(" pro_monthly ", " 1 ", "")
	f.Add("", "0", "")
	f.Add(strings.Repeat("é", 64), "99999", "")
	f.Add(strings.Repeat("é", 65), "100000", "")
	f.Add("x", "-1", "")
	f.Add("x", "+5", "")
	f.Add("x", "1e3", "")
	f.Add("x", "99999999999999999999", "")
	f.Add("x", "0x10", "")
	f.Add("a\x00", "\xff", "type=other&hosts=2")
	f.Add("", "", "type=%00&hosts=%FF&type=x")
	f.Fuzz(func(t *testing.T, typ, hosts, raw string) {
		r := fuzzFormRequest(fuzzFormBody(raw, "type", typ, "hosts", hosts))
		order, form, errs := planForm(r, true)
		what := "planForm(" + strconv.Quote(typ) + ", " + strconv.Quote(hosts) + ", " + strconv.Quote(raw) + ")"
		if len(form) != 2 || form["type"] != strings.TrimSpace(r.PostFormValue("type")) || form["hosts"] != strings.TrimSpace(r.PostFormValue("hosts")) {
			t.Fatalf("%s: form %q", what, form)
		}
		fuzzOnlyFields(t, what, errs, "type", "hosts")
		plan, known := catalogue.Lookup(order.Type)
		if _, bad := errs["type"]; !bad {
			if !known || !plan.Base() || order.Type != plan.Code || !strings.EqualFold(order.Type, form["type"]) {
				t.Fatalf("%s accepted the plan code %q", what, order.Type)
			}
		}
		if _, bad := errs["hosts"]; !bad {
			if n, err := strconv.Atoi(form["hosts"]); err != nil || n != order.Hosts || n < 1 || n > 99999 {
				t.Fatalf("%s accepted %d hosts", what, order.Hosts)
			}
		}
		if len(errs) == 0 && plan.CheckHosts(order.Hosts) != "" {
			t.Fatalf("%s accepted %d hosts of %s", what, order.Hosts, plan.Code)
		}
	})
}

// FuzzCheckContact: a billing contact's errors name its fields; an accepted contact has every
// field, of at most 128 characters, an email Zoom takes and a two-letter country code.
func FuzzCheckContact(f *testing.F) {
	full := "first_name=Ada&last_name=Lovelace&phone_number=%2B44+20&address=1+Main+St&city=London&state=LDN&zip=N1"
	f.Add(full, "ada@example.com", "GB")
	f.Add(full, "ada@example.com", "gb")
	f.Add(full, "ada@example.com", "G")
	f.Add(full, "ada@example.com", "ÉÉ")
	f.Add(full, "ada@example", "GB")
	f.Add("", "", "")
	f.Add(full+"&city=%20%20", "ada@example.com", " GB ")
	f.Add(full+"&zip="+strings.Repeat("9", 129), "ada@example.com", "GB")
	f.Fuzz(func(t *testing.T, raw, email, country string) {
		q, _ := url.ParseQuery(raw)
		ct := map[string]string{"email": email, "country": country}
		for _, k := range contactFields {
			if k != "email" && k != "country" {
				ct[k] = q.Get(k)
			}
		}
		errs := checkContact(ct)
		what := "checkContact(" + strconv.Quote(raw) + ", " + strconv.Quote(email) + ", " + strconv.Quote(country) + ")"
		fuzzOnlyFields(t, what, errs, contactFields...)
		for _, k := range contactFields {
			if _, bad := errs[k]; bad {
				continue
			}
			v := strings.TrimSpace(ct[k])
			if v == "" || utf8.RuneCountInString(v) > 128 {
				t.Fatalf("%s accepted %s %q", what, k, ct[k])
			}
			if k == "email" && checkEmail(v) != "" {
				t.Fatalf("%s accepted the email %q", what, v)
			}
			if k == "country" && (len(v) != 2 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "") {
				t.Fatalf("%s accepted the country %q", what, v)
			}
		}
	})
}

// FuzzTemplateFromForm: a template form's errors name settings of Zoom's catalogue; it holds a
// setting exactly for each one given a value of the catalogue's type (and enum), as that value,
// a lock exactly for each "locked"/"unlocked" of a setting Zoom can lock, and a value Zoom
// would not take, a lock Zoom does not have or an unknown lock value is an error on its row.
func FuzzTemplateFromForm(f *testing.F) {
	f.Add("name=Standard&set.meeting_security.waiting_room=true&lock.meeting_security.waiting_room=locked&set.recording.auto_recording=cloud")
	f.Add("name=&set.in_meeting.who_can_share_screen=all&lock.in_meeting.who_can_share_screen=unlocked")
	f.Add("set.in_meeting.chat=yes")
	f.Add("set.recording.auto_recording=true")
	f.Add("set.in_meeting.chat=TRUE&lock.in_meeting.chat=LOCKED")
	f.Add("set.in_meeting.chat=&lock.in_meeting.chat=locked")
	f.Add("name=%00&set.x.y=true&lock.in_meeting.chat=locked&lock.in_meeting.chat=unlocked")
	f.Add("name=%FF%FE&set.in_meeting.chat=true&set.in_meeting.chat=false")
	f.Add("set.in_meeting.chat=true;lock.in_meeting.chat=locked")
	f.Add("set.security.password_requirement.minimum_password_length=8&set.chat.share_files.restrictions.file_type_restrictions=.zip,%20.pdf")
	f.Add("set.chat.share_files.restrictions.file_size_restrictions=75&set.schedule_meeting.jbh_time=abc")
	f.Fuzz(func(t *testing.T, body string) {
		r := fuzzFormRequest(body)
		settings, locks, errs := templateFromCatalogueForm(r.PostForm)
		what := "templateFromCatalogueForm(" + strconv.Quote(body) + ")"
		for k, msg := range errs {
			if _, ok := accountCatalogue.field(k); (!ok && k != "") || msg == "" || !fuzzIsText(msg) {
				t.Fatalf("%s: error %q on %q, not a setting", what, msg, k)
			}
		}
		tpl := templateMap(store.SettingsTemplate{Settings: settings})
		invalid := false
		for _, f := range accountCatalogue.fields {
			raw := strings.TrimSpace(r.PostForm.Get("set." + f.Path))
			got, has := valueAt(tpl, f.Path)
			want, msg := parseSetting(f, raw)
			switch {
			case !f.Editable || raw == "":
				if has {
					t.Fatalf("%s: %s set to %v without a value", what, f.Path, got)
				}
			case msg != "":
				invalid = true
				if errs[f.Path] != msg || has {
					t.Fatalf("%s: %s from %q: error %q, set %v; want the error %q", what, f.Path, raw, errs[f.Path], has, msg)
				}
			case errs[f.Path] != "":
				invalid = true // Zoom's own check of the whole body refused it
			case !has || formValue(f, got) != formValue(f, want):
				t.Fatalf("%s: %s = %v, sent %q", what, f.Path, got, raw)
			}
			sec, rest, _ := strings.Cut(f.Path, ".")
			lock, locked := locks[sec][rest]
			switch l := r.PostForm.Get("lock." + f.Path); {
			case l == "":
				if locked {
					t.Fatalf("%s: lock of %s = %v, none sent", what, f.Path, lock)
				}
			case (l == "locked" || l == "unlocked") && f.Lockable:
				if !locked || lock != (l == "locked") {
					t.Fatalf("%s: lock of %s = %v, sent %q", what, f.Path, lock, l)
				}
			default:
				invalid = true // no lock in Zoom, or not a lock's value
				if locked || errs[f.Path] == "" {
					t.Fatalf("%s: lock of %s = %v (error %q) from %q", what, f.Path, lock, errs[f.Path], l)
				}
			}
		}
		if invalid != (len(errs) > 0) {
			t.Fatalf("%s: errors %q, an invalid value: %v", what, errs, invalid)
		}
	})
}

// FuzzValidateNewUser: the add-user form's errors name its fields; an accepted user has a
// known action, an email Zoom takes, names of at most 64 characters, a type of 1, 2 or 4 (99
// with ssoCreate) returned as such, and a password exactly with autoCreate, one Zoom takes.
func FuzzValidateNewUser(f *testing.F) {
	f.Add("create", "ada@example.com", "Ada", "Lovelace", "1", "")
	f.Add("autoCreate", "ada@example.com", "Ada", "Lovelace", "2", "Secr3tPass")
	f.Add("autoCreate", "ada@example.com", "Ada", "Lovelace", "2", "")
	f.Add("autoCreate", "ada@example.com", "Ada", "Lovelace", "2", "abcdefG1")
	f.Add("ssoCreate", "ada@example.com", "", "", "99", "")
	f.Add("create", "ada@example.com", "", "", "99", "")
	f.Add("custCreate", "ada@example.com", strings.Repeat("é", 65), "", "4", "x")
	f.Add("Create", "Ada <ada@example.com>", "A\x00", "\xff", " 1 ", "")
	f.Add("", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, action, email, first, last, typ, password string) {
		// As createUser reads the form.
		in := newUserForm{Action: action, Email: strings.TrimSpace(email), FirstName: strings.TrimSpace(first),
			LastName: strings.TrimSpace(last), Type: typ, Password: password}
		got, errs := validateNewUser(in)
		what := "validateNewUser(" + strconv.Quote(action) + ", " + strconv.Quote(email) + ", ...)"
		fuzzOnlyFields(t, what, errs, "action", "email", "first_name", "last_name", "type", "password")
		if _, bad := errs["action"]; !bad && action != zoom.ActionCreate && action != zoom.ActionAutoCreate && action != zoom.ActionCustCreate && action != zoom.ActionSSOCreate {
			t.Fatalf("%s accepted the action", what)
		}
		if _, bad := errs["email"]; !bad && checkEmail(in.Email) != "" {
			t.Fatalf("%s accepted the email %q", what, in.Email)
		}
		if _, bad := errs["first_name"]; !bad && utf8.RuneCountInString(in.FirstName) > 64 {
			t.Fatalf("%s accepted the first name %q", what, in.FirstName)
		}
		if _, bad := errs["last_name"]; !bad && utf8.RuneCountInString(in.LastName) > 64 {
			t.Fatalf("%s accepted the last name %q", what, in.LastName)
		}
		if _, bad := errs["type"]; !bad {
			n, err := strconv.Atoi(strings.TrimSpace(typ))
			ok := err == nil && n == got && (n == 1 || n == 2 || n == 4 || n == 99 && action == zoom.ActionSSOCreate)
			if !ok {
				t.Fatalf("%s accepted the type %q as %d", what, typ, got)
			}
		}
		if _, bad := errs["password"]; !bad {
			if action == zoom.ActionAutoCreate && passwordProblem(password) != "" || action != zoom.ActionAutoCreate && password != "" {
				t.Fatalf("%s accepted the password %q", what, password)
			}
		}
	})
}

// FuzzValidateNewCustomer: the quick new-customer form's errors name its fields; an accepted
// customer has an owner with first and last names of 1 to 64 characters, an email Zoom takes,
// an account name of at most 64 characters, a known pay mode and a password Zoom takes.
func FuzzValidateNewCustomer(f *testing.F) {
	f.Add("Acme", "Ada", "Lovelace", "ada@example.com", "master", "Secr3tPass")
	f.Add("", "Ada", "Lovelace", "ada@example.com", "sub", "Secr3tPass")
	f.Add(strings.Repeat("é", 65), "", strings.Repeat("x", 65), "ada@", "both", "short")
	f.Add("A\x00", "\xff", "B", "ada@example.com", "master", "aaaaaaA1")
	f.Fuzz(func(t *testing.T, account, first, last, email, payMode, password string) {
		form := map[string]string{"account_name": account, "first_name": first, "last_name": last, "email": email, "pay_mode": payMode}
		for k, v := range form {
			form[k] = strings.TrimSpace(v) // as createCustomer reads the form
		}
		errs := validateNewCustomer(form, password)
		what := "validateNewCustomer(" + strconv.Quote(account) + ", " + strconv.Quote(first) + ", ...)"
		fuzzOnlyFields(t, what, errs, "account_name", "first_name", "last_name", "email", "pay_mode", "password")
		for _, k := range []string{"first_name", "last_name"} {
			if _, bad := errs[k]; !bad {
				if n := utf8.RuneCountInString(form[k]); n < 1 || n > 64 {
					t.Fatalf("%s accepted %s %q", what, k, form[k])
				}
			}
		}
		if _, bad := errs["account_name"]; !bad && utf8.RuneCountInString(form["account_name"]) > 64 {
			t.Fatalf("%s accepted the account name %q", what, form["account_name"])
		}
		if _, bad := errs["email"]; !bad && checkEmail(form["email"]) != "" {
			t.Fatalf("%s accepted the email %q", what, form["email"])
		}
		if _, bad := errs["pay_mode"]; !bad && form["pay_mode"] != zoom.PayModeMaster && form["pay_mode"] != zoom.PayModeSub {
			t.Fatalf("%s accepted the pay mode %q", what, form["pay_mode"])
		}
		if _, bad := errs["password"]; !bad && passwordProblem(password) != "" {
			t.Fatalf("%s accepted the password %q", what, password)
		}
	})
}

// FuzzPasswordProblem: passwordProblem accepts exactly Zoom's rule as written out here: 8 to 32
// characters, an upper- and a lower-case ASCII letter and a digit, and no run of 6 repeated,
// ascending or descending characters.
func FuzzPasswordProblem(f *testing.F) {
	for _, s := range []string{"Secr3tPass", "abcdefG1", "aaaaaaB1", "Abcde1fg", "fedcbaZ1", "654321aB", "Aa1", "Aa1" + strings.Repeat("x", 30),
		"Aa1aaaaa", "ÄäÖö1234Aa", "Aa1\x00\x00\x00\x00\x00", "Aa1\xff\xff\xff\xff\xff\xff", "Aa1!\"#$%&", "Aa1" + strings.Repeat("é", 29), "Aa1" + strings.Repeat("é", 30)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		rs := []rune(p)
		ok := len(rs) >= 8 && len(rs) <= 32 && strings.ContainsAny(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
			strings.ContainsAny(p, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(p, "0123456789")
		for i := 0; ok && i+passwordRun <= len(rs); i++ {
			same, up, down := true, true, true
			for j := i + 1; j < i+passwordRun; j++ {
				same = same && rs[j] == rs[j-1]
				up = up && rs[j] == rs[j-1]+1
				down = down && rs[j] == rs[j-1]-1
			}
			ok = !same && !up && !down
		}
		if msg := passwordProblem(p); (msg == "") != ok {
			t.Fatalf("passwordProblem(%q) = %q; Zoom's rule says acceptable: %v", p, msg, ok)
		}
	})
}

// FuzzCheckEmail: an email checkEmail takes is text of at most 128 characters with one '@',
// no space or control character, a dotted domain, and is its own address as net/mail reads it.
func FuzzCheckEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "Ada.Lovelace+tag@sub.example.co.uk", "ada@example", "ada@localhost.", "@example.com", "ada@",
		"Ada <ada@example.com>", "\"a b\"@example.com", "a@[1.2.3.4]", "a@[IPv6:::1]", "zoë@exämple.com", "a\x00@example.com", "\xff@example.com",
		"a@@example.com", "a@example.com\n", " a@example.com", strings.Repeat("a", 117) + "@example.com", strings.Repeat("a", 118) + "@example.com",
		"a(comment)@example.com", "a@example.com (Ada)", "a.@example.com", ".a@example.com", "a..b@example.com", "a@-example.com", "a@example..com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, email string) {
		if checkEmail(email) != "" {
			return
		}
		if !fuzzIsText(email) || utf8.RuneCountInString(email) > 128 || strings.Count(email, "@") != 1 {
			t.Fatalf("checkEmail accepted %q", email)
		}
		if strings.ContainsFunc(email, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			t.Fatalf("checkEmail accepted %q, with a space or control character", email)
		}
		if !strings.Contains(email[strings.Index(email, "@")+1:], ".") {
			t.Fatalf("checkEmail accepted %q, without a dotted domain", email)
		}
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			t.Fatalf("checkEmail accepted %q, which net/mail reads as %v, %v", email, a, err)
		}
	})
}

// FuzzParseForm: parseForm either reads the form, to exactly what url.ParseQuery reads from
// the body, or returns a *pageError: 413 for a body over the request's limit, else 400.
func FuzzParseForm(f *testing.F) {
	f.Add("a=1&b=2", uint16(0))
	f.Add("a=1&b=2", uint16(3))
	f.Add("a=%zz", uint16(0))
	f.Add("a=1;b=2", uint16(0))
	f.Add("a=%00&%FF=1&a=2", uint16(0))
	f.Add("=&&=x&+=%20", uint16(0))
	f.Add(strings.Repeat("a=1&", 100), uint16(50))
	f.Fuzz(func(t *testing.T, body string, limit uint16) {
		r := fuzzFormRequest(body)
		max := int64(1 << 20)
		if limit > 0 {
			max = int64(limit)
		}
		rec := httptest.NewRecorder()
		r.Body = http.MaxBytesReader(rec, r.Body, max)
		err := parseForm(r)
		if err == nil {
			want, qerr := url.ParseQuery(body)
			if qerr != nil || int64(len(body)) > max || !reflect.DeepEqual(r.PostForm, want) {
				t.Fatalf("parseForm(%q, limit %d) read %q; ParseQuery: %q, %v", body, max, r.PostForm, want, qerr)
			}
			return
		}
		var pe *pageError
		if !errors.As(err, &pe) {
			t.Fatalf("parseForm(%q): %T %v, want a *pageError", body, err, err)
		}
		if want := http.StatusBadRequest; int64(len(body)) > max {
			if pe.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("parseForm(%q, limit %d) = %d, want 413", body, max, pe.status)
			}
		} else if pe.status != want {
			t.Fatalf("parseForm(%q, limit %d) = %d %v, want %d", body, max, pe.status, err, want)
		}
	})
}

// FuzzFindBadInput: the edge's judge (refuseBadInput) lets a request through exactly when its
// path, query and form (urlencoded or multipart: fields and file names) are text, and when it
// refuses one, names a piece that is not text. What it lets through is therefore all the form
// decoders above ever see.
func FuzzFindBadInput(f *testing.F) {
	f.Add("/customers/abc/users", "q=ada", uint8(0), "name=Ada&email=a%40example.com", "", "")
	f.Add("/customers/a\x00c/users", "", uint8(0), "", "", "")
	f.Add("/search", "q=%00", uint8(0), "", "", "")
	f.Add("/search", "%FF=1", uint8(0), "", "", "")
	f.Add("/form", "", uint8(0), "first_name=A%00", "", "")
	f.Add("/form", "", uint8(0), "first_name=%C3", "", "")
	f.Add("/form", "", uint8(0), "a=%zz&b=%00", "", "")
	f.Add("/form", "", uint8(1), "", "users", "a@example.com,Zoë\x00")
	f.Add("/form", "", uint8(2), "", "file", "users\xff.csv")
	f.Add("/form", "", uint8(2), "", "fi\x00le", "users.csv")
	f.Fuzz(func(t *testing.T, path, query string, mode uint8, body, key, value string) {
		h := &Handlers{mux: chi.NewMux()}
		var rbody io.Reader = strings.NewReader(body)
		ct := "application/x-www-form-urlencoded"
		if mode%3 != 0 {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			if mode%3 == 1 {
				_ = mw.WriteField(key, value)
			} else {
				fw, _ := mw.CreateFormFile(key, value)
				_, _ = fw.Write([]byte("email\na@example.com\n"))
			}
			_ = mw.Close()
			rbody, ct = &b, mw.FormDataContentType()
		}
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: path, RawQuery: query}, Header: http.Header{"Content-Type": {ct}},
			Body: io.NopCloser(rbody), Host: "portal.example"}
		r = r.WithContext(t.Context())
		bad, _, unreadable := h.findBadInput(r)

		textual := fuzzIsText(path)
		form := r.URL.Query()
		if unreadable != nil { // a form that does not read at all: parseForm's page
			_, berr := url.ParseQuery(body)
			_, qerr := url.ParseQuery(query) // ParseForm reads the query too
			if mode%3 != 0 || berr == nil && qerr == nil {
				t.Fatalf("findBadInput(%q, %q, mode %d, %q) refused a readable form as unreadable: %v", path, query, mode%3, body, unreadable)
			}
			return
		}
		if mode%3 == 0 {
			pf, err := url.ParseQuery(body)
			if err != nil && bad == nil {
				return // an unreadable form left to its handler, which refuses it
			}
			for k, vs := range pf {
				form[k] = append(form[k], vs...)
			}
		} else {
			if r.MultipartForm == nil {
				if bad == nil && fuzzIsText(path) {
					return // idem, for a multipart body that does not read
				}
			} else {
				for k, vs := range r.MultipartForm.Value {
					form[k] = append(form[k], vs...)
				}
				for k, fhs := range r.MultipartForm.File {
					for _, fh := range fhs {
						form[k] = append(form[k], fh.Filename)
					}
				}
			}
		}
		for k, vs := range form {
			textual = textual && fuzzIsText(k)
			for _, v := range vs {
				textual = textual && fuzzIsText(v)
			}
		}
		if (bad == nil) != textual {
			t.Fatalf("findBadInput(%q, %q, mode %d, %q, %q, %q) = %+v; text throughout: %v", path, query, mode%3, body, key, value, bad, textual)
		}
		if bad != nil && fuzzIsText(bad.value) && fuzzIsText(bad.field) {
			t.Fatalf("findBadInput(%q, %q, ...) refused %+v, which is text", path, query, bad)
		}
	})
}
