package geo_test

import "time"

var clockStart = time.Now()

// nanotime is a monotonic clock reading in ns, for timing single queries
// in benchmarks that report a median.
func nanotime() int64 { return int64(time.Since(clockStart)) }
