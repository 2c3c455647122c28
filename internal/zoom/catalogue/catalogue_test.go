package catalogue

import (
	"strings"
	"testing"
)

// TestCatalogueIsWellFormed: every code once, a name and family, a known field, a sane range.
func TestCatalogueIsWellFormed(t *testing.T) {
	fields := map[string]bool{FieldBase: true, FieldZoomRooms: true, FieldRoomConnector: true, FieldLargeMeeting: true, FieldWebinar: true,
		FieldRecording: true, FieldAudio: true, FieldPhone: true}
	seen := map[string]bool{}
	for _, p := range All() {
		if p.Code == "" || p.Code != strings.ToLower(p.Code) || seen[p.Code] {
			t.Errorf("code %q: empty, not lower case or twice", p.Code)
		}
		seen[p.Code] = true
		if p.Name == "" || p.Family == "" || !fields[p.Field] {
			t.Errorf("%s: name %q family %q field %q", p.Code, p.Name, p.Family, p.Field)
		}
		if p.MinHosts < 1 || (p.MaxHosts != 0 && p.MaxHosts < p.MinHosts) {
			t.Errorf("%s: hosts %d to %d", p.Code, p.MinHosts, p.MaxHosts)
		}
		if p.Fixed && !p.Base() {
			t.Errorf("%s: only a base plan is fixed", p.Code)
		}
	}
	if len(BasePlans())+len(Addons()) != len(All()) || len(BasePlans()) == 0 || len(Addons()) == 0 {
		t.Fatalf("%d base plans and %d add-ons of %d", len(BasePlans()), len(Addons()), len(All()))
	}
}

// TestCatalogueStatesZoomsHostRanges: the ranges ZOOM_API.md §1.13 states ("Pro 1-9, Business
// 10-49, Education 20-149, Free trial 1-9999"), at both ends.
func TestCatalogueStatesZoomsHostRanges(t *testing.T) {
	for code, want := range map[string][2]int{"pro_monthly": {1, 9}, "pro_annual": {1, 9}, "business_monthly": {10, 49},
		"business_annual": {10, 49}, "edu20": {20, 149}, "trial": {1, 9999}} {
		p, ok := Lookup(code)
		if !ok || p.MinHosts != want[0] || p.MaxHosts != want[1] {
			t.Errorf("%s: %v %d–%d, want %d–%d", code, ok, p.MinHosts, p.MaxHosts, want[0], want[1])
			continue
		}
		for _, n := range []int{want[0], want[1]} {
			if pr := Check(code, n, true); pr != nil {
				t.Errorf("%s with %d hosts refused: %s", code, n, pr.Message)
			}
		}
		for _, n := range []int{want[0] - 1, want[1] + 1} {
			if pr := Check(code, n, true); pr == nil || pr.Field != "hosts" {
				t.Errorf("%s with %d hosts: %+v, want a hosts problem", code, n, pr)
			}
		}
	}
}

func TestCheckNamesTheFieldAndThePlan(t *testing.T) {
	for _, c := range []struct {
		code  string
		hosts int
		base  bool
		field string
		msg   string
	}{
		{"business_annual", 5, true, "hosts", "Zoom's Business plan needs at least 10 hosts."},
		{"BUSINESS_ANNUAL", 5, true, "hosts", "Zoom's Business plan needs at least 10 hosts."},
		{"pro_monthly", 12, true, "hosts", "Zoom's Pro plan takes at most 9 hosts. For 12 hosts choose Business."},
		{"business_monthly", 60, true, "hosts", "Zoom's Business plan takes at most 49 hosts. For 60 hosts choose Business Plus."},
		{"large500_monthly", 0, false, "hosts", "Zoom's Large meetings 500 plan needs at least 1 host."},
		{"business", 5, true, "type", `"business" is not a plan Tierdesk knows: choose one of Zoom's plans from the list.`},
		{"", 5, true, "type", "Choose a plan."},
		{"large500_monthly", 1, true, "type", "Large meetings 500, monthly is an add-on: choose a base plan."},
		{"pro_annual", 1, false, "type", "Pro, annual is a base plan: choose an add-on."},
		{"business_plus_annual", 500, true, "", ""},
		{"webinar1000_monthly", 3, false, "", ""},
	} {
		pr := Check(c.code, c.hosts, c.base)
		switch {
		case c.field == "" && pr != nil:
			t.Errorf("%s %d: refused: %s", c.code, c.hosts, pr.Message)
		case c.field != "" && (pr == nil || pr.Field != c.field || pr.Message != c.msg):
			t.Errorf("%s %d: %+v, want %s %q", c.code, c.hosts, pr, c.field, c.msg)
		}
	}
}

func TestNameAndLabel(t *testing.T) {
	for code, want := range map[string]string{"business_annual": "Business, annual", "large500_monthly": "Large meetings 500, monthly",
		"pro_yearly": "Pro, annual", "enterprise": "Enterprise", "mystery_plan": "mystery_plan", "edu20": "Education"} {
		if got := Name(code); got != want {
			t.Errorf("Name(%q) = %q, want %q", code, got, want)
		}
	}
	p, _ := Lookup("business_annual")
	if got := p.Label(); got != "Business, annual: 10–49 hosts (business_annual)" {
		t.Errorf("label %q", got)
	}
	p, _ = Lookup("business_plus_annual")
	if got := p.Hosts(); got != "10 or more hosts" {
		t.Errorf("hosts %q", got)
	}
}
