// Package api is yizhan's HTTP interface: a Fiber app that answers station
// queries from the in-memory catalog, renders GeoJSON, OGC API Features and
// vector tiles, and takes authorised writes when a database is configured.
package api

import (
	"io/fs"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"yizhan/data"
)

// Snapshots gives the current catalog snapshot; *data.Catalog satisfies it.
type Snapshots interface {
	Snapshot() *data.Snapshot
}

// Config is everything a Server needs. The zero value of optional fields
// means "not configured".
type Config struct {
	Catalog Snapshots
	Layers  *data.Layers // reference layers (boundary, border lines, places); may be nil
	Web     fs.FS        // the web map's files; nil serves no map
	Logger  *slog.Logger

	// Store takes writes; nil means the server is read-only (writes answer 503).
	Store Store
	// WriteTokens are the bearer tokens allowed to write.
	WriteTokens []string
	// Health reports database health for /readyz and /metrics; nil when there is no database.
	Health Health
}

// Server is the HTTP app.
type Server struct {
	cfg Config
	app *fiber.App
	log *slog.Logger
}

// App returns the Fiber app, for serving and for tests (app.Test).
func (s *Server) App() *fiber.App { return s.app }
