package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tierdesk/tierdesk/internal/input"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// MaxImportRows is the most rows a bulk user file may hold.
const MaxImportRows = 10000

// MaxImportBytes is the request body limit of a bulk user file's upload: 10,000 rows of up to
// about 800 bytes.
const MaxImportBytes = 8 << 20

// csvRow is one data row of a bulk user file.
type csvRow struct {
	line                                        int
	email, first, last, typ, action, customerID string
}

// notTextFile is the refusal of an uploaded file that is not UTF-8 text (input.Locate found
// where), or nil when it is text.
func notTextFile(data []byte) *fileError {
	line, reason := input.Locate(data)
	if reason == "" {
		return nil
	}
	return &fileError{msg: fmt.Sprintf("The file is not UTF-8 text: line %d %s. Save it from your spreadsheet as \"CSV UTF-8\" and upload it again.", line, reason),
		notText: reason, line: line}
}

// fileError is a problem with the whole file, for the upload form.
type fileError struct {
	msg     string
	notText string // why the content is not text (input.Reason's words), when that is the problem
	line    int    // where, when notText
}

func (e *fileError) Error() string { return e.msg }

// headerAliases maps the header names people write to the columns.
var headerAliases = map[string]string{
	"email": "email", "email_address": "email", "e-mail": "email",
	"first_name": "first_name", "firstname": "first_name", "first": "first_name", "given_name": "first_name",
	"last_name": "last_name", "lastname": "last_name", "last": "last_name", "surname": "last_name", "family_name": "last_name",
	"type": "type", "user_type": "type",
	"action": "action", "create_action": "action",
	"customer": "customer", "account": "customer", "account_id": "customer", "customer_id": "customer", "sub_account": "customer",
}

// headerColumn names the column a header cell means ("First Name" is first_name).
func headerColumn(cell string) (string, bool) {
	col, ok := headerAliases[strings.ReplaceAll(strings.ToLower(strings.TrimSpace(cell)), " ", "_")]
	return col, ok
}

// requiredColumns are the columns a file of each kind must have.
var requiredColumns = map[string][]string{
	store.ImportCreate:     {"email", "first_name", "last_name", "type", "action"},
	store.ImportDeactivate: {"email"},
	store.ImportRemove:     {"email"},
}

// parseImportCSV reads a bulk user file: a header row naming the columns (in any order; the
// customer column is optional), then at most MaxImportRows rows. Blank lines are skipped. A
// problem with the file as a whole is a *fileError.
func parseImportCSV(data []byte, kind string) ([]csvRow, bool, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte order mark from spreadsheet programs
	if fe := notTextFile(data); fe != nil {
		return nil, false, fe
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord, cr.LazyQuotes, cr.TrimLeadingSpace = -1, true, true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, false, &fileError{msg: "The file is empty."}
	}
	if err != nil {
		return nil, false, &fileError{msg: "The file is not valid CSV: " + err.Error()}
	}
	cols := map[string]int{}
	for i, h := range header {
		if col, ok := headerColumn(h); ok {
			if _, dup := cols[col]; dup {
				return nil, false, &fileError{msg: fmt.Sprintf("The header names the column %q twice.", col)}
			}
			cols[col] = i
		}
	}
	var missing []string
	for _, c := range requiredColumns[kind] {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, false, &fileError{msg: "The first row must name the columns; missing: " + strings.Join(missing, ", ") +
			". Expected: " + strings.Join(requiredColumns[kind], ", ") + ", and optionally customer."}
	}
	_, hasCustomer := cols["customer"]
	cell := func(rec []string, col string) string {
		i, ok := cols[col]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, false, &fileError{msg: fmt.Sprintf("Line %d is not valid CSV: %v", line, err)}
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, false, &fileError{msg: fmt.Sprintf("The file has more than %d rows: split it.", MaxImportRows)}
		}
		rows = append(rows, csvRow{line: line, email: cell(rec, "email"), first: cell(rec, "first_name"), last: cell(rec, "last_name"),
			typ: cell(rec, "type"), action: cell(rec, "action"), customerID: cell(rec, "customer")})
	}
	if len(rows) == 0 {
		return nil, false, &fileError{msg: "The file has a header but no rows."}
	}
	return rows, hasCustomer, nil
}

// parseImportType reads a user type written as a number or a word.
func parseImportType(s, action string) (int, string) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "basic":
		s = "1"
	case "licensed", "pro", "paid":
		s = "2"
	case "unassigned":
		s = "4"
	case "none":
		s = "99"
	}
	return checkType(s, action)
}

// parseImportAction reads a create action; autoCreate is refused (it needs a password, and
// passwords do not belong in files).
func parseImportAction(s string) (string, string) {
	for _, a := range []string{zoom.ActionCreate, zoom.ActionCustCreate, zoom.ActionSSOCreate} {
		if strings.EqualFold(strings.TrimSpace(s), a) {
			return a, ""
		}
	}
	if strings.EqualFold(strings.TrimSpace(s), zoom.ActionAutoCreate) {
		return "", "autoCreate needs a password, which a file must not carry: add this user on the form, or use create."
	}
	if s == "" {
		return "", "Missing action: create, custCreate or ssoCreate."
	}
	return "", strconv.Quote(s) + " is not an action: use create, custCreate or ssoCreate."
}
