// Package hours parses and evaluates OpenStreetMap opening_hours values
// (the subset yizhan supports, see Schedule): the "open now" of a record.
// It knows nothing of records, so that it can be tested and fuzzed alone.
package hours
