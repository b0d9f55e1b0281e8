package roads

import "time"

// SourceStatus is what a server reports, for readiness and metrics, of
// the road network it serves and where the network came from: the
// roads table (a follower in data/postgis keeps it in step) or an
// extract read once at start.
type SourceStatus struct {
	// Source is "database" (the roads table) or "file" (an extract).
	Source string
	File   string // the extract, for Source "file"
	// Version is the table version the served network was built from;
	// Latest the highest version the follower has seen in the table.
	Version, Latest int64
	Ways            int // live ways in the served network
	Skipped         int // stored ways left out of it because they cannot be served
	LastSkipped     string
	Stats           Stats         // the served network's, when it was built
	Built           time.Time     // when the served network was swapped in
	BuildTook       time.Duration // read (or load) and build of the served network
	Rebuilds        int           // networks swapped in after the first
	Connected       bool          // the database answered the last question
	LastError       string        // the last failure, load or build; "" after a success
}
