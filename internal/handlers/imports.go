package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// Bulk user jobs: a CSV file (or a selection on a customer's users page) is checked row by
// row and stored (the preview); nothing is sent to Zoom until an admin starts it; then a River
// job sends the rows (internal/jobs/bulk_users.go) and /jobs/{id} shows its progress.

// importKinds are the bulk jobs offered, with their labels.
var importKinds = []templates.ChoiceOption{
	{Value: store.ImportCreate, Label: "Create users", Help: "Columns: email, first_name, last_name, type (1 Basic, 2 Licensed, 4 Unassigned, 99 None), action (create, custCreate or ssoCreate), and optionally customer."},
	{Value: store.ImportDeactivate, Label: "Deactivate users", Help: "Columns: email, and optionally customer."},
	{Value: store.ImportRemove, Label: "Remove users", Help: "Columns: email, and optionally customer. You choose disassociate or delete before starting."},
}

// importsPage lists the partner's bulk user jobs and, for admins, the upload form (GET /imports).
func (h *Handlers) importsPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "import"}); err != nil {
		return err
	}
	return h.renderImports(w, r, http.StatusOK, templates.ImportsPage{Kind: store.ImportCreate})
}

func (h *Handlers) renderImports(w http.ResponseWriter, r *http.Request, status int, p templates.ImportsPage) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	p.CanRun, p.MaxRows = h.allowed(r, policy.RunBulk), MaxImportRows
	if p.CanRun {
		f := store.CustomerFilter{PartnerID: a.Partner.ID, Status: store.CustomerActive, Limit: 500}
		page, err := h.store.Customers(ctx, a.Partner.ID, f)
		if err != nil {
			return err
		}
		for _, c := range page.Customers {
			p.CustomerOps = append(p.CustomerOps, templates.Option{Value: c.ZoomAccountID, Label: customerRef(c).Name, Selected: c.ZoomAccountID == p.Customer})
		}
	}
	imps, err := h.store.Imports(ctx, a.Partner.ID, 30)
	if err != nil {
		return err
	}
	for _, imp := range imps {
		s := templates.ImportSummary{Source: imp.Source, Kind: kindLabel(imp.Kind, ""), By: imp.CreatorEmail, When: imp.CreatedAt,
			Status: "checked, not started", StatusKind: "info", URL: paths.Import(imp.ID)}
		if imp.JobID != "" {
			s.URL = paths.Job(imp.JobID)
			j, err := h.store.JobByID(ctx, a.Partner.ID, imp.JobID)
			if err != nil {
				return err
			}
			js := jobSummary(j)
			s.Status, s.StatusKind = js.Status, js.Kind
			s.Counts = fmt.Sprintf("%d done, %d failed of %d", j.Done, j.Failed, j.Total)
		}
		p.Imports = append(p.Imports, s)
	}
	h.render(w, r, status, templates.Imports(h.chrome(r, "Bulk jobs", "imports"), p, importKinds))
	return nil
}

// kindLabel names a bulk job's kind (with the remove action once chosen).
func kindLabel(kind, removeAction string) string {
	switch kind {
	case store.ImportDeactivate:
		return "Deactivate users"
	case store.ImportFleet:
		return "Change customers"
	case store.ImportRemove:
		if removeAction == zoom.DeletePermanently {
			return "Delete users"
		}
		return "Remove users"
	}
	return "Create users"
}

// uploadImport checks an uploaded CSV and stores it for preview (POST /imports, admins).
// Nothing is sent to Zoom.
func (h *Handlers) uploadImport(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.RunBulk, target{Type: "import"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	p := templates.ImportsPage{Kind: r.URL.Query().Get("kind")}
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			p.FileError = "The file is larger than Tierdesk accepts in one upload: split it into smaller files."
		} else {
			p.FileError = "Choose a CSV file to upload."
		}
		return h.renderImports(w, r, http.StatusUnprocessableEntity, p)
	}
	p.Kind, p.Customer = r.FormValue("kind"), r.FormValue("customer")
	if _, ok := requiredColumns[p.Kind]; !ok {
		p.Kind = store.ImportCreate
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		p.FileError = "Choose a CSV file to upload."
		return h.renderImports(w, r, http.StatusUnprocessableEntity, p)
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return err
	}
	var def *store.Customer
	if p.Customer != "" {
		c, err := h.store.CustomerByAccount(ctx, a.Partner.ID, p.Customer)
		if err != nil || c.PartnerID != a.Partner.ID || c.Status != store.CustomerActive {
			p.FileError = "Choose one of your own active customers, or none to use the file's customer column."
			return h.renderImports(w, r, http.StatusUnprocessableEntity, p)
		}
		def = &c
	}
	rows, hasCustomer, err := parseImportCSV(data, p.Kind)
	var fe *fileError
	switch {
	case errors.As(err, &fe) && fe.notText != "":
		p.FileError = fe.msg
		h.refuseFile(r, "file", hdr.Filename, fe)
		return h.renderImports(w, r, http.StatusBadRequest, p)
	case errors.As(err, &fe):
		p.FileError = fe.msg
		return h.renderImports(w, r, http.StatusUnprocessableEntity, p)
	case err != nil:
		return err
	case !hasCustomer && def == nil:
		p.FileError = "The file has no customer column: choose the customer these users belong to."
		return h.renderImports(w, r, http.StatusUnprocessableEntity, p)
	}
	checked, notes, err := h.checkImport(r, p.Kind, rows, def)
	if err != nil {
		return err
	}
	imp, err := h.store.CreateImport(ctx, a.Partner.ID, store.NewImport{Kind: p.Kind, Source: hdr.Filename, Notes: notes,
		CreatedBy: &a.Staff.ID, Rows: checked}, h.requestEvent(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Import(imp.ID), http.StatusSeeOther)
	return nil
}

