package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/store"
)

// tnStaffRow is one row of the staff page, as shown.
type tnStaffRow struct{ Role, Status, LastSignIn string }

// tnStaffRows reads the staff page's rows by email.
func tnStaffRows(p *page) map[string]tnStaffRow {
	out := map[string]tnStaffRow{}
	p.Doc().Find(`[data-testid="staff-row"]`).Each(func(_ int, s *goquery.Selection) {
		text := func(id string) string { return strings.TrimSpace(s.Find(`[data-testid="` + id + `"]`).Text()) }
		out[s.AttrOr("data-email", "")] = tnStaffRow{Role: text("staff-row-role"), Status: text("staff-row-status"), LastSignIn: text("staff-row-last-sign-in")}
	})
	return out
}

// tnSetStaff posts a change of a staff member's status or role as owner and returns the staff
// page shown after it (with the change's message).
func tnSetStaff(t *testing.T, e *env, owner *browser, st store.Staff, field, value string) *page {
	t.Helper()
	got := owner.post(e.URL+"/staff/"+itoa(st.ID)+"/"+field, url.Values{field: {value}})
	if got.StatusCode != http.StatusSeeOther || got.Header.Get("Location") != "/staff" {
		t.Fatalf("%s of %s to %s: %d %s", field, st.Email, value, got.StatusCode, got.Header.Get("Location"))
	}
	return owner.get(e.URL + "/staff")
}

