package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// detailsMaxAge is how old cached customer details may be before a view refreshes them.
const detailsMaxAge = time.Minute

// refreshTimeout bounds the Zoom calls of one page view: past it, the page shows the cache.
const refreshTimeout = 8 * time.Second

// fetchers fetch one part of a customer's details from Zoom.
var fetchers = map[string]func(ctx context.Context, zc *zoom.Client, id string) (any, error){
	"account": func(ctx context.Context, zc *zoom.Client, id string) (any, error) {
		v, _, err := zc.GetSubAccount(ctx, id)
		return v, err
	},
	"plans": func(ctx context.Context, zc *zoom.Client, id string) (any, error) {
		v, _, err := zc.GetPlans(ctx, id)
		return v, err
	},
	"plan_usage": func(ctx context.Context, zc *zoom.Client, id string) (any, error) {
		v, _, err := zc.GetPlanUsage(ctx, id)
		return v, err
	},
	"settings": func(ctx context.Context, zc *zoom.Client, id string) (any, error) {
		return zoom.ReadWhole(func(o *zoom.SettingsOptions) (zoom.Settings, error) {
			v, _, err := zc.GetAccountSettings(ctx, id, o)
			return v, err
		})
	},
	"lock_settings": func(ctx context.Context, zc *zoom.Client, id string) (any, error) {
		return zoom.ReadWhole(func(o *zoom.SettingsOptions) (zoom.Settings, error) {
			v, _, err := zc.GetLockSettings(ctx, id, o)
			return v, err
		})
	},
	"managed_domains": func(ctx context.Context, zc *zoom.Client, id string) (any, error) {
		v, _, err := zc.ManagedDomains(ctx, id)
		return v, err
	},
	"trusted_domains": func(ctx context.Context, zc *zoom.Client, id string) (any, error) {
		v, _, err := zc.TrustedDomains(ctx, id)
		return v, err
	},
}

// detailsView is a customer's details as a page shows them, and what to tell the reader
// about their freshness.
type detailsView struct {
	store.CustomerDetails
	Notice     string            // Zoom could not be reached: shown from the cache
	Unreliable map[string]string // part → why it is not shown (not available for this customer)
}

// customerDetails returns customer c's details for a page that needs parts: from the cache,
// refreshed from Zoom (in parallel, within refreshTimeout) when older than detailsMaxAge or
// missing a part. A customer of a partner below the acting one is shown from the cache only:
// acting on it in Zoom needs its own partner's grant. Zoom being down is a notice, not an
// error page.
func (h *Handlers) customerDetails(r *http.Request, c store.Customer, parts ...string) (detailsView, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	cached, err := h.store.CustomerDetailsOf(ctx, a.Partner.ID, c.ID)
	if err != nil {
		return detailsView{}, err
	}
	v := detailsView{CustomerDetails: cached, Unreliable: map[string]string{}}
	stale := cached.FetchedAt == nil || h.cfg.Now().Sub(*cached.FetchedAt) > detailsMaxAge
	for _, p := range parts {
		if detailPart(cached, p) == nil && cached.Errors[p] == "" {
			stale = true
		}
	}
	if c.PartnerID != a.Partner.ID || c.Status == store.CustomerPending || !stale {
		v.explain(parts)
		return v, nil
	}
	zc, err := h.zoomReader(r)
	if err != nil {
		return v, err
	}
	fetched, failed, outage := fetchParts(ctx, zc, c.ZoomAccountID, parts)
	if outage != nil {
		v.Notice = "Zoom could not be reached (" + zoom.Explain(outage) + "), so this page shows what Tierdesk last saw"
		if cached.FetchedAt != nil {
			v.Notice += " on " + cached.FetchedAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		v.Notice += ". Nothing is wrong with the customer's data."
		h.log.LogAttrs(ctx, slog.LevelWarn, "customer refresh failed", slog.String("customer", c.ZoomAccountID), slog.String("error", outage.Error()))
		v.explain(parts)
		return v, nil
	}
	// Settings and locks read together are recorded as any read of them is (a change made in
	// Zoom since the last read is audited as seen there); the other parts are saved as read.
	var settingsRead *store.SettingsRead
	if slices.Contains(parts, "settings") && slices.Contains(parts, "lock_settings") {
		// Locks Zoom refused while it answered the settings keep their cached values.
		settingsRead = &store.SettingsRead{Settings: fetched["settings"], Locks: fetched["lock_settings"], Refused: failed["settings"]}
		for _, p := range []string{"settings", "lock_settings"} {
			delete(fetched, p)
			if p == "settings" || settingsRead.Refused != "" {
				delete(failed, p)
			}
		}
	}
	if err := h.store.SaveCustomerDetails(ctx, a.Partner.ID, c.ID, fetched, failed); err != nil {
		return v, err
	}
	if settingsRead != nil {
		ev := store.AuditEvent{RequestID: h.requestEvent(r).RequestID, GrantRef: zc.Grant()}
		if _, err := h.svc.RecordSettingsRead(ctx, a.Partner.ID, c, *settingsRead, service.ReadByPage, ev); err != nil {
			return v, err
		}
	}
	if v.CustomerDetails, err = h.store.CustomerDetailsOf(ctx, a.Partner.ID, c.ID); err != nil {
		return v, err
	}
	v.explain(parts)
	return v, nil
}

// explain fills Unreliable from the parts' last errors.
func (v *detailsView) explain(parts []string) {
	for _, p := range parts {
		if msg := v.Errors[p]; msg != "" {
			v.Unreliable[p] = msg
		}
	}
}

func detailPart(d store.CustomerDetails, part string) json.RawMessage {
	switch part {
	case "account":
		return d.Account
	case "plans":
		return d.Plans
	case "plan_usage":
		return d.PlanUsage
	case "settings":
		return d.Settings
	case "lock_settings":
		return d.LockSettings
	case "managed_domains":
		return d.ManagedDomains
	case "trusted_domains":
		return d.TrustedDomains
	}
	return nil
}

// fetchParts asks Zoom for the parts at once. A part Zoom refuses for this customer (plans of
// a self-paying customer, settings of a free one) is failed with Zoom's reason; a timeout,
// 5xx or transport failure of any part is an outage, and nothing is saved.
func fetchParts(ctx context.Context, zc *zoom.Client, accountID string, parts []string) (map[string]json.RawMessage, map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	fetched, failed := map[string]json.RawMessage{}, map[string]string{}
	var outage error
	for _, p := range parts {
		fetch, ok := fetchers[p]
		if !ok {
			continue
		}
		wg.Add(1)
		go func(p string) {
			defer wg.Done()
			v, err := fetch(ctx, zc, accountID)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if service.RefusedForCustomer(err) {
					ze, _ := zoom.AsError(err)
					failed[p] = zoom.Explain(err)
					// Zoom's code 200 "Only available for paid account" is no fault: a free account.
					switch {
					case ze.Code == 200 && (p == "managed_domains" || p == "trusted_domains"):
						failed[p] = "Domains come with a paid plan, and this account has none."
					case ze.Code == 200 && p == "plan_usage":
						failed[p] = "Usage shows once the customer has a paid plan."
					}
				} else if outage == nil {
					outage = err
				}
				return
			}
			b, err := json.Marshal(v)
			if err != nil {
				failed[p] = fmt.Sprint("unreadable answer: ", err)
				return
			}
			fetched[p] = b
		}(p)
	}
	wg.Wait()
	return fetched, failed, outage
}
