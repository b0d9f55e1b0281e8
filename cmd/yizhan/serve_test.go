package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"yizhan/data/postgis"
	"yizhan/data/postgis/pgtest"
	"yizhan/tests/wait"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const oneStation = `{"type":"FeatureCollection","features":[{"type":"Feature","id":"f1",
	"geometry":{"type":"Point","coordinates":[111.97,43.65]},
	"properties":{"kind":"driver_home","names":{"zh":"司机之家"},"opening_hours":"24/7","source":"test"}}]}`

// TestServeDataWinsOverEnvironment: with --data and DATABASE_URL in the
// environment, serve serves the file (an explicit flag wins, as in
// export), and says that it ignores the environment variable and why.
func TestServeDataWinsOverEnvironment(t *testing.T) {
	file := filepath.Join(t.TempDir(), "stations.geojson")
	if err := os.WriteFile(file, []byte(oneStation), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--data", file, "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	wait.For(t, 10*time.Second, "serve --data to start", func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve --data with DATABASE_URL set = %v; want it to serve the file\n%s", err, stderr.String())
		default:
		}
		return strings.Contains(stdout.String(), "serving on")
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after cancel = %v", err)
	}
	log := stderr.String()
	for _, want := range []string{"DATABASE_URL from the environment is ignored", "explicit --data wins", "source=" + file, "records=1"} {
		if !strings.Contains(log, want) {
			t.Errorf("serve's log lacks %q:\n%s", want, log)
		}
	}
}

// TestServeSourceErrors: combinations that cannot be served are refused
// before anything is opened, with an error naming the flags at fault.
func TestServeSourceErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"data and database flag", []string{"--data", "x.geojson", "--database-url", "postgres://a/b"}, nil, "--data serves a file read-only"},
		{"data and write flag", []string{"--data", "x.geojson", "--write-database-url", "postgres://a/b"}, nil, "cannot be combined with --database-url or --write-database-url"},
		{"write flag alone", []string{"--write-database-url", "postgres://a/b"}, nil, "--write-database-url (YIZHAN_WRITE_DATABASE_URL) needs --database-url (DATABASE_URL)"},
		{"write env alone", nil, map[string]string{"YIZHAN_WRITE_DATABASE_URL": "postgres://a/b"}, "needs --database-url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runServe(context.Background(), append(tc.args, "--addr", "127.0.0.1:0"), func(k string) string { return tc.env[k] }, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("serve %q = %v; want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
}

// TestServeWriteDatabaseURL: serve reads a streaming replica and writes the
// primary given by --write-database-url, answering its own writes; a write
// URL that names a replica is refused at start.
func TestServeWriteDatabaseURL(t *testing.T) {
	ctx := context.Background()
	primaryURL := pgtest.Database(t)
	db, err := postgis.Open(ctx, primaryURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	replicaURL := pgtest.Replica(t, primaryURL)
	const tok = "serve-test-token-0123456789"
	env := map[string]string{"YIZHAN_WRITE_TOKENS": tok}
	getenv := func(k string) string { return env[k] }

	var stdout, stderr bytes.Buffer
	err = runServe(ctx, []string{"--database-url", replicaURL, "--write-database-url", replicaURL + "&application_name=w", "--addr", "127.0.0.1:0"}, getenv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "read-only streaming replica; give the primary") {
		t.Errorf("serve with a replica as --write-database-url = %v; want it refused", err)
	}

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out, log syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(sctx, []string{"--database-url", replicaURL, "--write-database-url", primaryURL, "--addr", "127.0.0.1:0"}, getenv, &out, &log)
	}()
	var addr string
	wait.For(t, 10*time.Second, "the split server to start", func() bool {
		_, a, ok := strings.Cut(out.String(), "serving on ")
		addr = strings.TrimSpace(a)
		return ok
	})
	req, _ := http.NewRequest("POST", addr+"/v1/stations", strings.NewReader(`{"type":"Feature","id":"w1",
		"geometry":{"type":"Point","coordinates":[111.97,43.65]},"properties":{"kind":"driver_home","names":{"zh":"司机之家"}}}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/geo+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("POST through the split server = %d; want 201", res.StatusCode)
	}
	// Visible at once unless another package's test has paused replay on
	// the shared standby (tests/replica_test.go does, for a few seconds).
	wait.For(t, 15*time.Second, "the split server to answer its own write", func() bool {
		res, err := http.Get(addr + "/v1/stations/w1")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	if _, err := db.Get(ctx, "w1"); err != nil {
		t.Errorf("the write did not reach the primary: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after cancel = %v", err)
	}
}
