package zoom_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// The response types carry every field the sandbox sends (which follows ZOOM_API.md): each
// answer is fetched raw and every key, at every depth, must have a field in the type.
func TestResponseTypesCarryEveryField(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	a := e.app("tierdesk-s2s-northwind")
	tok := s2sToken(t, e, a)
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	ctx := context.Background()
	var paid, user string
	for acct, err := range c.SubAccounts(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if acct.Seats > 0 {
			if _, _, err := c.GetBilling(ctx, acct.ID); err == nil {
				paid = acct.ID
				break
			}
		}
	}
	for u, err := range c.Users(ctx, paid, nil) {
		if err != nil {
			t.Fatal(err)
		}
		user = u.ID
		break
	}
	if paid == "" || user == "" {
		t.Fatal("no paid sub account paid by the primary with a user")
	}
	for _, tc := range []struct {
		path string
		typ  any
	}{
		{"/v2/accounts?page_size=5", zoom.SubAccountPage{}},
		{"/v2/accounts/" + paid, zoom.SubAccountDetail{}},
		{"/v2/accounts/" + paid + "/managed_domains", zoom.ManagedDomains{}},
		{"/v2/accounts/" + paid + "/billing", zoom.BillingContact{}},
		{"/v2/accounts/" + paid + "/plans", zoom.Plans{}},
		{"/v2/accounts/" + paid + "/plans/usage", zoom.PlanUsage{}},
		{"/v2/accounts/" + paid + "/settings?option=meeting_authentication", zoom.AuthenticationSettings{}},
		{"/v2/accounts/" + paid + "/users?page_size=5&include_fields=host_key,custom_attributes", zoom.UserPage{}},
		{"/v2/accounts/" + paid + "/users?status=pending", zoom.UserPage{}},
		{"/v2/accounts/" + paid + "/users/" + user, zoom.User{}},
		{"/v2/users/me", zoom.User{}},
	} {
		raw := rawGet(t, e, tok, tc.path)
		for _, k := range unknownKeys(raw, reflect.TypeOf(tc.typ), "") {
			t.Errorf("%s: field %s has no place in %T", tc.path, k, tc.typ)
		}
	}
}

// Documented fields that the sandbox's answers cannot show (request-only or older forms)
// still have a place in the types: each name must be a JSON tag of its type.
func TestTypesCarryDocumentedFields(t *testing.T) {
	for _, tc := range []struct {
		typ   any
		names []string
	}{
		// ZOOM_API §1.3: the 2017 docs' comma-separated connector lists (UNCERTAIN).
		{zoom.AccountOptionsUpdate{}, []string{"room_connectors", "meeting_connectors"}},
	} {
		fields := jsonFields(reflect.TypeOf(tc.typ))
		for _, name := range tc.names {
			if _, ok := fields[name]; !ok {
				t.Errorf("%T has no field for the documented %s", tc.typ, name)
			}
		}
	}
}

// s2sToken gets a Server-to-Server access token straight from the sandbox.
func s2sToken(t *testing.T, e *env, a sandbox.AppInfo) string {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/oauth/token?grant_type=account_credentials&account_id="+a.AccountID, nil)
	req.SetBasicAuth(a.ClientID, a.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || v.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	return v.AccessToken
}

// rawGet fetches a path with a bearer token and decodes the JSON answer.
func rawGet(t *testing.T, e *env, tok, path string) any {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// unknownKeys lists the keys of raw (recursively) that typ has no field for.
func unknownKeys(raw any, typ reflect.Type, prefix string) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	var out []string
	switch v := raw.(type) {
	case map[string]any:
		if typ.Kind() == reflect.Map || typ == reflect.TypeOf(zoom.Time{}) {
			return nil
		}
		if typ.Kind() != reflect.Struct {
			return []string{prefix + " (an object, but the type is " + typ.String() + ")"}
		}
		fields := jsonFields(typ)
		for k, sub := range v {
			ft, ok := fields[k]
			if !ok {
				out = append(out, prefix+k)
				continue
			}
			out = append(out, unknownKeys(sub, ft, prefix+k+".")...)
		}
	case []any:
		if typ.Kind() != reflect.Slice {
			return []string{prefix + " (an array, but the type is " + typ.String() + ")"}
		}
		for _, it := range v {
			out = append(out, unknownKeys(it, typ.Elem(), prefix)...)
		}
	}
	return out
}

// jsonFields maps a struct's JSON names (embedded structs included) to field types.
func jsonFields(typ reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				m[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}
