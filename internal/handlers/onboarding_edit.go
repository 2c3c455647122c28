package handlers

import (
	"errors"
	"fmt"
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

// A stopped onboarding's page lets an admin correct the values of the step Zoom refused (the
// plan and its hosts, a first user, the owner, the template) and retry it with them. The
// correction is checked as the wizard checks its steps, then the service records it and puts
// the step back in line; the saga sends it through the change protocol like every step.

// userTypeWords are a first user's types as the users step writes them.
var userTypeWords = map[int]string{zoom.UserBasic: "basic", zoom.UserLicensed: "licensed", zoom.UserUnassigned: "unassigned"}

// stepFields are the values of step st as its correction form shows them, from form f.
func stepFields(f store.OnboardingForm, st store.OnboardingStep) map[string]string {
	m := map[string]string{}
	switch st.Kind {
	case service.StepCreateAccount:
		m["account_name"], m["first_name"], m["last_name"], m["email"] = f.AccountName, f.FirstName, f.LastName, f.Email
	case service.StepSubscribePlan:
		if f.Plan != nil {
			m["type"], m["hosts"] = f.Plan.Type, strconv.Itoa(f.Plan.Hosts)
			for _, k := range contactFields {
				m["contact_"+k] = f.Plan.Contact[k]
			}
		}
	case service.StepApplyTemplate:
		if f.TemplateID != 0 {
			m["template_id"] = strconv.FormatInt(f.TemplateID, 10)
		}
	case service.StepCreateUser:
		if i := firstUser(f, st.Subject); i >= 0 {
			u := f.Users[i]
			m["email"], m["first_name"], m["last_name"], m["type"] = u.Email, u.FirstName, u.LastName, userTypeWords[u.Type]
		}
	}
	return m
}

// firstUser is the index of the first user with email in f, -1 when none.
func firstUser(f store.OnboardingForm, email string) int {
	return slices.IndexFunc(f.Users, func(u store.NewUserInput) bool { return strings.EqualFold(u.Email, email) })
}

// stepEditForm is the form that corrects step st of onboarding o, showing form with errs.
func (h *Handlers) stepEditForm(r *http.Request, o store.Onboarding, st store.OnboardingStep, form, errs map[string]string) (templates.StepEditForm, error) {
	e := templates.StepEditForm{Seq: st.Seq, Kind: st.Kind, Label: strings.TrimSpace(stepLabels[st.Kind] + " " + st.Subject),
		Action: paths.OnboardingStepEdit(o.ID, st.Seq), Form: form, Errors: errs}
	if e.Errors == nil {
		e.Errors = map[string]string{}
	}
	switch st.Kind {
	case service.StepSubscribePlan:
		e.Plans = planOptions(true)
	case service.StepApplyTemplate:
		list, err := h.store.SettingsTemplates(r.Context(), o.PartnerID)
		if err != nil {
			return e, err
		}
		for _, t := range list {
			id := strconv.FormatInt(t.ID, 10)
			e.Templates = append(e.Templates, templates.Option{Value: id, Label: t.Name, Selected: id == form["template_id"]})
		}
	case service.StepCreateUser:
		for _, typ := range []int{zoom.UserBasic, zoom.UserLicensed, zoom.UserUnassigned} {
			w := userTypeWords[typ]
			e.UserTypes = append(e.UserTypes, templates.Option{Value: w, Label: strings.ToUpper(w[:1]) + w[1:], Selected: w == form["type"]})
		}
	}
	return e, nil
}

// correctStep corrects the values of a failed step of a stopped onboarding and retries it
// (POST /onboardings/{onboardingId}/steps/{seq}/edit). Values with problems show the page again
// (422) with what was sent and each problem next to its field; nothing is changed or sent.
func (h *Handlers) correctStep(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	o, err := h.onboardingTarget(r, "onboardingId", policy.EditCustomer)
	if err != nil {
		return err
	}
	seq, err := strconv.Atoi(chi.URLParam(r, "seq"))
	if err != nil {
		return errNotFound
	}
	ctx := r.Context()
	steps, err := h.store.OnboardingSteps(ctx, o.PartnerID, o.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(steps, func(s store.OnboardingStep) bool { return s.Seq == seq })
	if i < 0 {
		return errNotFound
	}
	st := steps[i]
	notWaiting := func() error {
		h.flash(ctx, "warn", "That step is not waiting for a decision any more (someone else may have retried it): nothing was changed. Here is where the onboarding is now.")
		http.Redirect(w, r, onboardingJobURL(o), http.StatusSeeOther)
		return nil
	}
	if o.Status != store.OnboardingStopped || st.Status != store.StepFailed || !service.EditableStep(st.Kind) {
		return notWaiting()
	}
	form, c, errs, err := h.readCorrection(r, o, st)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		err = h.svc.CorrectStep(ctx, o, st, c, h.requestEvent(r), jobs.StepEnqueuer(h.river))
		var pr *catalogue.Problem
		switch {
		case errors.As(err, &pr):
			errs = map[string]string{pr.Field: pr.Message}
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
			return notWaiting()
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		return h.renderCorrection(w, r, o, st, form, errs)
	}
	h.flash(ctx, "ok", fmt.Sprintf("Step %d corrected and queued again with the new values; the correction is in the audit log.", seq))
	http.Redirect(w, r, onboardingJobURL(o), http.StatusSeeOther)
	return nil
}

// renderCorrection shows onboarding o's page with step st's correction form holding form and
// errs (422).
func (h *Handlers) renderCorrection(w http.ResponseWriter, r *http.Request, o store.Onboarding, st store.OnboardingStep, form, errs map[string]string) error {
	if o.JobID == nil {
		return errNotFound
	}
	j, err := h.store.JobByID(r.Context(), o.PartnerID, *o.JobID)
	if err != nil {
		return err
	}
	prog, err := h.onboardingProgress(r, o, true)
	if err != nil {
		return err
	}
	edit, err := h.stepEditForm(r, o, st, form, errs)
	if err != nil {
		return err
	}
	prog.Edit = &edit
	p := templates.JobPage{Job: jobSummary(j), BackURL: "/", BackText: "← Dashboard"}
	if j.StartedAt != nil {
		p.Started = *j.StartedAt
	}
	if j.FinishedAt != nil {
		p.Finished = *j.FinishedAt
	}
	h.render(w, r, http.StatusUnprocessableEntity, templates.OnboardingView(h.chrome(r, j.Title, "customers"), p, prog))
	return nil
}

// readCorrection reads and checks the correction of step st of onboarding o as the wizard
// checks that step: it returns the values as sent (for the form), the onboarding's answers with
// them, and the problems, keyed by field.
func (h *Handlers) readCorrection(r *http.Request, o store.Onboarding, st store.OnboardingStep) (map[string]string, service.Correction, map[string]string, error) {
	f := o.Form
	f.Users = slices.Clone(o.Form.Users)
	form := map[string]string{}
	read := func(keys ...string) {
		for _, k := range keys {
			form[k] = strings.TrimSpace(r.PostFormValue(k))
		}
	}
	errs := map[string]string{}
	c := service.Correction{}
	switch st.Kind {
	case service.StepCreateAccount:
		read("account_name", "first_name", "last_name", "email")
		errs = validateOwner(form)
		if errs["email"] == "" && !strings.EqualFold(form["email"], o.Form.Email) {
			msg, err := h.ownerTaken(r, o.ID, form["email"])
			if err != nil {
				return form, c, errs, err
			}
			if msg == "" && firstUser(f, form["email"]) >= 0 {
				msg = "This person is listed as a first user: the owner is created with the account."
			}
			if msg != "" {
				errs["email"] = msg
			}
		}
		f.AccountName, f.FirstName, f.LastName, f.Email = form["account_name"], form["first_name"], form["last_name"], form["email"]
	case service.StepSubscribePlan:
		read("type", "hosts")
		for _, k := range contactFields {
			read("contact_" + k)
		}
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
		if msg := licenceProblem(f.Users, f.Plan); msg != "" && errs["hosts"] == "" {
			errs["hosts"] = msg
		}
	case service.StepApplyTemplate:
		read("template_id")
		id, perr := strconv.ParseInt(form["template_id"], 10, 64)
		if perr != nil || id <= 0 {
			errs["template_id"] = "Choose a template (or skip the step)."
		} else if _, err := h.store.SettingsTemplateByID(r.Context(), o.PartnerID, id); errors.Is(err, store.ErrNotFound) {
			errs["template_id"] = "This template no longer exists: choose another."
		} else if err != nil {
			return form, c, errs, err
		}
		f.TemplateID = id
	case service.StepCreateUser:
		read("email", "first_name", "last_name", "type")
		i := firstUser(f, st.Subject)
		if i < 0 {
			return form, c, errs, fmt.Errorf("onboarding %s: no first user %s for step %d: %w", o.ID, st.Subject, st.Seq, store.ErrConflict)
		}
		u := store.NewUserInput{Email: form["email"], FirstName: form["first_name"], LastName: form["last_name"]}
		if msg := checkEmail(u.Email); msg != "" {
			errs["email"] = msg
		} else if strings.EqualFold(u.Email, f.Email) {
			errs["email"] = "This is the owner, whom Zoom creates with the account."
		} else if j := firstUser(f, u.Email); j >= 0 && j != i {
			errs["email"] = "Another first user has this email."
		}
		for _, k := range []string{"first_name", "last_name"} {
			if utf8.RuneCountInString(form[k]) > 64 {
				errs[k] = "Zoom allows at most 64 characters."
			}
		}
		var msg string
		if u.Type, msg = parseImportType(form["type"], zoom.ActionCreate); msg != "" {
			errs["type"] = msg
		}
		f.Users[i] = u
		if msg := licenceProblem(f.Users, f.Plan); msg != "" && errs["type"] == "" {
			errs["type"] = msg
		}
		c.Email = u.Email
	}
	c.Form = f
	return form, c, errs, nil
}
