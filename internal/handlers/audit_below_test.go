package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
)

// A distributor's change to a reseller's own Zoom account (the reseller primary is one of the
// distributor's sub accounts) is in both audit logs: the distributor's, saying it was also
// recorded for the reseller, and the reseller's, naming who acted and from which partner. Both
// chains verify. The distributor's own notes on that customer stay its own.
func TestChangeToAResellersOwnAccountIsInBothChains(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	dist, res := tree(t, e)
	nw := e.partnerOf(distOwner)
	contoso := e.partnerOf(resOwner)
	account := contoso.ZoomAccountID

	// Northwind flips one option of Contoso's own account.
	form := dist.get(e.URL + "/customers/" + account + "/options")
	if form.StatusCode != http.StatusOK {
		t.Fatalf("options form of the reseller's account: %d", form.StatusCode)
	}
	doc := form.Doc()
	values := url.Values{"pay_mode": {doc.Find(`input[name="pay_mode"][checked]`).AttrOr("value", "")}}
	for _, name := range []string{"billing_auto_renew", "share_mc"} {
		if _, on := doc.Find(`input[name="` + name + `"]`).Attr("checked"); on {
			values.Set(name, "1")
		}
	}
	_, shared := doc.Find(`input[name="share_rc"]`).Attr("checked")
	if !shared {
		values.Set("share_rc", "1")
	}
	if values.Get("pay_mode") == "" {
		t.Fatalf("no pay mode on the form: %.500s", form.Body)
	}
	if got := dist.post(e.URL+"/customers/"+account+"/options", values); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("change options: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	// And writes a note, which is Tierdesk's own and not a change at Zoom.
	if got := dist.post(e.URL+"/customers/"+account+"/notes", url.Values{"notes": {"reseller on probation"}}); got.StatusCode >= 400 {
		t.Fatalf("notes: %d", got.StatusCode)
	}

	mine := auditOf(t, e, nw.ID, "customer.options")
	theirs := auditOf(t, e, contoso.ID, "customer.options")
	if len(mine) != 1 || len(theirs) != 1 {
		t.Fatalf("customer.options events: %d in Northwind's log, %d in Contoso's", len(mine), len(theirs))
	}
	var md, td struct {
		Also struct {
			PartnerID int64 `json:"partner_id"`
		} `json:"also_recorded_for"`
		Acting struct {
			PartnerID int64  `json:"partner_id"`
			Partner   string `json:"partner"`
		} `json:"acting_partner"`
		CopyOf struct {
			PartnerID int64 `json:"partner_id"`
			Event     int64 `json:"event"` // the acting partner's event, by its permanent id
		} `json:"copy_of"`
		Changes map[string]any `json:"changes"`
	}
	if err := json.Unmarshal(mine[0].Details, &md); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(theirs[0].Details, &td); err != nil {
		t.Fatal(err)
	}
	if md.Also.PartnerID != contoso.ID {
		t.Errorf("Northwind's event does not say it was recorded for Contoso: %s", mine[0].Details)
	}
	if td.Acting.PartnerID != nw.ID || td.Acting.Partner != nw.Name || td.CopyOf.PartnerID != nw.ID || td.CopyOf.Event != mine[0].ID {
		t.Errorf("Contoso's event does not name Northwind's change: %s", theirs[0].Details)
	}
	ev := theirs[0]
	if ev.StaffEmail != distOwner || ev.StaffID != nil || ev.CustomerID != account || ev.Outcome != store.OutcomeSucceeded ||
		ev.ZoomUserID != mine[0].ZoomUserID || ev.RequestID != mine[0].RequestID {
		t.Errorf("Contoso's copy: staff %q (id %v), customer %s, outcome %s", ev.StaffEmail, ev.StaffID, ev.CustomerID, ev.Outcome)
	}
	if n := len(auditOf(t, e, contoso.ID, "customer.notes")); n != 0 {
		t.Errorf("Northwind's note is in Contoso's log (%d events)", n)
	}

	// Contoso's owner sees it in the audit log, with who acted and from where.
	rows := auditRows(res.get(e.URL + "/audit?action=customer.options"))
	if len(rows) != 1 || !strings.Contains(rows[0], distOwner+" ("+nw.Name+")") {
		t.Errorf("Contoso's audit log: %q", rows)
	}

	// Both chains verify.
	reports, err := e.Store.VerifyAudit(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range reports {
		if !r.OK {
			t.Errorf("%s", r)
		}
		if r.PartnerID == nw.ID || r.PartnerID == contoso.ID {
			checked++
		}
	}
	if checked != 2 {
		t.Errorf("verified %d of the two chains", checked)
	}
}
