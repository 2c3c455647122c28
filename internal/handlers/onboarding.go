package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
	"github.com/tierdesk/tierdesk/web/templates"
)

// The onboarding wizard (/customers/new) collects a customer in steps kept as a draft in
// PostgreSQL, so that any admin of the partner can continue it; its review page lists every
// Zoom call, and starting it hands the calls to the onboarding saga (internal/jobs), whose
// progress is the job's page.

// wizardSteps are the wizard's pages, in order.
var wizardSteps = []struct{ key, label string }{
	{"customer", "Customer and owner"},
	{"options", "Pay mode and options"},
	{"plan", "Plan"},
	{"template", "Settings template"},
	{"users", "First users"},
	{"review", "Review and start"},
}

// MaxFirstUsers is the most first users the wizard takes; more belong in a bulk import.
const MaxFirstUsers = 200

// contactFields are the billing contact's fields, as Zoom names them.
var contactFields = []string{"first_name", "last_name", "email", "phone_number", "address", "city", "state", "zip", "country"}

func stepIndex(key string) int {
	return slices.IndexFunc(wizardSteps, func(s struct{ key, label string }) bool { return s.key == key })
}

// stepNeeded says whether the wizard asks step of this form: the plan only when the partner
// pays Zoom.
func stepNeeded(f store.OnboardingForm, key string) bool {
	return key != "plan" || f.PayMode != zoom.PayModeSub
}

// stepFrom is the key of the first needed step after (dir 1) or before (dir -1) the step at
// index i, staying within the wizard.
func stepFrom(f store.OnboardingForm, i, dir int) string {
	for j := i + dir; j >= 0 && j < len(wizardSteps); j += dir {
		if stepNeeded(f, wizardSteps[j].key) {
			return wizardSteps[j].key
		}
	}
	return wizardSteps[min(max(i, 0), len(wizardSteps)-1)].key
}

