package api

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"yizhan/geo"
)

// The request rules: what the server accepts before a handler looks at a
// request, in one place. Bodies are bounded on decoded bytes, typed, and
// at most one content coding deep; methods are the ones implemented;
// cross-origin use is open for reads and closed for the rest unless an
// operator trusts an origin; every refusal, including those the HTTP
// layer makes before any route runs, is a problem document.

// ReadTimeout bounds receiving one request, head and body, so that a slow
// client cannot hold a connection; past it the answer is a 408 problem.
const ReadTimeout = 30 * time.Second

// methods are the HTTP methods the server implements. Method names are
// case-sensitive (RFC 9110 §9.1): any other token, "get" included, is
// answered 501 Not Implemented.
var methods = []string{
	fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut,
	fiber.MethodPatch, fiber.MethodDelete, fiber.MethodOptions,
}

// mediaMergePatch is a JSON merge patch (RFC 7396).
const mediaMergePatch = "application/merge-patch+json"

// The media types each kind of request body may be sent as. The routes
// check them (acceptBody) and /openapi.json lists them. Requiring a JSON
// type keeps other sites' pages from making a visitor's browser send
// "simple" cross-site requests (text/plain, forms) to the planners: a
// JSON Content-Type needs a CORS preflight, which only trusted origins pass.
var (
	bodyOptions = []string{mediaJSON}                  // planner requests: a JSON object of options
	bodyFeature = []string{mediaGeoJSON, mediaJSON}    // a GeoJSON Feature: creates and replacements
	bodyPatch   = []string{mediaMergePatch, mediaJSON} // a merge patch of a Feature
)

// contentCodings are the request Content-Encodings decoded, at most one a
// request. Brotli is not among them: its decoder may keep a 16 MiB window
// for every request, four times the body limit.
var contentCodings = []string{"gzip", "deflate"}

// errBodyTooLarge is the one answer to a body over BodyLimit, whether its
// length says so or decoding it does.
func errBodyTooLarge() *Error {
	return &Error{Status: fiber.StatusRequestEntityTooLarge, Title: "Content Too Large", Detail: fmt.Sprintf(
		"the request body is larger than the limit of %d bytes (%d MiB), counted after decompression if it is compressed; "+
			"send a smaller or simpler area or route", BodyLimit, BodyLimit>>20)}
}

// errHeadTooLarge is the answer to a request line and headers over HeaderLimit.
func errHeadTooLarge() *Error {
	return &Error{Status: fiber.StatusRequestHeaderFieldsTooLarge, Detail: fmt.Sprintf(
		"the request line and headers are larger than the limit of %d bytes (%d KiB); "+
			"send long inputs such as areas and routes in a POST body", HeaderLimit, HeaderLimit>>10)}
}

// unsupported is a 415 problem.
func unsupported(format string, args ...any) *Error {
	return &Error{Status: fiber.StatusUnsupportedMediaType, Detail: fmt.Sprintf(format, args...)}
}

// orList joins items as "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// acceptBody is the first step of every route that reads a request body.
// It refuses a body that is not of one of media (415, with Accept naming
// them), then replaces a compressed body by its decoding, bounded by
// BodyLimit, so that handlers read c.Body() knowing it holds at most
// BodyLimit bytes of one of media.
func acceptBody(media ...string) fiber.Handler {
	accept := strings.Join(media, ", ")
	return func(c *fiber.Ctx) error {
		if err := checkMediaType(c, media); err != nil {
			c.Set(fiber.HeaderAccept, accept)
			return err
		}
		if err := inflateBody(c); err != nil {
			return err
		}
		return c.Next()
	}
}

// checkMediaType checks the request's Content-Type against media.
// Parameters are fine, but a charset must be UTF-8, JSON's only encoding.
// A request with no body and no type passes: the handler then says which
// body to send.
func checkMediaType(c *fiber.Ctx, media []string) error {
	want := orList(media)
	ct := string(c.Request().Header.ContentType())
	if ct == "" {
		if len(c.Request().Body()) == 0 {
			return nil
		}
		return unsupported("the request body has no Content-Type; send it as %s", want)
	}
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
		return unsupported("Content-Type %s is not a media type; send the body as %s", quote(ct), want)
	case !slices.Contains(media, mt):
		return unsupported("Content-Type %s is not accepted here; send the body as %s", mt, want)
	case params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8"):
		return unsupported("charset %s is not accepted; send the body as %s in UTF-8", quote(params["charset"]), want)
	}
	return nil
}