// importTemplate serves an example file (GET /imports/template.csv).
func (h *Handlers) importTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "import"}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tierdesk-users-template.csv"`)
	_, err := io.WriteString(w, "email,first_name,last_name,type,action,customer\n"+
		"ann.lee@example.com,Ann,Lee,1,create,\nbo.chen@example.com,Bo,Chen,2,create,\n")
	return err
}

// importTarget loads the bulk job the URL names, for action. Unknown ids and bulk jobs out of
// reach are the same 404, with a denied audit event.
func (h *Handlers) importTarget(r *http.Request, action policy.Action) (store.Import, error) {
	a := staffFrom(r.Context())
	id := chi.URLParam(r, "importId")
	imp, err := h.store.ImportByID(r.Context(), a.Partner.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		h.deny(r, action, target{Type: "import", ID: id}, "not found or out of reach")
		return imp, errNotFound
	} else if err != nil {
		return imp, err
	}
	return imp, h.authorize(r, action, target{PartnerID: imp.PartnerID, Type: "import", ID: imp.ID, Label: imp.Source})
}

// importPage shows a checked bulk job before it starts (GET /imports/{importId}); a started one
// is its job's page.
func (h *Handlers) importPage(w http.ResponseWriter, r *http.Request) error {
	imp, err := h.importTarget(r, policy.ViewJob)
	if err != nil {
		return err
	}
	if imp.JobID != "" {
		http.Redirect(w, r, paths.Job(imp.JobID), http.StatusSeeOther)
		return nil
	}
	if imp.Status == "discarded" {
		return errNotFound
	}
	if imp.Kind == store.ImportFleet {
		return h.fleetPreview(w, r, imp)
	}
	return h.renderImport(w, r, http.StatusOK, imp, templates.ImportPreviewPage{RemoveAction: zoom.DeleteDisassociate})
}

func (h *Handlers) renderImport(w http.ResponseWriter, r *http.Request, status int, imp store.Import, p templates.ImportPreviewPage) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	rows, err := h.store.ImportRows(ctx, a.Partner.ID, imp.ID, store.RowFilter{})
	if err != nil {
		return err
	}
	p.Source, p.Kind, p.KindLabel, p.Notes = imp.Source, imp.Kind, kindLabel(imp.Kind, ""), imp.Notes
	p.StartURL, p.DiscardURL, p.Remove = paths.ImportStart(imp.ID), paths.ImportDiscard(imp.ID), imp.Kind == store.ImportRemove
	p.Columns, p.BackURL, p.BackText = importColumns(imp), "/imports", "← Bulk jobs"
	perCustomer := map[string]int{}
	accounts := map[string]string{} // the customers the rows name: Zoom account id → name
	for _, row := range rows {
		p.Total++
		if row.ZoomAccountID != "" {
			accounts[row.ZoomAccountID] = row.CustomerName
		}
		if row.State == store.RowInvalid {
			p.Invalid++
			if len(p.Problems) < 500 {
				p.Problems = append(p.Problems, importRowView(row))
			} else {
				p.MoreProblems++
			}
			continue
		}
		p.Valid++
		perCustomer[row.CustomerName]++
		if len(p.Sample) < 20 {
			p.Sample = append(p.Sample, importRowView(row))
		}
	}
	switch {
	case len(p.Sample) == 1 && p.Valid == 1:
		p.SampleTitle = "The row to send"
	case len(p.Sample) == p.Valid:
		p.SampleTitle = fmt.Sprintf("All %d rows to send", p.Valid)
	default:
		p.SampleTitle = fmt.Sprintf("First %d of %d rows to send", len(p.Sample), p.Valid)
	}
	if !p.Columns.Line && len(accounts) == 1 { // a selection: back to the users it was made on
		for id, name := range accounts {
			p.BackURL, p.BackText = paths.Users(id), "← Users of "+name
		}
	}
	names := make([]string, 0, len(perCustomer))
	for n := range perCustomer {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p.PerCustomer = append(p.PerCustomer, templates.Fact{Label: n, Value: templates.Thousands(perCustomer[n])})
	}
	verb := map[string]string{store.ImportCreate: "Create", store.ImportDeactivate: "Deactivate", store.ImportRemove: "Remove"}[imp.Kind]
	p.StartLabel = fmt.Sprintf("%s %s %s", verb, templates.Thousands(p.Valid), map[bool]string{true: "user", false: "users"}[p.Valid == 1])
	p.CanStart = imp.Status == "preview" && imp.PartnerID == a.Partner.ID && h.allowed(r, policy.RunBulk) && p.Valid > 0
	h.render(w, r, status, templates.ImportPreview(h.chrome(r, "Check of "+imp.Source, "imports"), p))
	return nil
}