// onboardingStart lists the partner's drafts and offers to start a new onboarding (GET
// /customers/new, admins).
func (h *Handlers) onboardingStart(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.EditCustomer, target{Type: "onboarding"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	drafts, err := h.store.OnboardingDrafts(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	var p templates.OnboardingStartPage
	underway, err := h.store.OnboardingsUnderway(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, u := range underway {
		p.Underway = append(p.Underway, h.underwayRow(r, u, names))
	}
	for _, d := range drafts {
		name := d.Form.AccountName
		if name == "" {
			name = strings.TrimSpace(d.Form.FirstName + " " + d.Form.LastName)
		}
		if name == "" {
			name = "(not named yet)"
		}
		reached := wizardSteps[stepIndex(stepFrom(d.Form, stepIndex(d.Form.Reached), 1))].label
		p.Drafts = append(p.Drafts, templates.DraftRow{URL: paths.Draft(d.ID), DeleteURL: paths.DraftDelete(d.ID),
			Name: name, Owner: d.Form.Email, Reached: reached, By: h.staffEmail(r, d.UpdatedBy, names), UpdatedAt: d.UpdatedAt})
	}
	h.render(w, r, http.StatusOK, templates.OnboardingStart(h.chrome(r, "New customer", "customers"), p))
	return nil
}

// underwayRow describes a started, unfinished onboarding for the wizard's first page.
func (h *Handlers) underwayRow(r *http.Request, u store.OnboardingUnderway, names map[int64]string) templates.UnderwayRow {
	name := u.Form.AccountName
	if name == "" {
		name = strings.TrimSpace(u.Form.FirstName + " " + u.Form.LastName)
	}
	row := templates.UnderwayRow{URL: onboardingJobURL(u.Onboarding), Name: name, Owner: u.Form.Email, State: "Running", StateKind: "info",
		Progress: fmt.Sprintf("%d of %d steps done", u.Done, u.Total), By: h.staffEmail(r, u.UpdatedBy, names), UpdatedAt: u.UpdatedAt}
	if u.Status == store.OnboardingStopped {
		row.Stopped, row.State, row.StateKind = true, "Stopped: needs you", "bad"
		if u.FailedSeq > 0 {
			row.Where = fmt.Sprintf("Step %d, %s: %s", u.FailedSeq, stepLabels[u.FailedKind], u.FailedError)
		}
	}
	return row
}

// staffEmail names staff member id of the acting partner, caching in names.
func (h *Handlers) staffEmail(r *http.Request, id *int64, names map[int64]string) string {
	if id == nil {
		return ""
	}
	if n, ok := names[*id]; ok {
		return n
	}
	a := staffFrom(r.Context())
	s, err := h.store.StaffByID(r.Context(), a.Partner.ID, *id)
	if err == nil {
		names[*id] = s.Email
	}
	return names[*id]
}

// createDraft starts a new onboarding draft (POST /customers/new, admins).
func (h *Handlers) createDraft(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.EditCustomer, target{Type: "onboarding"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	d, err := h.store.CreateOnboardingDraft(r.Context(), a.Partner.ID, a.Staff.ID)
	if err != nil {
		return err
	}
	http.Redirect(w, r, paths.DraftStep(d.ID, "customer"), http.StatusSeeOther)
	return nil
}

// onboardingTarget loads the onboarding the URL names; unknown ids and other partners' are
// the same 404, audited as denied.
func (h *Handlers) onboardingTarget(r *http.Request, param string, action policy.Action) (store.Onboarding, error) {
	a := staffFrom(r.Context())
	id := chi.URLParam(r, param)
	o, err := h.store.OnboardingByID(r.Context(), a.Partner.ID, id)
	if err != nil {
		if errorsIsNotFound(err) {
			h.deny(r, action, target{Type: "onboarding", ID: id}, "not found or out of reach")
			return o, errNotFound
		}
		return o, err
	}
	return o, h.authorize(r, action, target{Type: "onboarding", ID: id, Label: o.Form.AccountName})
}

// draftTarget loads a draft the URL names; one that was started meanwhile sends the browser
// to its progress page.
func (h *Handlers) draftTarget(w http.ResponseWriter, r *http.Request) (store.Onboarding, bool, error) {
	o, err := h.onboardingTarget(r, "draftId", policy.EditCustomer)
	if err != nil {
		return o, false, err
	}
	if o.Status != store.OnboardingDraft {
		h.flash(r.Context(), "info", "This onboarding was started (perhaps by another admin): here is its progress.")
		http.Redirect(w, r, onboardingJobURL(o), http.StatusSeeOther)
		return o, false, nil
	}
	return o, true, nil
}

func onboardingJobURL(o store.Onboarding) string {
	if o.JobID == nil {
		return "/customers/new"
	}
	return paths.Job(*o.JobID)
}

// continueDraft opens a draft at the first step not yet saved (GET /customers/new/{draftId}).
func (h *Handlers) continueDraft(w http.ResponseWriter, r *http.Request) error {
	o, ok, err := h.draftTarget(w, r)
	if err != nil || !ok {
		return err
	}
	http.Redirect(w, r, paths.DraftStep(o.ID, stepFrom(o.Form, stepIndex(o.Form.Reached), 1)), http.StatusSeeOther)
	return nil
}

// deleteDraft deletes a draft that was never started (POST /customers/new/{draftId}/delete).
func (h *Handlers) deleteDraft(w http.ResponseWriter, r *http.Request) error {
	o, ok, err := h.draftTarget(w, r)
	if err != nil || !ok {
		return err
	}
	a := staffFrom(r.Context())
	if err := h.store.DeleteOnboardingDraft(r.Context(), a.Partner.ID, o.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	h.flash(r.Context(), "ok", "Draft deleted. Nothing had been sent to Zoom.")
	http.Redirect(w, r, "/customers/new", http.StatusSeeOther)
	return nil
}

// draftForm is a draft's form as the wizard's fields.
func draftForm(f store.OnboardingForm) map[string]string {
	m := map[string]string{"account_name": f.AccountName, "first_name": f.FirstName, "last_name": f.LastName, "email": f.Email,
		"pay_mode": f.PayMode, "plan": "none"}
	if f.AutoRenew {
		m["billing_auto_renew"] = "1"
	}
	if f.Plan != nil {
		m["plan"], m["type"], m["hosts"] = "subscribe", f.Plan.Type, strconv.Itoa(f.Plan.Hosts)
		for _, k := range contactFields {
			m["contact_"+k] = f.Plan.Contact[k]
		}
	}
	if f.TemplateID != 0 {
		m["template_id"] = strconv.FormatInt(f.TemplateID, 10)
	}
	m["users"] = usersText(f.Users)
	return m
}

// usersText writes first users back as the lines the users step reads.
func usersText(users []store.NewUserInput) string {
	var b strings.Builder
	cw := csv.NewWriter(&b)
	for _, u := range users {
		rec := []string{u.Email, u.FirstName, u.LastName}
		if typ := map[int]string{zoom.UserLicensed: "licensed", zoom.UserUnassigned: "unassigned"}[u.Type]; typ != "" {
			rec = append(rec, typ) // basic, the default, is left out
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// wizardPage shows one step of a draft (GET /customers/new/{draftId}/{step}).
func (h *Handlers) wizardPage(w http.ResponseWriter, r *http.Request) error {
	step := chi.URLParam(r, "step")
	if stepIndex(step) < 0 {
		return errNotFound
	}
	o, ok, err := h.draftTarget(w, r)
	if err != nil || !ok {
		return err
	}
	return h.renderWizard(w, r, http.StatusOK, o, step, draftForm(o.Form), nil)
}

// renderWizard shows step of draft o with form (the saved draft, or what was just sent with
// its errors).
func (h *Handlers) renderWizard(w http.ResponseWriter, r *http.Request, status int, o store.Onboarding, step string, form, errs map[string]string) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	p := templates.WizardPage{ID: o.ID, Step: step, Action: paths.DraftStep(o.ID, step), Form: form, Errors: errs, UpdatedAt: o.UpdatedAt,
		UpdatedBy: h.staffEmail(r, o.UpdatedBy, map[int64]string{})}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	reached := stepIndex(o.Form.Reached)
	cur := stepIndex(step)
	for i, s := range wizardSteps {
		ws := templates.WizardStep{Key: s.key, Label: s.label, URL: paths.DraftStep(o.ID, s.key), Current: s.key == step, Done: i <= reached}
		if !stepNeeded(o.Form, s.key) {
			ws.Disabled, ws.Note = true, "not needed: the customer pays Zoom"
		}
		p.Steps = append(p.Steps, ws)
	}
	for i := cur - 1; i >= 0; i-- {
		if !p.Steps[i].Disabled {
			p.Prev = p.Steps[i].URL
			break
		}
	}
	switch step {
	case "plan":
		p.Plans = planOptions(true)
	case "template", "review":
		list, err := h.store.SettingsTemplates(ctx, a.Partner.ID)
		if err != nil {
			return err
		}
		p.Templates = append(p.Templates, templates.Option{Value: "", Label: "No template: leave Zoom's defaults", Selected: form["template_id"] == ""})
		for _, t := range list {
			id := strconv.FormatInt(t.ID, 10)
			p.Templates = append(p.Templates, templates.Option{Value: id, Label: t.Name, Selected: id == form["template_id"]})
			if id == form["template_id"] {
				p.TemplateLines = templateLines(t)
			}
		}
	}
	switch step {
	case "users":
		for _, u := range o.Form.Users { // what is saved, not what was just sent with errors
			p.Users = append(p.Users, wizardUser(u))
			if u.Type == zoom.UserLicensed {
				p.Licensed++
			}
		}
	case "review":
		if err := h.review(r, o, &p); err != nil {
			return err
		}
	}
	h.render(w, r, status, templates.Wizard(h.chrome(r, "New customer", "customers"), p))
	return nil
}

func wizardUser(u store.NewUserInput) templates.WizardUser {
	typ := map[int]string{zoom.UserLicensed: "Licensed", zoom.UserUnassigned: "Unassigned"}[u.Type]
	if typ == "" {
		typ = "Basic"
	}
	return templates.WizardUser{Email: u.Email, Name: strings.TrimSpace(u.FirstName + " " + u.LastName), Type: typ}
}

// templateLines describes what a template sets, one line a setting: "Waiting room: On
// (locked)", or "Chat: locked" for a lock alone, in Zoom's order.
func templateLines(t store.SettingsTemplate) []string {
	var lines []string
	tpl := templateMap(t)
	for _, f := range accountCatalogue.fields {
		v, set := valueAt(tpl, f.Path)
		set = set && f.Editable
		sec, rest, _ := strings.Cut(f.Path, ".")
		l, locked := t.Locks[sec][rest]
		locked = locked && f.Lockable
		switch {
		case set && locked:
			lines = append(lines, f.Label+": "+displayValue(f, formValue(f, v))+" ("+lockWord(l)+")")
		case set:
			lines = append(lines, f.Label+": "+displayValue(f, formValue(f, v)))
		case locked:
			lines = append(lines, f.Label+": "+lockWord(l))
		}
	}
	return lines
}

// saveWizardStep checks and saves one step of a draft and moves on (POST
// /customers/new/{draftId}/{step}); "back" and "leave" save too. A step with errors is shown
// again with what was typed and each problem next to its field; nothing is saved.
func (h *Handlers) saveWizardStep(w http.ResponseWriter, r *http.Request) error {
	step := chi.URLParam(r, "step")
	if stepIndex(step) < 0 || step == "review" {
		return errNotFound
	}
	var upload []byte
	var uploadName string
	status := http.StatusUnprocessableEntity // of a step with problems; 400 for a file that is not text
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return &pageError{status: http.StatusRequestEntityTooLarge, title: "File too large",
					message: "The file is larger than Tierdesk accepts here. Nothing was changed."}
			}
			return &pageError{status: http.StatusBadRequest, title: "Unreadable form", message: "Tierdesk could not read what you sent. Nothing was changed.", cause: err}
		}
		if f, hdr, err := r.FormFile("file"); err == nil {
			upload, _ = io.ReadAll(io.LimitReader(f, 1<<20))
			uploadName = hdr.Filename
			_ = f.Close()
		}
	} else if err := parseForm(r); err != nil {
		return err
	}
	o, ok, err := h.draftTarget(w, r)
	if err != nil || !ok {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	form := draftForm(o.Form)
	errs := map[string]string{}
	f := o.Form
	read := func(keys ...string) {
		for _, k := range keys {
			form[k] = strings.TrimSpace(r.PostFormValue(k))
		}
	}
	switch step {
	case "customer":
		read("account_name", "first_name", "last_name", "email")
		errs = validateOwner(form)
		if errs["email"] == "" {
			msg, err := h.ownerTaken(r, o.ID, form["email"])
			if err != nil {
				return err
			}
			if msg != "" {
				errs["email"] = msg
			}
		}
		f.AccountName, f.FirstName, f.LastName, f.Email = form["account_name"], form["first_name"], form["last_name"], form["email"]
	case "options":
		read("pay_mode", "billing_auto_renew")
		if form["pay_mode"] != zoom.PayModeMaster && form["pay_mode"] != zoom.PayModeSub {
			errs["pay_mode"] = "Choose who pays Zoom."
		}
		f.PayMode, f.AutoRenew = form["pay_mode"], form["billing_auto_renew"] == "1"
		if f.PayMode == zoom.PayModeSub {
			f.Plan = nil // a customer who pays Zoom directly buys their own plan
		}
	case "plan":
		read("plan", "type", "hosts")
		for _, k := range contactFields {
			read("contact_" + k)
		}
		f.Plan = nil
		if form["plan"] == "subscribe" {
			order, perrs := checkPlanOrder(form["type"], form["hosts"], true)
			ct := map[string]string{}
			for _, k := range contactFields {
				ct[k] = form["contact_"+k]
			}
			for k, msg := range checkContact(ct) {
				perrs["contact_"+k] = msg
			}
			maps.Copy(errs, perrs)
			f.Plan = &store.PlanChoice{Type: order.Type, Hosts: order.Hosts, Contact: ct}
		} else if form["plan"] != "none" {
			errs["plan"] = "Choose whether to subscribe a plan now."
		}
	case "template":
		read("template_id")
		f.TemplateID = 0
		if form["template_id"] != "" {
			id, err := strconv.ParseInt(form["template_id"], 10, 64)
			if err == nil {
				_, err = h.store.SettingsTemplateByID(ctx, a.Partner.ID, id)
			}
			if err != nil {
				errs["template_id"] = "This template no longer exists: choose another."
			}
			f.TemplateID = id
		}
	case "users":
		read("users")
		if len(upload) > 0 {
			text, fe := csvUpload(upload)
			if fe != nil {
				errs["file"] = fe.msg
				h.refuseFile(r, "file", uploadName, fe)
				status = http.StatusBadRequest
			} else {
				form["users"] = strings.TrimSpace(strings.TrimSpace(form["users"]) + "\n" + text)
			}
		}
		users, msgs := parseFirstUsers(form["users"], f.Email)
		if len(msgs) > 0 {
			errs["users"] = strings.Join(msgs, "\n")
		}
		if msg := licenceProblem(users, f.Plan); msg != "" && errs["users"] == "" {
			errs["users"] = msg
		}
		f.Users = users
	}
	if len(errs) > 0 {
		return h.renderWizard(w, r, status, o, step, form, errs)
	}
	if stepIndex(step) > stepIndex(f.Reached) {
		f.Reached = step
	}
	if err := h.store.SaveOnboardingDraft(ctx, a.Partner.ID, o.ID, f, a.Staff.ID); errors.Is(err, store.ErrConflict) {
		h.flash(ctx, "warn", "This onboarding was started by another admin meanwhile; your last change was not saved.")
		http.Redirect(w, r, paths.Draft(o.ID), http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	dir := 1
	switch r.PostFormValue("go") {
	case "back":
		dir = -1
	case "leave":
		h.flash(ctx, "ok", "Draft saved. Any admin can continue it from New customer.")
		http.Redirect(w, r, "/customers/new", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, paths.DraftStep(o.ID, stepFrom(f, stepIndex(step), dir)), http.StatusSeeOther)
	return nil
}

// ownerTaken says when email already owns one of the partner's customers, or another
// onboarding's; "" when it is free as far as Tierdesk knows (Zoom has the last word).
func (h *Handlers) ownerTaken(r *http.Request, draftID, email string) (string, error) {
	a := staffFrom(r.Context())
	c, err := h.store.CustomerByOwnerEmail(r.Context(), a.Partner.ID, email)
	if err == nil {
		if c.Status == store.CustomerDraft {
			return "Another onboarding already creates a customer for this owner (" + c.AccountName + ").", nil
		}
		return "This person already owns the customer " + c.AccountName + ". Zoom needs an email no Zoom user has yet.", nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	drafts, err := h.store.OnboardingDrafts(r.Context(), a.Partner.ID)
	if err != nil {
		return "", err
	}
	for _, d := range drafts {
		if d.ID != draftID && strings.EqualFold(d.Form.Email, email) {
			return "Another draft is for the same owner (" + d.Form.AccountName + "): continue that one, or delete it.", nil
		}
	}
	return "", nil
}

// licenceProblem says when more licensed users are listed than the plan has hosts.
func licenceProblem(users []store.NewUserInput, plan *store.PlanChoice) string {
	licensed := 0
	for _, u := range users {
		if u.Type == zoom.UserLicensed {
			licensed++
		}
	}
	if plan != nil && licensed > plan.Hosts {
		return fmt.Sprintf("%d users are licensed but the plan has %d hosts: make some of them basic, or raise the hosts on the plan step.", licensed, plan.Hosts)
	}
	return ""
}

// csvUpload turns an uploaded file of first users into the users step's lines; a file that is
// not text is a *fileError.
func csvUpload(data []byte) (string, *fileError) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if fe := notTextFile(data); fe != nil {
		return "", fe
	}
	return strings.TrimSpace(lineEnds.Replace(string(data))), nil
}

// lineEnds turns every line end into "\n": CRLF, and a lone CR (old Mac files; "\r\r\n" must
// not become a CRLF again).
var lineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// parseFirstUsers reads the users step: one user per line as CSV, "email, first name, last
// name, type" (type as in a bulk user file: basic, licensed, unassigned or their numbers;
// basic when left out), optionally under a header row
// naming the columns (as in a bulk user file; also where an uploaded file's lines start).
// Every problem is named with its line.
func parseFirstUsers(text, ownerEmail string) ([]store.NewUserInput, []string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord, cr.LazyQuotes, cr.TrimLeadingSpace = -1, true, true
	cols := map[string]int{"email": 0, "first_name": 1, "last_name": 2, "type": 3}
	var users []store.NewUserInput
	var msgs []string
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			msgs = append(msgs, fmt.Sprintf("Line %d is not readable: %v", line, err))
			break
		}
		// A header row may come first, or where an uploaded file's lines begin.
		if !strings.Contains(strings.Join(rec, ""), "@") {
			header := map[string]int{}
			for i, h := range rec {
				if col, ok := headerColumn(h); ok {
					header[col] = i
				}
			}
			if _, ok := header["email"]; ok {
				cols = header
				continue
			}
		}
		cell := func(col string) string {
			i, ok := cols[col]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		u := store.NewUserInput{Email: cell("email"), FirstName: cell("first_name"), LastName: cell("last_name"), Type: zoom.UserBasic}
		var problems []string
		if msg := checkEmail(u.Email); msg != "" {
			problems = append(problems, msg)
		}
		if utf8.RuneCountInString(u.FirstName) > 64 || utf8.RuneCountInString(u.LastName) > 64 {
			problems = append(problems, "names have at most 64 characters.")
		}
		if typ := cell("type"); typ != "" {
			var msg string
			if u.Type, msg = parseImportType(typ, zoom.ActionCreate); msg != "" {
				problems = append(problems, msg)
			}
		}
		key := strings.ToLower(u.Email)
		switch {
		case ownerEmail != "" && strings.EqualFold(u.Email, ownerEmail):
			problems = append(problems, "this is the owner, whom Zoom creates with the account.")
		case seen[key] != 0:
			problems = append(problems, fmt.Sprintf("listed already on line %d.", seen[key]))
		}
		if len(problems) > 0 {
			msgs = append(msgs, fmt.Sprintf("Line %d (%s): %s", line, u.Email, strings.Join(problems, " ")))
			continue
		}
		seen[key] = line
		users = append(users, u)
	}
	if len(users)+len(msgs) > MaxFirstUsers {
		msgs = append(msgs, fmt.Sprintf("At most %d first users here: add the others afterwards with a bulk user job.", MaxFirstUsers))
	}
	if len(msgs) > 10 {
		msgs = append(msgs[:10], fmt.Sprintf("… and %d more lines with problems.", len(msgs)-10))
	}
	return users, msgs
}

// review lists every call the saga will make, and what is still missing.
func (h *Handlers) review(r *http.Request, o store.Onboarding, p *templates.WizardPage) error {
	f := o.Form
	problem := func(step, text string) {
		p.Problems = append(p.Problems, templates.WizardProblem{Text: text, URL: paths.DraftStep(o.ID, step)})
	}
	if errs := validateOwner(draftForm(f)); len(errs) > 0 {
		problem("customer", "The customer and owner step is not complete.")
	} else if msg, err := h.ownerTaken(r, o.ID, f.Email); err != nil {
		return err
	} else if msg != "" {
		problem("customer", msg)
	}
	if stepIndex(f.Reached) < stepIndex("options") {
		problem("options", "Choose who pays Zoom.")
	}
	if f.TemplateID != 0 {
		if _, err := h.store.SettingsTemplateByID(r.Context(), o.PartnerID, f.TemplateID); err != nil {
			problem("template", "The chosen settings template no longer exists.")
		}
	}
	if msg := licenceProblem(f.Users, f.Plan); msg != "" {
		problem("users", msg)
	}
	paid := f.Plan != nil && f.PayMode == zoom.PayModeMaster
	if paid {
		if pr := catalogue.Check(f.Plan.Type, f.Plan.Hosts, true); pr != nil {
			problem("plan", pr.Message) // a draft saved before plans were picked from the catalogue
		}
	}
	if !paid && f.TemplateID != 0 {
		p.Warnings = append(p.Warnings, "No plan is subscribed here: Zoom lets only paid accounts change some settings, so the template step may be refused until the customer has a plan (you can then retry it).")
	}
	if !paid && slices.ContainsFunc(f.Users, func(u store.NewUserInput) bool { return u.Type == zoom.UserLicensed }) {
		p.Warnings = append(p.Warnings, "Some first users are licensed but no plan is subscribed here: Zoom refuses licensed users without licences to give.")
	}
	name := f.AccountName
	if name == "" {
		name = strings.TrimSpace(f.FirstName + " " + f.LastName)
	}
	p.Summary = []templates.Fact{{Label: "Customer", Value: name}, {Label: "Owner", Value: strings.TrimSpace(f.FirstName+" "+f.LastName) + " <" + f.Email + ">"},
		{Label: "Pays Zoom", Value: payModeLabel(f.PayMode)},
		{Label: "Auto-renew", Value: yesNo(f.AutoRenew)}}
	p.Summary = append(p.Summary, templates.Fact{Label: "Plan", Value: "none now"}, templates.Fact{Label: "Settings template", Value: "none"})
	licensed := 0
	for i, spec := range service.OnboardingSteps(f) {
		checks, sends := service.StepCalls(spec.Kind)
		c := templates.WizardCall{Step: i + 1}
		for _, call := range sends {
			c.Calls = append(c.Calls, call.String())
		}
		if len(checks) > 0 {
			c.Check = "If this step runs again, Tierdesk first looks (" + checks[0].String() + "), so it is never done twice."
		}
		switch spec.Kind {
		case service.StepCreateAccount:
			c.What = "Create the sub account “" + name + "” with its owner " + f.Email
			c.Details = []string{"first_name " + f.FirstName + ", last_name " + f.LastName + ", account_name " + name,
				"password: a strong random one Tierdesk never keeps (the owner sets their own from Zoom's email)"}
		case service.StepSetOptions:
			c.What = "Set who pays and auto-renew"
			c.Details = []string{"pay_mode " + f.PayMode + ", billing_auto_renew " + strconv.FormatBool(f.AutoRenew)}
		case service.StepSubscribePlan:
			ct := f.Plan.Contact
			c.What = fmt.Sprintf("Subscribe %s with %d hosts (Zoom bills you)", planWords(f.Plan.Type), f.Plan.Hosts)
			c.Details = []string{"billing contact " + ct["first_name"] + " " + ct["last_name"] + " <" + ct["email"] + ">, " + ct["city"] + " " + strings.ToUpper(ct["country"])}
			p.Summary[4].Value = fmt.Sprintf("%s, %d hosts", planWords(f.Plan.Type), f.Plan.Hosts)
		case service.StepApplyTemplate:
			t, err := h.store.SettingsTemplateByID(r.Context(), o.PartnerID, f.TemplateID)
			if err != nil {
				continue // a problem above already says so
			}
			c.What = "Apply the settings template “" + t.Name + "”"
			c.Details = templateLines(t)
			p.Summary[5].Value = t.Name
		case service.StepCreateUser:
			u := f.Users[len(p.UserCalls)]
			wu := wizardUser(u)
			if u.Type == zoom.UserLicensed {
				licensed++
			}
			c.What = "Create " + wu.Type + " user " + u.Email
			c.Details = []string{"action create, first_name " + u.FirstName + ", last_name " + u.LastName + ": Zoom emails them an invitation"}
			p.UserCalls = append(p.UserCalls, c)
			continue
		}
		p.Calls = append(p.Calls, c)
	}
	if n := len(p.UserCalls); n > 0 {
		p.UsersLine = fmt.Sprintf("Steps %d–%d: create %d users (%d licensed), one step each", p.UserCalls[0].Step, p.UserCalls[n-1].Step, n, licensed)
	}
	p.Summary = append(p.Summary, templates.Fact{Label: "First users", Value: strconv.Itoa(len(f.Users))})
	return nil
}

// planWords names a plan code with its code: "Business, annual (business_annual)".
func planWords(code string) string {
	if name := catalogue.Name(code); name != code {
		return name + " (" + code + ")"
	}
	return code
}

// startOnboarding starts a draft's saga (POST /customers/new/{draftId}/start): the customer
// is recorded as a draft, every step is recorded, and the first step is queued, all at once;
// the browser goes to the live progress page.
func (h *Handlers) startOnboarding(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	o, ok, err := h.draftTarget(w, r)
	if err != nil || !ok {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	var p templates.WizardPage
	if err := h.review(r, o, &p); err != nil {
		return err
	}
	errs := map[string]string{}
	if len(p.Problems) > 0 {
		errs["_"] = "Some steps are not complete: fix them first. Nothing was sent to Zoom."
	}
	if len(errs) > 0 {
		return h.renderWizard(w, r, http.StatusUnprocessableEntity, o, "review", draftForm(o.Form), errs)
	}
	// The steps run in the background with the partner's app or an owner's or admin's grant.
	if _, err := h.zoomReader(r); errors.Is(err, store.ErrNoGrant) {
		errs["_"] = "Tierdesk has no way to reach Zoom for this partner: connect the Server-to-Server app (Settings) or have an owner or admin sign in with Zoom. Nothing was sent."
		return h.renderWizard(w, r, http.StatusUnprocessableEntity, o, "review", draftForm(o.Form), errs)
	} else if err != nil {
		return err
	}
	started, err := h.store.StartOnboarding(ctx, a.Partner.ID, o.ID, a.Staff.ID, service.OnboardingSteps(o.Form), h.requestEvent(r), jobs.StepEnqueuer(h.river))
	if errors.Is(err, store.ErrConflict) {
		h.flash(ctx, "info", "This onboarding was already started (perhaps by another admin): here is its progress.")
		if o, err = h.store.OnboardingByID(ctx, a.Partner.ID, o.ID); err != nil {
			return err
		}
		http.Redirect(w, r, onboardingJobURL(o), http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, onboardingJobURL(started), http.StatusSeeOther)
	return nil
}
