package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// syncNow starts a sync of the partner's customers from Zoom (POST /customers/sync, admins)
// and shows its progress.
func (h *Handlers) syncNow(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.SyncCustomers, target{Type: "job", Label: "customer sync"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	if last, err := h.store.LatestJob(r.Context(), a.Partner.ID, jobs.SyncCustomersArgs{}.Kind()); err == nil && !last.Status.Finished() {
		http.Redirect(w, r, paths.Job(last.ID), http.StatusSeeOther) // one at a time: show the one running
		return nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	j, err := jobs.StartSync(r.Context(), h.store, h.river, a.Partner.ID, a.Staff.ID, h.requestEvent(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Job(j.ID), http.StatusSeeOther)
	return nil
}

// jobPage shows a job's progress (GET /jobs/{jobId}); htmx polls it while the job runs. A
// bulk user job also shows done, failed, left, rate, time to finish and the refused rows.
// A poll that finds the job finished (any kind) is answered with HX-Refresh, so that the
// whole page reloads once: parts outside the polled panel (the cancel button, an
// onboarding's actions) change too, and the finished page does not poll.
func (h *Handlers) jobPage(w http.ResponseWriter, r *http.Request) error {
	j, err := h.jobTarget(r, policy.ViewJob)
	if err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" && j.Status.Finished() {
		w.Header().Set("HX-Refresh", "true")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	p := templates.JobPage{Job: jobSummary(j), BackURL: "/", BackText: "← Dashboard"}
	switch j.Kind {
	case (jobs.SyncCustomersArgs{}).Kind():
		p.BackURL, p.BackText = "/customers", "← Customers"
	case jobs.BulkUsersKind, jobs.FleetKind:
		p.BackURL, p.BackText = "/imports", "← Bulk jobs"
	}
	if j.StartedAt != nil {
		p.Started = *j.StartedAt
	}
	if j.FinishedAt != nil {
		p.Finished = *j.FinishedAt
	}
	switch {
	case j.Status.Finished():
		p.Percent = 100
	case j.Total > 0:
		p.Percent = (j.Done + j.Failed) * 100 / j.Total
	}
	if j.Kind == jobs.OnboardingKind {
		return h.onboardingJobPage(w, r, j, p)
	}
	var b *templates.BulkProgress
	if j.Kind == jobs.BulkUsersKind || j.Kind == jobs.FleetKind {
		if b, err = h.bulkProgress(r, j, &p); err != nil {
			return err
		}
	}
	if r.Header.Get("HX-Request") == "true" {
		h.render(w, r, http.StatusOK, templates.JobProgress(p, b))
		return nil
	}
	nav := "customers" // syncs of customers and of their users
	if j.Kind == jobs.BulkUsersKind || j.Kind == jobs.FleetKind {
		nav = "imports"
	}
	h.render(w, r, http.StatusOK, templates.JobView(h.chrome(r, j.Title, nav), p, b))
	return nil
}

// jobTarget loads the job the URL names, for action. Unknown ids and jobs out of reach are the
// same 404, with a denied audit event.
func (h *Handlers) jobTarget(r *http.Request, action policy.Action) (store.Job, error) {
	a := staffFrom(r.Context())
	id := chi.URLParam(r, "jobId")
	j, err := h.store.JobByID(r.Context(), a.Partner.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		h.deny(r, action, target{Type: "job", ID: id}, "not found or out of reach")
		return j, errNotFound
	} else if err != nil {
		return j, err
	}
	return j, h.authorize(r, action, target{PartnerID: j.PartnerID, Type: "job", ID: j.ID, Label: j.Title})
}

func jobSummary(j store.Job) templates.JobSummary {
	s := templates.JobSummary{ID: j.ID, Title: j.Title, Status: string(j.Status), Done: j.Done, Total: j.Total, Failed: j.Failed,
		Message: j.Message, When: j.CreatedAt, URL: paths.Job(j.ID), Finished: j.Status.Finished()}
	if j.FinishedAt != nil {
		s.When = *j.FinishedAt
	}
	switch j.Status {
	case store.JobSucceeded:
		s.Kind = "ok"
	case store.JobFailed:
		s.Kind = "bad"
	case store.JobCancelled:
		s.Kind = "warn"
	default:
		s.Kind = "info"
	}
	return s
}

// lastSync is the partner's latest customer sync, if any.
func (h *Handlers) lastSync(r *http.Request) *templates.JobSummary {
	a := staffFrom(r.Context())
	j, err := h.store.LatestJob(r.Context(), a.Partner.ID, jobs.SyncCustomersArgs{}.Kind())
	if err != nil {
		return nil
	}
	s := jobSummary(j)
	return &s
}

// firstSync starts the partner's first customer sync when an owner or admin signs in and the
// partner has never synced, so that a new partner finds its customers without asking.
func (h *Handlers) firstSync(r *http.Request, partnerID int64, st store.Staff) {
	if st.Role != store.RoleOwner && st.Role != store.RoleAdmin {
		return
	}
	if _, err := h.store.LatestJob(r.Context(), partnerID, jobs.SyncCustomersArgs{}.Kind()); !errors.Is(err, store.ErrNotFound) {
		return
	}
	ev := h.requestEvent(r)
	ev.StaffID, ev.StaffEmail = &st.ID, st.Email
	if _, err := jobs.StartSync(r.Context(), h.store, h.river, partnerID, st.ID, ev); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "start first sync", slog.Int64("partner_id", partnerID), slog.String("error", err.Error()))
	}
}
