package plan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"yizhan/geo"
)

// Error is a request the planner refuses or cannot finish. A refused
// request (a bad value, a work limit) names the Field at fault; a request
// whose work stopped because its context ended is Unavailable: the same
// request may succeed later, or smaller. Err is the cause, when there is
// one (the context's error, a *geo.WorkLimitError, a *geo.PolygonError).
type Error struct {
	Field       string // the request field at fault, as the JSON body names it; "" for none
	Detail      string // what was wrong and what to send instead, for a person to act on
	Unavailable bool   // the work stopped (deadline passed, request canceled): retry later
	Err         error  // the cause, if any
}

func (e *Error) Error() string { return e.Detail }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// bad is a refusal of one field.
func bad(field, format string, args ...any) *Error {
	return &Error{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// stopped turns the error of a planner step into the answer. When the
// step stopped because its context ended (the deadline passed, or the
// request was canceled) it is Unavailable with the detail late; a work
// limit (*geo.WorkLimitError) is a refusal of field, or of "area" when
// no grid is involved; a *geo.PolygonError a refusal of the area; any
// other error is returned as it is.
func stopped(err error, field, late string) error {
	var (
		wl *geo.WorkLimitError
		pe *geo.PolygonError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Unavailable: true, Detail: late, Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Unavailable: true, Err: err, Detail: "the request was canceled before the analysis finished (the client went away or the server is stopping); retry later"}
	case errors.As(err, &pe):
		return &Error{Field: "area", Detail: pe.Error(), Err: err}
	case errors.As(err, &wl):
		if field == "cell_m" && wl.CellM == 0 {
			field = "area"
		}
		return &Error{Field: field, Detail: wl.Error(), Err: err}
	}
	return err
}

// gridStopped is stopped for a grid step at cellM meters.
func gridStopped(err error, timeout time.Duration, cellM float64) error {
	return stopped(err, "cell_m", fmt.Sprintf(
		"the coverage analysis took longer than the limit of %v and was stopped; the grid at cell_m=%s is too fine for this area on this server now: "+
			"use a larger cell_m (the cost grows with 1/cell_m²) or a smaller area (for suggestions also a smaller n or fewer candidates), or retry later",
		timeout, geo.Num(cellM)))
}
