package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// stepLabels name the saga's steps for people.
var stepLabels = map[string]string{
	service.StepCreateAccount: "Create the sub account",
	service.StepSetOptions:    "Set pay mode and options",
	service.StepSubscribePlan: "Subscribe the plan",
	service.StepApplyTemplate: "Apply the settings template",
	service.StepCreateUser:    "Create user",
}

// onboardingProgress describes onboarding o for its job page and its customer's page;
// actions adds the retry, skip and abandon links a staff member who may edit gets.
func (h *Handlers) onboardingProgress(r *http.Request, o store.Onboarding, actions bool) (templates.OnboardingProgress, error) {
	ctx := r.Context()
	steps, err := h.store.OnboardingSteps(ctx, o.PartnerID, o.ID)
	if err != nil {
		return templates.OnboardingProgress{}, err
	}
	p := templates.OnboardingProgress{ID: o.ID, Status: o.Status, Customer: o.Form.AccountName, JobURL: onboardingJobURL(o),
		StartedBy: h.staffEmail(r, o.CreatedBy, map[int64]string{}), Poll: o.Status == store.OnboardingRunning}
	switch o.Status {
	case store.OnboardingRunning:
		p.StatusText, p.StatusKind = "running", "info"
	case store.OnboardingStopped:
		p.StatusText, p.StatusKind = "stopped: needs you", "bad"
		p.StatusLine = "A step failed: the steps after it wait. Retry it once the cause is fixed, skip it, or abandon the onboarding."
	case store.OnboardingSucceeded:
		p.StatusText, p.StatusKind, p.StatusLine = "succeeded", "ok", "The customer is active."
	case store.OnboardingAbandoned:
		p.StatusText, p.StatusKind, p.StatusLine = "abandoned", "warn", "Abandoned: nothing more will be sent."
	}
	if p.Customer == "" {
		p.Customer = strings.TrimSpace(o.Form.FirstName + " " + o.Form.LastName)
	}
	if o.StartedAt != nil {
		p.Started = *o.StartedAt
	}
	if o.FinishedAt != nil {
		p.Finished = *o.FinishedAt
	}
	if c, ok := h.onboardedCustomer(r, o); ok {
		p.CustomerURL = paths.Customer(c.ZoomAccountID)
	}
	for _, s := range steps {
		v := templates.OnboardingStepView{Seq: s.Seq, Label: stepLabels[s.Kind], Subject: s.Subject, Status: s.Status, Attempts: s.Attempts, Error: s.Error}
		if s.Kind == service.StepCreateAccount {
			v.Subject = "owner " + s.Subject
		}
		if s.ZoomCode != 0 && !strings.Contains(v.Error, strconv.Itoa(s.ZoomCode)) {
			v.Error += fmt.Sprintf(" (Zoom code %d)", s.ZoomCode)
		}
		switch s.Status {
		case store.StepSucceeded:
			v.Badge = "ok"
			p.Done++
		case store.StepSkipped:
			v.Badge = "warn"
			p.Skipped++
			p.Open++
		case store.StepFailed:
			v.Badge = "bad"
			p.Open++
		case store.StepRunning:
			v.Badge = "info"
			p.Open++
		default:
			v.Badge = ""
			p.Open++
		}
		if s.FinishedAt != nil {
			v.When = *s.FinishedAt
		} else if s.StartedAt != nil {
			v.When = *s.StartedAt
		}
		var res map[string]any
		if json.Unmarshal(s.Result, &res) == nil {
			if how, ok := res["how"].(string); ok {
				v.Result = how
			}
			if id, ok := res["zoom_account_id"].(string); ok {
				v.Result = strings.TrimSpace("account " + id + ": " + v.Result)
			}
			if v.Result == "" {
				v.Result = resultLine(res)
			}
		}
		if o.Status == store.OnboardingStopped && s.Status == store.StepFailed && p.StoppedAt == 0 {
			p.StoppedAt = s.Seq
		}
		if actions && o.Status == store.OnboardingStopped && s.Status == store.StepFailed {
			v.RetryURL = paths.OnboardingStepRetry(o.ID, s.Seq)
			if service.SkippableStep(s.Kind) {
				v.SkipURL = paths.OnboardingStepSkip(o.ID, s.Seq)
			}
			if service.EditableStep(s.Kind) && p.Edit == nil {
				edit, err := h.stepEditForm(r, o, s, stepFields(o.Form, s), nil)
				if err != nil {
					return templates.OnboardingProgress{}, err
				}
				p.Edit = &edit
			}
		}
		p.Steps = append(p.Steps, v)
		if s.Status != store.StepSucceeded {
			p.OpenSteps = append(p.OpenSteps, v)
		}
	}
	if o.Status == store.OnboardingSucceeded || o.Status == store.OnboardingAbandoned {
		// Skipped steps of a finished onboarding are still open work; nothing else is.
		p.Open = p.Skipped
	}
	if p.Edit != nil {
		p.StatusLine = "A step failed: the steps after it wait. Correct its values below and retry it, retry it as it is once the cause is fixed, skip it, or abandon the onboarding."
	}
	// The bar shows the steps done, whatever the state: a stopped onboarding is not finished.
	p.Total = len(steps)
	if p.Total > 0 {
		p.Percent = p.Done * 100 / p.Total
	}
	p.BarKind = map[string]string{store.OnboardingStopped: "bad", store.OnboardingSucceeded: "ok", store.OnboardingAbandoned: "warn"}[o.Status]
	if p.BarKind == "" {
		p.BarKind = "info"
	}
	if actions && o.Status == store.OnboardingStopped {
		p.AbandonURL = paths.OnboardingAbandon(o.ID)
	}
	if actions && o.Status == store.OnboardingAbandoned {
		p.CopyURL = paths.OnboardingCopy(o.ID)
	}
	return p, nil
}

