package policy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
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
		{"viewer reads own customer", distActor(store.RoleViewer), ViewCustomer, Target{PartnerID: dist}, Allow},
		{"viewer cannot edit", distActor(store.RoleViewer), EditCustomer, Target{PartnerID: dist}, Forbidden},
		{"viewer cannot manage users", distActor(store.RoleViewer), ManageUsers, Target{}, Forbidden},
		{"support manages users", distActor(store.RoleSupport), ManageUsers, Target{PartnerID: dist}, Allow},
		{"support cannot edit customers", distActor(store.RoleSupport), EditCustomer, Target{PartnerID: dist}, Forbidden},
		{"admin edits", distActor(store.RoleAdmin), EditCustomer, Target{PartnerID: dist}, Allow},
		{"admin cannot manage staff", distActor(store.RoleAdmin), ManageStaff, Target{}, Forbidden},
		{"owner manages staff", distActor(store.RoleOwner), ManageStaff, Target{}, Allow},
		{"viewer cannot manage groups", distActor(store.RoleViewer), ManageGroups, Target{}, Forbidden},
		{"support cannot manage groups", distActor(store.RoleSupport), ManageGroups, Target{}, Forbidden},
		{"admin manages groups", distActor(store.RoleAdmin), ManageGroups, Target{}, Allow},
		{"distributor cannot manage reseller's groups", distActor(store.RoleOwner), ManageGroups, Target{PartnerID: resellerA}, NotFound},
		{"distributor reads reseller's customer", distActor(store.RoleViewer), ViewCustomer, Target{PartnerID: resellerA}, Allow},
		{"distributor reads reseller's job", distActor(store.RoleOwner), ViewJob, Target{PartnerID: resellerB}, Allow},
		{"distributor owner cannot edit reseller's customer", distActor(store.RoleOwner), EditCustomer, Target{PartnerID: resellerA}, NotFound},
		{"distributor cannot manage reseller's users", distActor(store.RoleOwner), ManageUsers, Target{PartnerID: resellerA}, NotFound},
		{"distributor cannot manage reseller's staff", distActor(store.RoleOwner), ManageStaff, Target{PartnerID: resellerA}, NotFound},
		{"distributor viewer editing reseller's customer is not found, not forbidden", distActor(store.RoleViewer), EditCustomer, Target{PartnerID: resellerA}, NotFound},
		{"reseller cannot read sibling", resActor(store.RoleOwner), ViewCustomer, Target{PartnerID: resellerB}, NotFound},
		{"reseller cannot read its distributor", resActor(store.RoleOwner), ViewCustomer, Target{PartnerID: dist}, NotFound},
		{"reseller reads own", resActor(store.RoleSupport), ViewCustomer, Target{PartnerID: resellerA}, Allow},
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

