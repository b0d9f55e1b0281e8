package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"yizhan/data"
)

// Write timeouts.
const (
	// writeTimeout bounds a write's database work, so that a database that
	// is down or hung answers 503 instead of hanging the client.
	writeTimeout = 5 * time.Second
	// visibleTimeout bounds the wait until this server's snapshot shows a
	// committed write (read-your-writes). The write is durable either way;
	// past this the response says so in X-Read-Your-Writes.
	visibleTimeout = 3 * time.Second
)

// defaultWriteSource is the source of records written through the API
// without one.
const defaultWriteSource = "api"

// writeRoutes registers the authorised writes on /v1/stations.
func (s *Server) writeRoutes() {
	a := s.app
	a.Post("/v1/stations", s.authorize, acceptBody(bodyFeature...), s.createStation)
	a.Put("/v1/stations/:id", s.authorize, acceptBody(bodyFeature...), s.replaceStation)
	a.Patch("/v1/stations/:id", s.authorize, acceptBody(bodyPatch...), s.patchStation)
	a.Delete("/v1/stations/:id", s.authorize, s.deleteStation)
}

// readOnlyDetail tells the operator how to enable writes.
const readOnlyDetail = "this server is read-only: it serves records from a file or the bundled data set. " +
	"To accept writes, run it against PostGIS: set DATABASE_URL (or --database-url), run \"yizhan migrate\", " +
	"and set YIZHAN_WRITE_TOKENS to the bearer tokens allowed to write"