// onboardedCustomer is the customer onboarding o made in Zoom; false while Zoom has not
// created its sub account (or the onboarding was abandoned before).
func (h *Handlers) onboardedCustomer(r *http.Request, o store.Onboarding) (store.Customer, bool) {
	if o.CustomerID == nil {
		return store.Customer{}, false
	}
	c, err := h.store.CustomerByID(r.Context(), o.PartnerID, *o.CustomerID)
	return c, err == nil && c.InZoom()
}

// onboardingJobPage is the page of an onboarding's job (GET /jobs/{jobId}): every step with
// its state, live while it runs.
func (h *Handlers) onboardingJobPage(w http.ResponseWriter, r *http.Request, j store.Job, p templates.JobPage) error {
	a := staffFrom(r.Context())
	// A distributor may look at a reseller's onboarding (its job is in reach) but not act on it.
	o, err := h.store.OnboardingOfJob(r.Context(), j.PartnerID, j.ID)
	if err != nil {
		return err
	}
	prog, err := h.onboardingProgress(r, o, j.PartnerID == a.Partner.ID && h.allowed(r, policy.EditCustomer))
	if err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" {
		h.render(w, r, http.StatusOK, templates.OnboardingLive(p, prog))
		return nil
	}
	h.render(w, r, http.StatusOK, templates.OnboardingView(h.chrome(r, j.Title, "customers"), p, prog))
	return nil
}

