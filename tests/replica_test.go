package tests

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/data"
	"yizhan/data/postgis"
	"yizhan/data/postgis/pgtest"
)

// propagationWrites is how many primary writes the latency measurement
// times; propagationP99 is the bound on their 99th percentile.
const (
	propagationWrites = 200
	propagationP99    = 100 * time.Millisecond
)

// TestStreamingReplica runs servers against a real hot standby
// (tests/replica.sh): one on the primary, one on the replica only, and one
// that reads the replica and writes the primary (--write-database-url).
// It is not parallel: it pauses replay on the one shared standby.
func TestStreamingReplica(t *testing.T) {
	dbURL := freshDatabase(t)
	repURL := pgtest.Replica(t, dbURL)
	ctx := context.Background()

	primaryDB, err := postgis.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(primaryDB.Close)
	standby, err := pgx.Connect(ctx, repURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { standby.Close(context.Background()) })

	onPrimary := startServer(t, dbURL)
	onReplica := startServer(t, repURL)
	split := startSplitServer(t, repURL, dbURL)

	t.Run("split server writes the primary and reads its own writes from the replica", func(t *testing.T) {
		r := mustCall(t, "POST", split.url+"/v1/stations", "", feature("via-split", 111.97, 43.65))
		if r.status != 201 || r.header.Get("X-Read-Your-Writes") != "" {
			t.Fatalf("POST via split = %d (X-Read-Your-Writes %q) %s; want 201, visible", r.status, r.header.Get("X-Read-Your-Writes"), r.raw)
		}
		if g := mustCall(t, "GET", split.url+"/v1/stations/via-split", "", ""); g.status != 200 {
			t.Errorf("GET via split right after its write = %d %s; want 200 (read-your-writes)", g.status, g.raw)
		}
		r = mustCall(t, "PATCH", split.url+"/v1/stations/via-split", r.header.Get("ETag"), `{"properties":{"status":"closed"}}`)
		if r.status != 200 {
			t.Fatalf("PATCH via split = %d %s", r.status, r.raw)
		}
		if g := mustCall(t, "GET", split.url+"/v1/stations/via-split", "", ""); !strings.Contains(g.raw, `"closed"`) {
			t.Errorf("GET via split right after PATCH = %s; want status closed", g.raw)
		}
		if st, err := primaryDB.Get(ctx, "via-split"); err != nil || st.Status != data.StatusClosed {
			t.Errorf("primary's record after the split server's writes = %+v, %v; want it closed", st, err)
		}
		eventually(t, time.Second, "primary-backed server sees the split server's write", func() bool {
			return strings.Contains(mustCall(t, "GET", onPrimary.url+"/v1/stations/via-split", "", "").raw, `"closed"`)
		})
	})

	t.Run("write through the primary shows on the replica-backed server", func(t *testing.T) {
		if r := mustCall(t, "POST", onPrimary.url+"/v1/stations", "", feature("via-primary", 117.43, 49.59)); r.status != 201 {
			t.Fatalf("POST via primary = %d %s", r.status, r.raw)
		}
		d := eventually(t, time.Second, "replica-backed server sees the write", func() bool {
			return mustCall(t, "GET", onReplica.url+"/v1/stations/via-primary", "", "").status == 200
		})
		t.Logf("visible on the replica-backed server after %v", d)
	})

	t.Run("writes to a replica-only server answer 503 read-only replica", func(t *testing.T) {
		for _, w := range []struct{ method, path, body string }{
			{"POST", "/v1/stations", feature("refused", 111, 43)},
			{"PUT", "/v1/stations/refused", feature("refused", 111, 43)},
			{"PATCH", "/v1/stations/via-primary", `{"properties":{"status":"closed"}}`},
			{"DELETE", "/v1/stations/via-primary", ""},
		} {
			r := mustCall(t, w.method, onReplica.url+w.path, "", w.body)
			if r.status != 503 || r.header.Get("Content-Type") != "application/problem+json" ||
				!strings.Contains(fmt.Sprint(r.body["detail"]), "read-only streaming replica") ||
				!strings.Contains(fmt.Sprint(r.body["detail"]), "--write-database-url") {
				t.Errorf("%s %s on the replica-only server = %d %s; want a 503 problem saying it is a read-only replica", w.method, w.path, r.status, r.raw)
			}
		}
		if _, err := primaryDB.Get(ctx, "refused"); err == nil {
			t.Error("a write refused by the replica reached the primary")
		}
	})

	t.Run("readyz and metrics report the replica", func(t *testing.T) {
		var rep map[string]any
		eventually(t, 2*time.Second, "replica reported in /readyz", func() bool {
			rz := mustCall(t, "GET", onReplica.url+"/readyz", "", "")
			dbs, _ := rz.body["database"].(map[string]any)
			rep, _ = dbs["replica"].(map[string]any)
			return rep != nil && rz.status == 200 && dbs["reachable"] == true && dbs["last_round_trip"] != nil
		})
		// The lag is an upper bound (the time since the last replayed
		// commit while any WAL is still to replay), hence the margin.
		if lag, ok := rep["replay_lag_s"].(float64); !ok || lag > 2 || rep["replay_paused"] != false {
			t.Errorf("/readyz replica = %v; want a replay lag under 2 s, not paused", rep)
		}
		pz := mustCall(t, "GET", onPrimary.url+"/readyz", "", "")
		if dbs, _ := pz.body["database"].(map[string]any); dbs["replica"] != nil {
			t.Errorf("/readyz of the primary-backed server reports a replica: %s", pz.raw)
		}
		m := mustCall(t, "GET", onReplica.url+"/metrics", "", "").raw
		for _, want := range []string{"yizhan_database_replica 1", "yizhan_database_replay_paused 0", "yizhan_database_replay_lag_seconds ", "yizhan_database_last_round_trip_timestamp_seconds "} {
			if !strings.Contains(m, want) {
				t.Errorf("/metrics of the replica-backed server lacks %q", want)
			}
		}
		if m := mustCall(t, "GET", onPrimary.url+"/metrics", "", "").raw; !strings.Contains(m, "yizhan_database_replica 0") {
			t.Errorf("/metrics of the primary-backed server lacks yizhan_database_replica 0")
		}
	})

	t.Run("propagation latency from a primary commit to replica-backed answers", func(t *testing.T) {
		// Per write: when the standby itself had replayed the commit, and
		// when each replica-backed server answered it. The standby's own
		// replay is the floor no server can beat (it stalls now and then
		// while replaying other tests' CREATE DATABASE); the servers' share
		// is the rest.
		const replayed = "standby replay"
		lat := map[string][]time.Duration{}
		share := map[string][]time.Duration{}
		servers := map[string]*server{"replica-only (polling)": onReplica, "split (primary NOTIFY)": split}
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range propagationWrites {
			// A random pause, so that writes do not fall in step with the
			// polling they measure.
			time.Sleep(time.Duration(rng.Int64N(int64(2 * postgis.MinPollInterval))))
			id := fmt.Sprintf("lat-%d", i)
			var lsn string
			if err := primaryDB.Pool().QueryRow(ctx, `WITH w AS (INSERT INTO stations (id, geom, kind, names, source)
				VALUES ($1, ST_SetSRID(ST_MakePoint(111 + $2::float8 / 1000, 43), 4326), 'rest_stop', '{"zh": "服务区"}', 'sql'))
				SELECT 1`, id, i).Scan(new(int)); err != nil {
				t.Fatal(err)
			}
			committed := time.Now()
			if err := primaryDB.Pool().QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
				t.Fatal(err)
			}
			seen := map[string]time.Duration{}
			var wg sync.WaitGroup
			var mu sync.Mutex
			wait := func(name string, visible func() bool) {
				defer wg.Done()
				for time.Since(committed) < 5*time.Second {
					if visible() {
						mu.Lock()
						seen[name] = time.Since(committed)
						mu.Unlock()
						return
					}
					time.Sleep(500 * time.Microsecond)
				}
				t.Errorf("%s: %s not visible within 5 s", name, id)
			}
			wg.Add(1 + len(servers))
			go wait(replayed, func() bool {
				var ok bool
				err := standby.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn).Scan(&ok)
				return err == nil && ok
			})
			for name, s := range servers {
				go wait(name, func() bool {
					r, err := call(t, "GET", s.url+"/v1/stations/"+id, "", "")
					return err == nil && r.status == 200
				})
			}
			wg.Wait()
			for name, d := range seen {
				lat[name] = append(lat[name], d)
				if name != replayed {
					share[name] = append(share[name], max(0, d-seen[replayed]))
				}
			}
		}
		pct := func(ds []time.Duration, q float64) time.Duration {
			ds = slices.Sorted(slices.Values(ds))
			return ds[int(math.Ceil(q*float64(len(ds))))-1].Round(100 * time.Microsecond)
		}
		floor := pct(lat[replayed], 0.99)
		t.Logf("%s: %d primary commits: p50 %v, p99 %v, max %v", replayed, len(lat[replayed]), pct(lat[replayed], 0.5), floor, pct(lat[replayed], 1))
		for name := range servers {
			ds := lat[name]
			if len(ds) != propagationWrites {
				t.Errorf("%s: %d of %d writes seen", name, len(ds), propagationWrites)
				continue
			}
			t.Logf("%s: commit → answers p50 %v, p99 %v, max %v; after the standby's replay p50 %v, p99 %v, max %v", name,
				pct(ds, 0.5), pct(ds, 0.99), pct(ds, 1), pct(share[name], 0.5), pct(share[name], 0.99), pct(share[name], 1))
			if p := pct(share[name], 0.99); p > propagationP99 {
				t.Errorf("%s: p99 %v from the standby's replay to answers; want under %v", name, p, propagationP99)
			}
			// End to end, the bound holds whenever the standby keeps up.
			if p := pct(ds, 0.99); p > propagationP99 && floor < propagationP99/2 {
				t.Errorf("%s: p99 %v from the primary's commit to answers (the standby's own p99 %v); want under %v", name, p, floor, propagationP99)
			}
		}
	})

	t.Run("paused replay is reported as growing lag and stale data", func(t *testing.T) {
		resume := func() {
			if _, err := standby.Exec(context.Background(), "SELECT pg_wal_replay_resume()"); err != nil {
				t.Errorf("resume replay: %v", err)
			}
		}
		t.Cleanup(resume)
		if _, err := standby.Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
			t.Fatal(err)
		}
		if r := mustCall(t, "POST", onPrimary.url+"/v1/stations", "", feature("while-paused", 112, 44)); r.status != 201 {
			t.Fatalf("POST via primary = %d %s", r.status, r.raw)
		}
		replica := func() (map[string]any, map[string]any) {
			rz := mustCall(t, "GET", onReplica.url+"/readyz", "", "")
			dbs, _ := rz.body["database"].(map[string]any)
			rep, _ := dbs["replica"].(map[string]any)
			return dbs, rep
		}
		var first float64
		eventually(t, 3*time.Second, "/readyz reports paused replay with lag", func() bool {
			_, rep := replica()
			first, _ = rep["replay_lag_s"].(float64)
			return rep["replay_paused"] == true && first >= 0.5
		})
		time.Sleep(time.Second)
		dbs, rep := replica()
		lag, _ := rep["replay_lag_s"].(float64)
		age, _ := dbs["snapshot_age_s"].(float64)
		t.Logf("replay lag %v s, then %v s a second later; snapshot age %v s", first, lag, age)
		if lag < first+0.5 || age < lag {
			t.Errorf("lag %v s a second after %v s, snapshot age %v s; want the lag to grow and the age to include it", lag, first, age)
		}
		if m := mustCall(t, "GET", onReplica.url+"/metrics", "", "").raw; !strings.Contains(m, "yizhan_database_replay_paused 1") {
			t.Error("/metrics lacks yizhan_database_replay_paused 1 while paused")
		}
		if g := mustCall(t, "GET", onReplica.url+"/v1/stations/while-paused", "", ""); g.status != 404 {
			t.Errorf("replica-backed server answers a write it cannot have replayed: %d", g.status)
		}
		// The split server's write commits on the primary, but its own
		// answers cannot show it until replay resumes: it says so.
		r := mustCall(t, "POST", split.url+"/v1/stations", "", feature("split-while-paused", 112.5, 44))
		if r.status != 201 || r.header.Get("X-Read-Your-Writes") != "pending" {
			t.Errorf("POST via split while paused = %d, X-Read-Your-Writes %q; want 201 pending", r.status, r.header.Get("X-Read-Your-Writes"))
		}

		resume()
		for _, s := range []*server{onReplica, split} {
			eventually(t, time.Second, "writes visible after resume", func() bool {
				return mustCall(t, "GET", s.url+"/v1/stations/while-paused", "", "").status == 200 &&
					mustCall(t, "GET", s.url+"/v1/stations/split-while-paused", "", "").status == 200
			})
		}
		eventually(t, 2*time.Second, "lag back to zero", func() bool {
			_, rep := replica()
			return rep["replay_paused"] == false && rep["replay_lag_s"] == 0.0
		})
	})
}
