package api

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
)

// ContentSecurityPolicy is the Content-Security-Policy of the web map's
// pages and scripts (a service worker takes its policy from its script's
// response, so /sw.js needs connect-src to fetch). The web map is the server's own files and builds its DOM from data with
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

// APIContentSecurityPolicy is the Content-Security-Policy of every other
// answer: JSON, problems, tiles, CSV, images. Such an answer is never a
// page that loads anything, and nobody has a reason to frame it, so it
// allows nothing; opened in a browser tab it still runs no script. It is
// short because every data answer carries it: the long policy cost write
// bytes on the server and parsing on the client, on every request.
const APIContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// ReferrerPolicy sends another origin (the tile server, whose usage policy
// asks for a Referer) the page's origin only, never its path or query.
const ReferrerPolicy = "strict-origin-when-cross-origin"

// securityHeaders is the middleware that gives every response the
// security headers: the fixed ones before the handler runs, so that a
// handler may override them, and the Content-Security-Policy after it, by
// the media type it answered with (securityPolicyFor), unless the handler
// set one of its own (the HTML coverage report). A handler's error is a
// problem, which the error handler renders with its headers.
func securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	for _, kv := range fixedSecurityHeaders {
		h.SetCanonical(kv[0], kv[1])
	}
	if err := c.Next(); err != nil {
		return err
	}
	if len(h.PeekBytes(cspName)) == 0 {
		h.SetCanonical(cspName, securityPolicyFor(h.ContentType()))
	}
	return nil
}

// securityPolicyFor gives the Content-Security-Policy for an answer of
// media type ctype: the web map's policy for HTML and JavaScript (a page
// and a worker apply the policy of their own response), the API policy
// for everything else.
func securityPolicyFor(ctype []byte) []byte {
	if mediaIs(ctype, "text/html") || mediaIs(ctype, "text/javascript") || mediaIs(ctype, "application/javascript") {
		return pageCSP
	}
	return apiCSP
}

// mediaIs reports whether the media type of a Content-Type value, the
// part before any parameter, is m (case-insensitive, as media types are).
func mediaIs(ctype []byte, m string) bool {
	if i := bytes.IndexByte(ctype, ';'); i >= 0 {
		ctype = ctype[:i]
	}
	return bytes.EqualFold(bytes.TrimSpace(ctype), []byte(m))
}

// setSecurityHeaders sets the security headers of a problem answer, with
// the API policy: X-Content-Type-Options: nosniff (a browser runs or
// renders a body only as its declared type, so a JSON answer holding
// markup is never taken for a page or a script), Referrer-Policy,
// X-Frame-Options: DENY (frame-ancestors for browsers that predate it)
// and Content-Security-Policy. The error handler sets them, because
// fasthttp answers an oversized request head or body through it before
// any middleware runs.
func setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	for _, kv := range fixedSecurityHeaders {
		h.SetCanonical(kv[0], kv[1])
	}
	h.SetCanonical(cspName, apiCSP)
}

// fixedSecurityHeaders are the security headers that are the same on
// every response, as bytes, their names in canonical form, so that
// setting them converts and normalizes nothing; so are the policies.
var fixedSecurityHeaders = [...][2][]byte{
	{[]byte(fiber.HeaderXContentTypeOptions), []byte("nosniff")},
	{[]byte(fiber.HeaderReferrerPolicy), []byte(ReferrerPolicy)},
	{[]byte(fiber.HeaderXFrameOptions), []byte("DENY")},
}

var (
	cspName = []byte(fiber.HeaderContentSecurityPolicy)
	pageCSP = []byte(ContentSecurityPolicy)
	apiCSP  = []byte(APIContentSecurityPolicy)
)
