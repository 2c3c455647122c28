package handlers

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
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

// auditFilter reads the audit filter from the query string, but for its customer field,
// which auditFilterOf understands. Bad values are ignored (the filter is a view, not a
// change), except that they are kept in the form.
func auditFilter(q url.Values) store.AuditFilter {
	f := store.AuditFilter{
		Action:  q.Get("action"),
		Outcome: store.Outcome(q.Get("outcome")),
		Text:    q.Get("q"),
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

// auditList is the audit log page (GET /audit), its results fragment for htmx, and the
// customer field's suggestions (the fragment its own htmx request asks for).
func (h *Handlers) auditList(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "audit"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	q := r.URL.Query()
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "audit-customers" {
		opts, err := h.customerSuggestions(ctx, a, q.Get("customer"))
		if err != nil {
			return err
		}
		h.render(w, r, http.StatusOK, templates.AuditCustomerOptions(opts))
		return nil
	}
	f, choice, err := h.auditFilterOf(ctx, a, q)
	if err != nil {
		return err
	}
	page, err := h.store.AuditEvents(ctx, a.Partner.ID, f)
	if err != nil {
		return err
	}
	head, err := h.store.AuditChainHead(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	names, err := h.auditNamesOf(ctx, a, page.Events)
	if err != nil {
		return err
	}
	// The exports name the customers the field was understood as, by their ids.
	exportQ := cloneValues(q)
	exportQ.Del("before")
	if len(choice.ids) > 0 {
		exportQ["customer"] = choice.ids
	}
	p := templates.AuditListPage{
		Query: q.Get("q"), From: q.Get("from"), To: q.Get("to"), Customer: choice.shown, CustomerNote: choice.note,
		CustomerChoices: choice.choices, Target: q.Get("target"),
		CSVURL: paths.With("/audit.csv", exportQ), NDJSONURL: paths.With("/audit.ndjson", exportQ),
	}
	if head.Seq > 0 {
		p.HeadSeq, p.HeadHash = head.Seq, hex.EncodeToString(head.Hash)
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
		p.Rows = append(p.Rows, names.row(e, q))
	}
	if len(p.Rows) == 0 && choice.unknown && p.CustomerNote == "" {
		p.CustomerNote = "No customer you can see is named “" + choice.shown + "”. Type part of a name and choose it from the list."
	}
	if p.Target != "" {
		p.TargetName, p.ClearTargetURL = targetInWords(f, page.Events, names), withQuery("/audit", q, "target", "", "before", "")
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
		label := s.Name()
		if label != s.Email {
			label += " (" + s.Email + ")"
		}
		p.StaffOpts = append(p.StaffOpts, templates.Option{Value: v, Label: label, Selected: v == q.Get("staff")})
	}
	inLog, err := h.store.AuditActions(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	p.ActionGroups = actionGroups(f.Action, inLog)
	for _, o := range []struct {
		value store.Outcome
		label string
	}{{store.OutcomeSucceeded, "Succeeded"}, {store.OutcomeFailed, "Failed (Zoom or Tierdesk refused)"},
		{store.OutcomeDenied, "Denied (not allowed)"}, {store.OutcomePending, "Pending (awaiting Zoom)"}} {
		p.OutcomeOpts = append(p.OutcomeOpts, templates.Option{Value: string(o.value), Label: o.label, Selected: o.value == f.Outcome})
	}
	h.render(w, r, http.StatusOK, templates.AuditList(h.chrome(r, "Audit log", "audit"), p))
	return nil
}

// cloneValues copies a query without its empty values.
func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		if len(v) > 0 && v[0] != "" {
			c[k] = append([]string(nil), v...)
		}
	}
	return c
}

// targetInWords names the target filter ("User ana@example.com"), from the events about it
// when there are any.
func targetInWords(f store.AuditFilter, events []store.AuditEvent, names auditNames) string {
	for _, e := range events {
		if e.TargetType == f.TargetType && e.TargetID == f.TargetID {
			kind, name, _ := names.target(e)
			return kind + " " + name
		}
	}
	kind := targetKinds[f.TargetType]
	if kind == "" {
		kind = f.TargetType
	}
	return strings.TrimSpace(kind + " " + f.TargetID)
}

// actionGroups lists the choices of the audit log's action filter, all in words: each area
// of Tierdesk (its first choice every action of the area, by its prefix), then the refusals
// by role (the permission lacked), then any action of the log that is none of these (an
// older version's), and last the filter in force when it is none of them, so that the form
// keeps it when another filter changes.
func actionGroups(current string, inLog []audit.Action) []templates.OptionGroup {
	listed := map[string]bool{}
	opt := func(value, label string) templates.Option {
		listed[value] = true
		return templates.Option{Value: value, Label: label, Selected: value == current}
	}
	byLabel := func(opts []templates.Option) {
		sort.SliceStable(opts, func(i, j int) bool { return opts[i].Label < opts[j].Label })
	}
	var groups []templates.OptionGroup
	for _, ar := range audit.Areas() {
		g := templates.OptionGroup{Label: ar.Name}
		for _, act := range audit.All() {
			if area, _ := audit.AreaOf(act); area == ar && !act.Permission() {
				g.Options = append(g.Options, opt(string(act), act.Label()))
			}
		}
		byLabel(g.Options)
		g.Options = append([]templates.Option{opt(ar.Prefix, ar.Any)}, g.Options...)
		groups = append(groups, g)
	}
	refused := templates.OptionGroup{Label: "Refused by role"}
	for _, act := range audit.All() {
		if act.Permission() {
			refused.Options = append(refused.Options, opt(string(act), "Refused: "+strings.ToLower(act.Label()[:1])+act.Label()[1:]))
		}
	}
	byLabel(refused.Options)
	groups = append(groups, refused)
	older := templates.OptionGroup{Label: "From earlier versions"}
	for _, act := range inLog {
		if !listed[string(act)] {
			older.Options = append(older.Options, opt(string(act), act.Words()))
		}
	}
	if current != "" && !listed[current] {
		if prefix, ok := strings.CutSuffix(current, "."); ok {
			older.Options = append(older.Options, opt(current, "Every action starting “"+audit.Action(prefix).Words()+"”"))
		} else {
			older.Options = append(older.Options, opt(current, audit.Action(current).Words()))
		}
	}
	if len(older.Options) > 0 {
		groups = append(groups, older)
	}
	return groups
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
		ActionLabel: eventWords(e), Customer: e.CustomerID, Outcome: string(e.Outcome), ZoomCode: e.ZoomCode, External: e.External,
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

// renderAuditEvent renders the page of one event, naming and linking what it is about and
// the events before and after it in the chain.
func (h *Handlers) renderAuditEvent(w http.ResponseWriter, r *http.Request, e store.AuditEvent) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	q := r.URL.Query()
	names, err := h.auditNamesOf(ctx, a, []store.AuditEvent{e})
	if err != nil {
		return err
	}
	row := names.row(e, q)
	p := templates.AuditDetailPage{Row: row, PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash),
		BackURL: withQuery("/audit", q, "", "")}
	if e.Sealed() {
		prev, next, err := h.store.AuditNeighbours(ctx, a.Partner.ID, e.Seq)
		if err != nil {
			return err
		}
		if prev != 0 {
			p.PrevURL, p.PrevSeq = withQuery(paths.AuditEventByID(prev), q, "before", ""), e.Seq-1
		}
		if next != 0 {
			p.NextURL, p.NextSeq = withQuery(paths.AuditEventByID(next), q, "before", ""), e.Seq+1
		}
	}
	p.Facts = eventFacts(e, row)
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

// eventFacts are what an event's page says happened: who, to what, for which customer, in
// which job, what Zoom answered and where the request came from, named and linked as row is.
func eventFacts(e store.AuditEvent, row templates.AuditRow) []templates.AuditFact {
	var out []templates.AuditFact
	add := func(f templates.AuditFact) {
		if f.Value != "" {
			out = append(out, f)
		}
	}
	who := templates.AuditFact{Key: "staff", Label: "Who", Value: row.Staff}
	if row.StaffName != "" {
		who.Value, who.URL, who.Note = row.StaffName, row.StaffURL, row.Staff
	}
	add(who)
	if row.TargetName != "" {
		add(templates.AuditFact{Key: "target", Label: row.TargetKind, Value: row.TargetName, URL: row.TargetURL,
			Note: noteIf(e.TargetID != row.TargetName && e.TargetType != "staff", e.TargetID)})
	}
	if row.CustomerName != "" {
		if !(e.TargetType == "customer" && e.TargetID == e.CustomerID) {
			add(templates.AuditFact{Key: "customer", Label: "Customer", Value: row.CustomerName, URL: row.CustomerURL, Note: e.CustomerID})
		}
	} else {
		add(templates.AuditFact{Key: "customer", Label: "Customer", Value: e.CustomerID, Code: true,
			Note: noteIf(e.CustomerID != "", "not a customer you can open")})
	}
	switch {
	case row.JobURL != "":
		add(templates.AuditFact{Key: "job", Label: "Job", Value: row.JobName, URL: row.JobURL})
	case e.JobID != "" && !(e.TargetType == "job" && e.TargetID == e.JobID):
		add(templates.AuditFact{Key: "job", Label: "Job", Value: e.JobID, Code: true})
	}
	if e.ZoomCode != 0 || e.ZoomMessage != "" {
		add(templates.AuditFact{Key: "zoom-answer", Label: "Zoom answered", Value: strings.TrimSpace("code " + strconv.Itoa(e.ZoomCode) + ": " + e.ZoomMessage)})
	}
	if e.External {
		add(templates.AuditFact{Key: "source", Label: "Source", Value: "Seen from Zoom (not made in Tierdesk)"})
	}
	add(templates.AuditFact{Key: "zoom-user", Label: "Zoom user", Value: e.ZoomUserID, Code: true})
	add(templates.AuditFact{Key: "grant", Label: "Zoom grant", Value: e.GrantRef, Code: true})
	add(templates.AuditFact{Key: "request", Label: "Request id", Value: e.RequestID, Code: true})
	add(templates.AuditFact{Key: "ip", Label: "IP address", Value: e.IP})
	add(templates.AuditFact{Key: "browser", Label: "Browser", Value: e.UserAgent})
	return out
}

// noteIf is note when cond holds, else "".
func noteIf(cond bool, note string) string {
	if cond {
		return note
	}
	return ""
}
