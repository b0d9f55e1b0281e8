package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"yizhan/data"
)

// Error is a problem to report to the client as an RFC 7807
// application/problem+json body. Handlers return it; the one error
// handler renders it.
type Error struct {
	Status int    // HTTP status code
	Title  string // short summary; "" means the status text
	Detail string // what was wrong and what is allowed, for a person to act on
	Param  string // the query parameter or field at fault, if any
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Param, e.Detail)
	}
	return fmt.Sprintf("%d: %s", e.Status, e.Detail)
}

// badParam is a 400 problem about one query parameter.
func badParam(param, format string, args ...any) *Error {
	return &Error{Status: fiber.StatusBadRequest, Param: param, Detail: fmt.Sprintf(format, args...)}
}

// notFound is a 404 problem.
func notFound(format string, args ...any) *Error {
	return &Error{Status: fiber.StatusNotFound, Detail: fmt.Sprintf(format, args...)}
}

// problem is the RFC 7807 body.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Param    string `json:"param,omitempty"` // extension member: the parameter at fault
}

// handleError is the app's only ErrorHandler: every error a handler or
// middleware returns, and every panic recovered, ends here. *Error keeps its
// status, *fiber.Error (unknown route 404, 405, ...) its code,
// data.ErrNotFound becomes 404; anything else is a 500 with a generic
// detail, and is logged, so that internals never leak. Requests refused
// before routing (request.go) end here too.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := problem{Type: "about:blank"}
	var (
		ae *Error
		fe *fiber.Error
	)
	switch {
	case errors.As(err, &ae):
		p.Status, p.Title, p.Detail, p.Param = ae.Status, ae.Title, ae.Detail, ae.Param
	case errors.As(err, &fe):
		p.Status, p.Detail = fe.Code, fe.Message
		switch fe.Code {
		case fiber.StatusNotFound:
			p.Detail = fmt.Sprintf("no resource at %s %s; the API lives under /v1 (see /openapi.json)", c.Method(), c.Path())
		case fiber.StatusMethodNotAllowed:
			p.Detail = fmt.Sprintf("method %s is not allowed on %s", c.Method(), c.Path())
		case fiber.StatusRequestEntityTooLarge:
			e := errBodyTooLarge()
			p.Title, p.Detail = e.Title, e.Detail
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
	if p.Status >= 500 && p.Status != fiber.StatusNotImplemented { // a 501 is the client's unknown method
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "status", p.Status, "error", err)
		if p.Status == fiber.StatusInternalServerError {
			p.Detail = "internal error; it has been logged"
		}
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if p.Detail == "" {
		p.Detail = p.Title
	}
	body, merr := json.Marshal(p)
	if merr != nil { // cannot happen with these field types
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"internal error"}`)
		p.Status = fiber.StatusInternalServerError
	}
	setSecurityHeaders(c) // also on problems fasthttp answers before any middleware
	c.Set(fiber.HeaderContentType, "application/problem+json")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(p.Status).Send(body)
}

// Interface guards.
var _ error = (*Error)(nil)
