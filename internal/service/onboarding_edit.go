package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
)

// EditableStep reports whether a refused step of kind may be corrected before it is retried:
// the sub account's name and owner, the plan, the settings template and a first user. Pay mode
// and options are not: another pay mode changes which steps the onboarding has.
func EditableStep(kind string) bool {
	switch kind {
	case StepCreateAccount, StepSubscribePlan, StepApplyTemplate, StepCreateUser:
		return true
	}
	return false
}

// Correction is what a person changed in a refused step.
type Correction struct {
	Form  store.OnboardingForm // the onboarding's answers, with the step's values changed
	Email string               // a first user's step: the user's email after the correction
}

// StepValues are the values a step of kind sends, from form f; email names a first user's
// step. A correction is audited with these before and after.
func StepValues(kind string, f store.OnboardingForm, email string) map[string]any {
	switch kind {
	case StepCreateAccount:
		return map[string]any{"account_name": f.AccountName, "first_name": f.FirstName, "last_name": f.LastName, "email": f.Email}
	case StepSubscribePlan:
		if f.Plan == nil {
			return nil
		}
		v := map[string]any{"type": f.Plan.Type, "hosts": f.Plan.Hosts}
		for k, x := range f.Plan.Contact {
			v["contact_"+k] = x
		}
		return v
	case StepApplyTemplate:
		return map[string]any{"template_id": f.TemplateID}
	case StepCreateUser:
		for _, u := range f.Users {
			if strings.EqualFold(u.Email, email) {
				return map[string]any{"email": u.Email, "first_name": u.FirstName, "last_name": u.LastName, "type": u.Type}
			}
		}
	}
	return nil
}

// CorrectStep corrects failed step st of stopped onboarding o with c and retries it. The
// correction (audited as onboarding.edit, with the step's values before and after) and the
// retry are one transaction; the saga then sends the new values as it sends every step, through
// the change protocol (intent, call, audit) and looking first, so nothing is done twice. Only
// what changed is recorded: the values before and after, reduced to the keys that differ. An
// order the catalogue of Zoom's plans refuses is a *catalogue.Problem and nothing changes; a
// step that may not be corrected is an error; one no longer waiting is store.ErrConflict.
func (s *Service) CorrectStep(ctx context.Context, o store.Onboarding, st store.OnboardingStep, c Correction, ev store.AuditEvent,
	next store.StepEnqueuer) error {
	if !EditableStep(st.Kind) {
		return fmt.Errorf("step %d (%s) cannot be corrected: %w", st.Seq, st.Kind, store.ErrConflict)
	}
	f := c.Form
	subject := st.Subject
	switch st.Kind {
	case StepCreateAccount:
		subject = f.Email
	case StepSubscribePlan:
		if f.Plan == nil || f.PayMode != zoom.PayModeMaster {
			return fmt.Errorf("the plan step needs a plan paid by the partner: %w", store.ErrConflict)
		}
		if pr := catalogue.Check(f.Plan.Type, f.Plan.Hosts, true); pr != nil {
			return pr
		}
		subject = f.Plan.Type
	case StepCreateUser:
		if StepValues(st.Kind, f, c.Email) == nil {
			return fmt.Errorf("the corrected form has no user %s: %w", c.Email, store.ErrConflict)
		}
		subject = c.Email
	}
	before, after := StepValues(st.Kind, o.Form, st.Subject), StepValues(st.Kind, f, subject)
	for k, v := range before {
		if fmt.Sprint(after[k]) == fmt.Sprint(v) {
			delete(before, k)
			delete(after, k)
		}
	}
	return s.Store.EditAndRetryStep(ctx, o.PartnerID, o.ID, st.Seq, store.StepEdit{Form: f, Subject: subject, Before: before, After: after}, ev, next)
}
