package api

import (
	"context"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// latencyBuckets are the request-duration histogram's bounds in seconds:
// fine below 10 ms, where in-memory answers live, coarse above.
var latencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// metricsRoutes installs the request metrics middleware and registers
// GET /metrics (Prometheus text format). Each Server has its own registry,
// so that several servers in one process (tests, replicas) do not collide.
// The middleware counts the routes registered after it (Fiber runs
// middleware in registration order), so routes() calls this before any
// route; it renders nothing itself, so the answers are the same wherever
// it stands.
func (s *Server) metricsRoutes() {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yizhan_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern and status code.",
	}, []string{"method", "route", "status"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "yizhan_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by method and route pattern, in seconds.",
		Buckets: latencyBuckets,
	}, []string{"method", "route"})
	reg.MustRegister(requests, latency)

	snapshot := func(f func(version, records, ageSeconds float64) float64) func() float64 {
		return func() float64 {
			snap := s.cfg.Catalog.Snapshot()
			if snap == nil {
				return math.NaN()
			}
			age := time.Since(snap.LoadedAt()).Seconds()
			if s.cfg.Health != nil {
				// With a database, the snapshot is as old as the last
				// successful catch-up, not the last change.
				age = s.cfg.Health.Status().SnapshotAge.Seconds()
			}
			return f(float64(snap.Version()), float64(snap.Len()), age)
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_snapshot_version",
			Help: "Change version of the snapshot being served (0 for file data).",
		}, snapshot(func(v, _, _ float64) float64 { return v })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_snapshot_records",
			Help: "Records in the snapshot being served.",
		}, snapshot(func(_, n, _ float64) float64 { return n })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_snapshot_age_seconds",
			Help: "Seconds since the snapshot was last confirmed current against the database (since it was built, without one).",
		}, snapshot(func(_, _, age float64) float64 { return age })),
	)
	if h := s.cfg.Health; h != nil {
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "yizhan_database_up",
				Help: "1 if the last catch-up query reached the database, else 0.",
			}, func() float64 { return boolFloat(h.Status().Connected) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "yizhan_database_listening",
				Help: "1 if the change-notification (LISTEN) connection is up, else 0 (changes then arrive by polling).",
			}, func() float64 { return boolFloat(h.Status().Listening) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "yizhan_database_skipped_rows_total",
				Help: "Stored rows left out of the snapshot because they cannot be decoded or fail validation (see the log and /readyz).",
			}, func() float64 { return float64(h.Status().Skipped) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "yizhan_database_reconnects_total",
				Help: "Times the change-notification connection was re-established after a loss.",
			}, func() float64 { return float64(h.Status().Reconnects) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "yizhan_database_last_round_trip_timestamp_seconds",
				Help: "Unix time of the last query the database answered (catch-up, load or probe); 0 if none yet.",
			}, func() float64 {
				if t := h.Status().LastContact; !t.IsZero() {
					return float64(t.UnixNano()) / 1e9
				}
				return 0
			}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "yizhan_database_replica",
				Help: "1 if the database this server reads is a streaming replica (hot standby), else 0.",
			}, func() float64 { st := h.Status(); return boolFloat(st.ReplicationKnown && st.Replication.Standby) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "yizhan_database_replay_lag_seconds",
				Help: "How far the replica this server reads trails its primary (0 when it has replayed all it received; NaN when not a replica or not yet known).",
			}, func() float64 {
				st := h.Status()
				if !st.ReplicationKnown || !st.Replication.Standby || !st.Replication.LagKnown {
					return math.NaN()
				}
				return st.Replication.Lag.Seconds()
			}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "yizhan_database_replay_paused",
				Help: "1 if replay is paused on the replica this server reads, else 0.",
			}, func() float64 { st := h.Status(); return boolFloat(st.ReplicationKnown && st.Replication.Paused) }),
		)
	}

	s.roadMetrics(reg)

	series := newRequestSeries(requests, latency)
	s.app.Use(func(c *fiber.Ctx) error {
		// The server reads the clock as it hands the request over; a
		// request made without it (a handler driven directly) reads it here.
		start := c.Context().Time()
		if start.IsZero() {
			start = time.Now()
		}
		err := c.Next()
		status := c.Response().StatusCode()
		if err != nil {
			// The error goes on to the one error handler, which renders
			// it; its status is decided here by the same rule.
			status = problemOf(err, c.Method(), c.Path()).Status
		}
		// The route's pattern, e.g. /v1/stations/:id, so labels stay few.
		m := series.of(c.Method(), c.Route().Path, status)
		m.requests.Inc()
		m.latency.Observe(time.Since(start).Seconds())
		return err
	})
	s.app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// databaseReadiness is the database part of /readyz. Readiness stays true
