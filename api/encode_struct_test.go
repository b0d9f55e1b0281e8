package api

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"yizhan/data"
	"yizhan/data/catalog"
)

// The record encoder (appendRecordProps) is hand-written for speed. These
// are the alternatives it is measured against in BenchmarkRenderNearest5:
// the same answer as a tagged struct, encoded by encoding/json and by
// github.com/goccy/go-json, a maintained drop-in replacement for it.

// structFeature is a result feature as a tagged struct.
type structFeature struct {
	Type       string        `json:"type"`
	ID         string        `json:"id,omitempty"`
	Geometry   pointGeometry `json:"geometry"`
	Properties structProps   `json:"properties"`
}

// structProps are a record's properties, with distance and bearing.
type structProps struct {
	Address            string         `json:"address,omitempty"`
	Amenities          []string       `json:"amenities"`
	AreaM2             *int           `json:"area_m2,omitempty"`
	BearingDeg         float64        `json:"bearing_deg"`
	Beds               *int           `json:"beds,omitempty"`
	CapacityPerDay     *int           `json:"capacity_per_day,omitempty"`
	DistanceM          float64        `json:"distance_m"`
	Kind               data.Kind      `json:"kind"`
	Languages          []string       `json:"languages"`
	Name               string         `json:"name"`
	Names              data.Names     `json:"names"`
	OpeningHours       string         `json:"opening_hours,omitempty"`
	Operator           string         `json:"operator,omitempty"`
	Phone              string         `json:"phone,omitempty"`
	Port               *data.PortInfo `json:"port,omitempty"`
	Region             string         `json:"region,omitempty"`
	Source             string         `json:"source"`
	Status             data.Status    `json:"status"`
	TimeZone           string         `json:"timezone,omitempty"`
	TruckParkingSpaces *int           `json:"truck_parking_spaces,omitempty"`
	UpdatedAt          *time.Time     `json:"updated_at,omitempty"`
	Version            int64          `json:"version,omitempty"`
}

// structCollection is a nearest answer of structFeatures.
type structCollection struct {
	Type           string          `json:"type"`
	Features       []structFeature `json:"features"`
	NumberReturned int             `json:"numberReturned"`
	Query          any             `json:"query,omitempty"`
}

// newStructFeature is the struct form of r's result feature.
func newStructFeature(r catalog.Result, lang string) structFeature {
	st := r.Station
	b := round1(r.Bearing)
	if b >= 360 {
		b -= 360
	}
	p := structProps{
		Address: st.Address, Amenities: st.Amenities.Names(), AreaM2: st.AreaM2, BearingDeg: b, Beds: st.Beds,
		CapacityPerDay: st.CapacityPerDay, DistanceM: round1(r.Meters), Kind: st.Kind, Languages: st.Languages,
		Name: st.Names.In(lang), Names: st.Names, OpeningHours: st.OpeningHours, Operator: st.Operator, Phone: st.Phone,
		Port: st.Port, Region: st.Region, Source: st.Source, Status: st.Status, TimeZone: st.TimeZone,
		TruckParkingSpaces: st.TruckParkingSpaces, Version: st.Version,
	}
	if p.Amenities == nil {
		p.Amenities = []string{}
	}
	if p.Languages == nil {
		p.Languages = []string{}
	}
	if st.Port != nil && st.Port.Modes == nil {
		port := *st.Port
		port.Modes = []string{}
		p.Port = &port
	}
	if !st.UpdatedAt.IsZero() {
		u := st.UpdatedAt.UTC()
		p.UpdatedAt = &u
	}
	return structFeature{Type: "Feature", ID: st.ID, Geometry: newPoint(st.Location), Properties: p}
}

func newStructCollection(rs []catalog.Result, lang string, query any) structCollection {
	fs := make([]structFeature, len(rs))
	for i, r := range rs {
		fs[i] = newStructFeature(r, lang)
	}
	return structCollection{Type: "FeatureCollection", Features: fs, NumberReturned: len(rs), Query: query}
}

// TestStructEncodingsMatch checks that the benchmark's alternatives write
// the same answer as the record encoder (the same values; their key order
// may differ), so that it compares like with like.
func TestStructEncodingsMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for i := 0; i < 300; i++ {
		rs := make([]catalog.Result, 1+rng.IntN(5))
		for j := range rs {
			rs[j] = randResult(rng)
		}
		lang := langs[rng.IntN(len(langs))]
		ours, err := appendResponse(nil, featureCollection{Type: "FeatureCollection", Features: resultFeatures(rs, lang), NumberReturned: len(rs)})
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(ours, &want); err != nil {
			t.Fatal(err)
		}
		sc := newStructCollection(rs, lang, nil)
		for name, marshal := range map[string]func(any) ([]byte, error){"encoding/json": json.Marshal, "go-json": gojson.Marshal} {
			b, err := marshal(sc)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s wrote invalid JSON: %v\n%s", name, err, b)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s of the tagged struct:\n%s\nthe record encoder:\n%s", name, b, ours)
			}
		}
	}
}

// benchStructEncoding is a sub-benchmark of BenchmarkRenderNearest5:
// the tagged struct built from the results and encoded by marshal.
func benchStructEncoding(b *testing.B, sets [][]catalog.Result, query any, marshal func(any) ([]byte, error)) {
	b.ReportAllocs()
	var out []byte
	for i := 0; i < b.N; i++ {
		rs := sets[i%len(sets)]
		var err error
		if out, err = marshal(newStructCollection(rs, "zh", query)); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(out)))
}
