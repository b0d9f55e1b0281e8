// Package postgis keeps records in PostgreSQL with PostGIS, the source of
// truth, and is the only package that links the database driver (pgx):
// the schema and its migrations, one list of the stations columns from
// which every statement is built, scanning rows with pgx (the full load
// decodes binary COPY itself: copyrows.go), the writes with their versions
// and locks (a million records are one binary COPY: copybinary.go,
// upsert.go), the change feed and the Follower that keeps a
// catalog in step with it, and replica status. Beside the stations, the
// roads table (roads.go: region imports, LoadRoads) and the RoadFollower
// that serves a road network built from it (roadsync.go). The API
// reaches it only through interfaces (api.Store, api.Health, and
// api.Config.Roads for the network); its test helper is pgtest.
package postgis
