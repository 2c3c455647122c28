package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
)

// fleetResultsHeader are the columns of a change across customers' results file.
var fleetResultsHeader = []string{"line", "customer_account_id", "customer", "result", "message", "wanted", "missing", "zoom_code",
	"zoom_message", "attempts", "sent_at", "finished_at"}

// writeFleetResults writes a change across customers' per-customer results as CSV: what each
// was to get (wanted, as JSON by key), what happened, and Zoom's refusal when it refused.
func writeFleetResults(w http.ResponseWriter, j store.Job, rows []store.ImportRow) error {
	cw := csvDownload(w, "tierdesk-job-"+j.ID+"-results.csv")
	if err := cw.Write(fleetResultsHeader); err != nil {
		return err
	}
	for _, row := range rows {
		ch, err := service.FleetChangeOf(row)
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
			strings.Join(ch.Missing, " "), strconv.Itoa(row.ZoomCode), row.ZoomMessage, strconv.Itoa(row.Attempts), isoTime(row.SentAt), isoTime(row.FinishedAt)}
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
