// Package sandbox is an offline emulator of Zoom's OAuth and primary account REST API.
//
// No machine of Tierdesk reaches Zoom, so the portal, its tests and its benchmarks talk to a
// Sandbox over real HTTP exactly as they would to Zoom: /oauth/authorize, /oauth/token and
// /oauth/revoke play the zoom.us role, /v2/... plays the api.zoom.us role. Paths, fields,
// status codes, error bodies, pagination, rate limits and webhooks follow shared/ZOOM_API.md.
// Everything that is not Zoom (introspection, fault injection, clock control, webhook
// configuration) lives under /_sandbox/ and never under /v2.
//
// CONTRACT.md beside this file fixes the Go API and the demo seed the portal relies on.
package sandbox
