package handlers

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// auditFilter reads the audit filter from the query string. Bad values are ignored (the
// filter is a view, not a change), except that they are kept in the form.
func auditFilter(q url.Values) store.AuditFilter {
	f := store.AuditFilter{
		Action:     q.Get("action"),
		CustomerID: strings.TrimSpace(q.Get("customer")),
		Outcome:    store.Outcome(q.Get("outcome")),
		Text:       q.Get("q"),
	}
	switch f.Outcome {
	case store.OutcomeSucceeded, store.OutcomeFailed, store.OutcomeDenied, store.OutcomePending, "":
	default:
		f.Outcome = ""
	}
	f.StaffID, _ = strconv.ParseInt(q.Get("staff"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	if typ, id, ok := strings.Cut(q.Get("target"), ":"); ok {
		f.TargetType, f.TargetID = typ, id
	}
	if t, err := time.Parse("2006-01-02", q.Get("from")); err == nil {
		f.From = t
	}
	if t, err := time.Parse("2006-01-02", q.Get("to")); err == nil {
		f.To = t.AddDate(0, 0, 1) // inclusive of the whole day
	}
	return f
}

// withQuery returns path?q with each key of keyValues (key, value, key, value...) set to its
// value, or removed when the value is empty.
func withQuery(path string, q url.Values, keyValues ...string) string {
	c := url.Values{}
	for k, v := range q {
		if len(v) > 0 && v[0] != "" {
			c[k] = v
		}
	}
	for i := 0; i+1 < len(keyValues); i += 2 {
		if key, value := keyValues[i], keyValues[i+1]; value == "" {
			c.Del(key)
		} else {
			c.Set(key, value)
		}
	}
	return paths.With(path, c)
}

// auditList is the audit log page (GET /audit), and its results fragment for htmx.
func (h *Handlers) auditList(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "audit"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	q := r.URL.Query()
	f := auditFilter(q)
	page, err := h.store.AuditEvents(ctx, a.Partner.ID, f)
	if err != nil {
		return err
	}
	head, err := h.store.AuditChainHead(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	p := templates.AuditListPage{
		Query: q.Get("q"), From: q.Get("from"), To: q.Get("to"), Customer: f.CustomerID, Target: q.Get("target"),
		CSVURL: withQuery("/audit.csv", q, "before", ""), NDJSONURL: withQuery("/audit.ndjson", q, "before", ""),
		HeadSeq: head.Seq, HeadHash: hex.EncodeToString(head.Hash),
	}
	for _, k := range []string{"q", "staff", "action", "outcome", "customer", "from", "to", "target"} {
		if q.Get(k) != "" {
			p.Filtered = true
		}
	}
	if page.Next != 0 {
		p.OlderURL = withQuery("/audit", q, "before", strconv.FormatInt(page.Next, 10))
	}
	if f.Before != 0 {
		p.FirstURL = withQuery("/audit", q, "before", "")
	}
	for _, e := range page.Events {
		p.Rows = append(p.Rows, auditRow(e, q))
	}
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "audit-results" {
		h.render(w, r, http.StatusOK, templates.AuditResults(p))
		return nil
	}
	staff, err := h.store.StaffMembers(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, s := range staff {
		v := strconv.FormatInt(s.ID, 10)
		p.StaffOpts = append(p.StaffOpts, templates.Option{Value: v, Label: s.Name() + " (" + s.Email + ")", Selected: v == q.Get("staff")})
	}
	inLog, err := h.store.AuditActions(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	p.ActionOpts = actionOptions(f.Action, inLog)
	for _, o := range []store.Outcome{store.OutcomeSucceeded, store.OutcomeFailed, store.OutcomeDenied, store.OutcomePending} {
		p.OutcomeOpts = append(p.OutcomeOpts, templates.Option{Value: string(o), Label: string(o), Selected: o == f.Outcome})
	}
	h.render(w, r, http.StatusOK, templates.AuditList(h.chrome(r, "Audit log", "audit"), p))
	return nil
}

// actionOptions lists the choices of the audit log's action filter: every action of
// internal/audit by its label with the code beside, then any other action the log holds (an
// event of an older version) by its code alone, and last the filter in force when it is none
// of these (a prefix such as "customer.", which matches every action it starts), so that the
// form keeps it when another filter changes.
func actionOptions(current string, inLog []audit.Action) []templates.Option {
	var opts []templates.Option
	listed := map[string]bool{}
	add := func(value, label string) {
		if !listed[value] {
			listed[value] = true
			opts = append(opts, templates.Option{Value: value, Label: label, Selected: value == current})
		}
	}
	for _, act := range audit.All() {
		add(string(act), act.Label()+" ("+string(act)+")")
	}
	for _, act := range inLog {
		add(string(act), string(act))
	}
	if strings.HasSuffix(current, ".") {
		add(current, current+"* (every action starting "+current+")")
	} else if current != "" {
		add(current, current)
	}
	return opts
}

// actingPartner names the partner above that made a change to this partner's own account, for
// an event copied into this partner's log (store.appendAudit), or "".
func actingPartner(e store.AuditEvent) string {
	var d struct {
		ActingPartner struct {
			Partner string `json:"partner"`
		} `json:"acting_partner"`
	}
	if json.Unmarshal(e.Details, &d) != nil {
		return ""
	}
	return d.ActingPartner.Partner
}

// auditRow is an event as the tables list it. An event not sealed yet shows no number: it is
// "sealing…" until the sequencer gives it its place; its link (by its permanent id) is the
// same before and after.
func auditRow(e store.AuditEvent, q url.Values) templates.AuditRow {
	r := templates.AuditRow{ID: e.ID, Seq: e.Seq, Pending: !e.Sealed(), Time: e.OccurredAt, Staff: e.StaffEmail, Action: string(e.Action),
		ActionLabel: e.Action.Label(), Customer: e.CustomerID, Outcome: string(e.Outcome), ZoomCode: e.ZoomCode, External: e.External,
		DetailURL: withQuery(paths.AuditEventByID(e.ID), q, "before", "")}
	if r.Staff == "" {
		r.Staff = "Tierdesk (automatic)" // jobs, syncs, start-up
		if e.External {
			r.Staff = "Zoom"
		}
	}
	if by := actingPartner(e); by != "" {
		r.Staff += " (" + by + ")"
	}
	switch {
	case e.TargetLabel != "" && e.TargetType != "":
		r.Target = e.TargetType + " " + e.TargetLabel
	case e.TargetType != "":
		r.Target = e.TargetType + " " + e.TargetID
	}
	switch e.Outcome {
	case store.OutcomeSucceeded:
		r.OutcomeKind = "ok"
	case store.OutcomeFailed:
		r.OutcomeKind = "bad"
	case store.OutcomeDenied:
		r.OutcomeKind = "warn"
	default:
		r.OutcomeKind = "info"
	}
	return r
}

// auditDetail shows one event by its place in the chain (GET /audit/{seq}: the links of
// earlier versions, and what `portal audit verify` names) with its before/after diff.
func (h *Handlers) auditDetail(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "audit"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	seq, err := strconv.ParseInt(chi.URLParam(r, "seq"), 10, 64)
	if err != nil || seq <= 0 {
		return errNotFound
	}
	e, err := h.store.AuditEventBySeq(r.Context(), a.Partner.ID, seq)
	if err != nil {
		return err
	}
	return h.renderAuditEvent(w, r, e)
}

// auditEvent shows one event by its permanent id (GET /audit/events/{eventId}), sealed or
// not. An id that is not the partner's own is a 404, with a denied audit event.
func (h *Handlers) auditEvent(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "audit"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	raw := chi.URLParam(r, "eventId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		h.deny(r, policy.ViewPartner, target{Type: "audit_event", ID: raw}, "not found or out of reach")
		return errNotFound
	}
	e, err := h.store.AuditEventByID(r.Context(), a.Partner.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		h.deny(r, policy.ViewPartner, target{Type: "audit_event", ID: raw}, "not found or out of reach")
		return errNotFound
	} else if err != nil {
		return err
	}
	return h.renderAuditEvent(w, r, e)
}

// renderAuditEvent renders the page of one event.
func (h *Handlers) renderAuditEvent(w http.ResponseWriter, r *http.Request, e store.AuditEvent) error {
	q := r.URL.Query()
	p := templates.AuditDetailPage{Row: auditRow(e, q), PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash),
		BackURL: withQuery("/audit", q, "", "")}
	fact := func(label, value string) {
		if value != "" {
			p.Facts = append(p.Facts, templates.Fact{Label: label, Value: value})
		}
	}
	fact("Staff", e.StaffEmail)
	fact("Zoom user", e.ZoomUserID)
	fact("Zoom grant", e.GrantRef)
	fact("Target", strings.TrimSpace(e.TargetType+" "+e.TargetID+" "+parens(e.TargetLabel)))
	fact("Customer", e.CustomerID)
	if e.ZoomCode != 0 || e.ZoomMessage != "" {
		fact("Zoom answer", strings.TrimSpace("code "+strconv.Itoa(e.ZoomCode)+": "+e.ZoomMessage))
	}
	if e.External {
		fact("Source", "Seen from Zoom (not made in Tierdesk)")
	}
	fact("Job", e.JobID)
	fact("Request id", e.RequestID)
	fact("IP address", e.IP)
	fact("Browser", e.UserAgent)
	var pretty bytes.Buffer
	if json.Indent(&pretty, e.Details, "", "  ") == nil {
		p.DetailsJSON = pretty.String()
	} else {
		p.DetailsJSON = string(e.Details)
	}
	p.Diff = diffDetails(e.Details)
	title := "Audit event " + strconv.FormatInt(e.Seq, 10)
	if !e.Sealed() {
		title = "Audit event (sealing…)"
	}
	h.render(w, r, http.StatusOK, templates.AuditDetail(h.chrome(r, title, "audit"), p))
	return nil
}

func parens(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