// tnStaffEvents lists partnerID's staff audit events, oldest first, as "action:outcome:target".
func tnStaffEvents(t *testing.T, e *env, partnerID int64) []string {
	t.Helper()
	page, err := e.Store.AuditEvents(context.Background(), partnerID, store.AuditFilter{Action: "staff.", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(page.Events) - 1; i >= 0; i-- {
		ev := page.Events[i]
		out = append(out, string(ev.Action)+":"+string(ev.Outcome)+":"+ev.TargetLabel)
	}
	return out
}

// The staff page shows each person's role, status and last sign-in: the time of a real sign-in,
// a dash for an invitation never taken up, and the status as it changes.
func TestStaffPageShowsStatusAndLastSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p := registerNorthwind(t, e)
	staffBrowser(t, e, owner, distAdmin, store.RoleAdmin)
	invite(t, e, owner, distViewer, store.RoleViewer)
	admin := e.staffByEmail(p.ID, distAdmin)
	// A known last sign-in for the admin; the owner's is the registration a moment ago.
	if _, err := e.super().Exec(ctx, "UPDATE staff SET last_sign_in_at = '2024-03-05 07:08:09+00' WHERE id = $1", admin.ID); err != nil {
		t.Fatal(err)
	}
	ownerSignIn := e.staffByEmail(p.ID, distOwner).LastSignInAt
	if ownerSignIn == nil || time.Since(*ownerSignIn) > time.Minute {
		t.Fatalf("the owner's last sign-in is %v", ownerSignIn)
	}
	rows := tnStaffRows(owner.get(e.URL + "/staff"))
	want := map[string]tnStaffRow{
		distOwner:  {"Owner", "active", ownerSignIn.UTC().Format("2006-01-02 15:04 UTC")},
		distAdmin:  {"Admin", "active", "2024-03-05 07:08 UTC"},
		distViewer: {"Viewer", "invited", "—"},
	}
	if len(rows) != len(want) {
		t.Errorf("staff rows %v, want %v", rows, want)
	}
	for email, w := range want {
		if rows[email] != w {
			t.Errorf("%s: %+v, want %+v", email, rows[email], w)
		}
	}
	// Suspended and reinstated: the status follows, the last sign-in stays.
	if got := tnStaffRows(tnSetStaff(t, e, owner, admin, "status", "suspended"))[distAdmin]; got != (tnStaffRow{"Admin", "suspended", "2024-03-05 07:08 UTC"}) {
		t.Errorf("suspended admin: %+v", got)
	}
	if got := tnStaffRows(tnSetStaff(t, e, owner, admin, "status", "active"))[distAdmin]; got != (tnStaffRow{"Admin", "active", "2024-03-05 07:08 UTC"}) {
		t.Errorf("reinstated admin: %+v", got)
	}
	// Signing in again moves the last sign-in on; the invitation taken up becomes active.
	e.browser().signIn(e, distAdmin)
	viewer := e.browser()
	viewer.signIn(e, distViewer)
	rows = tnStaffRows(viewer.get(e.URL + "/staff")) // a viewer sees the same columns
	for _, email := range []string{distAdmin, distViewer} {
		st := e.staffByEmail(p.ID, email)
		if st.LastSignInAt == nil || rows[email].Status != "active" || rows[email].LastSignIn != st.LastSignInAt.UTC().Format("2006-01-02 15:04 UTC") ||
			rows[email].LastSignIn == "2024-03-05 07:08 UTC" {
			t.Errorf("%s after signing in: %+v (last sign-in %v)", email, rows[email], st.LastSignInAt)
		}
	}
}

// Removing a staff member: gone from the page, signed out at once, their Zoom grant erased,
// audited with before and after, refused at sign-in; an invitation can be removed too; a
// removed id is not found any more; and the person can be invited again and sign in.
func TestStaffRemove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p := registerNorthwind(t, e)
	admin := staffBrowser(t, e, owner, distAdmin, store.RoleAdmin)
	invite(t, e, owner, distSupport, store.RoleSupport)
	adminStaff := e.staffByEmail(p.ID, distAdmin)

	after := tnSetStaff(t, e, owner, adminStaff, "status", "removed")
	if !strings.Contains(after.Body, distAdmin+" is removed from your staff") {
		t.Errorf("no message for the removal: %q", after.TestID("flash"))
	}
	if _, shown := tnStaffRows(after)[distAdmin]; shown {
		t.Error("the removed admin is still on the staff page")
	}
	if st := e.staffByEmail(p.ID, distAdmin); st.Status != store.StaffRemoved || st.Role != store.RoleAdmin {
		t.Errorf("removed admin in the database: %s %s", st.Role, st.Status)
	}
	var status string
	var tokens bool
	if err := e.super().QueryRow(ctx, "SELECT status, access_token IS NOT NULL OR refresh_token IS NOT NULL FROM zoom_grants WHERE staff_id = $1",
		adminStaff.ID).Scan(&status, &tokens); err != nil || status != "revoked" || tokens {
		t.Errorf("the removed admin's grant: %s, tokens kept %v (%v)", status, tokens, err)
	}
	evs := auditOf(t, e, p.ID, "staff.remove")
	if len(evs) != 1 || evs[0].Outcome != store.OutcomeSucceeded || evs[0].TargetLabel != distAdmin || evs[0].TargetID != itoa(adminStaff.ID) {
		t.Fatalf("staff.remove events: %+v", evs)
	}
	var d struct{ Before, After struct{ Role, Status string } }
	if err := json.Unmarshal(evs[0].Details, &d); err != nil || d.Before.Status != "active" || d.After.Status != "removed" || d.After.Role != "admin" {
		t.Errorf("removal details %s (%v)", evs[0].Details, err)
	}
	// Signed out at once, and refused at sign-in.
	if got := admin.get(e.URL + "/"); got.StatusCode != http.StatusSeeOther || got.Header.Get("Location") != "/signin" {
		t.Errorf("the removed admin's session: %d %s", got.StatusCode, got.Header.Get("Location"))
	}
	if got := admin.get(admin.startSignIn(e, distAdmin)); got.StatusCode != http.StatusForbidden || !strings.Contains(got.TestID("message-text"), "not on the staff") {
		t.Errorf("the removed admin signing in: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	// The removed id is gone: changing it again is a 404, audited as denied.
	deniedBefore := len(auditOf(t, e, p.ID, "staff.manage"))
	if got := owner.post(e.URL+"/staff/"+itoa(adminStaff.ID)+"/status", url.Values{"status": {"active"}}); got.StatusCode != http.StatusNotFound {
		t.Errorf("reinstating a removed staff member: %d, want 404", got.StatusCode)
	}
	if e.staffByEmail(p.ID, distAdmin).Status != store.StaffRemoved || len(auditOf(t, e, p.ID, "staff.manage")) != deniedBefore+1 {
		t.Error("a removed staff member was reinstated, or the refusal was not audited")
	}
	// An invitation never taken up is removed the same way, and its person is then refused.
	support := e.staffByEmail(p.ID, distSupport)
	if _, shown := tnStaffRows(tnSetStaff(t, e, owner, support, "status", "removed"))[distSupport]; shown {
		t.Error("the removed invitation is still on the staff page")
	}
	if st := e.staffByEmail(p.ID, distSupport); st.Status != store.StaffRemoved {
		t.Errorf("removed invitation: %s", st.Status)
	}
	b := e.browser()
	if got := b.get(b.startSignIn(e, distSupport)); got.StatusCode != http.StatusForbidden {
		t.Errorf("the person of a removed invitation signing in: %d", got.StatusCode)
	}
	// Invited again, the removed admin signs in with the new role.
	invite(t, e, owner, distAdmin, store.RoleViewer)
	back := e.browser()
	if got := back.signIn(e, distAdmin); got.StatusCode != http.StatusOK || got.TestID("staff-role") != "Viewer" {
		t.Errorf("the removed admin, invited again as viewer, lands with %d %q", got.StatusCode, got.TestID("staff-role"))
	}
	if rows := tnStaffRows(owner.get(e.URL + "/staff")); rows[distAdmin].Role != "Viewer" || rows[distAdmin].Status != "active" {
		t.Errorf("the admin invited again: %+v", rows[distAdmin])
	}
}

// The partner always keeps an active owner: the last one can be neither demoted, suspended nor
// removed, whoever asks; an invited or suspended owner does not count; with a second active
// owner the first may be removed, and then the second is the last.
func TestStaffNeverTheLastOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	first := e.staffByEmail(p.ID, distOwner)
	refused := func(who *browser, st store.Staff, field, value string) {
		t.Helper()
		got := tnSetStaff(t, e, who, st, field, value)
		if !strings.Contains(got.Body, st.Email+" is the last active owner") {
			t.Errorf("%s of %s to %s: no refusal shown", field, st.Email, value)
		}
		if now := e.staffByEmail(p.ID, st.Email); now.Role != store.RoleOwner || now.Status != store.StaffActive {
			t.Errorf("%s of the last owner %s to %s went through: %s %s", field, st.Email, value, now.Role, now.Status)
		}
	}
	refused(owner, first, "status", "suspended")
	refused(owner, first, "status", "removed")
	refused(owner, first, "role", "viewer")
	// An owner who has not signed in yet is no owner to fall back on.
	invite(t, e, owner, distAdmin, store.RoleOwner)
	second := e.staffByEmail(p.ID, distAdmin)
	refused(owner, first, "status", "removed")
	// Nor is a suspended one.
	co := e.browser()
	co.signIn(e, distAdmin)
	tnSetStaff(t, e, owner, second, "status", "suspended")
	refused(owner, first, "status", "removed")
	refused(owner, first, "status", "suspended")
	// With the second owner active again, the first can be removed (by the second) ...
	tnSetStaff(t, e, owner, second, "status", "active")
	co = e.browser()
	co.signIn(e, distAdmin)
	if got := tnSetStaff(t, e, co, first, "status", "removed"); !strings.Contains(got.Body, distOwner+" is removed from your staff") {
		t.Error("the first owner was not removed by the second")
	}
	if st := e.staffByEmail(p.ID, distOwner); st.Status != store.StaffRemoved {
		t.Fatalf("first owner: %s", st.Status)
	}
	if got := owner.get(e.URL + "/staff"); got.StatusCode != http.StatusSeeOther {
		t.Errorf("the removed owner's session: %d", got.StatusCode)
	}
	// ... and now the second is the last.
	refused(co, second, "status", "removed")
	refused(co, second, "status", "suspended")
	refused(co, second, "role", "admin")
	want := []string{
		"staff.suspend:denied:" + distOwner, "staff.remove:denied:" + distOwner, "staff.role:denied:" + distOwner,
		"staff.invite:succeeded:" + distAdmin, "staff.remove:denied:" + distOwner,
		"staff.suspend:succeeded:" + distAdmin, "staff.remove:denied:" + distOwner, "staff.suspend:denied:" + distOwner,
		"staff.reinstate:succeeded:" + distAdmin, "staff.remove:succeeded:" + distOwner,
		"staff.remove:denied:" + distAdmin, "staff.suspend:denied:" + distAdmin, "staff.role:denied:" + distAdmin,
	}
	if got := tnStaffEvents(t, e, p.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("staff audit trail:\n got %v\nwant %v", got, want)
	}
}
