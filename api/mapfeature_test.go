package api

import (
	"yizhan/data"
	"yizhan/data/catalog"
)

// mapFeature is a Feature built the plain way: a record's properties as
// the map of (*data.Station).Properties, encoded by encoding/json. Tests
// hold the API's encoder (appendFeature) to its bytes.
type mapFeature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id,omitempty"`
	Geometry   any            `json:"geometry"`
	Properties map[string]any `json:"properties"`
	Query      any            `json:"query,omitempty"`
}

// mapCollection is a featureCollection of mapFeatures.
type mapCollection struct {
	Type           string       `json:"type"`
	Features       []mapFeature `json:"features"`
	NumberMatched  *int         `json:"numberMatched,omitempty"`
	NumberReturned int          `json:"numberReturned"`
	Links          []link       `json:"links,omitempty"`
	Query          any          `json:"query,omitempty"`
}

// stationFeature is the plain form of recordFeature(st, lang).
func stationFeature(st *data.Station, lang string) mapFeature {
	props := st.Properties() // a new map, ours to add to
	props["name"] = st.Names.In(lang)
	return mapFeature{Type: "Feature", ID: st.ID, Geometry: newPoint(st.Location), Properties: props}
}

// resultFeature is the plain form of resultFeatures' feature of r.
func resultFeature(r catalog.Result, lang string) mapFeature {
	f := stationFeature(r.Station, lang)
	f.Properties["distance_m"] = round1(r.Meters)
	b := round1(r.Bearing)
	if b >= 360 {
		b -= 360
	}
	f.Properties["bearing_deg"] = b
	return f
}