func TestDecideScoped(t *testing.T) {
	const dist, reseller = 1, 2
	scope := &store.Scope{Groups: []int64{7}, IDs: []int64{10}, Accounts: []string{"acct-in"}}
	scoped := func(r store.Role) Actor {
		return Actor{PartnerID: dist, Role: r, Reach: []int64{dist, reseller}, Scope: scope}
	}
	empty := Actor{PartnerID: dist, Role: store.RoleOwner, Reach: []int64{dist}, Scope: &store.Scope{Groups: []int64{7}}}
	cases := []struct {
		name   string
		actor  Actor
		action Action
		target Target
		want   Decision
	}{
		{"reads a customer in scope", scoped(store.RoleViewer), ViewCustomer, Target{PartnerID: dist, CustomerID: "acct-in"}, Allow},
		{"support manages users in scope", scoped(store.RoleSupport), ManageUsers, Target{PartnerID: dist, CustomerID: "acct-in"}, Allow},
		{"customer out of scope is not found", scoped(store.RoleOwner), ViewCustomer, Target{PartnerID: dist, CustomerID: "acct-out"}, NotFound},
		{"out of scope is not found before the role", scoped(store.RoleViewer), EditCustomer, Target{PartnerID: dist, CustomerID: "acct-out"}, NotFound},
		{"a reseller's customer out of scope", scoped(store.RoleViewer), ViewCustomer, Target{PartnerID: reseller, CustomerID: "acct-out"}, NotFound},
		{"an empty scope reaches no customer", empty, ViewCustomer, Target{CustomerID: "acct-in"}, NotFound},
		{"partner pages stay readable", scoped(store.RoleViewer), ViewPartner, Target{}, Allow},
		{"role still decides first", scoped(store.RoleSupport), ManageStaff, Target{}, Forbidden},
		{"scoped owner cannot manage staff", scoped(store.RoleOwner), ManageStaff, Target{}, Limited},
		{"scoped owner cannot manage credentials", scoped(store.RoleOwner), ManageGrants, Target{}, Limited},
		{"scoped admin cannot change groups", scoped(store.RoleAdmin), ManageGroups, Target{}, Limited},
		{"scoped admin cannot change standards", scoped(store.RoleAdmin), ManageStandards, Target{}, Limited},
		{"scoped admin cannot sync the partner", scoped(store.RoleAdmin), SyncCustomers, Target{}, Limited},
		{"scoped admin cannot run bulk jobs", scoped(store.RoleAdmin), RunBulk, Target{}, Limited},
		{"scoped admin cannot create customers", scoped(store.RoleAdmin), EditCustomer, Target{}, Limited},
		{"scoped admin edits a customer in scope", scoped(store.RoleAdmin), EditCustomer, Target{CustomerID: "acct-in"}, Allow},
		{"unscoped admin creates customers", Actor{PartnerID: dist, Role: store.RoleAdmin, Reach: []int64{dist}}, EditCustomer, Target{}, Allow},
	}
	for _, tc := range cases {
		if got := Decide(tc.actor, tc.action, tc.target); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEveryActionHasARole(t *testing.T) {
	for _, a := range []Action{ViewPartner, ViewCustomer, ViewJob, ManageUsers, EditCustomer, DisassociateCustomer,
		SyncCustomers, RunBulk, CancelJob, ManageStaff, ManageGrants, ManageGroups} {
		if !Least(a).Valid() {
			t.Errorf("action %s has no least role", a)
		}
	}
}

// TestEveryActionIsAnAuditAction: a refusal is audited as the action refused, so every action
// of the policy (each constant of policy.go, which minimum must list) is an action of
// internal/audit, with a label for the audit log.
func TestEveryActionIsAnAuditAction(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "policy.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	listed := map[string]bool{}
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range g.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if !ok {
				continue
			}
			for i, id := range vs.Names {
				switch {
				case g.Tok == token.CONST && (isIdent(vs.Type, "Action") || i < len(vs.Values) && isActionConversion(vs.Values[i])):
					consts = append(consts, id.Name)
				case g.Tok == token.VAR && id.Name == "minimum":
					for _, elt := range vs.Values[0].(*ast.CompositeLit).Elts {
						if key, ok := elt.(*ast.KeyValueExpr).Key.(*ast.Ident); ok {
							listed[key.Name] = true
						}
					}
				}
			}
		}
	}
	if len(consts) == 0 {
		t.Fatal("no constant Action(...) found in policy.go")
	}
	for _, name := range consts {
		if !listed[name] {
			t.Errorf("%s is not in minimum", name)
		}
	}
	for a := range minimum {
		if audit.Action(a).Label() == "" {
			t.Errorf("policy action %q is no labelled action of internal/audit: define it as Action(audit.Perm...)", a)
		}
	}
}

// isIdent reports whether e is the identifier name.
func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// isActionConversion reports whether e is written Action(...).
func isActionConversion(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	return isIdent(c.Fun, "Action")
}

