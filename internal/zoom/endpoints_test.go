package zoom_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// Every sub-account endpoint, through the client, against the sandbox: shapes decode and
// changes take effect.
func TestSubAccountEndpoints(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	ctx := context.Background()

	created, resp, err := c.CreateSubAccount(ctx, &zoom.CreateSubAccountRequest{FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@analytical.example", Password: "Xk7#pLm2qR", AccountName: "Analytical Engines",
		Options: &zoom.AccountOptionsUpdate{PayMode: zoom.PayModeMaster, BillingAutoRenew: zoom.Bool(true)}})
	if err != nil {
		t.Fatalf("CreateSubAccount: %v", err)
	}
	if created.ID == "" || created.OwnerID == "" || created.OwnerEmail != "ada@analytical.example" || created.CreatedAt.IsZero() || resp.StatusCode != 201 {
		t.Errorf("created = %+v (status %d)", created, resp.StatusCode)
	}
	_, _, err = c.CreateSubAccount(ctx, &zoom.CreateSubAccountRequest{FirstName: "Ada", LastName: "Again",
		Email: "ada@analytical.example", Password: "Xk7#pLm2qR"})
	if !zoom.IsConflict(err) || !strings.Contains(zoom.Explain(err), "already has a Zoom account") || !strings.Contains(zoom.Explain(err), "1005") {
		t.Errorf("duplicate owner: %v / %q", err, zoom.Explain(err))
	}
	_, _, err = c.CreateSubAccount(ctx, &zoom.CreateSubAccountRequest{FirstName: "", LastName: "X", Email: "x@x.example", Password: "short"})
	if ze, ok := zoom.AsError(err); !ok || !zoom.IsValidation(err) || len(ze.Fields) == 0 {
		t.Errorf("invalid input: %v", err)
	} else if x := zoom.Explain(err); !strings.Contains(x, "first_name") || !strings.Contains(x, "300") {
		t.Errorf("Explain = %q, want the field and code", x)
	}

	found := false
	for a, err := range c.SubAccounts(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == created.ID {
			found = a.AccountName == "Analytical Engines" && a.OwnerEmail == "ada@analytical.example" && !a.CreatedAt.IsZero()
		}
	}
	if !found {
		t.Error("the new sub account is not listed with its name and owner")
	}

	got, _, err := c.GetSubAccount(ctx, created.ID)
	if err != nil || got.OwnerEmail != "ada@analytical.example" || got.Options.PayMode != zoom.PayModeMaster || !got.Options.BillingAutoRenew {
		t.Fatalf("GetSubAccount = %+v, %v", got, err)
	}
	if _, err := c.UpdateSubAccountOptions(ctx, created.ID, &zoom.AccountOptionsUpdate{ShareRC: zoom.Bool(true), RoomConnectorList: []string{"10.0.0.1"}}); err != nil {
		t.Fatalf("UpdateSubAccountOptions: %v", err)
	}
	if got, _, err = c.GetSubAccount(ctx, created.ID); err != nil {
		t.Errorf("GetSubAccount after update: %v", err)
	} else if !got.Options.ShareRC || len(got.Options.RoomConnectorList) != 1 {
		t.Errorf("options after update = %+v", got.Options)
	}
	if _, _, err := c.GetSubAccount(ctx, "NoSuchAccount1"); !zoom.IsNotFound(err) || !strings.Contains(zoom.Explain(err), "2001") {
		t.Errorf("unknown account: %v", err)
	}

	// A free account has no settings; subscribe a plan first (billing is the primary's).
	if _, _, err := c.GetAccountSettings(ctx, created.ID, nil); !zoom.IsPermission(err) {
		t.Errorf("settings of a free account: %v, want a code 200 refusal", err)
	}
	contact := zoom.BillingContact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@analytical.example", PhoneNumber: "+1 555 0100",
		Address: "1 Engine Way", City: "London", State: "CA", Zip: "94105", Country: "US"}
	plans, _, err := c.SubscribePlans(ctx, created.ID, &zoom.SubscribePlansRequest{Contact: contact, PlanBase: zoom.PlanOrder{Type: "business_annual", Hosts: 12}})
	if err != nil {
		t.Fatalf("SubscribePlans: %v", err)
	}
	if plans.PlanBase == nil || plans.PlanBase.Hosts != 12 {
		t.Errorf("subscribed plans = %+v", plans)
	}
	if _, err := c.UpdateBasePlan(ctx, created.ID, zoom.PlanOrder{Type: "business_annual", Hosts: 15}); err != nil {
		t.Errorf("UpdateBasePlan: %v", err)
	}
	if _, err := c.SubscribeAddon(ctx, created.ID, &zoom.AddonRequest{Type: "large500_monthly", Hosts: 1}); err != nil {
		t.Errorf("SubscribeAddon: %v", err)
	}
	if _, err := c.UpdateAddon(ctx, created.ID, zoom.PlanOrder{Type: "large500_monthly", Hosts: 2}); err != nil {
		t.Errorf("UpdateAddon: %v", err)
	}
	plans, _, err = c.GetPlans(ctx, created.ID)
	if err != nil || plans.PlanBase == nil || plans.PlanBase.Hosts != 15 || plans.PlanBase.Status != "active" || plans.PlanBase.NextInvoiceDate.IsZero() {
		t.Fatalf("GetPlans = %+v, %v", plans, err)
	}
	if len(plans.PlanLargeMeeting) != 1 || plans.PlanLargeMeeting[0].Hosts != 2 {
		t.Errorf("large meeting add-on = %+v", plans.PlanLargeMeeting)
	}
	if _, err := c.CancelAddon(ctx, created.ID, zoom.CancelPlanRequest{Type: "large500_monthly", Reason: 3, Comment: "not needed"}); err != nil {
		t.Errorf("CancelAddon: %v", err)
	}
	if b, _, err := c.GetBilling(ctx, created.ID); err != nil || b.Email != "ada@analytical.example" || b.Country != "US" {
		t.Errorf("GetBilling = %+v, %v", b, err)
	}
	if _, err := c.UpdateBilling(ctx, created.ID, &zoom.BillingContact{City: "Cambridge"}); err != nil {
		t.Errorf("UpdateBilling: %v", err)
	}
	if b, _, err := c.GetBilling(ctx, created.ID); err != nil || b == nil || b.City != "Cambridge" || b.FirstName != "Ada" {
		t.Errorf("billing after partial update = %+v, %v", b, err)
	}
	if u, _, err := c.GetPlanUsage(ctx, created.ID); err != nil || len(u.PlanBase) == 0 {
		t.Errorf("GetPlanUsage = %+v, %v", u, err)
	}

	s, _, err := c.GetAccountSettings(ctx, created.ID, nil)
	if err != nil || s.Section("schedule_meeting") == nil {
		t.Fatalf("GetAccountSettings = %v, %v", s, err)
	}
	upd := zoom.Settings{}
	upd.Set("schedule_meeting", "host_video", true).Set("in_meeting", "entry_exit_chime", "all")
	if _, err := c.UpdateAccountSettings(ctx, created.ID, upd, nil); err != nil {
		t.Fatalf("UpdateAccountSettings: %v", err)
	}
	s, _, err = c.GetAccountSettings(ctx, created.ID, &zoom.SettingsOptions{CustomQueryFields: []string{"host_video", "entry_exit_chime"}})
	if v, _ := s.Bool("schedule_meeting", "host_video"); err != nil || !v {
		t.Errorf("host_video after update: %v, %v", s, err)
	}
	if v, _ := s.String("in_meeting", "entry_exit_chime"); v != "all" {
		t.Errorf("entry_exit_chime = %q", v)
	}
	bad := zoom.Settings{}
	bad.Set("in_meeting", "entry_exit_chime", "everyone")
	if _, err := c.UpdateAccountSettings(ctx, created.ID, bad, nil); !zoom.IsValidation(err) {
		t.Errorf("invalid setting: %v", err)
	}
	auth, _, err := c.GetAccountSettings(ctx, created.ID, &zoom.SettingsOptions{Option: zoom.OptionMeetingAuthentication})
	if err != nil {
		t.Fatalf("settings meeting_authentication: %v", err)
	}
	if a, err := auth.Authentication(); err != nil || a.MeetingAuthentication == nil {
		t.Errorf("Authentication() = %+v, %v", a, err)
	}
	lock, _, err := c.GetLockSettings(ctx, created.ID, nil)
	if err != nil || len(lock) == 0 {
		t.Fatalf("GetLockSettings = %v, %v", lock, err)
	}
	lu := zoom.Settings{}
	lu.Set("schedule_meeting", "host_video", true)
	if _, err := c.UpdateLockSettings(ctx, created.ID, lu, nil); err != nil {
		t.Errorf("UpdateLockSettings: %v", err)
	}
	if d, _, err := c.ManagedDomains(ctx, "me"); err != nil || d.TotalRecords == 0 || d.Domains[0].Domain != "northwind.example" {
		t.Errorf("ManagedDomains(me) = %+v, %v", d, err)
	}
	if _, _, err := c.TrustedDomains(ctx, created.ID); err != nil {
		t.Errorf("TrustedDomains: %v", err)
	}

	// Owner change: a new admin of the account becomes its owner.
	sc := e.s2s(e.svc, "tierdesk-s2s-northwind")
	if _, _, err := sc.CreateUser(ctx, created.ID, &zoom.CreateUserRequest{Action: zoom.ActionAutoCreate,
		UserInfo: zoom.CreateUserInfo{Email: "charles@analytical.example", Type: zoom.UserLicensed, FirstName: "Charles", LastName: "Babbage", Password: "Zq8!mWx4Lp"}}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := c.ChangeOwner(ctx, created.ID, "charles@analytical.example"); !zoom.IsPermission(err) {
		t.Errorf("owner change to a member: %v, want code 200", err)
	}

	if _, err := c.CancelBasePlan(ctx, created.ID, zoom.CancelPlanRequest{Reason: 1}); err != nil {
		t.Errorf("CancelBasePlan: %v", err)
	}
	if _, err := c.DisassociateSubAccount(ctx, created.ID); err != nil {
		t.Errorf("DisassociateSubAccount: %v", err)
	}
	if _, _, err := c.GetSubAccount(ctx, created.ID); !zoom.IsNotFound(err) {
		t.Errorf("after disassociation: %v, want not found", err)
	}
}

