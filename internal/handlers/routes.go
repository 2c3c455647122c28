package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tierdesk/tierdesk/web/static"
)

// routes is the whole HTTP surface of the portal, with the guards of each group beside it.
func (h *Handlers) routes(reg *prometheus.Registry) http.Handler {
	r := chi.NewRouter()
	h.mux = r
	r.Use(h.cleanRequestID, middleware.RequestID, h.traceRequest, h.accessLog, h.recoverer, h.securityHeaders, h.crossOrigin, h.limitBody,
		h.refuseBadInput)
	// An address that matches no route reads the session too: a signed-in visitor's page not
	// found offers the dashboard, a visitor's offers sign-in.
	r.NotFound(h.withStaff(h.wrap(h.notFound)))
	r.MethodNotAllowed(h.withStaff(h.wrap(h.methodNotAllowed)))

	// Probes and metrics: no session.
	r.Get("/healthz", h.healthz)
	r.Get("/readyz", h.readyz)
	r.Method(http.MethodGet, "/metrics", h.metricsAuth(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	r.Method(http.MethodGet, static.Prefix+"*", static.Handler())

	// Zoom's webhook: no session; trusted by its signature (a partner's Secret Token).
	r.Post("/webhooks/zoom", h.wrap(h.zoomWebhook))

	// Everything else has a session.
	r.Group(func(r chi.Router) {
		r.Use(h.sessions.LoadAndSave, h.loadStaff, h.loadCustomer)

		// Public: sign-in and registration of a new partner.
		r.Get("/signin", h.wrap(h.signInPage))
		r.Get("/auth/zoom/login", h.wrap(h.zoomLogin))
		r.Get("/auth/zoom/callback", h.wrap(h.zoomCallback))
		r.Post("/signout", h.wrap(h.signOut))
		r.Get("/register", h.wrap(h.registerPage))
		r.Post("/register", h.wrap(h.register))

		// A customer's own read-only page (customer sessions only; loadCustomer refuses a
		// customer's every change): customer_portal.go.
		r.Get("/account", h.wrap(h.customerAccountPage))
		r.Get("/account.csv", h.wrap(h.customerAccountCSV))

		// Signed in: any staff member of the acting partner.
		r.Group(func(r chi.Router) {
			r.Use(h.requireStaff, unescapeParams, h.viaDelegation)
			r.Get("/", h.wrap(h.dashboard))
			r.Get("/renewals", h.wrap(h.renewals))
			r.Get("/audit", h.wrap(h.auditList))
			r.Get("/audit.csv", h.wrap(h.auditExportCSV))
			r.Get("/audit.ndjson", h.wrap(h.auditExportNDJSON))
			r.Get("/audit/{seq}", h.wrap(h.auditDetail))
			r.Get("/audit/events/{eventId}", h.wrap(h.auditEvent))
			r.Get("/customers", h.wrap(h.customersList))
			r.Post("/customers/sync", h.wrap(h.syncNow))
			r.Get("/customers.csv", h.wrap(h.customersExport))
			r.Get("/customers/quick", h.wrap(h.newCustomerPage))
			r.Post("/customers/quick", h.wrap(h.createCustomer))
			// The onboarding wizard and its saga.
			r.Get("/customers/new", h.wrap(h.onboardingStart))
			r.Post("/customers/new", h.wrap(h.createDraft))
			r.Get("/customers/new/{draftId}", h.wrap(h.continueDraft))
			r.Post("/customers/new/{draftId}/delete", h.wrap(h.deleteDraft))
			r.Post("/customers/new/{draftId}/start", h.wrap(h.startOnboarding))
			r.Get("/customers/new/{draftId}/{step}", h.wrap(h.wizardPage))
			r.Post("/customers/new/{draftId}/{step}", h.wrap(h.saveWizardStep))
			r.Get("/onboardings/{onboardingId}", h.wrap(h.showOnboarding))
			r.Post("/onboardings/{onboardingId}/steps/{seq}/retry", h.wrap(h.retryStep))
			r.Post("/onboardings/{onboardingId}/steps/{seq}/skip", h.wrap(h.skipStep))
			r.Post("/onboardings/{onboardingId}/steps/{seq}/edit", h.wrap(h.correctStep))
			r.Get("/onboardings/{onboardingId}/abandon", h.wrap(h.abandonPage))
			r.Post("/onboardings/{onboardingId}/abandon", h.wrap(h.abandonOnboarding))
			r.Post("/onboardings/{onboardingId}/copy", h.wrap(h.copyOnboarding))
			r.Get("/customers/{accountId}", h.wrap(h.customerPage))
			r.Get("/customers/{accountId}/activity", h.wrap(h.customerActivity))
			r.Get("/customers/{accountId}/settings", h.wrap(h.customerSettings))
			r.Post("/customers/{accountId}/settings", h.wrap(h.changeCustomerSettings))
			r.Post("/customers/{accountId}/settings/review", h.wrap(h.reviewCustomerSettings))
			r.Get("/customers/{accountId}/plans", h.wrap(h.customerPlans))
			r.Post("/customers/{accountId}/plans", h.wrap(h.subscribePlan))
			r.Post("/customers/{accountId}/plans/base", h.wrap(h.changeBasePlan))
			r.Post("/customers/{accountId}/plans/addons", h.wrap(h.addAddon))
			r.Post("/customers/{accountId}/plans/cancel", h.wrap(h.cancelPlan))
			r.Get("/customers/{accountId}/options", h.wrap(h.customerOptionsPage))
			r.Post("/customers/{accountId}/options", h.wrap(h.changeCustomerOptions))
			r.Get("/customers/{accountId}/owner", h.wrap(h.customerOwnerPage))
			r.Post("/customers/{accountId}/owner", h.wrap(h.changeCustomerOwner))
			r.Get("/customers/{accountId}/disassociate", h.wrap(h.customerDisassociatePage))
			r.Post("/customers/{accountId}/disassociate", h.wrap(h.disassociateCustomer))
			r.Post("/customers/{accountId}/notes", h.wrap(h.saveCustomerNotes))
			r.Post("/customers/{accountId}/tags", h.wrap(h.saveCustomerTags))
			// Customer groups: the partner's own saved selections of customers.
			r.Get("/groups", h.wrap(h.groupsList))
			r.Get("/groups/new", h.wrap(h.newGroupPage))
			r.Post("/groups", h.wrap(h.saveGroup))
			r.Get("/groups/{groupId}", h.wrap(h.groupPage))
			r.Get("/groups/{groupId}/edit", h.wrap(h.editGroupPage))
			r.Post("/groups/{groupId}", h.wrap(h.saveGroup))
			r.Post("/groups/{groupId}/delete", h.wrap(h.deleteGroup))
			// Settings standards: a template assigned to a group, and its drift report.
			r.Get("/standards", h.wrap(h.standardsList))
			r.Get("/standards/new", h.wrap(h.newStandardPage))
			r.Post("/standards", h.wrap(h.saveStandard))
			r.Get("/standards/{standardId}", h.wrap(h.standardReport))
			r.Get("/standards/{standardId}/edit", h.wrap(h.editStandardPage))
			r.Post("/standards/{standardId}", h.wrap(h.saveStandard))
			r.Post("/standards/{standardId}/delete", h.wrap(h.deleteStandard))
			r.Post("/standards/{standardId}/enforce", h.wrap(h.enforceStandard))
			// Changes across many customers: the form; the preview and the start are the bulk
			// job's (/imports/{importId}), its progress the job's page.
			r.Get("/fleet/new", h.wrap(h.fleetNewPage))
			r.Post("/fleet", h.wrap(h.createFleet))
			r.Get("/jobs/{jobId}", h.wrap(h.jobPage))
			r.Get("/jobs/{jobId}/results.csv", h.wrap(h.jobResults))
			r.Post("/jobs/{jobId}/cancel", h.wrap(h.cancelJob))
			// Users inside customers, the search across tiers, bulk user jobs.
			r.Get("/customers/{accountId}/users", h.wrap(h.usersList))
			r.Post("/customers/{accountId}/users", h.wrap(h.createUser))
			r.Get("/customers/{accountId}/users/new", h.wrap(h.newUserPage))
			r.Post("/customers/{accountId}/users/sync", h.wrap(h.syncUsers))
			r.Post("/customers/{accountId}/users/bulk", h.wrap(h.bulkSelection))
			r.Get("/customers/{accountId}/users/{userId}", h.wrap(h.userPage))
			r.Post("/customers/{accountId}/users/{userId}", h.wrap(h.updateUser))
			r.Post("/customers/{accountId}/users/{userId}/status", h.wrap(h.changeUserStatus))
			r.Post("/customers/{accountId}/users/{userId}/remove", h.wrap(h.removeUser))
			r.Get("/customers/{accountId}/users/{userId}/move", h.wrap(h.moveUserPage))
			r.Post("/customers/{accountId}/users/{userId}/move", h.wrap(h.moveUser))
			r.Get("/customers/{accountId}/users/{userId}/settings", h.wrap(h.userSettingsPage))
			r.Post("/customers/{accountId}/users/{userId}/settings", h.wrap(h.changeUserSettings))
			r.Post("/customers/{accountId}/users/{userId}/settings/review", h.wrap(h.reviewUserSettings))
			r.Get("/search", h.wrap(h.search))
			r.Post("/search/sync", h.wrap(h.syncAllUsers))
			r.Post("/search/lookup", h.wrap(h.lookUpUser))
			r.Get("/imports", h.wrap(h.importsPage))
			r.Post("/imports", h.wrap(h.uploadImport))
			r.Get("/imports/template.csv", h.wrap(h.importTemplate))
			r.Get("/imports/{importId}", h.wrap(h.importPage))
			r.Post("/imports/{importId}/start", h.wrap(h.startImport))
			r.Post("/imports/{importId}/discard", h.wrap(h.discardImport))
			r.Get("/staff", h.wrap(h.staffPage))
			r.Post("/staff", h.wrap(h.inviteStaff))
			r.Post("/staff/{staffId}/role", h.wrap(h.changeStaffRole))
			r.Post("/staff/{staffId}/status", h.wrap(h.changeStaffStatus))
			r.Get("/staff/{staffId}/scope", h.wrap(h.staffScopePage))
			r.Post("/staff/{staffId}/scope", h.wrap(h.changeStaffScope))
			// Delegated access between tiers: requests, answers, active delegations, history.
			r.Get("/access", h.wrap(h.accessPage))
			r.Get("/access/new", h.wrap(h.newDelegationPage))
			r.Post("/access", h.wrap(h.requestDelegation))
			r.Get("/access/{delegationId}", h.wrap(h.delegationPage))
			r.Post("/access/{delegationId}/approve", h.wrap(h.approveDelegation))
			r.Post("/access/{delegationId}/decline", h.wrap(h.declineDelegation))
			r.Post("/access/{delegationId}/end", h.wrap(h.endDelegation))
			r.Get("/settings", h.wrap(h.settingsPage))
			r.Post("/settings/s2s", h.wrap(h.saveS2S))
			r.Post("/settings/s2s/remove", h.wrap(h.removeS2S))
			r.Post("/settings/webhook", h.wrap(h.saveWebhook))
			r.Post("/settings/notifications", h.wrap(h.saveNotifications))
			r.Post("/settings/notifications/test", h.wrap(h.testNotification))
			r.Get("/settings/templates", h.wrap(h.templatesList))
			r.Get("/settings/templates/new", h.wrap(h.newTemplatePage))
			r.Post("/settings/templates", h.wrap(h.saveTemplate))
			r.Get("/settings/templates/{templateId}", h.wrap(h.editTemplatePage))
			r.Post("/settings/templates/{templateId}", h.wrap(h.saveTemplate))
			r.Post("/settings/templates/{templateId}/delete", h.wrap(h.deleteTemplate))
			r.Get("/customers/{accountId}/settings/template", h.wrap(h.templatePreview))
			r.Post("/customers/{accountId}/settings/template", h.wrap(h.applyTemplate))
		})
	})
	return r
}
