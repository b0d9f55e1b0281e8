// Package procbench measures the yizhan binary as a deployment runs it:
// a real `yizhan serve` process on 127.0.0.1 with 1,000,000 clustered
// records (package workload), driven over HTTP by a Go load client
// (bounded in time and in requests), side by side in one run with a bare
// Fiber process answering a fixed 300-byte JSON body (the ceiling of the
// HTTP stack on this machine) and, where a database is configured, with
// PostGIS's own queries. It reports start-up time, the process's memory
// per record (VmRSS) and its GC pauses under load. The benchmark is
// BenchmarkWholeProcess; `make bench` runs it.
package procbench