// selectionSource starts the source of a bulk job made from a selection on a customer's users
// page (a file's source is its name).
const selectionSource = "Selection in "

// importColumns are the optional columns of a bulk job's rows worth showing: the line for a
// file (a selection's lines are just its order), the create action for a create job (the
// others have none).
func importColumns(imp store.Import) templates.ImportColumns {
	if imp.Kind == store.ImportFleet {
		return templates.ImportColumns{Customers: true}
	}
	return templates.ImportColumns{Line: !strings.HasPrefix(imp.Source, selectionSource), Action: imp.Kind == store.ImportCreate}
}

// importRowView shows a row of a bulk job.
func importRowView(row store.ImportRow) templates.ImportRowView {
	v := templates.ImportRowView{Line: row.Line, Customer: row.CustomerName, Email: row.Email, Name: strings.TrimSpace(row.FirstName + " " + row.LastName),
		Action: row.CreateAction, State: row.State, Message: row.Message, ZoomCode: row.ZoomCode}
	if v.Customer == "" {
		v.Customer = row.ZoomAccountID
	}
	if row.Type != 0 {
		v.Type = typeLabel(row.Type)
	}
	switch row.State {
	case store.RowSucceeded:
		v.StateKind = "ok"
	case store.RowFailed, store.RowInvalid:
		v.StateKind = "bad"
	case store.RowCancelled:
		v.StateKind = "warn"
	default:
		v.StateKind = "info"
	}
	return v
}

