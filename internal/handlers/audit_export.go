package handlers

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
)

// auditExportCSV streams the current filter's events as CSV (GET /audit.csv), in chain
// order, ending with a row that gives the chain head the export ends on.
func (h *Handlers) auditExportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.auditExport(w, r, "csv")
}

// auditExportNDJSON streams the current filter's events as NDJSON (GET /audit.ndjson), one
// event per line, ending with a {"chain_head": ...} line: the partner's chain head, signed as
// a checkpoint (store.SignCheckpoint) that `portal audit verify --checkpoints` checks.
func (h *Handlers) auditExportNDJSON(w http.ResponseWriter, r *http.Request) error {
	return h.auditExport(w, r, "ndjson")
}

var csvHeader = []string{"seq", "occurred_at", "staff_id", "staff_email", "zoom_user_id", "grant", "action", "target_type",
	"target_id", "target_label", "customer_id", "outcome", "zoom_code", "zoom_message", "external", "request_id", "ip",
	"user_agent", "job_id", "details", "prev_hash", "hash"}

func (h *Handlers) auditExport(w http.ResponseWriter, r *http.Request, format string) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "audit"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	f, _, err := h.auditFilterOf(ctx, a, r.URL.Query())
	if err != nil {
		return err
	}
	name := fmt.Sprintf("tierdesk-audit-%s-%s.%s", a.Partner.ZoomAccountID, time.Now().UTC().Format("20060102-150405"), format)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	// A long export keeps the connection alive batch by batch, past the server's WriteTimeout.
	rc := http.NewResponseController(w)
	extend := func() { _ = rc.SetWriteDeadline(time.Now().Add(2 * time.Minute)) }
	extend()
	cw := csv.NewWriter(w)
	enc := json.NewEncoder(w)
	started := false
	n := 0
	head, err := h.store.ExportAudit(ctx, a.Partner.ID, f, func(e store.AuditEvent) error {
		if !started && format == "csv" {
			if err := cw.Write(csvHeader); err != nil {
				return err
			}
		}
		started = true
		n++
		if n%500 == 0 {
			extend()
		}
		if format == "ndjson" {
			return enc.Encode(exportEvent(e))
		}
		if err := cw.Write(csvRecord(e)); err != nil {
			return err
		}
		if n%500 == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	if err != nil {
		if !started {
			return err
		}
		// Mid-stream: the status is sent; cut the download short so it cannot pass for complete.
		h.log.LogAttrs(ctx, slog.LevelError, "audit export failed", slog.String("error", err.Error()))
		panic(http.ErrAbortHandler)
	}
	if format == "csv" {
		if !started {
			cw.Write(csvHeader)
		}
		trailer := make([]string, len(csvHeader))
		trailer[0], trailer[1], trailer[len(trailer)-1] = "chain_head", strconv.FormatInt(head.Seq, 10), hex.EncodeToString(head.Hash)
		cw.Write(trailer)
		cw.Flush()
		return cw.Error()
	}
	// The head, signed: `portal audit verify --checkpoints FILE` takes the export as a checkpoint.
	cp, err := h.store.SignCheckpoint(head, h.cfg.Now())
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "audit export failed", slog.String("error", err.Error()))
		panic(http.ErrAbortHandler)
	}
	return enc.Encode(map[string]any{"chain_head": cp, "events": n})
}

// exportedEvent is an event as NDJSON carries it: hashes in hex, details as an object.
type exportedEvent struct {
	store.AuditEvent
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

func exportEvent(e store.AuditEvent) exportedEvent {
	return exportedEvent{AuditEvent: e, PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
}

func csvRecord(e store.AuditEvent) []string {
	staff := ""
	if e.StaffID != nil {
		staff = strconv.FormatInt(*e.StaffID, 10)
	}
	rec := []string{strconv.FormatInt(e.Seq, 10), e.OccurredAt.UTC().Format(time.RFC3339Nano), staff, e.StaffEmail,
		e.ZoomUserID, e.GrantRef, string(e.Action), e.TargetType, e.TargetID, e.TargetLabel, e.CustomerID, string(e.Outcome),
		strconv.Itoa(e.ZoomCode), e.ZoomMessage, strconv.FormatBool(e.External), e.RequestID, e.IP, e.UserAgent,
		e.JobID, string(e.Details), hex.EncodeToString(e.PrevHash), hex.EncodeToString(e.Hash)}
	for i := range rec {
		rec[i] = csvSafe(rec[i])
	}
	return rec
}

// csvSafe defuses spreadsheet formulas: a cell starting with = + - @ (or a tab or carriage
// return) gets a leading quote. The CSV export is for reading; NDJSON carries the exact bytes
// the chain's hashes cover.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
