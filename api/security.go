package api

import "github.com/gofiber/fiber/v2"

// ContentSecurityPolicy is the Content-Security-Policy of every response.
// The web map is the server's own files and builds its DOM from data with
// text nodes only (web/static/app.js, el); the policy makes that the only
// way the page can work, so that text from a record or a problem can never
// run as script even if a page bug let it through as markup:
//
//   - default-src 'none': nothing that the directives below do not name;
//   - script-src 'self': the page's own script files; no inline script,
//     no event-handler attributes, no eval;
//   - style-src 'self': the page's own style sheets and no inline style
//     markup (Leaflet styles elements through element.style, which a
//     policy does not restrict);
//   - img-src 'self' https://tile.openstreetmap.org: the page's and
//     Leaflet's images, and the OpenStreetMap tiles the layer control can
//     turn on (tileHost);
//   - connect-src 'self': the API, on the page's own origin;
//   - worker-src 'self' and manifest-src 'self': the page's service
//     worker (/sw.js, the offline mode) and web app manifest;
//   - base-uri 'none', form-action 'self', object-src 'none': no <base>
//     to redirect relative URLs, no form posted elsewhere, no plugins;
//   - frame-ancestors 'none': no other site may frame the page.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' " + tileHost + "; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
	"base-uri 'none'; form-action 'self'; " +
	"object-src 'none'; frame-ancestors 'none'"

// tileHost is the only other origin the web map loads from: the
// OpenStreetMap tile server of its optional tile layer
// (web/static/app.js). Keep the two in step.
const tileHost = "https://tile.openstreetmap.org"

// ReferrerPolicy sends another origin (the tile server, whose usage policy
// asks for a Referer) the page's origin only, never its path or query.
const ReferrerPolicy = "strict-origin-when-cross-origin"

// securityHeaders is the middleware that gives every response the
// security headers; see setSecurityHeaders.
func securityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders sets the security headers on c's response:
// Content-Security-Policy, X-Content-Type-Options: nosniff (a browser
// runs or renders a body only as its declared type, so a JSON answer
// holding markup is never taken for a page or a script), Referrer-Policy
// and X-Frame-Options: DENY (frame-ancestors for browsers that predate
// it). The middleware sets them before any handler runs, and the error
// handler again, because fasthttp answers an oversized request head or
// body through the error handler before any middleware runs. A handler
// may still override them for its own response.
func setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	for _, kv := range securityHeaderBytes {
		h.SetCanonical(kv[0], kv[1])
	}
}

// securityHeaderBytes are the security headers as bytes, their names in
// canonical form, so that setting them on every response converts and
// normalizes nothing.
var securityHeaderBytes = [...][2][]byte{
	{[]byte(fiber.HeaderContentSecurityPolicy), []byte(ContentSecurityPolicy)},
	{[]byte(fiber.HeaderXContentTypeOptions), []byte("nosniff")},
	{[]byte(fiber.HeaderReferrerPolicy), []byte(ReferrerPolicy)},
	{[]byte(fiber.HeaderXFrameOptions), []byte("DENY")},
}
