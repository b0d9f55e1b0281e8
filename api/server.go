package api

import (
	"errors"
	"io/fs"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/data/plan"
	"yizhan/geo"
	"yizhan/roads"
)

// BodyLimit is the largest request body accepted, in bytes (4 MiB): room for
// a province-sized coverage polygon or a long route, small enough that no
// body can exhaust memory. It counts decoded bytes: larger bodies, on the
// wire or once decompressed, get a 413 problem naming the limit.
const BodyLimit = 4 << 20

// HeaderLimit is the largest request line plus headers accepted, in bytes
// (8 KiB, as most proxies): enough for any query string the API defines.
// Longer request heads get a 431 problem.
const HeaderLimit = 8 << 10

// Snapshots gives the current catalog snapshot; *catalog.Catalog satisfies it.
type Snapshots interface {
	Snapshot() *catalog.Snapshot
}

// Config is everything a Server needs. The zero value of optional fields
// means "not configured".
type Config struct {
	Catalog Snapshots
	Layers  *bundled.Layers // reference layers (boundary, border lines, places); may be nil
	Web     fs.FS           // the web map's files; nil serves no map
	Logger  *slog.Logger

	// Store takes writes; nil means the server is read-only (writes answer 503).
	Store Store
	// WriteTokens are the bearer tokens allowed to write.
	WriteTokens []string
	// Health reports database health for /readyz and /metrics; nil when there is no database.
	Health Health

	// CORSReadOrigins are the origins whose pages may read the read API
	// (GET, HEAD) from a browser; nil means any ("*"), empty means none.
	CORSReadOrigins []string
	// CORSOrigins are trusted origins whose pages may send any request,
	// writes and planner POSTs included; none by default.
	CORSOrigins []string

	// Roads gives the road network loaded now. A nil func or a nil
	// network means none is loaded: answers that travel use the straight
	// line and say method "straight_line" (api/roads.go).
	Roads func() *roads.Network
	// RoadHealth reports the road network's source for /readyz and
	// /metrics; nil when Roads is nil.
	RoadHealth RoadHealth
	// CoverageTimeout bounds the work of one planner request; 0 means
	// the default CoverageTimeout. A program embedding the server may
	// allow its planners longer (as `yizhan gaps --timeout` does).
	CoverageTimeout time.Duration
}

// Server is the HTTP app.
type Server struct {
	cfg Config
	app *fiber.App
	log *slog.Logger
	now func() time.Time // the clock open_now reads; replaced in tests

	cors corsPolicy // which other origins' pages may use the API

	// offsets converts coordinates for crs=gcj02|bd09 (crs.go); nil
	// without the bundled layers, which hold the China outline.
	offsets *geo.Offsets

	// snaps keeps where records join the road network, for searches by
	// travel time (roads.go).
	snaps *plan.SnapCache

	version atomic.Pointer[dataVersion] // the last X-Data-Version written (versionText)
}

// New builds the app with every route. cfg.Catalog is required; a nil
// Logger discards logs.
func New(cfg Config) (*Server, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("api: Config.Catalog is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cors, err := newCORS(cfg.CORSReadOrigins, cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log.With("component", "api"), now: time.Now, cors: cors, offsets: newOffsets(cfg.Layers), snaps: plan.NewSnapCache()}
	s.app = fiber.New(fiber.Config{
		AppName:        "yizhan",
		ErrorHandler:   s.handleError,
		BodyLimit:      BodyLimit,
		ReadBufferSize: HeaderLimit,
		RequestMethods: methods,
		// No route takes forms; do not parse them before any handler runs.
		DisablePreParseMultipartForm: true,
		// Handlers and middleware by several hands keep strings past the
		// handler (logs, snapshots); copying them is cheap insurance.
		Immutable:             true,
		DisableStartupMessage: true,
		ReadTimeout:           ReadTimeout,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
	})
	s.app.Use(recover.New())
	if err := s.routes(); err != nil {
		return nil, err
	}
	s.guardWire() // unknown methods and unreadable requests answer problems too
	return s, nil
}

// App returns the Fiber app, for serving and for tests (app.Test).
func (s *Server) App() *fiber.App { return s.app }

// routes lists every route of the app in one place. Fiber matches in
// registration order, so fixed paths come before /v1/stations/:id.
func (s *Server) routes() error {
	a := s.app
	a.Use(securityHeaders) // on every response: CSP, nosniff, Referrer-Policy (security.go)
	a.Use(compressAnswers) // brotli or gzip for clients that accept it (webapp.go)
	// Metrics first: its request-counting middleware sees only the routes
	// registered after it.
	s.metricsRoutes() // /metrics and the request metrics middleware
	// CORS: preflights, and which answers other origins' pages may read.
	a.Use(s.crossOrigin)
	a.Get("/healthz", s.healthz)
	a.Get("/readyz", s.readyz)
	a.Use("/v1/stations", refuseWriteCRS) // writes store WGS 84 only (crs.go)

	v1 := a.Group("/v1")
	v1.Get("/stations/nearest", s.nearest)
	v1.Get("/stations/within", s.within)
	v1.Get("/stations", s.stations)
	v1.Get("/stations/:id/circle", s.stationCircle)
	v1.Get("/stations/:id", s.station)
	v1.Get("/circle", s.circle)
	v1.Get("/layers", s.layers)
	v1.Get("/layers/:name", s.layer)
	v1.Get("/reach", s.reach) // travel on roads (roads.go)
	v1.Get("/route", s.route)

	// Route groups kept beside their handlers.
	s.writeRoutes()   // POST/PUT/PATCH/DELETE /v1/stations...
	s.planRoutes()    // POST /v1/coverage/gaps, POST /v1/route/stations
	s.ogcRoutes()     // /ogc/...
	s.tileRoutes()    // /tiles/{z}/{x}/{y}.mvt
	s.exampleRoutes() // /v1/routes, /v1/regions
	s.openapiRoutes() // /openapi.json

	// The web map last: it serves what no route above claimed (webapp.go).
	return s.webRoutes()
}

// snapshot returns the current snapshot and sets X-Data-Version to its
// version, so that every data answer says which data it reflects. With no
// snapshot loaded yet it is a 503 problem.
func (s *Server) snapshot(c *fiber.Ctx) (*catalog.Snapshot, error) {
	snap := s.cfg.Catalog.Snapshot()
	if snap == nil {
		return nil, &Error{Status: fiber.StatusServiceUnavailable, RetryAfter: "5", Detail: "no data loaded yet; retry in a few seconds"}
	}
	c.Response().Header.SetCanonical(dataVersionName, s.versionText(snap.Version()))
	return snap, nil
}

// dataVersionName is the canonical name of the X-Data-Version header, so
// that setting it on every data answer does not normalize it each time.
var dataVersionName = []byte("X-Data-Version")

// dataVersion is a snapshot version and its decimal text.
type dataVersion struct {
	v    int64
	text []byte
}

// versionText is v in decimal, kept for the snapshot being served so that
// X-Data-Version costs no allocation on every answer. The text is shared
// and never written.
func (s *Server) versionText(v int64) []byte {
	if d := s.version.Load(); d != nil && d.v == v {
		return d.text
	}
	d := &dataVersion{v: v, text: strconv.AppendInt(nil, v, 10)}
	s.version.Store(d)
	return d.text
}
