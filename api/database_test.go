package api

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/postgis"
)

// fakeHealth reports a fixed status.
type fakeHealth struct{ st catalog.FollowerStatus }

func (f fakeHealth) Status() catalog.FollowerStatus              { return f.st }
func (f fakeHealth) WaitForVersion(context.Context, int64) error { return nil }

// TestWriteDatabaseProblems: each way the database can refuse a write is a
// 503 problem that says which it was, never the same "unreachable" for
// all, and never a 500.
func TestWriteDatabaseProblems(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		title      string
		detail     []string
		retryAfter string
	}{
		{"read-only replica", fmt.Errorf("create: %w", data.ErrReadOnly), "Database is a read-only replica",
			[]string{"read-only streaming replica", "--write-database-url"}, ""},
		{"no privilege", fmt.Errorf("patch: %w: permission denied for table stations", data.ErrNoWritePrivilege), "Database refuses writes",
			[]string{"may not change stations", "INSERT, UPDATE, DELETE on stations"}, ""},
		{"busy", fmt.Errorf("patch: %w", &data.BusyError{Waited: 3200 * time.Millisecond}), "Database busy",
			[]string{"busy", "waited 3.2 s"}, busyRetryAfter},
		{"no answer in time", fmt.Errorf("patch: %w: %w", data.ErrUnavailable, context.DeadlineExceeded), "Database unavailable",
			[]string{"did not answer within 5 s", "not confirmed"}, unavailableRetryAfter},
		{"unreachable", fmt.Errorf("patch: %w: dial tcp: connection refused", data.ErrUnavailable), "Database unavailable",
			[]string{"unreachable", "not applied"}, unavailableRetryAfter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, fixture(t), Config{Store: failingStore(tc.err), WriteTokens: []string{testToken}})
			for _, w := range []struct{ method, path, body string }{
				{"POST", "/v1/stations", feature1},
				{"PUT", "/v1/stations/erenhot-1", feature1},
				{"PATCH", "/v1/stations/erenhot-1", `{"properties":{"status":"closed"}}`},
				{"DELETE", "/v1/stations/erenhot-1", ""},
			} {
				r := doWrite(t, s, w.method, w.path, testToken, "", w.body)
				detail := fmt.Sprint(r.body["detail"])
				ok := r.status == 503 && r.body["title"] == tc.title && r.header.Get("Content-Type") == "application/problem+json" &&
					r.header.Get("Retry-After") == tc.retryAfter
				for _, want := range tc.detail {
					ok = ok && strings.Contains(detail, want)
				}
				if !ok {
					t.Errorf("%s %s = %d (Retry-After %q) %s; want a 503 %q problem saying %q, Retry-After %q",
						w.method, w.path, r.status, r.header.Get("Retry-After"), r.raw, tc.title, tc.detail, tc.retryAfter)
				}
			}
		})
	}
}

// TestReadyzDatabaseDetails: /readyz and /metrics carry the last round
// trip, the poll interval and, on a replica, its replay state.
func TestReadyzDatabaseDetails(t *testing.T) {
	contact := time.Now().Add(-1500 * time.Millisecond)
	replayed := time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC)
	st := catalog.FollowerStatus{
		Connected: true, Version: 42, Records: 9, LastContact: contact, LastCatchUp: contact,
		SnapshotAge: 9 * time.Second, PollInterval: postgis.MinPollInterval,
		Replication:      catalog.Replication{Standby: true, Lag: 7500 * time.Millisecond, LagKnown: true, Paused: true, Receiving: true, LastReplayed: replayed},
		ReplicationKnown: true,
	}
	s := newTestServer(t, fixture(t), Config{Health: fakeHealth{st}})
	r := get(t, s, "/readyz")
	dbs, _ := r.body["database"].(map[string]any)
	rep, _ := dbs["replica"].(map[string]any)
	if r.status != 200 || dbs["last_round_trip"] != contact.UTC().Format(time.RFC3339Nano) || dbs["last_round_trip_age_s"] != 1.5 ||
		dbs["poll_interval_ms"] != float64(postgis.MinPollInterval.Milliseconds()) || dbs["snapshot_age_s"] != 9.0 {
		t.Errorf("/readyz database = %v; want the last round trip 1.5 s ago, the poll interval and the snapshot age", dbs)
	}
	if rep["replay_lag_s"] != 7.5 || rep["replay_paused"] != true || rep["receiving"] != true || rep["last_replayed_commit"] != "2026-11-22T03:04:05Z" {
		t.Errorf("/readyz replica = %v; want lag 7.5 s, paused, receiving, the last replayed commit", rep)
	}
	m := doWrite(t, s, "GET", "/metrics", "", "", "")
	for _, want := range []string{
		"yizhan_database_replica 1", "yizhan_database_replay_lag_seconds 7.5", "yizhan_database_replay_paused 1",
	} {
		if !strings.Contains(m.raw, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	_, after, _ := strings.Cut(m.raw, "\nyizhan_database_last_round_trip_timestamp_seconds ")
	line, _, _ := strings.Cut(after, "\n")
	if ts, err := strconv.ParseFloat(line, 64); err != nil || math.Abs(ts-float64(contact.UnixNano())/1e9) > 1e-3 {
		t.Errorf("yizhan_database_last_round_trip_timestamp_seconds = %q; want %v", line, float64(contact.UnixNano())/1e9)
	}

	st.ReplicationKnown, st.Replication = true, catalog.Replication{LagKnown: true}
	p := newTestServer(t, fixture(t), Config{Health: fakeHealth{st}})
	if dbs, _ := get(t, p, "/readyz").body["database"].(map[string]any); dbs["replica"] != nil {
		t.Errorf("/readyz on a primary has a replica member: %v", dbs)
	}
	if m := doWrite(t, p, "GET", "/metrics", "", "", ""); !strings.Contains(m.raw, "yizhan_database_replica 0") || !strings.Contains(m.raw, "yizhan_database_replay_lag_seconds NaN") {
		t.Errorf("/metrics on a primary lacks yizhan_database_replica 0 and a NaN replay lag")
	}
}
