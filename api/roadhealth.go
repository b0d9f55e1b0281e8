package api

import (
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"yizhan/roads"
)

// roadsReadiness is the road network part of /readyz, or nil when the
// server has no road network configured. It never makes the server
// unready: without a network (or while a rebuild fails) answers that
// travel use the straight line or the last network, and say which.
func (s *Server) roadsReadiness() map[string]any {
	if s.cfg.Roads == nil && s.cfg.RoadHealth == nil {
		return nil
	}
	body := map[string]any{"loaded": false}
	if h := s.cfg.RoadHealth; h != nil {
		st := h.Status()
		body["source"] = st.Source
		if st.File != "" {
			body["file"] = st.File
		}
		if st.Source == "database" {
			body["version"] = st.Version
			body["latest_version"] = st.Latest
			body["reachable"] = st.Connected
			body["rebuilds"] = st.Rebuilds
			body["skipped_ways"] = st.Skipped
			if st.LastSkipped != "" {
				body["last_skipped"] = st.LastSkipped
			}
		}
		if !st.Built.IsZero() {
			body["built_at"] = st.Built.UTC().Format(time.RFC3339Nano)
			body["build_s"] = math.Round(st.BuildTook.Seconds()*1000) / 1000
		}
		if st.LastError != "" {
			body["last_error"] = st.LastError
		}
	}
	if net := s.network(); net != nil {
		st := net.Stats()
		body["loaded"] = true
		body["ways"] = st.Ways
		body["nodes"] = st.Nodes
		body["edges"] = st.Edges
		body["graph_bytes"] = st.GraphBytes
		body["geometry_bytes"] = st.GeometryBytes
		prepared := st.Prepared
		if prepared == nil {
			prepared = []roads.Mode{}
		}
		body["landmarks"] = map[string]any{"modes": prepared, "bytes": st.LandmarkBytes, "route_legs": st.LandmarkLegs}
		contracted := st.Contracted
		if contracted == nil {
			contracted = []roads.Mode{}
		}
		// The modes whose default profile routes on a contraction
		// hierarchy (the fastest; a request overriding a speed or a
		// limit uses the landmarks or plain A*, with the same routes).
		body["contraction"] = map[string]any{"modes": contracted, "bytes": st.CHBytes, "shortcuts": st.CHShortcuts, "route_legs": st.CHLegs}
	} else {
		body["note"] = "no road network loaded: answers that travel use the straight line"
	}
	return body
}

// roadMetrics are the road network's gauges and counters, registered
// when the server has a road network configured.
func (s *Server) roadMetrics(reg *prometheus.Registry) {
	if s.cfg.Roads == nil && s.cfg.RoadHealth == nil {
		return
	}
	stat := func(f func(roads.Stats) float64) func() float64 {
		return func() float64 {
			if net := s.network(); net != nil {
				return f(net.Stats())
			}
			return 0
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_loaded",
			Help: "1 if a road network is served (answers that travel use the roads), else 0 (the straight line).",
		}, func() float64 { return boolFloat(s.network() != nil) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_ways",
			Help: "Ways the served road network was built from.",
		}, stat(func(st roads.Stats) float64 { return float64(st.Ways) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_nodes",
			Help: "Junctions of the served road network.",
		}, stat(func(st roads.Stats) float64 { return float64(st.Nodes) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_edges",
			Help: "Directed edges of the served road network.",
		}, stat(func(st roads.Stats) float64 { return float64(st.Edges) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_landmark_modes",
			Help: "Travel modes whose default profile has landmarks on the served network (long routes are fast).",
		}, stat(func(st roads.Stats) float64 { return float64(len(st.Prepared)) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "yizhan_roads_landmark_route_legs_total",
			Help: "Route legs searched with landmarks on the served network (since it was built).",
		}, stat(func(st roads.Stats) float64 { return float64(st.LandmarkLegs) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_ch_modes",
			Help: "Travel modes whose default profile has a contraction hierarchy on the served network (long routes in milliseconds).",
		}, stat(func(st roads.Stats) float64 { return float64(len(st.Contracted)) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_ch_shortcuts",
			Help: "Shortcuts of the served network's contraction hierarchies, every mode.",
		}, stat(func(st roads.Stats) float64 { return float64(st.CHShortcuts) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "yizhan_roads_ch_route_legs_total",
			Help: "Route legs searched on a contraction hierarchy on the served network (since it was built).",
		}, stat(func(st roads.Stats) float64 { return float64(st.CHLegs) })),
	)
	h := s.cfg.RoadHealth
	if h == nil {
		return
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_version",
			Help: "Roads table version the served network was built from (0 for a file).",
		}, func() float64 { return float64(h.Status().Version) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_built_timestamp_seconds",
			Help: "Unix time the served road network was swapped in; 0 if none yet.",
		}, func() float64 {
			if t := h.Status().Built; !t.IsZero() {
				return float64(t.UnixNano()) / 1e9
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_build_seconds",
			Help: "Time to read (or load) and build the served road network, in seconds.",
		}, func() float64 { return h.Status().BuildTook.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "yizhan_roads_rebuilds_total",
			Help: "Road networks swapped in after the first (the roads table changed).",
		}, func() float64 { return float64(h.Status().Rebuilds) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_roads_source_up",
			Help: "1 if the road network's source answered the last question (the database; always 1 for a file), else 0.",
		}, func() float64 { return boolFloat(h.Status().Connected) }),
	)
}
