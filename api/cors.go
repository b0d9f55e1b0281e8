package api

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Cross-origin resource sharing. Web maps on other sites may read the
// public read API (GET and HEAD of /v1, /ogc, /tiles and /openapi.json)
// from a browser: by default any site, or the sites an operator lists.
// Everything else cross-origin (writes, the planners' POSTs, health and
// metrics) only from origins the operator trusts. Credentials are never
// allowed: the API has no cookies, and a write token is sent explicitly.

// Header values of CORS answers.
const (
	// corsExpose are the answer headers a page may read beyond the safelisted ones.
	corsExpose      = "ETag, Location, Retry-After, X-Data-Version, X-Read-Your-Writes"
	corsReadMethods = "GET, HEAD"
	corsReadHeaders = "If-None-Match"
	corsAllMethods  = "GET, HEAD, POST, PUT, PATCH, DELETE"
	corsAllHeaders  = "Authorization, Content-Type, Content-Encoding, If-Match, If-None-Match"
	// corsMaxAge is how long, in seconds, a browser may reuse a preflight answer.
	corsMaxAge = "600"
)

// The headers of a read answer any origin may read, as bytes with
// canonical names, as crossOrigin sets them on every such answer.
var (
	corsAllowOriginBytes  = []byte(fiber.HeaderAccessControlAllowOrigin)
	corsAnyBytes          = []byte("*")
	corsExposeHeaderBytes = []byte(fiber.HeaderAccessControlExposeHeaders)
	corsExposeBytes       = []byte(corsExpose)
)

// corsPolicy says which other origins' pages may use the API.
type corsPolicy struct {
	readAny bool            // any origin may read: Access-Control-Allow-Origin: *
	read    map[string]bool // else these origins may read
	trusted map[string]bool // these may also send any request to any path
}

// newCORS builds the policy from Config.CORSReadOrigins (nil: any) and
// Config.CORSOrigins.
func newCORS(read, trusted []string) (corsPolicy, error) {
	p := corsPolicy{readAny: read == nil, read: map[string]bool{}, trusted: map[string]bool{}}
	for _, o := range read {
		if strings.TrimSpace(o) == "*" {
			p.readAny = true
			continue
		}
		o, err := checkOrigin(o)
		if err != nil {
			return p, fmt.Errorf("api: CORS read origins: %w", err)
		}
		p.read[o] = true
	}
	for _, o := range trusted {
		if strings.TrimSpace(o) == "*" {
			return p, errors.New("api: CORS trusted origins: * is not accepted; list the sites that may write and plan")
		}
		o, err := checkOrigin(o)
		if err != nil {
			return p, fmt.Errorf("api: CORS trusted origins: %w", err)
		}
		p.trusted[o] = true
	}
	return p, nil
}

// checkOrigin returns o as a browser sends it in Origin (RFC 6454:
// lower-case scheme://host[:port]), or why it is not an origin.
func checkOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an origin: want scheme://host[:port], e.g. https://map.example.org", o)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// readPath reports whether path is under the public read API.
func readPath(path string) bool {
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	prefix := func(p string) bool { return len(path) >= len(p) && strings.EqualFold(path[:len(p)], p) }
	return prefix("/v1/") || strings.EqualFold(path, "/ogc") || prefix("/ogc/") ||
		prefix("/tiles/") || strings.EqualFold(path, "/tiles.json") || strings.EqualFold(path, "/openapi.json")
}

// crossOrigin is the CORS middleware: it answers preflights and marks the
// answers a page of another origin may read.
func (s *Server) crossOrigin(c *fiber.Ctx) error {
	p := &s.cors
	origin := c.Get(fiber.HeaderOrigin)
	method := c.Method()
	if method == fiber.MethodOptions && origin != "" && c.Get(fiber.HeaderAccessControlRequestMethod) != "" {
		return s.preflight(c, origin)
	}
	read := (method == fiber.MethodGet || method == fiber.MethodHead) && readPath(c.Path())
	allow := ""
	switch {
	case read && p.readAny:
		// The same for every origin, and with none, so that a cached
		// answer serves a page of any origin.
		allow = "*"
	case len(p.trusted) > 0 || read && len(p.read) > 0:
		c.Vary(fiber.HeaderOrigin)
		if origin != "" && (p.trusted[origin] || read && p.read[origin]) {
			allow = origin
		}
	}
	switch h := &c.Response().Header; allow {
	case "":
	case "*": // every read answer: the header bytes are made once
		h.SetCanonical(corsAllowOriginBytes, corsAnyBytes)
		h.SetCanonical(corsExposeHeaderBytes, corsExposeBytes)
	default:
		c.Set(fiber.HeaderAccessControlAllowOrigin, allow)
		c.Set(fiber.HeaderAccessControlExposeHeaders, corsExpose)
	}
	return c.Next()
}

// preflight answers a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method): 204 with what the origin may send, or a
// 403 problem saying why not.
func (s *Server) preflight(c *fiber.Ctx, origin string) error {
	p := &s.cors
	want := c.Get(fiber.HeaderAccessControlRequestMethod)
	c.Vary(fiber.HeaderOrigin)
	var allow, methods, headers string
	switch {
	case p.trusted[origin]:
		allow, methods, headers = origin, corsAllMethods, corsAllHeaders
	case (want == fiber.MethodGet || want == fiber.MethodHead) && readPath(c.Path()) && (p.readAny || p.read[origin]):
		allow, methods, headers = origin, corsReadMethods, corsReadHeaders
		if p.readAny {
			allow = "*"
		}
	default:
		readers := "any site"
		if !p.readAny {
			readers = "the sites in --cors-read-origins (YIZHAN_CORS_READ_ORIGINS)"
		}
		return &Error{Status: fiber.StatusForbidden, Title: "Cross-origin request refused", Detail: fmt.Sprintf(
			"pages from %s may not send %s requests to %s: %s may GET and HEAD the read API (/v1, /ogc, /tiles, /openapi.json); "+
				"other requests only sites the operator trusts with --cors-origins (YIZHAN_CORS_ORIGINS)",
			quote(origin), quote(want), c.Path(), readers)}
	}
	c.Set(fiber.HeaderAccessControlAllowOrigin, allow)
	c.Set(fiber.HeaderAccessControlAllowMethods, methods)
	c.Set(fiber.HeaderAccessControlAllowHeaders, headers)
	c.Set(fiber.HeaderAccessControlMaxAge, corsMaxAge)
	c.Status(fiber.StatusNoContent)
	return nil
}
