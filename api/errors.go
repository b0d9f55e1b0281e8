package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"yizhan/data"
	"yizhan/data/plan"
)

// mediaProblem is the media type of every error answer (RFC 7807).
const mediaProblem = "application/problem+json"

// Error is a problem to report to the client as an RFC 7807
// application/problem+json body. Handlers and middleware return it (or
// any error, which problemOf turns into one); the one error handler,
// handleError, renders it.
type Error struct {
	Status     int            // HTTP status code
	Title      string         // short summary; "" means the status text
	Detail     string         // what was wrong and what is allowed, for a person to act on
	Param      string         // the query parameter or field at fault, if any
	RetryAfter string         // seconds for a Retry-After header, for a 503 that may pass; "" for none
	Errors     []fieldProblem // every field problem of an invalid record, if that is the problem
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Param, e.Detail)
	}
	return fmt.Sprintf("%d: %s", e.Status, e.Detail)
}

// fieldProblem is one entry of a validation problem's "errors" member.
type fieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// badParam is a 400 problem about one query parameter.
func badParam(param, format string, args ...any) *Error {
	return &Error{Status: fiber.StatusBadRequest, Param: param, Detail: fmt.Sprintf(format, args...)}
}

// notFound is a 404 problem.
func notFound(format string, args ...any) *Error {
	return &Error{Status: fiber.StatusNotFound, Detail: fmt.Sprintf(format, args...)}
}

// problem is the RFC 7807 body: the one shape of every error answer.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Param  string         `json:"param,omitempty"`  // extension member: the parameter at fault
	Errors []fieldProblem `json:"errors,omitempty"` // extension member: each field problem of an invalid record
}

// problemOf is the problem err is answered with, for a request of method
// to path. *Error keeps its status, *plan.Error is a 400 naming its field
// or a 503 to retry, *fiber.Error (unknown route 404, 405, ...) keeps its
// code, data.ErrNotFound becomes 404; anything else is a 500 with a
// generic detail, so that internals never leak. It only decides: the
// request metrics label by its status, and handleError renders it.
func problemOf(err error, method, path string) *Error {
	var (
		ae *Error
		pe *plan.Error
		fe *fiber.Error
		p  Error
	)
	switch {
	case errors.As(err, &ae):
		p = *ae
	case errors.As(err, &pe):
		p = Error{Status: fiber.StatusBadRequest, Param: pe.Field, Detail: pe.Detail}
		if pe.Unavailable {
			p.Status, p.RetryAfter = fiber.StatusServiceUnavailable, coverageRetryAfter
		}
	case errors.As(err, &fe):
		p.Status, p.Detail = fe.Code, fe.Message
		switch fe.Code {
		case fiber.StatusNotFound:
			p.Detail = fmt.Sprintf("no resource at %s %s; the API lives under /v1 (see /openapi.json)", method, path)
		case fiber.StatusMethodNotAllowed:
			p.Detail = fmt.Sprintf("method %s is not allowed on %s", method, path)
		case fiber.StatusRequestEntityTooLarge:
			p = *errBodyTooLarge()
		case fiber.StatusRequestHeaderFieldsTooLarge:
			p.Detail = errHeadTooLarge().Detail
		}
	case errors.Is(err, data.ErrNotFound):
		p.Status, p.Detail = fiber.StatusNotFound, "no record with that id"
	default:
		p.Status = fiber.StatusInternalServerError
	}
	if p.Status < 400 || p.Status > 599 {
		p.Status = fiber.StatusInternalServerError
	}
	if p.Status == fiber.StatusInternalServerError {
		p.Detail, p.Errors = "internal error; it has been logged", nil
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if p.Detail == "" {
		p.Detail = p.Title
	}
	return &p
}

// handleError is the app's only ErrorHandler and the one place problems
// are rendered: every error a handler or middleware returns, every panic
// recovered, and the requests refused before routing (wireProblem) end
// here, whatever the order of the middleware. 5xx answers are logged
// (a 501 is the client's unknown method, not a fault).
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := problemOf(err, c.Method(), c.Path())
	if p.Status >= 500 && p.Status != fiber.StatusNotImplemented {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "status", p.Status, "error", err)
	}
	body, merr := json.Marshal(problem{Type: "about:blank", Title: p.Title, Status: p.Status, Detail: p.Detail, Param: p.Param, Errors: p.Errors})
	if merr != nil { // cannot happen with these field types
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"internal error"}`)
		p.Status = fiber.StatusInternalServerError
	}
	setSecurityHeaders(c) // also on problems fasthttp answers before any middleware
	if p.RetryAfter != "" {
		c.Set(fiber.HeaderRetryAfter, p.RetryAfter)
	}
	c.Set(fiber.HeaderContentType, mediaProblem)
	c.Set(fiber.HeaderCacheControl, cacheNone)
	return c.Status(p.Status).Send(body)
}

// Interface guards.
var _ error = (*Error)(nil)
