package api

import (
	"mime"
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// The web map opens the printable report in a tab of its own. A report
// fetched by the page and shown from a blob: or about:blank document
// would take the page's Content-Security-Policy, which refuses the
// report's inline style sheet (reportCSP allows it by its hash); a
// navigation gets the report's own policy. A navigation cannot send JSON,
// so the map posts an HTML form whose one field, reportFormField, holds
// the JSON body, and reportForm turns it back into that body.
//
// The planners take JSON only so that other sites' pages cannot make a
// visitor's browser send them simple cross-site requests (bodyOptions);
// a form is such a request, so reportForm takes one only from this
// server's own pages: Sec-Fetch-Site same-origin, or, from a browser that
// does not send it, an Origin of this server's host.

// reportFormField is the form field holding the report request's JSON.
const reportFormField = "request"

// reportForm is the middleware of POST /v1/coverage/report that reads a
// form post from the server's own page (application/x-www-form-urlencoded,
// the JSON request in the field "request") as the JSON body acceptBody
// and the handler expect. Any other request passes unchanged.
func reportForm(c *fiber.Ctx) error {
	mt, _, err := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	if err != nil || mt != fiber.MIMEApplicationForm {
		return c.Next()
	}
	if !sameOriginForm(c) {
		return unsupported("a form is accepted here only from this server's own map page; send the body as %s", orList(bodyOptions))
	}
	if len(c.Request().Header.Peek(fiber.HeaderContentEncoding)) > 0 {
		return unsupported("a form body cannot be compressed; send it as it is")
	}
	body := c.Request().PostArgs().Peek(reportFormField)
	if len(body) == 0 {
		return &Error{Status: fiber.StatusBadRequest, Detail: "the form has no field " + reportFormField + " holding the report request as JSON"}
	}
	c.Request().SetBody(append([]byte(nil), body...))
	c.Request().Header.SetContentType(mediaJSON)
	return c.Next()
}

// sameOriginForm says whether a form post comes from a page of this
// server: the browser's Sec-Fetch-Site says same-origin, or, when it sends
// none, its Origin names this server's host.
func sameOriginForm(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	o, err := url.Parse(c.Get(fiber.HeaderOrigin))
	return err == nil && o.Host != "" && o.Host == string(c.Request().Host())
}
