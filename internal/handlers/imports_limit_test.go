package handlers_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/handlers"
)

// A 10,000-row file with long names passes the upload limit (which is larger than the
// general body limit for this route only) and reaches the check.
func TestLargeImportFileIsAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, _ := registerNorthwind(t, e)
	var b strings.Builder
	b.WriteString("email,first_name,last_name,type,action\n")
	for i := range handlers.MaxImportRows {
		fmt.Fprintf(&b, "person.with.a.rather.long.address.%05d@subsidiary.example-corporation.example,%s,%s,1,create\n", i, strings.Repeat("F", 60), strings.Repeat("L", 60))
	}
	if b.Len() <= 1<<20 {
		t.Fatalf("the file is %d bytes, want more than the general 1 MiB limit", b.Len())
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("kind", "create")
	fw, _ := mw.CreateFormFile("file", "big.csv")
	_, _ = fw.Write([]byte(b.String()))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	got := owner.do(req)
	if got.StatusCode == http.StatusRequestEntityTooLarge || strings.Contains(got.Body, "larger than Tierdesk accepts") {
		t.Fatalf("a %d-byte file of %d rows was refused as too large: %d", b.Len(), handlers.MaxImportRows, got.StatusCode)
	}
	// The general limit still holds elsewhere.
	big := url.Values{"notes": {strings.Repeat("x", 2<<20)}}
	if got := owner.post(e.URL+"/settings/templates", big); got.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 MiB form elsewhere: %d", got.StatusCode)
	}
}
