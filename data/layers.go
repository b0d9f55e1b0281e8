package data

// Layers holds the bundled reference layers: not records, but context for
// maps and for coverage (the province boundary, border lines, league seats,
// populated places). STUB: filled by the bundled data set work.
type Layers struct{}
