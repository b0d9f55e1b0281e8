// Package postgis keeps records in PostgreSQL with PostGIS, the source of
// truth, and is the only package that links the database driver (pgx):
// the schema and its migrations, one list of the stations columns from
// which every statement is built, scanning rows with pgx, the writes with
// their versions and locks, the change feed and the Follower that keeps a
// catalog in step with it, and replica status. The API reaches it only
// through interfaces (api.Store, api.Health); its test helper is pgtest.
package postgis