// showOnboarding sends the browser to an onboarding's page: its job, or its draft (GET
// /onboardings/{onboardingId}).
func (h *Handlers) showOnboarding(w http.ResponseWriter, r *http.Request) error {
	o, err := h.onboardingTarget(r, "onboardingId", policy.ViewJob)
	if err != nil {
		return err
	}
	to := onboardingJobURL(o)
	if o.Status == store.OnboardingDraft {
		to = paths.Draft(o.ID)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// retryStep puts a failed step back in line (POST /onboardings/{onboardingId}/steps/{seq}/retry);
// skipStep skips it (…/skip), where that is safe.
func (h *Handlers) retryStep(w http.ResponseWriter, r *http.Request) error {
	return h.resumeStep(w, r, false)
}

func (h *Handlers) skipStep(w http.ResponseWriter, r *http.Request) error {
	return h.resumeStep(w, r, true)
}

func (h *Handlers) resumeStep(w http.ResponseWriter, r *http.Request, skip bool) error {
	o, err := h.onboardingTarget(r, "onboardingId", policy.EditCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	seq, err := strconv.Atoi(chi.URLParam(r, "seq"))
	if err != nil {
		return errNotFound
	}
	err = h.store.RetryStep(ctx, a.Partner.ID, o.ID, seq, skip, h.requestEvent(r), jobs.StepEnqueuer(h.river))
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		h.flash(ctx, "warn", "That step is not waiting for a decision any more (someone else may have retried it): here is where the onboarding is now.")
	case err != nil:
		return err
	case skip:
		h.flash(ctx, "ok", fmt.Sprintf("Step %d skipped; the onboarding goes on.", seq))
	default:
		h.flash(ctx, "ok", fmt.Sprintf("Step %d queued again; Tierdesk checks what the failed attempt left before sending anything.", seq))
	}
	http.Redirect(w, r, onboardingJobURL(o), http.StatusSeeOther)
	return nil
}

// abandonPage confirms abandoning a stopped onboarding (GET /onboardings/{onboardingId}/abandon).
func (h *Handlers) abandonPage(w http.ResponseWriter, r *http.Request) error {
	o, err := h.onboardingTarget(r, "onboardingId", policy.EditCustomer)
	if err != nil {
		return err
	}
	if o.Status != store.OnboardingStopped {
		http.Redirect(w, r, onboardingJobURL(o), http.StatusSeeOther)
		return nil
	}
	prog, err := h.onboardingProgress(r, o, true)
	if err != nil {
		return err
	}
	p := templates.AbandonPage{Progress: prog, Action: paths.OnboardingAbandon(o.ID)}
	if c, ok := h.onboardedCustomer(r, o); ok {
		p.AccountID, p.AccountName = c.ZoomAccountID, c.AccountName
	}
	for _, s := range prog.Steps {
		if s.Status == store.StepSucceeded {
			p.StepsFinished = append(p.StepsFinished, strings.TrimSpace(s.Label+" "+s.Subject))
		}
	}
	h.render(w, r, http.StatusOK, templates.AbandonOnboarding(h.chrome(r, "Abandon onboarding", "customers"), p))
	return nil
}

// abandonOnboarding abandons a stopped onboarding (POST /onboardings/{onboardingId}/abandon),
// and with then=disassociate goes on to the customer's disassociate page.
func (h *Handlers) abandonOnboarding(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	o, err := h.onboardingTarget(r, "onboardingId", policy.EditCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	o, err = h.store.AbandonOnboarding(ctx, a.Partner.ID, o.ID, h.requestEvent(r))
	if errors.Is(err, store.ErrConflict) {
		h.flash(ctx, "warn", "The onboarding is not stopped any more, so it was not abandoned: here is where it is now.")
		http.Redirect(w, r, paths.Onboarding(chi.URLParam(r, "onboardingId")), http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	if c, ok := h.onboardedCustomer(r, o); ok && r.PostFormValue("then") == "disassociate" {
		http.Redirect(w, r, paths.CustomerDisassociate(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	h.flash(ctx, "ok", "Onboarding abandoned. Nothing more will be sent to Zoom.")
	http.Redirect(w, r, onboardingJobURL(o), http.StatusSeeOther)
	return nil
}

// copyOnboarding starts a new draft with an abandoned onboarding's answers (POST
// /onboardings/{onboardingId}/copy), to fix what made it fail and go again.
func (h *Handlers) copyOnboarding(w http.ResponseWriter, r *http.Request) error {
	o, err := h.onboardingTarget(r, "onboardingId", policy.EditCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	d, err := h.store.CreateOnboardingDraft(ctx, a.Partner.ID, a.Staff.ID)
	if err != nil {
		return err
	}
	f := o.Form
	f.Reached = "users"
	if err := h.store.SaveOnboardingDraft(ctx, a.Partner.ID, d.ID, f, a.Staff.ID); err != nil {
		return err
	}
	h.flash(ctx, "ok", "A new draft with the same answers: change what made the onboarding fail, then start it.")
	http.Redirect(w, r, paths.DraftStep(d.ID, "customer"), http.StatusSeeOther)
	return nil
}

// customerOnboarding is the onboarding panel of a customer's page, nil for a customer that
// was not onboarded through Tierdesk.
func (h *Handlers) customerOnboarding(r *http.Request, c store.Customer) *templates.OnboardingProgress {
	o, err := h.store.OnboardingOfCustomer(r.Context(), c.PartnerID, c.ID)
	if err != nil {
		return nil
	}
	p, err := h.onboardingProgress(r, o, false)
	if err != nil {
		return nil
	}
	return &p
}

// resultLine describes what a step set, from its recorded result.
func resultLine(res map[string]any) string {
	var parts []string
	if pm, ok := res["pay_mode"].(string); ok {
		parts = append(parts, payModeLabel(pm))
	}
	if ar, ok := res["auto_renew"].(bool); ok {
		parts = append(parts, "auto-renew "+map[bool]string{true: "on", false: "off"}[ar])
	}
	if plan, ok := res["plan"].(string); ok {
		if hosts, ok := res["hosts"].(float64); ok {
			plan += fmt.Sprintf(", %d hosts", int(hosts))
		}
		parts = append(parts, plan)
	}
	if t, ok := res["template"].(string); ok {
		parts = append(parts, "template “"+t+"”")
	}
	return strings.Join(parts, ", ")
}

// onboardingStatus words the status of a customer being onboarded for its row: "Being
// onboarded", or "Onboarding stopped" when a step waits for someone, leading to its
// onboarding (when the row knows it: the customer list does).
func onboardingStatus(r *templates.CustomerRow, c store.Customer) {
	if c.Status != store.CustomerDraft {
		return
	}
	r.Status, r.StatusKind = "Being onboarded", "info"
	if c.OnboardingStatus == store.OnboardingStopped {
		r.Status, r.StatusKind = "Onboarding stopped", "bad"
	}
	if c.OnboardingID != "" {
		r.StatusURL = paths.Onboarding(c.OnboardingID)
	}
}
