package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// failuresShown is how many refused rows a bulk job's page lists.
const failuresShown = 50

// bulkProgress is the detail of a bulk user job's page, counted from its rows (the job's own
// counters lag by up to a second).
func (h *Handlers) bulkProgress(r *http.Request, j store.Job, p *templates.JobPage) (*templates.BulkProgress, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	imp, err := h.store.ImportByJob(ctx, a.Partner.ID, j.ID)
	if err != nil {
		return nil, err
	}
	t, err := h.store.ImportTally(ctx, a.Partner.ID, imp.ID)
	if err != nil {
		return nil, err
	}
	total := t.Total - t.Invalid
	b := &templates.BulkProgress{Source: imp.Source, Succeeded: t.Succeeded, Failed: t.Failed, Cancelled: t.Cancelled,
		Invalid: t.Invalid, Left: t.Left(), Rate: "—", ETA: "—",
		ResultsURL: paths.JobResults(j.ID), CancelURL: paths.JobCancel(j.ID), CancelRequested: imp.CancelRequested,
		Columns: importColumns(imp), InvalidLabel: "Skipped by the check"}
	if imp.Kind == store.ImportFleet {
		b.InvalidLabel = "No call (compliant, lacking the setting, or skipped)"
	}
	p.Job.Done, p.Job.Failed, p.Job.Total = t.Succeeded, t.Failed, total
	if !j.Status.Finished() {
		if total > 0 {
			p.Percent = (total - b.Left) * 100 / total
		}
		if rate := t.Rate(); rate > 0 {
			b.Rate = strconv.FormatFloat(rate, 'f', 1, 64) + " rows/s"
			b.ETA = "about " + roughDuration(time.Duration(float64(b.Left)/rate*float64(time.Second)))
		}
		b.CanCancel = imp.PartnerID == a.Partner.ID && h.allowed(r, policy.CancelJob)
	} else if p.Started.Before(p.Finished) && total > 0 {
		secs := p.Finished.Sub(p.Started).Seconds()
		b.Rate = strconv.FormatFloat(float64(t.Succeeded+t.Failed)/max(secs, 1), 'f', 1, 64) + " rows/s"
		b.ETA = roughDuration(p.Finished.Sub(p.Started))
	}
	failed, err := h.store.ImportRows(ctx, a.Partner.ID, imp.ID, store.RowFilter{States: []string{store.RowFailed}, Limit: failuresShown})
	if err != nil {
		return nil, err
	}
	for _, row := range failed {
		v := importRowView(row)
		if imp.Kind == store.ImportFleet {
			v.Message = row.Message // Zoom's refusal in words, with its code
		}
		b.Failures = append(b.Failures, v)
	}
	b.MoreFailures = max(t.Failed-len(failed), 0)
	return b, nil
}

// roughDuration says a duration the way people read a countdown.
func roughDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return "1 s"
	case d < time.Minute:
		return strconv.Itoa(int(d.Round(time.Second).Seconds())) + " s"
	case d < time.Hour:
		m := int(d / time.Minute)
		return fmt.Sprintf("%d min %d s", m, int((d - time.Duration(m)*time.Minute).Seconds()))
	}
	return fmt.Sprintf("%d h %d min", int(d/time.Hour), int((d%time.Hour)/time.Minute))
}

// resultsHeader are the columns of a bulk job's results file.
var resultsHeader = []string{"line", "customer_account_id", "customer", "email", "first_name", "last_name", "type", "action",
	"result", "message", "zoom_user_id", "zoom_code", "zoom_message", "attempts", "sent_at", "finished_at"}

// jobResults serves a bulk user job's per-row results as CSV (GET /jobs/{jobId}/results.csv):
// every row of the file, with what happened to it.
func (h *Handlers) jobResults(w http.ResponseWriter, r *http.Request) error {
	j, err := h.jobTarget(r, policy.ViewJob)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	imp, err := h.store.ImportByJob(ctx, a.Partner.ID, j.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound // not a bulk user job
	} else if err != nil {
		return err
	}
	rows, err := h.store.ImportRows(ctx, a.Partner.ID, imp.ID, store.RowFilter{})
	if err != nil {
		return err
	}
	if imp.Kind == store.ImportFleet {
		return writeFleetResults(w, j, rows)
	}
	cw := csvDownload(w, "tierdesk-job-"+j.ID+"-results.csv")
	if err := cw.Write(resultsHeader); err != nil {
		return err
	}
	for _, row := range rows {
		typ := ""
		if row.Type != 0 {
			typ = strconv.Itoa(row.Type)
		}
		rec := []string{strconv.Itoa(row.Line), row.ZoomAccountID, row.CustomerName, row.Email, row.FirstName, row.LastName, typ,
			row.CreateAction, resultLabel(row.State), row.Message, row.ZoomUserID, strconv.Itoa(row.ZoomCode), row.ZoomMessage,
			strconv.Itoa(row.Attempts), isoTime(row.SentAt), isoTime(row.FinishedAt)}
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// resultLabel names a row's state in the results file.
func resultLabel(state string) string {
	switch state {
	case store.RowInvalid:
		return "skipped (refused by the check)"
	case store.RowReady:
		return "not sent yet"
	case store.RowSending:
		return "sent, waiting for Zoom's confirmation"
	case store.RowCancelled:
		return "not sent (cancelled)"
	}
	return state
}

// cancelJob asks a running bulk user job to stop (POST /jobs/{jobId}/cancel, admins): rows in
// flight finish and are recorded; the others are not sent.
func (h *Handlers) cancelJob(w http.ResponseWriter, r *http.Request) error {
	j, err := h.jobTarget(r, policy.CancelJob)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	if j.Kind != jobs.BulkUsersKind && j.Kind != jobs.FleetKind {
		h.flash(ctx, "info", "Only bulk jobs can be cancelled.")
	} else if err := h.store.RequestImportCancel(ctx, a.Partner.ID, j.ID, &a.Staff.ID, h.requestEvent(r)); errors.Is(err, store.ErrConflict) {
		h.flash(ctx, "info", "This job has already finished.")
	} else if err != nil {
		return err
	} else {
		h.flash(ctx, "ok", "Cancelling: the rows already in flight finish, the others are not sent.")
	}
	http.Redirect(w, r, paths.Job(j.ID), http.StatusSeeOther)
	return nil
}

// csvDownload sets the headers of a CSV file downloaded as name, not kept in any cache, and
// returns a CSV writer on w.
func csvDownload(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return csv.NewWriter(w)
}