// authorize admits a write only when a database is configured and the
// request carries one of the configured bearer tokens. Tokens are compared
// in constant time (as SHA-256 digests, so that their lengths do not leak
// either) and never logged.
func (s *Server) authorize(c *fiber.Ctx) error {
	if s.cfg.Store == nil {
		return &Error{Status: fiber.StatusServiceUnavailable, Title: "Read-only server", Detail: readOnlyDetail}
	}
	auth := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(auth, " ")
	if auth == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="yizhan"`)
		return &Error{Status: fiber.StatusUnauthorized, Detail: "writes need an Authorization: Bearer <token> header with a write token"}
	}
	if len(s.cfg.WriteTokens) == 0 {
		return &Error{Status: fiber.StatusForbidden, Detail: "this server has no write tokens configured, so it refuses every write; set YIZHAN_WRITE_TOKENS"}
	}
	given := sha256.Sum256([]byte(strings.TrimSpace(token)))
	match := 0
	for _, t := range s.cfg.WriteTokens {
		want := sha256.Sum256([]byte(t))
		match |= subtle.ConstantTimeCompare(given[:], want[:])
	}
	if match != 1 {
		return &Error{Status: fiber.StatusForbidden, Detail: "the bearer token is not allowed to write"}
	}
	return c.Next()
}

// createStation answers POST /v1/stations: the body is one GeoJSON
// Feature with an id; 201 with the stored record, 409 if the id exists.
func (s *Server) createStation(c *fiber.Ctx) error {
	st, err := decodeFeatureBody(c.Body(), "")
	if err != nil {
		return s.writeError(c, err, "")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), writeTimeout)
	defer cancel()
	out, err := s.cfg.Store.Create(ctx, st)
	if err != nil {
		return s.writeError(c, err, st.ID)
	}
	c.Location("/v1/stations/" + url.PathEscape(out.ID))
	return s.writeDone(c, fiber.StatusCreated, out.Version, out)
}

// replaceStation answers PUT /v1/stations/{id}: the body is the whole
// record as a Feature (its id, if any, must match the path). Without
// If-Match a missing record is created (201).
func (s *Server) replaceStation(c *fiber.Ctx) error {
	id, err := stationID(c)
	if err != nil {
		return err
	}
	expect, err := ifMatch(c)
	if err != nil {
		return err
	}
	st, err := decodeFeatureBody(c.Body(), id)
	if err != nil {
		return s.writeError(c, err, id)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), writeTimeout)
	defer cancel()
	out, created, err := s.cfg.Store.Replace(ctx, st, expect)
	if err != nil {
		return s.writeError(c, err, id)
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
		c.Location("/v1/stations/" + url.PathEscape(out.ID))
	}
	return s.writeDone(c, status, out.Version, out)
}

// patchStation answers PATCH /v1/stations/{id} with a JSON merge patch
// (RFC 7396) of the Feature, e.g. {"properties": {"status": "closed"}}.
func (s *Server) patchStation(c *fiber.Ctx) error {
	id, err := stationID(c)
	if err != nil {
		return err
	}
	expect, err := ifMatch(c)
	if err != nil {
		return err
	}
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 || body[0] != '{' {
		return &Error{Status: fiber.StatusBadRequest, Detail: `the body must be a JSON merge patch object (application/merge-patch+json), e.g. {"properties": {"status": "closed"}}`}
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), writeTimeout)
	defer cancel()
	out, err := s.cfg.Store.Patch(ctx, id, body, expect)
	if err != nil {
		return s.writeError(c, err, id)
	}
	return s.writeDone(c, fiber.StatusOK, out.Version, out)
}

// deleteStation answers DELETE /v1/stations/{id}: 204, or 404 if absent.
func (s *Server) deleteStation(c *fiber.Ctx) error {
	id, err := stationID(c)
	if err != nil {
		return err
	}
	expect, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), writeTimeout)
	defer cancel()
	v, err := s.cfg.Store.Delete(ctx, id, expect)
	if err != nil {
		return s.writeError(c, err, id)
	}
	return s.writeDone(c, fiber.StatusNoContent, v, nil)
}

// writeDone waits until this server's snapshot reflects version v, then
// answers with the record (if any), its ETag and X-Data-Version.
func (s *Server) writeDone(c *fiber.Ctx, status int, v int64, st *data.Station) error {
	if s.cfg.Health != nil {
		ctx, cancel := context.WithTimeout(c.UserContext(), visibleTimeout)
		err := s.cfg.Health.WaitForVersion(ctx, v)
		cancel()
		if err != nil {
			// Committed, but not yet in this server's answers.
			s.log.Warn("write committed but not yet visible here", "version", v, "error", err)
			c.Set("X-Read-Your-Writes", "pending")
		}
	}
	if snap := s.cfg.Catalog.Snapshot(); snap != nil {
		c.Set("X-Data-Version", strconv.FormatInt(snap.Version(), 10))
	}
	c.Status(status)
	if st == nil {
		return nil
	}
	c.Set(fiber.HeaderETag, ETag(st.Version))
	return send(c, mediaGeoJSON, cacheNone, recordFeature(st, "zh"))
}

// ETag is the entity tag of a record at version v: its version, quoted.
// If-Match takes the same value.
func ETag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// ifMatch reads If-Match: a record version as in ETag ("12", W/"12" or
// 12), or * for "any existing version"; 0 means no condition.
func ifMatch(c *fiber.Ctx) (int64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" || h == "*" {
		return 0, nil
	}
	v := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, &Error{Status: fiber.StatusBadRequest, Param: "If-Match",
			Detail: fmt.Sprintf("If-Match must be one record version as in the record's ETag, such as \"42\"; got %s", quote(h))}
	}
	return n, nil
}

// decodeFeatureBody reads a write's body: a GeoJSON Feature. pathID, when
// set, is the id from the URL: the body's id must be absent or equal. A
// missing source becomes "api". Every problem is reported at once.
func decodeFeatureBody(body []byte, pathID string) (*data.Station, error) {
	// Checked on the bytes as sent: decoding would replace them with U+FFFD.
	if problems := data.InvalidUTF8(body); problems != nil {
		return nil, &data.ValidationError{Problems: problems}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var f map[string]any
	if err := dec.Decode(&f); err != nil || f == nil {
		return nil, &Error{Status: fiber.StatusBadRequest, Detail: "the body must be a GeoJSON Feature: " +
			`{"type": "Feature", "id": "...", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"kind": ..., "names": {...}}}`}
	}
	if pathID != "" {
		if id, ok := f["id"]; ok && id != nil && fmt.Sprint(id) != pathID {
			return nil, &Error{Status: fiber.StatusBadRequest, Param: "id",
				Detail: fmt.Sprintf("the body's id %s differs from the id %s in the path", quote(fmt.Sprint(id)), quote(pathID))}
		}
		f["id"] = pathID
	}
	// A record as a GET with crs=gcj02|bd09 answered it holds offset
	// coordinates; stored coordinates are WGS 84 only.
	if q, ok := f["query"].(map[string]any); ok {
		if c, ok := q["crs"].(string); ok && c != "wgs84" {
			return nil, &Error{Status: fiber.StatusBadRequest, Param: "query.crs",
				Detail: fmt.Sprintf("this record's coordinates are in %s (its query.crs says so, as read with crs=%s); writes take WGS 84 only: read it again without crs, or convert the coordinates", c, c)}
		}
	}
	id, _ := f["id"].(string)
	if problems := data.UnknownMembers(id, f); problems != nil {
		return nil, &data.ValidationError{Problems: problems}
	}
	if props, ok := f["properties"].(map[string]any); ok {
		if src, _ := props["source"].(string); strings.TrimSpace(src) == "" {
			props["source"] = defaultWriteSource
		}
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("re-encode body: %w", err)
	}
	st, problems := data.DecodeStation(raw)
	if len(problems) > 0 {
		return nil, &data.ValidationError{Problems: problems}
	}
	return st, nil
}

// writeError maps a Store error to a problem response. Validation
// problems list every field at fault.
func (s *Server) writeError(c *fiber.Ctx, err error, id string) error {
	var ve *data.ValidationError
	switch {
	case errors.As(err, &ve):
		return validationProblem(ve)
	case errors.Is(err, data.ErrNotFound):
		return notFound("no station with id %s", quote(id))
	case errors.Is(err, data.ErrConflict):
		return &Error{Status: fiber.StatusConflict, Detail: fmt.Sprintf("a station with id %s already exists; use PUT or PATCH /v1/stations/%s to change it", quote(id), url.PathEscape(id))}
	case errors.Is(err, data.ErrVersionConflict):
		detail := fmt.Sprintf("station %s has changed since the version in If-Match; fetch it again and retry", quote(id))
		var vc *data.VersionConflictError
		if errors.As(err, &vc) {
			detail = fmt.Sprintf("station %s is at version %d, not the %d in If-Match: someone changed it since you read it; fetch it again (ETag %s) and retry", quote(id), vc.Stored, vc.Expected, ETag(vc.Stored))
		}
		return &Error{Status: fiber.StatusPreconditionFailed, Param: "If-Match", Detail: detail}
	case errors.Is(err, data.ErrReadOnly):
		s.log.Warn("write refused: the database is a read-only replica", "id", id, "error", err)
		return &Error{Status: fiber.StatusServiceUnavailable, Title: "Database is a read-only replica",
			Detail: "the database this server writes to is a read-only streaming replica, so the write was not applied. " +
				"Send writes to a server whose database is the primary, or start this one with --write-database-url naming the primary"}
	case errors.Is(err, data.ErrNoWritePrivilege):
		s.log.Error("write refused: the database role lacks a privilege", "id", id, "error", err)
		return &Error{Status: fiber.StatusServiceUnavailable, Title: "Database refuses writes",
			Detail: "the database role this server writes with may not change stations, so the write was not applied; " +
				"the operator must grant it INSERT, UPDATE, DELETE on stations and USAGE on sequence station_version_seq (README: Roles and privileges)"}
	case errors.Is(err, data.ErrBusy):
		waited := data.WriteLockTimeout
		var be *data.BusyError
		if errors.As(err, &be) {
			waited = be.Waited
		}
		s.log.Warn("write failed: database busy", "id", id, "waited", waited, "error", err)
		return &Error{Status: fiber.StatusServiceUnavailable, Title: "Database busy", RetryAfter: busyRetryAfter,
			Detail: fmt.Sprintf("the database is busy: another transaction (an import, or a session holding locks) kept the write lock, "+
				"and this write waited %.1f s for it, so it was not applied; reads keep working. Retry in a few seconds", waited.Seconds())}
	case errors.Is(err, context.DeadlineExceeded):
		s.log.Warn("write failed: database did not answer in time", "id", id, "error", err)
		return &Error{Status: fiber.StatusServiceUnavailable, Title: "Database unavailable", RetryAfter: unavailableRetryAfter,
			Detail: fmt.Sprintf("the database did not answer within %.0f s, so the write was not confirmed; "+
				"reads keep working. GET the record to see whether it changed, then retry", writeTimeout.Seconds())}
	case errors.Is(err, data.ErrUnavailable):
		s.log.Warn("write failed: database unavailable", "id", id, "error", err)
		return &Error{Status: fiber.StatusServiceUnavailable, Title: "Database unavailable", RetryAfter: unavailableRetryAfter,
			Detail: "the database is unreachable, so the write was not applied; reads keep working. Retry later"}
	}
	return err
}

// Retry-After values (seconds) of the 503s of writes: a busy database
// usually frees the lock within a write or two; an unreachable one takes
// longer to come back.
const (
	busyRetryAfter        = "2"
	unavailableRetryAfter = "5"
)

// validationProblem is a 400 problem whose detail and "errors" member list
// every field problem.
func validationProblem(ve *data.ValidationError) *Error {
	list := make([]fieldProblem, len(ve.Problems))
	msgs := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		list[i] = fieldProblem{Field: p.Field, Reason: p.Reason}
		msgs[i] = p.Field + ": " + p.Reason
	}
	return &Error{Status: fiber.StatusBadRequest, Title: "Invalid record", Errors: list,
		Detail: fmt.Sprintf("%d problem(s): %s", len(msgs), strings.Join(msgs, "; "))}
}
