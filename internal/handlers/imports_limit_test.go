package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/handlers"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// A 10,000-row file with long names passes the upload limit (which is larger than the
// general body limit for this route only) and is checked row by row: the preview counts every
// row, the rows addressed to a real customer ready to send, the others refused.
func TestLargeImportFileIsAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	page, err := e.Store.Customers(context.Background(), p.ID, store.CustomerFilter{PartnerID: p.ID, Status: store.CustomerActive, Limit: 1})
	if err != nil || len(page.Customers) == 0 {
		t.Fatalf("Northwind's customers: %v", err)
	}
	c := page.Customers[0]
	var b strings.Builder
	b.WriteString("email,first_name,last_name,type,action,customer\n")
	for i := range handlers.MaxImportRows {
		customer := c.ZoomAccountID // every other row to a real customer, the others to none
		if i%2 == 1 {
			customer = "No Such Customer"
		}
		fmt.Fprintf(&b, "person.with.a.rather.long.address.%05d@subsidiary.example-corporation.example,%s,%s,1,create,%s\n", i, strings.Repeat("F", 60), strings.Repeat("L", 60), customer)
	}
	if b.Len() <= 1<<20 {
		t.Fatalf("the file is %d bytes, want more than the general 1 MiB limit", b.Len())
	}
	got := owner.postMultipart(e.URL+"/imports", url.Values{"kind": {"create"}}, "big.csv", []byte(b.String()))
	if got.StatusCode == http.StatusRequestEntityTooLarge || strings.Contains(got.Body, "larger than Tierdesk accepts") {
		t.Fatalf("a %d-byte file of %d rows was refused as too large: %d", b.Len(), handlers.MaxImportRows, got.StatusCode)
	}
	// The check ran over every row: the preview exists and counts them all.
	previewURL := got.location(t)
	if !strings.HasPrefix(previewURL, e.URL+"/imports/") {
		t.Fatalf("the upload went to %s, want a preview", previewURL)
	}
	preview := owner.get(previewURL)
	half := templates.Thousands(handlers.MaxImportRows / 2)
	if preview.StatusCode != http.StatusOK || preview.TestID("preview-total") != templates.Thousands(handlers.MaxImportRows) ||
		preview.TestID("preview-valid") != half || preview.TestID("preview-invalid") != half {
		t.Fatalf("preview: %d total %q valid %q invalid %q", preview.StatusCode, preview.TestID("preview-total"), preview.TestID("preview-valid"), preview.TestID("preview-invalid"))
	}
	if per := preview.Doc().Find(`[data-testid="per-customer"] dd`); per.Length() != 1 || per.Text() != half || preview.TestID("start-import") != "Create "+half+" users" {
		t.Fatalf("per customer %q, start %q", per.Text(), preview.TestID("start-import"))
	}
	if problems := preview.Doc().Find(`[data-testid="problem-row"]`); problems.Length() != 500 || !strings.Contains(problems.First().Text(), "Unknown customer") {
		t.Fatalf("%d problem rows shown: %q", problems.Length(), problems.First().Text())
	}
	var stored int
	if err := e.super().QueryRow(context.Background(), `SELECT count(*) FROM user_import_rows WHERE import_id::text = $1 AND state = 'ready' AND customer_id = $2`,
		strings.TrimPrefix(previewURL, e.URL+"/imports/"), c.ID).Scan(&stored); err != nil || stored != handlers.MaxImportRows/2 {
		t.Fatalf("%d rows stored ready for %s: %v", stored, c.AccountName, err)
	}
	// The general limit still holds elsewhere.
	big := url.Values{"notes": {strings.Repeat("x", 2<<20)}}
	if got := owner.post(e.URL+"/settings/templates", big); got.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 MiB form elsewhere: %d", got.StatusCode)
	}
}
