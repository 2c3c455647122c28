package policy

import (
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
)

func TestDecide(t *testing.T) {
	const dist, resellerA, resellerB = 1, 2, 3
	distActor := func(r store.Role) Actor {
		return Actor{PartnerID: dist, Role: r, Reach: []int64{dist, resellerA, resellerB}}
	}
	resActor := func(r store.Role) Actor { return Actor{PartnerID: resellerA, Role: r, Reach: []int64{resellerA}} }
	cases := []struct {
		name   string
		actor  Actor
		action Action
		target Target
		want   Decision
	}{
		{"viewer reads own customer", distActor(store.RoleViewer), ViewCustomer, Target{dist}, Allow},
		{"viewer cannot edit", distActor(store.RoleViewer), EditCustomer, Target{dist}, Forbidden},
		{"viewer cannot manage users", distActor(store.RoleViewer), ManageUsers, Target{}, Forbidden},
		{"support manages users", distActor(store.RoleSupport), ManageUsers, Target{dist}, Allow},
		{"support cannot edit customers", distActor(store.RoleSupport), EditCustomer, Target{dist}, Forbidden},
		{"admin edits", distActor(store.RoleAdmin), EditCustomer, Target{dist}, Allow},
		{"admin cannot manage staff", distActor(store.RoleAdmin), ManageStaff, Target{}, Forbidden},
		{"owner manages staff", distActor(store.RoleOwner), ManageStaff, Target{}, Allow},
		{"distributor reads reseller's customer", distActor(store.RoleViewer), ViewCustomer, Target{resellerA}, Allow},
		{"distributor reads reseller's job", distActor(store.RoleOwner), ViewJob, Target{resellerB}, Allow},
		{"distributor owner cannot edit reseller's customer", distActor(store.RoleOwner), EditCustomer, Target{resellerA}, NotFound},
		{"distributor cannot manage reseller's users", distActor(store.RoleOwner), ManageUsers, Target{resellerA}, NotFound},
		{"distributor cannot manage reseller's staff", distActor(store.RoleOwner), ManageStaff, Target{resellerA}, NotFound},
		{"distributor viewer editing reseller's customer is not found, not forbidden", distActor(store.RoleViewer), EditCustomer, Target{resellerA}, NotFound},
		{"reseller cannot read sibling", resActor(store.RoleOwner), ViewCustomer, Target{resellerB}, NotFound},
		{"reseller cannot read its distributor", resActor(store.RoleOwner), ViewCustomer, Target{dist}, NotFound},
		{"reseller reads own", resActor(store.RoleSupport), ViewCustomer, Target{resellerA}, Allow},
		{"unknown action", distActor(store.RoleOwner), Action("nuke"), Target{}, NotFound},
		{"no partner", Actor{Role: store.RoleOwner}, ViewPartner, Target{}, NotFound},
		{"no role", Actor{PartnerID: dist}, ViewPartner, Target{}, NotFound},
	}
	for _, tc := range cases {
		if got := Decide(tc.actor, tc.action, tc.target); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEveryActionHasARole(t *testing.T) {
	for _, a := range []Action{ViewPartner, ViewCustomer, ViewJob, ManageUsers, EditCustomer, DisassociateCustomer,
		SyncCustomers, RunBulk, CancelJob, ManageStaff, ManageGrants} {
		if !Least(a).Valid() {
			t.Errorf("action %s has no least role", a)
		}
	}
}