// startImport starts a checked bulk job (POST /imports/{importId}/start, admins): a River job
// sends its valid rows to Zoom.
func (h *Handlers) startImport(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	imp, err := h.importTarget(r, policy.RunBulk)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	if imp.JobID != "" {
		http.Redirect(w, r, paths.Job(imp.JobID), http.StatusSeeOther)
		return nil
	}
	if imp.Kind == store.ImportFleet {
		return h.startFleet(w, r, imp)
	}
	removeAction := ""
	ev := h.requestEvent(r)
	if imp.Kind == store.ImportRemove {
		opts := service.ImportOptions{RemoveAction: r.PostFormValue("remove_action"), TransferEmail: strings.TrimSpace(r.PostFormValue("transfer_email")),
			TransferMeeting: r.PostFormValue("transfer_meeting") == "true", TransferWebinar: r.PostFormValue("transfer_webinar") == "true",
			TransferRecording: r.PostFormValue("transfer_recording") == "true"}
		errs := map[string]string{}
		switch {
		case opts.RemoveAction != zoom.DeleteDisassociate && opts.RemoveAction != zoom.DeletePermanently:
			errs["remove_action"] = "Choose disassociate or delete."
		case opts.RemoveAction == zoom.DeleteDisassociate:
			opts.TransferEmail, opts.TransferMeeting, opts.TransferWebinar, opts.TransferRecording = "", false, false, false
		case opts.TransferEmail != "":
			if msg := checkEmail(opts.TransferEmail); msg != "" {
				errs["transfer_email"] = msg
			}
		case opts.TransferMeeting || opts.TransferWebinar || opts.TransferRecording:
			errs["transfer_email"] = "Enter who receives the transfers."
		}
		if opts.RemoveAction == zoom.DeletePermanently && len(errs) == 0 {
			rows, err := h.store.ImportRows(ctx, a.Partner.ID, imp.ID, store.RowFilter{States: []string{store.RowReady}})
			if err != nil {
				return err
			}
			customers := map[int64]bool{}
			for _, row := range rows {
				if row.CustomerID != nil {
					customers[*row.CustomerID] = true
				}
			}
			n, err := h.pendingRows(r, rows)
			if err != nil {
				return err
			}
			if opts.TransferEmail != "" && len(customers) > 1 {
				// A Zoom user belongs to one account: one recipient cannot take the data of
				// users of several customers.
				errs["transfer_email"] = fmt.Sprintf("These users are in %d customers, and transfers go to a user of the same customer: "+
					"%s can be a user of one of them at most. Run one job per customer, or delete without transfers.", len(customers), opts.TransferEmail)
			}
			if n > 0 {
				errs["remove_action"] = fmt.Sprintf("%d of these users %s pending (the invitation is not accepted): Zoom only disassociates a pending user. "+
					"Choose disassociate, or leave the pending users out of the file.", n, map[bool]string{true: "is", false: "are"}[n == 1])
			}
		}
		if len(errs) > 0 {
			return h.renderImport(w, r, http.StatusUnprocessableEntity, imp, templates.ImportPreviewPage{RemoveAction: opts.RemoveAction,
				TransferEmail: opts.TransferEmail, Errors: errs})
		}
		if err := h.store.SetImportOptions(ctx, a.Partner.ID, imp.ID, opts); err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
		removeAction = opts.RemoveAction
		ev.Details = details(map[string]any{"options": opts}) // "job.start" says how users are removed
	}
	tally, err := h.store.ImportTally(ctx, a.Partner.ID, imp.ID)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s: %d from %s", kindLabel(imp.Kind, removeAction), tally.Total-tally.Invalid, imp.Source)
	j, err := jobs.StartBulk(ctx, h.store, h.river, a.Partner.ID, a.Staff.ID, imp.ID, title, ev)
	if errors.Is(err, store.ErrConflict) {
		h.flash(ctx, "info", "This job was already started or discarded.")
		http.Redirect(w, r, "/imports", http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Job(j.ID), http.StatusSeeOther)
	return nil
}

// pendingRows counts the rows (of a bulk job, still to send) whose user the directory has as
// pending in the row's customer (Zoom deletes no pending user: it only disassociates them).
func (h *Handlers) pendingRows(r *http.Request, rows []store.ImportRow) (int, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	pending := map[string]bool{} // customer id and lower-case email
	for start := 0; start < len(rows); start += 1000 {
		emails := make([]string, 0, 1000)
		for _, row := range rows[start:min(start+1000, len(rows))] {
			emails = append(emails, row.Email)
		}
		found, err := h.store.UsersByEmail(ctx, a.Partner.ID, emails)
		if err != nil {
			return 0, err
		}
		for _, u := range found {
			if u.Status == store.UserPending {
				pending[strconv.FormatInt(u.CustomerID, 10)+" "+strings.ToLower(u.Email)] = true
			}
		}
	}
	n := 0
	for _, row := range rows {
		if row.CustomerID != nil && pending[strconv.FormatInt(*row.CustomerID, 10)+" "+strings.ToLower(row.Email)] {
			n++
		}
	}
	return n, nil
}

// discardImport drops a checked bulk job that was not started (POST
// /imports/{importId}/discard, admins).
func (h *Handlers) discardImport(w http.ResponseWriter, r *http.Request) error {
	imp, err := h.importTarget(r, policy.RunBulk)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	if err := h.store.DiscardImport(r.Context(), a.Partner.ID, imp.ID, h.requestEvent(r)); errors.Is(err, store.ErrConflict) {
		h.flash(r.Context(), "info", "This job was already started or discarded.")
	} else if err != nil {
		return err
	} else {
		h.flash(r.Context(), "ok", "The check of "+imp.Source+" is discarded. Nothing was sent to Zoom.")
	}
	http.Redirect(w, r, "/imports", http.StatusSeeOther)
	return nil
}

// bulkSelection prepares a bulk deactivate or remove of the users selected on a customer's
// users page (POST /customers/{accountId}/users/bulk, admins): checked like a file, then
// shown for confirmation.
func (h *Handlers) bulkSelection(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.RunBulk)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	kind := r.PostFormValue("op")
	if kind != store.ImportDeactivate && kind != store.ImportRemove {
		kind = store.ImportDeactivate
	}
	emails := r.PostForm["email"]
	if len(emails) == 0 {
		h.flash(ctx, "info", "Select the users first (the boxes at the start of each row).")
		http.Redirect(w, r, paths.Users(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	if len(emails) > MaxImportRows {
		emails = emails[:MaxImportRows]
	}
	rows := make([]csvRow, len(emails))
	for i, e := range emails {
		rows[i] = csvRow{line: i + 1, email: strings.TrimSpace(e)}
	}
	checked, notes, err := h.checkImport(r, kind, rows, &c)
	if err != nil {
		return err
	}
	imp, err := h.store.CreateImport(ctx, a.Partner.ID, store.NewImport{Kind: kind, Source: selectionSource + customerRef(c).Name,
		Notes: notes, CreatedBy: &a.Staff.ID, Rows: checked}, h.requestEvent(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Import(imp.ID), http.StatusSeeOther)
	return nil
}
