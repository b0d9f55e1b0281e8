package catalog

import "yizhan/data"

// Change is one entry of the change feed: the state of record ID after the
// change with this Version. Deleted changes carry no Station.
//
// A row that cannot be served (written by plain SQL with a payload this
// binary cannot decode, or that fails validation) comes as a Change with
// Invalid set to the reason and no Station: the database holds no valid
// version of the record, so followers treat it as absent (removing any
// earlier version) and still advance past its version, so that one bad
// row never blocks the rows after it.
type Change struct {
	Version int64
	ID      string
	Deleted bool
	Station *data.Station
	Invalid string
}
