package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/tierdesk/tierdesk/internal/devdb"
	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// devCommand is `make run`: with no DATABASE_URL it starts (or reuses) a PostgreSQL cluster
// under PORTAL_DATA_DIR (default ./.data); with no Zoom credentials it embeds the Zoom
// sandbox seeded with demo data and registers the demo partners and their staff; with no
// PORTAL_AUDIT_CHECKPOINTS it appends the audit checkpoints to audit-checkpoints.ndjson in
// the data directory; then it serves the portal and prints the URL and the demo sign-ins,
// last. Ctrl-C stops everything (on a terminal, as a key rather than a signal: see
// ctrlCFromTerminal) and exits 0, and the next run finds the same data.
func devCommand(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, restore := ctrlCFromTerminal(ctx, os.Stdin)
	defer restore()
	dataDir := envDefault(getenv, "PORTAL_DATA_DIR")
	needDir := getenv("DATABASE_URL") == "" || getenv("PORTAL_SECRET_KEY") == "" || getenv("PORTAL_SANDBOX_STATE") == "" ||
		getenv("PORTAL_AUDIT_CHECKPOINTS") == ""
	if needDir {
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return err
		}
	}
	vars := map[string]string{}
	if getenv("DATABASE_URL") == "" {
		cluster, err := devdb.Ensure(ctx, filepath.Join(dataDir, "pg"), devdb.Options{})
		if err != nil {
			return err
		}
		defer func() {
			if err := cluster.Stop(); err != nil {
				fmt.Fprintln(stderr, err)
			}
		}()
		if err := cluster.CreateDatabase(ctx, "tierdesk"); err != nil {
			return err
		}
		// The schema's owner migrates; the portal logs in as a role of its own (trusted locally).
		web, err := store.EnsureAppLogin(ctx, cluster.URL("tierdesk"), store.AppLogin, "")
		if err != nil {
			return err
		}
		vars["MIGRATE_DATABASE_URL"] = cluster.URL("tierdesk")
		vars["DATABASE_URL"] = web
		fmt.Fprintf(stdout, "PostgreSQL running from %s on 127.0.0.1:%d\n", cluster.Dir, cluster.Port)
		if cluster.Moved {
			fmt.Fprintf(stdout, "(the postgres user cannot enter %s, so the cluster lives in its home instead)\n", dataDir)
		}
	}
	if getenv("PORTAL_SECRET_KEY") == "" {
		key, err := devSecretKey(filepath.Join(dataDir, "secret.key"))
		if err != nil {
			return err
		}
		vars["PORTAL_SECRET_KEY"] = key
	}
	if getenv("PORTAL_AUDIT_CHECKPOINTS") == "" {
		vars["PORTAL_AUDIT_CHECKPOINTS"] = filepath.Join(dataDir, "audit-checkpoints.ndjson")
	}
	realZoom := getenv("ZOOM_CLIENT_ID") != "" && getenv("ZOOM_CLIENT_SECRET") != ""
	if !realZoom {
		vars["PORTAL_SANDBOX"] = "true"
		if getenv("PORTAL_SANDBOX_STATE") == "" {
			vars["PORTAL_SANDBOX_STATE"] = filepath.Join(dataDir, "sandbox.json")
		}
	}
	env := func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return vars[name]
	}
	return serveCommand(ctx, env, stdout, stderr, func(ctx context.Context, s started) (string, error) {
		// Printed after the listening lines, last: nothing routine is logged after it.
		var b strings.Builder
		if s.Sandbox == nil {
			fmt.Fprintf(&b, "\nConnected to real Zoom: open %s and sign in with a user of your Zoom primary account.\n", s.URL)
		} else {
			logins, err := seedDemo(ctx, s.Store, s.Sandbox)
			if err != nil {
				return "", fmt.Errorf("seed demo partners: %w", err)
			}
			fmt.Fprintf(&b, "\nThe Zoom sandbox holds demo data. Open %s, press \"Sign in with Zoom\" and pick one of these:\n", s.URL)
			tw := tabwriter.NewWriter(&b, 2, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "  EMAIL\tROLE\tPARTNER")
			for _, l := range logins {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.email, l.role, l.partner)
			}
			tw.Flush()
		}
		b.WriteString("\nPress Ctrl-C to stop.\n")
		return b.String(), nil
	})
}

// devSecretKey reads the development secret key from path, creating it on first use.
func devSecretKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	key := secret.NewKey("dev1")
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", err
	}
	return key, nil
}

type demoLogin struct{ email, role, partner string }

// seedDemo registers every primary account of the sandbox as a partner (resellers under
// their distributor) and invites its demo staff: the Zoom owner and admin as owner and admin,
// and support@ and viewer@ users with those roles. It is idempotent.
func seedDemo(ctx context.Context, st *store.Store, sb *sandbox.Sandbox) ([]demoLogin, error) {
	users := sb.Users()
	accounts := map[string]sandbox.UserInfo{} // primary account id → one of its users
	for _, u := range users {
		if u.Primary {
			accounts[u.AccountID] = u
		}
	}
	ids := make([]string, 0, len(accounts))
	for id := range accounts {
		ids = append(ids, id)
	}
	// Top-level primaries first, so that resellers find their parent.
	sort.Slice(ids, func(i, j int) bool {
		pi, pj := accounts[ids[i]].ParentAccountID == "", accounts[ids[j]].ParentAccountID == ""
		if pi != pj {
			return pi
		}
		return accounts[ids[i]].AccountName < accounts[ids[j]].AccountName
	})
	partners := map[string]store.Partner{}
	var logins []demoLogin
	for _, id := range ids {
		u := accounts[id]
		var parentID *int64
		if p, ok := partners[u.ParentAccountID]; ok {
			parentID = &p.ID
		}
		p, err := st.EnsurePartner(ctx, id, u.AccountName, parentID)
		if err != nil {
			return nil, err
		}
		partners[id] = p
		// The sandbox has a Server-to-Server app per primary: connect it, so that support staff
		// and jobs reach Zoom from the first minute.
		for _, app := range sb.Apps() {
			if app.Type == "s2s" && app.AccountID == id {
				if _, err := st.S2SGrant(ctx, p.ID); errors.Is(err, store.ErrNotFound) {
					if _, err := st.SaveS2SGrant(ctx, p.ID, id, app.ClientID, app.ClientSecret, store.AuditEvent{RequestID: "make-run-demo-seed"}); err != nil {
						return nil, err
					}
				}
			}
		}
		for _, su := range users {
			if su.AccountID != id {
				continue
			}
			role := demoRole(su)
			if role == "" {
				continue
			}
			if _, err := st.InviteStaff(ctx, p.ID, su.Email, role, nil, store.AuditEvent{RequestID: "make-run-demo-seed"}); err != nil && !errors.Is(err, store.ErrConflict) {
				return nil, err
			}
			logins = append(logins, demoLogin{su.Email, string(role), p.Name})
		}
	}
	return logins, nil
}

// demoRole maps a demo Zoom user to the portal role the demo gives them.
func demoRole(u sandbox.UserInfo) store.Role {
	local, _, _ := strings.Cut(u.Email, "@")
	switch {
	case u.Role == "Owner":
		return store.RoleOwner
	case u.Role == "Admin":
		return store.RoleAdmin
	case local == "support":
		return store.RoleSupport
	case local == "viewer":
		return store.RoleViewer
	}
	return ""
}
