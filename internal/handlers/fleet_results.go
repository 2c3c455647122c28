package handlers

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
)

// fleetResultsHeader are the columns of a change across customers' results file.
var fleetResultsHeader = []string{"line", "customer_account_id", "customer", "result", "message", "wanted", "missing", "zoom_code",
	"zoom_message", "attempts", "sent_at", "finished_at"}

// writeFleetResults writes a change across customers' per-customer results as CSV: what each
// was to get (wanted, as JSON by key), what happened, and Zoom's refusal when it refused.
func writeFleetResults(w http.ResponseWriter, j store.Job, rows []store.ImportRow) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tierdesk-job-`+j.ID+`-results.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	if err := cw.Write(fleetResultsHeader); err != nil {
		return err
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, row := range rows {
		ch, err := changeOfRow(row)
		if err != nil {
			return err
		}
		wanted := ""
		if !ch.Empty() {
			wanted = string(details(ch.After))
		}
		result := resultLabel(row.State)
		if row.State == store.RowInvalid {
			result = "no call"
		}
		rec := []string{strconv.Itoa(row.Line), row.ZoomAccountID, row.CustomerName, result, row.Message, wanted,
			strings.Join(ch.Missing, " "), strconv.Itoa(row.ZoomCode), row.ZoomMessage, strconv.Itoa(row.Attempts), ts(row.SentAt), ts(row.FinishedAt)}
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
