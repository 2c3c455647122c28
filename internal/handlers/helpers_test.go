package handlers_test

import (
	"context"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// accountOf returns the sandbox account id of a demo user.
func (e *env) accountOf(email string) string {
	e.t.Helper()
	for _, u := range e.Sandbox.Users() {
		if u.Email == email {
			return u.AccountID
		}
	}
	e.t.Fatalf("no sandbox user %s", email)
	return ""
}

// countPartners counts the registered partners.
func (e *env) countPartners() int {
	e.t.Helper()
	var n int
	if err := e.Store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM partners").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// staffByEmail returns a staff member of partnerID by email.
func (e *env) staffByEmail(partnerID int64, email string) store.Staff {
	e.t.Helper()
	rows, _ := e.super().Query(context.Background(), "SELECT id, partner_id, zoom_user_id, email, first_name, last_name, role, status, invited_by, last_sign_in_at, created_at FROM staff WHERE partner_id = $1 AND email = $2", partnerID, email)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[store.Staff])
	if err != nil {
		e.t.Fatalf("staff %s: %v", email, err)
	}
	return st
}

// super is a pool that row-level security does not restrict, for inspecting rows.
func (e *env) super() *pgxpool.Pool {
	if e.superPool == nil {
		e.superPool = storetest.Superuser(e.t, e.Store)
	}
	return e.superPool
}

// partnerOf returns the registered partner whose Zoom account holds email's user.
func (e *env) partnerOf(email string) store.Partner {
	e.t.Helper()
	p, err := e.Store.PartnerByZoomAccount(context.Background(), e.accountOf(email))
	if err != nil {
		e.t.Fatalf("partner of %s: %v", email, err)
	}
	return p
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// disassociateInZoom disassociates one free direct sub account of a primary straight at the
// sandbox (with the primary's Server-to-Server app), as if someone did it in Zoom's own web
// portal, and returns its account id.
func (e *env) disassociateInZoom(primary string) string {
	e.t.Helper()
	c := e.outsideClient(primary)
	for _, u := range e.Sandbox.Users() {
		if u.Role != "Owner" || u.Primary || u.ParentAccountID != primary {
			continue
		}
		_, err := c.DisassociateSubAccount(context.Background(), u.AccountID)
		if err == nil {
			return u.AccountID
		}
		if ze, ok := zoom.AsError(err); !ok || ze.Code != 2000 {
			e.t.Fatalf("disassociate %s: %v", u.AccountID, err)
		}
	}
	e.t.Fatal("no free sub account to disassociate")
	return ""
}

// outsideClient is a Zoom client of a primary's own Server-to-Server app at the sandbox,
// which is not Tierdesk: what it changes, it changes "in Zoom", outside the portal.
func (e *env) outsideClient(primary string) *zoom.Client {
	e.t.Helper()
	svc, err := zoom.NewService(zoom.Config{APIURL: e.SbURL + "/v2", App: zoom.App{OAuthURL: e.SbURL}})
	if err != nil {
		e.t.Fatal(err)
	}
	var creds zoom.S2SCredentials
	for _, a := range e.Sandbox.Apps() {
		if a.Type == "s2s" && a.AccountID == primary {
			creds = zoom.S2SCredentials{AccountID: a.AccountID, ClientID: a.ClientID, ClientSecret: a.ClientSecret}
		}
	}
	c, err := svc.S2SClient(creds)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// waitJobsIdle waits until River's start-up work has been queued (the periodic jobs that run
// when a process starts, among them the sync of every partner, which River queues only once
// this process is its leader: seconds after the env started on a busy machine) and no River
// job is available or running any more. Background work such as a first sync would otherwise
// reach Zoom while a test counts Zoom requests, or change customers a test put in place.
func (e *env) waitJobsIdle() {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		var startedUp bool
		if err := e.super().QueryRow(context.Background(),
			`SELECT count(*) FILTER (WHERE state IN ('available', 'running', 'retryable') OR (state = 'scheduled' AND scheduled_at < now() + interval '1 second')),
				coalesce(bool_or(kind = $1), false)
			FROM river_job`, jobs.SyncAllArgs{}.Kind()).Scan(&n, &startedUp); err != nil {
			e.t.Fatal(err)
		}
		if n == 0 && startedUp {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("after 60 s: start-up jobs queued %v, %d jobs still to run", startedUp, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