// while the database is away: reads are answered from the last snapshot,
// and taking every replica out of a load balancer during a database
// outage would turn it into a full outage. The body says the database is
// unreachable and how stale the snapshot is, for people and alerts.
func (s *Server) databaseReadiness(_ context.Context) (status any, ready bool) {
	h := s.cfg.Health
	if h == nil {
		return nil, true
	}
	st := h.Status()
	body := map[string]any{
		"reachable":        st.Connected,
		"listening":        st.Listening,
		"version":          st.Version,
		"records":          st.Records,
		"snapshot_age_s":   seconds(st.SnapshotAge),
		"poll_interval_ms": st.PollInterval.Milliseconds(),
		"reconnects":       st.Reconnects,
		"skipped_rows":     st.Skipped,
	}
	if st.LastError != "" {
		body["last_error"] = st.LastError
	}
	if st.LastSkipped != "" {
		body["last_skipped"] = st.LastSkipped
	}
	if !st.LastCatchUp.IsZero() {
		body["last_catch_up"] = st.LastCatchUp.UTC().Format(time.RFC3339Nano)
	}
	if !st.LastContact.IsZero() {
		body["last_round_trip"] = st.LastContact.UTC().Format(time.RFC3339Nano)
		body["last_round_trip_age_s"] = seconds(time.Since(st.LastContact))
	}
	if r := st.Replication; st.ReplicationKnown && r.Standby {
		rep := map[string]any{
			"replay_paused": r.Paused,
			"receiving":     r.Receiving,
			"replay_lag_s":  nil, // behind, but no transaction replayed yet to measure from
		}
		if r.LagKnown {
			rep["replay_lag_s"] = seconds(r.Lag)
		}
		if !r.LastReplayed.IsZero() {
			rep["last_replayed_commit"] = r.LastReplayed.UTC().Format(time.RFC3339Nano)
		}
		body["replica"] = rep
	}
	if !st.Connected {
		body["note"] = "database unreachable: serving the last snapshot; writes answer 503 until it returns"
	}
	return body, true
}

// seconds rounds d to tenths of a second, as /readyz reports durations.
func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*10) / 10 }

// requestSeries finds the request counter and latency histogram of a
// method, route pattern and status without hashing labels or allocating
// on every request: the combinations are few (the implemented methods,
// the registered patterns, the statuses the API answers), so each is
// looked up in the vectors once and kept in a map that is replaced, never
// changed, when a new one appears; requests read it without a lock.
type requestSeries struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	mu       sync.Mutex // serializes additions
	known    atomic.Pointer[map[seriesKey]seriesMetrics]
}

type seriesKey struct {
	method, route string
	status        int
}

type seriesMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newRequestSeries(requests *prometheus.CounterVec, latency *prometheus.HistogramVec) *requestSeries {
	r := &requestSeries{requests: requests, latency: latency}
	r.known.Store(&map[seriesKey]seriesMetrics{})
	return r
}

// of returns the metrics of one method, route pattern and status.
func (r *requestSeries) of(method, route string, status int) seriesMetrics {
	k := seriesKey{method, route, status}
	if m, ok := (*r.known.Load())[k]; ok {
		return m
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.known.Load()
	if m, ok := old[k]; ok {
		return m
	}
	m := seriesMetrics{
		requests: r.requests.WithLabelValues(method, route, strconv.Itoa(status)),
		latency:  r.latency.WithLabelValues(method, route),
	}
	next := make(map[seriesKey]seriesMetrics, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[k] = m
	r.known.Store(&next)
	return m
}
