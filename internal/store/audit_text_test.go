package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// An event carrying text PostgreSQL cannot hold (a NUL, bytes that are not UTF-8: what a
// refused probe sent) is still written, with that text escaped, and the chain verifies: no
// refusal is lost to the text it refused.
func TestAuditEventWithTextThatIsNotTextIsStoredEscaped(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-nul", "owner@nul.example")
	details := json.RawMessage(`{"path":"/staff/9\u0000/role","nested":{"k\u0000ey":["a\u0000b"]}}`)
	ev, err := st.Audit(ctx, store.AuditEvent{PartnerID: p.ID, Action: "staff.manage", Outcome: store.OutcomeDenied,
		TargetType: "staff", TargetID: "9\x00", TargetLabel: "\xff\xfe", UserAgent: "agent\xff", Details: details})
	if err != nil {
		t.Fatalf("audit with NUL and invalid UTF-8: %v", err)
	}
	got, err := st.AuditEventByID(ctx, p.ID, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.TargetID != `"9\x00"` || got.TargetLabel != `"\xff\xfe"` || got.UserAgent != `"agent\xff"` {
		t.Errorf("stored target %q, label %q, agent %q", got.TargetID, got.TargetLabel, got.UserAgent)
	}
	var d map[string]any
	if err := json.Unmarshal(got.Details, &d); err != nil {
		t.Fatal(err)
	}
	nested, _ := d["nested"].(map[string]any)
	if d["path"] != `"/staff/9\x00/role"` || nested == nil || nested[`"k\x00ey"`] == nil {
		t.Errorf("stored details %s", got.Details)
	}
	seal(t, st, p.ID)
	reports, err := st.VerifyAudit(ctx, p.ID)
	if err != nil || len(reports) != 1 || !reports[0].OK {
		t.Fatalf("verify: %v %v", reports, err)
	}
}