// Every user endpoint, in a sub account and in the own account.
func TestUserEndpoints(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	ctx := context.Background()
	var sub, other string
	for a, err := range c.SubAccounts(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if a.Seats > 0 && sub == "" {
			sub = a.ID
		} else if a.Seats > 0 && other == "" {
			other = a.ID
		}
	}
	if sub == "" || other == "" {
		t.Fatal("need two paid sub accounts")
	}

	nu, _, err := c.CreateUser(ctx, sub, &zoom.CreateUserRequest{Action: zoom.ActionCreate,
		UserInfo: zoom.CreateUserInfo{Email: "grace@navy.example", Type: zoom.UserBasic, FirstName: "Grace", LastName: "Hopper"}})
	if err != nil || nu.ID == "" || nu.Email != "grace@navy.example" {
		t.Fatalf("CreateUser = %+v, %v", nu, err)
	}
	u, _, err := c.GetUser(ctx, sub, "grace@navy.example", nil)
	if err != nil || u.Status != zoom.UserPending || u.AccountID != sub || u.CreatedAt.IsZero() {
		t.Fatalf("GetUser by email = %+v, %v", u, err)
	}
	if _, err := c.DeleteUser(ctx, sub, "grace@navy.example", &zoom.DeleteUserOptions{Action: zoom.DeleteDisassociate}); err != nil {
		t.Fatalf("DeleteUser pending: %v", err)
	}

	au, _, err := c.CreateUser(ctx, sub, &zoom.CreateUserRequest{Action: zoom.ActionAutoCreate,
		UserInfo: zoom.CreateUserInfo{Email: "alan@bletchley.example", Type: zoom.UserBasic, FirstName: "Alan", LastName: "Turing", Password: "Enigma#1939x"}})
	if err != nil {
		t.Fatalf("CreateUser autoCreate: %v", err)
	}
	if _, err := c.UpdateUser(ctx, sub, au.ID, &zoom.UserUpdate{JobTitle: zoom.String("Cryptanalyst"), Dept: zoom.String("Hut 8"), UsePMI: zoom.Bool(true)}, nil); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	u, _, err = c.GetUser(ctx, sub, au.ID, nil)
	if err != nil || u.JobTitle != "Cryptanalyst" || u.Dept != "Hut 8" || !u.UsePMI || u.RoleName == "" || u.PMI == 0 {
		t.Fatalf("GetUser after update = %+v, %v", u, err)
	}
	if _, err := c.UpdateUserStatus(ctx, sub, au.ID, zoom.StatusDeactivate); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	if u, _, err = c.GetUser(ctx, sub, au.ID, nil); err != nil || u == nil || u.Status != zoom.UserInactive {
		t.Errorf("status after deactivate = %+v, %v", u, err)
	}
	if _, err := c.UpdateUserStatus(ctx, sub, au.ID, zoom.StatusActivate); err != nil {
		t.Fatalf("activate: %v", err)
	}
	set, _, err := c.GetUserSettings(ctx, sub, au.ID, nil)
	if err != nil || len(set) == 0 {
		t.Fatalf("GetUserSettings = %v, %v", set, err)
	}
	su := zoom.Settings{}
	su.Set("schedule_meeting", "host_video", false)
	if _, err := c.UpdateUserSettings(ctx, sub, au.ID, su, nil); err != nil {
		t.Errorf("UpdateUserSettings: %v", err)
	}
	if _, err := c.UpdateUserPassword(ctx, sub, au.ID, "Colossus#1944y"); err != nil {
		t.Errorf("UpdateUserPassword: %v", err)
	}
	owner, _, err := c.GetSubAccount(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateUserEmail(ctx, sub, au.ID, owner.OwnerEmail); !zoom.IsConflict(err) {
		t.Errorf("UpdateUserEmail to an address in use: %v, want 1005 conflict", err)
	}
	newEmail := "alan.turing@bletchley.example"
	if _, err := c.UpdateUserEmail(ctx, sub, au.ID, newEmail); err != nil {
		t.Fatalf("UpdateUserEmail: %v", err)
	}
	if u, _, err := c.GetUser(ctx, sub, au.ID, nil); err != nil || u.Email != newEmail {
		t.Errorf("after UpdateUserEmail: %+v, %v", u, err)
	}
	if _, err := c.MoveUser(ctx, sub, au.ID, other); err != nil {
		t.Fatalf("MoveUser: %v", err)
	}
	if _, _, err := c.GetUser(ctx, sub, au.ID, nil); !zoom.IsNotFound(err) {
		t.Errorf("moved user still in the old account: %v", err)
	}
	if u, _, err := c.GetUser(ctx, other, au.ID, nil); err != nil || u.AccountID != other {
		t.Errorf("moved user in the new account: %+v, %v", u, err)
	}
	if _, err := c.DeleteUser(ctx, other, au.ID, &zoom.DeleteUserOptions{Action: zoom.DeletePermanently}); err != nil {
		t.Errorf("DeleteUser: %v", err)
	}
	if _, _, err := c.GetUser(ctx, other, au.ID, nil); !zoom.IsNotFound(err) || !strings.Contains(zoom.Explain(err), "1001") {
		t.Errorf("deleted user: %v", err)
	}

	// The own account: /users.
	me, _, err := c.Me(ctx)
	if err != nil || me.RoleName != "Owner" || !me.IsOwnerOrAdmin() {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	n := 0
	for u, err := range c.Users(ctx, zoom.OwnAccount, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if u.Email == "owner@northwind.example" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("own account list has the owner %d times", n)
	}
	if _, _, err := c.GetUser(ctx, zoom.OwnAccount, "admin@northwind.example", nil); err != nil {
		t.Errorf("GetUser own account: %v", err)
	}
	if _, _, err := c.GetUser(ctx, "", "", nil); err == nil || !strings.Contains(err.Error(), "userId is empty") {
		t.Errorf("empty user id: %v", err)
	}
}
