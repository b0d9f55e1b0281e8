package tests

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yizhan/data/postgis"
)

func feature(id string, lon, lat float64) string {
	return fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%v,%v]},
		"properties":{"kind":"union_station","names":{"zh":"工会驿站 %s"},"amenities":["drinking_water","toilet"],"opening_hours":"24/7"}}`,
		id, lon, lat, id)
}

// TestWriteVisibleInOtherServer: writes through server A show in server
// B's answers within one second; A answers them at once.
func TestWriteVisibleInOtherServer(t *testing.T) {
	t.Parallel()
	dbURL := freshDatabase(t)
	a, b := startServer(t, dbURL), startServer(t, dbURL)

	r := mustCall(t, "POST", a.url+"/v1/stations", "", feature("s1", 111.97, 43.65))
	if r.status != 201 {
		t.Fatalf("POST to A = %d %s", r.status, r.raw)
	}
	if g := mustCall(t, "GET", a.url+"/v1/stations/s1", "", ""); g.status != 200 {
		t.Errorf("A right after its own write: GET = %d; want 200", g.status)
	}
	d := eventually(t, time.Second, "create visible in B", func() bool {
		return mustCall(t, "GET", b.url+"/v1/stations/s1", "", "").status == 200
	})
	t.Logf("create visible in B after %v", d)

	r = mustCall(t, "PATCH", a.url+"/v1/stations/s1", r.header.Get("ETag"), `{"geometry":{"type":"Point","coordinates":[117.43,49.59]}}`)
	if r.status != 200 {
		t.Fatalf("PATCH to A = %d %s", r.status, r.raw)
	}
	d = eventually(t, time.Second, "move visible in B's nearest", func() bool {
		n := mustCall(t, "GET", b.url+"/v1/stations/nearest?lon=117.43&lat=49.59&k=1&max_distance_m=10", "", "")
		return n.status == 200 && strings.Contains(n.raw, `"s1"`)
	})
	t.Logf("move visible in B after %v", d)

	if r := mustCall(t, "DELETE", b.url+"/v1/stations/s1", "", ""); r.status != 204 {
		t.Fatalf("DELETE via B = %d %s", r.status, r.raw)
	}
	d = eventually(t, time.Second, "delete visible in A", func() bool {
		return mustCall(t, "GET", a.url+"/v1/stations/s1", "", "").status == 404
	})
	t.Logf("delete visible in A after %v", d)
}

// TestConcurrentWritersIfMatch: many clients on two servers patch one
// record with the same ETag: exactly one wins, the others get 412.
func TestConcurrentWritersIfMatch(t *testing.T) {
	t.Parallel()
	dbURL := freshDatabase(t)
	a, b := startServer(t, dbURL), startServer(t, dbURL)
	r := mustCall(t, "POST", a.url+"/v1/stations", "", feature("contended", 111, 43))
	if r.status != 201 {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	etag := r.header.Get("ETag")
	const writers = 16
	var wg sync.WaitGroup
	codes := make([]int, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := a
			if i%2 == 1 {
				srv = b
			}
			r, err := call(t, "PATCH", srv.url+"/v1/stations/contended", etag, fmt.Sprintf(`{"properties":{"address":"writer %d"}}`, i))
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
				return
			}
			codes[i] = r.status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[200] != 1 || count[412] != writers-1 {
		t.Errorf("statuses %v; want one 200 and %d 412", count, writers-1)
	}
}

// TestDatabaseOutageUnderReadLoad cuts the database away from a server
// under read load: no read fails, writes answer 503 promptly, /readyz and
// the follower report it, and a change made meanwhile shows within a
// second or two of the database returning.
func TestDatabaseOutageUnderReadLoad(t *testing.T) {
	t.Parallel()
	direct := freshDatabase(t)
	p := newProxy(t, upstreamAddr(t, direct))
	s := startServer(t, viaProxy(t, direct, p))
	for i := range 50 {
		if r := mustCall(t, "POST", s.url+"/v1/stations", "", feature(fmt.Sprintf("load-%d", i), 111+float64(i)/100, 43)); r.status != 201 {
			t.Fatalf("seed POST = %d %s", r.status, r.raw)
		}
	}

	var reads, failed atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				u := s.url + "/v1/stations/nearest?lon=111.2&lat=43&k=5"
				if i%2 == 0 {
					u = fmt.Sprintf("%s/v1/stations/load-%d", s.url, (w+i)%50)
				}
				r, err := call(t, "GET", u, "", "")
				reads.Add(1)
				if err != nil || r.status != 200 {
					failed.Add(1)
					if failed.Load() < 5 {
						t.Errorf("read %s during outage: %v %d %s", u, err, r.status, r.raw)
					}
				}
			}
		}()
	}

	time.Sleep(200 * time.Millisecond)
	p.cut()
	eventually(t, 3*time.Second, "follower notices the outage", func() bool { return !s.follower.Status().Connected })
	rz := mustCall(t, "GET", s.url+"/readyz", "", "")
	if dbs, _ := rz.body["database"].(map[string]any); dbs["reachable"] != false {
		t.Errorf("/readyz during outage = %s; want database reachable false", rz.raw)
	}
	start := time.Now()
	w := mustCall(t, "PATCH", s.url+"/v1/stations/load-1", "", `{"properties":{"status":"closed"}}`)
	if w.status != 503 || time.Since(start) > 7*time.Second {
		t.Errorf("write during outage = %d %s after %v; want a prompt 503", w.status, w.raw, time.Since(start))
	}
	// A change made directly while this server cannot see the database.
	db, err := postgis.Open(context.Background(), direct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Pool().Exec(context.Background(), `UPDATE stations SET status = 'planned' WHERE id = 'load-2'`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)

	p.restore(t)
	restored := time.Now()
	d := eventually(t, 3*time.Second, "change made during the outage visible after it", func() bool {
		r := mustCall(t, "GET", s.url+"/v1/stations/load-2", "", "")
		return strings.Contains(r.raw, `"planned"`)
	})
	t.Logf("converged %v after the database returned", d)
	if d := time.Since(restored); d > 2*time.Second {
		t.Errorf("convergence took %v after the database returned", d)
	}
	eventually(t, 2*time.Second, "follower connected again", func() bool { return s.follower.Status().Connected })
	if r := mustCall(t, "PATCH", s.url+"/v1/stations/load-1", "", `{"properties":{"status":"closed"}}`); r.status != 200 {
		t.Errorf("write after the outage = %d %s; want 200", r.status, r.raw)
	}
	stop()
	wg.Wait()
	t.Logf("%d reads during the test, %d failed", reads.Load(), failed.Load())
	if failed.Load() != 0 || reads.Load() < 100 {
		t.Errorf("%d of %d reads failed; want 0 of at least 100", failed.Load(), reads.Load())
	}
}
