// Package migrations holds Tierdesk's schema as goose SQL migrations, embedded in the binary.
//
// Files are named NNNNN_what.sql and never change once landed: a change is a new file.
// River's own tables are migrated separately by rivermigrate (see internal/store/migrate.go).
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