func TestDelegated(t *testing.T) {
	const dist, resellerA, resellerB = 1, 2, 3
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	d := store.ActiveDelegation{ID: 9, OwnerPartnerID: resellerA, DelegatePartnerID: dist, Role: store.RoleSupport,
		ExpiresAt: now.Add(time.Hour), CustomerIDs: []int64{20}, Accounts: []string{"acct-in"}}
	member := func(r store.Role) Actor {
		return Actor{PartnerID: dist, Role: r, Reach: []int64{dist, resellerA, resellerB}}
	}
	for _, tc := range []struct {
		name  string
		actor Actor
		d     store.ActiveDelegation
		now   time.Time
		ok    bool
	}{
		{"support member under a support delegation", member(store.RoleSupport), d, now, true},
		{"owner acts with the delegation's role", member(store.RoleOwner), d, now, true},
		{"a viewer does not get support", member(store.RoleViewer), d, now, false},
		{"at its end", member(store.RoleAdmin), d, now.Add(time.Hour), false},
		{"another partner's delegation", Actor{PartnerID: resellerB, Role: store.RoleOwner, Reach: []int64{resellerB}}, d, now, false},
		{"a member limited to groups", Actor{PartnerID: dist, Role: store.RoleOwner, Scope: &store.Scope{}}, d, now, false},
	} {
		got, ok := Delegated(tc.actor, tc.d, tc.now)
		if ok != tc.ok {
			t.Errorf("%s: ok %v, want %v", tc.name, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if got.PartnerID != resellerA || got.Role != store.RoleSupport || got.Delegation == nil || got.Delegation.ID != 9 {
			t.Errorf("%s: %+v", tc.name, got)
		}
		for _, c := range []struct {
			action Action
			target Target
			want   Decision
		}{
			{ManageUsers, Target{PartnerID: resellerA, CustomerID: "acct-in"}, Allow},
			{ViewCustomer, Target{PartnerID: resellerA, CustomerID: "acct-in"}, Allow},
			{ManageUsers, Target{PartnerID: resellerA, CustomerID: "acct-out"}, NotFound},
			{EditCustomer, Target{PartnerID: resellerA, CustomerID: "acct-in"}, Forbidden},
			{ManageUsers, Target{PartnerID: resellerB, CustomerID: "acct-in"}, NotFound},
			{ManageUsers, Target{PartnerID: resellerA}, Allow}, // what a customer's page offers
			{EditCustomer, Target{PartnerID: resellerA}, Forbidden},
			{ManageDelegations, Target{PartnerID: resellerA}, Forbidden},
			{SyncCustomers, Target{PartnerID: resellerA}, Forbidden},
		} {
			if dec := Decide(got, c.action, c.target); dec != c.want {
				t.Errorf("%s: %s on %+v: %v, want %v", tc.name, c.action, c.target, dec, c.want)
			}
		}
	}
}

func TestDelegatedAdminNeverActsOnTheOwnerAsAWhole(t *testing.T) {
	d := store.ActiveDelegation{ID: 9, OwnerPartnerID: 2, DelegatePartnerID: 1, Role: store.RoleAdmin,
		ExpiresAt: time.Now().Add(time.Hour), Accounts: []string{"acct-in"}}
	a, ok := Delegated(Actor{PartnerID: 1, Role: store.RoleOwner, Reach: []int64{1, 2}}, d, time.Now())
	if !ok {
		t.Fatal("an owner under an admin delegation")
	}
	for _, action := range []Action{SyncCustomers, RunBulk, EditCustomer, ManageGroups, ManageDelegations} {
		if got := Decide(a, action, Target{PartnerID: 2}); got != Limited {
			t.Errorf("%s on the owner as a whole: %v, want limited", action, got)
		}
	}
	if got := Decide(a, EditCustomer, Target{PartnerID: 2, CustomerID: "acct-in"}); got != Allow {
		t.Errorf("an admin's change of a delegated customer: %v", got)
	}
	if got := Decide(a, ManageStaff, Target{PartnerID: 2}); got != Forbidden {
		t.Errorf("staff of the owner: %v, want forbidden (an owner's action)", got)
	}
}