// inflateBody replaces a compressed request body by its decoding, reading
// at most BodyLimit+1 decoded bytes however small the body is on the wire,
// and removes Content-Encoding so that nothing after it decodes again:
// Fiber's c.Body() would decode any chain of codings without a bound.
func inflateBody(c *fiber.Ctx) error {
	h := &c.Request().Header
	var codings []string
	for _, v := range h.PeekAll(fiber.HeaderContentEncoding) {
		for _, tok := range strings.Split(string(v), ",") {
			if tok = strings.ToLower(strings.TrimSpace(tok)); tok != "" && tok != "identity" {
				codings = append(codings, tok)
			}
		}
	}
	h.Del(fiber.HeaderContentEncoding)
	raw := c.Request().Body()
	if len(codings) == 0 || len(raw) == 0 {
		return nil
	}
	if len(codings) > 1 {
		c.Set(fiber.HeaderAcceptEncoding, strings.Join(contentCodings, ", "))
		return unsupported("the request body has %d content codings (%s); send it uncompressed or with one content coding, %s",
			len(codings), strings.Join(codings, ", "), orList(contentCodings))
	}
	var (
		zr  io.Reader
		err error
	)
	switch coding := codings[0]; coding {
	case "gzip", "x-gzip": // x-gzip is gzip (RFC 9110 §8.4.1.3)
		zr, err = gzip.NewReader(bytes.NewReader(raw))
	case "deflate": // the zlib format (RFC 9110 §8.4.1.2)
		zr, err = zlib.NewReader(bytes.NewReader(raw))
	default:
		c.Set(fiber.HeaderAcceptEncoding, strings.Join(contentCodings, ", "))
		return unsupported("Content-Encoding %s is not accepted; send the body uncompressed or as %s", quote(coding), orList(contentCodings))
	}
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(zr, BodyLimit+1))
	}
	if err != nil {
		return &Error{Status: fiber.StatusBadRequest, Detail: fmt.Sprintf(
			"the request body is not valid %s data (%v); compress it again or send it uncompressed", codings[0], err)}
	}
	if len(body) > BodyLimit {
		return errBodyTooLarge()
	}
	c.Request().SetBodyRaw(body)
	return nil
}

// guardWire makes the answers the HTTP layer gives before any route runs
// problem documents like all others: Fiber answers a method it does not
// know with a text 400 before any middleware, and fasthttp reports a
// request it cannot read (head too large, malformed, too slow, body too
// large) to the server's error handler. Called once the routes are in.
func (s *Server) guardWire() {
	srv := s.app.Server()
	route := srv.Handler
	srv.Handler = func(fctx *fasthttp.RequestCtx) {
		if !implemented(fctx.Method()) {
			s.wireProblem(fctx, unknownMethod(string(fctx.Method())))
			return
		}
		route(fctx)
	}
	srv.ErrorHandler = func(fctx *fasthttp.RequestCtx, err error) {
		s.wireProblem(fctx, readError(err))
	}
}

// wireProblem answers fctx with e through the one error handler.
func (s *Server) wireProblem(fctx *fasthttp.RequestCtx, e *Error) {
	c := s.app.AcquireCtx(fctx)
	defer s.app.ReleaseCtx(c)
	if s.cors.readAny {
		// A problem says nothing private: let a web map of any origin read
		// why its request was refused (a 431 for a long query, say).
		c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	}
	_ = s.handleError(c, e)
}

// implemented reports whether method is one of methods, without allocating.
func implemented(method []byte) bool {
	for _, m := range methods {
		if string(method) == m {
			return true
		}
	}
	return false
}

// unknownMethod is the 501 problem for a method the server does not implement.
func unknownMethod(method string) *Error {
	detail := fmt.Sprintf("method %s is not implemented; this server implements %s", quote(method), strings.Join(methods, ", "))
	if up := strings.ToUpper(method); up != method && slices.Contains(methods, up) {
		detail += fmt.Sprintf(". Method names are case-sensitive: did you mean %s?", up)
	}
	return &Error{Status: fiber.StatusNotImplemented, Detail: detail}
}

// maxReasonBytes bounds how much of a parse error a problem repeats.
const maxReasonBytes = 200

// readError turns an error of reading a request into its problem.
func readError(err error) *Error {
	var (
		small *fasthttp.ErrSmallBuffer
		ne    net.Error
	)
	switch {
	case errors.As(err, &small):
		return errHeadTooLarge()
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return errBodyTooLarge()
	case errors.As(err, &ne) && ne.Timeout(), strings.Contains(err.Error(), "timeout"):
		return &Error{Status: fiber.StatusRequestTimeout, Detail: fmt.Sprintf("the request did not arrive within %v; send it again", ReadTimeout)}
	}
	// fasthttp's reasons end with a dump of its read buffer: keep the reason.
	reason, _, _ := strings.Cut(err.Error(), ". Buffer size=")
	reason = geo.Clip(reason, maxReasonBytes)
	return &Error{Status: fiber.StatusBadRequest, Detail: "this is not a valid HTTP/1.1 request: " + reason}
}
