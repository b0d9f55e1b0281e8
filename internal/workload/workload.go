// Package workload makes the clustered records and query points that the
// benchmarks and load tests run on. Real stations are not spread evenly:
// they sit in towns, along roads and at ports, so a uniform scatter hides
// what a deployment sees (dense towns where a 15 km circle holds thousands
// of records, and empty land between them where a nearest search must
// look far). The shape is the one issue 9 states: inside lon 97–126,
// lat 37–53, 70% of points normally distributed around 200 town centres
// (σ 2–6 km) and 30% uniform.
package workload

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/hours"
)

// The area and the mix of the workload.
const (
	LonMin, LonMax = 97.0, 126.0
	LatMin, LatMax = 37.0, 53.0
	// Towns is how many town centres the clustered share gathers around.
	Towns = 200
	// TownShare is the share of points drawn around a town.
	TownShare = 0.7
	// SigmaMinKm and SigmaMaxKm bound a town's spread (one σ).
	SigmaMinKm, SigmaMaxKm = 2.0, 6.0
)

// kmPerDegree is the length of a degree of latitude (and of longitude at
// the equator), close enough for placing random points.
const kmPerDegree = 111.195

// Workload is one draw of town centres; points and records drawn from it
// share the towns, so query points fall where the records are dense.
type Workload struct {
	towns  []orb.Point
	sigmas []float64 // km
}

// New draws the town centres and their spreads from seed.
func New(seed uint64) *Workload {
	r := rand.New(rand.NewPCG(seed, 0x70776e73))
	w := &Workload{towns: make([]orb.Point, Towns), sigmas: make([]float64, Towns)}
	for i := range w.towns {
		w.towns[i] = uniform(r)
		w.sigmas[i] = SigmaMinKm + r.Float64()*(SigmaMaxKm-SigmaMinKm)
	}
	return w
}

// TownCentres returns the town centres (a copy).
func (w *Workload) TownCentres() []orb.Point { return append([]orb.Point(nil), w.towns...) }

func uniform(r *rand.Rand) orb.Point {
	return orb.Point{LonMin + r.Float64()*(LonMax-LonMin), LatMin + r.Float64()*(LatMax-LatMin)}
}

// Point draws one point: around a random town with probability
// TownShare, else uniform over the area. Points around a town that fall
// outside the area are drawn again, so every point is inside it.
func (w *Workload) Point(r *rand.Rand) orb.Point {
	if r.Float64() >= TownShare {
		return uniform(r)
	}
	i := r.IntN(len(w.towns))
	c, s := w.towns[i], w.sigmas[i]
	for {
		dLat := r.NormFloat64() * s / kmPerDegree
		dLon := r.NormFloat64() * s / (kmPerDegree * math.Cos(c[1]*math.Pi/180))
		p := orb.Point{c[0] + dLon, c[1] + dLat}
		if p[0] >= LonMin && p[0] <= LonMax && p[1] >= LatMin && p[1] <= LatMax {
			return p
		}
	}
}

// Points draws n points from seed (query points use a seed other than
// the records').
func (w *Workload) Points(n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, 0x706f696e))
	out := make([]orb.Point, n)
	for i := range out {
		out[i] = w.Point(r)
	}
	return out
}

// The texts the records pick from: a handful of each, as in the bundled
// data, where names repeat a town's name and a few kinds of place.
var (
	townNames = []data.Names{
		{ZH: "二连浩特国际司机之家", EN: "Erenhot International Driver Home"},
		{ZH: "满洲里中俄蒙司机驿站", EN: "Manzhouli Driver Station"},
		{ZH: "锡林浩特工会驿站", EN: "Xilinhot Union Station"},
		{ZH: "呼和浩特户外劳动者服务站点", EN: "Hohhot Outdoor Workers' Station"},
		{ZH: "包头货车司机之家", EN: "Baotou Truck Drivers' Home"},
		{ZH: "乌兰察布物流园驿站", EN: "Ulanqab Logistics Park Station"},
	}
	hourTexts = []string{"24/7", "Mo-Fr 08:00-18:00; Sa 09:00-12:00", "06:00-22:00"}
)

// Stations makes n valid records at points drawn from seed, shaped like
// the benchmark's records: an id, two names, two amenities, opening
// hours, a kind and a source. Each record is its own allocation with its
// own id string, as a decoder or a database scan would give them.
func (w *Workload) Stations(n int, seed uint64) []*data.Station {
	r := rand.New(rand.NewPCG(seed, 0x73746e73))
	parsed := make([]*hours.Schedule, len(hourTexts))
	for i, h := range hourTexts {
		s, err := hours.Parse(h)
		if err != nil {
			panic("workload: opening hours " + strconv.Quote(h) + ": " + err.Error())
		}
		parsed[i] = s
	}
	kinds := data.Kinds()
	nAmenities := len(data.Amenities())
	out := make([]*data.Station, n)
	for i := range out {
		a := r.IntN(nAmenities)
		b := (a + 1 + r.IntN(nAmenities-1)) % nAmenities
		h := r.IntN(len(hourTexts))
		kind := kinds[r.IntN(len(kinds))]
		st := &data.Station{
			ID:           "w" + strconv.Itoa(i),
			Location:     w.Point(r),
			Kind:         kind,
			Names:        townNames[r.IntN(len(townNames))],
			Amenities:    data.AmenitySet(1<<a | 1<<b),
			OpeningHours: hourTexts[h],
			Hours:        parsed[h],
			Status:       data.StatusOpen,
			Source:       "workload",
		}
		if kind == data.KindPort {
			st.Port = &data.PortInfo{Country: "MN", Modes: []string{"road"}}
		}
		out[i] = st
	}
	return out
}
