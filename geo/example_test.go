package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

func ExampleDistance() {
	manzhouli := orb.Point{117.43333, 49.6}
	erenhot := orb.Point{111.97667, 43.6475}
	fmt.Printf("%.1f km, bearing %.0f°\n", geo.Distance(manzhouli, erenhot)/1000, geo.Bearing(manzhouli, erenhot))
	// Output: 781.7 km, bearing 214°
}

func ExampleIndex_Nearest() {
	points := []orb.Point{
		{117.43333, 49.6},    // 0 Manzhouli
		{111.97667, 43.6475}, // 1 Erenhot
		{116.0, 43.95},       // 2 Xilinhot
		{122.0, 46.08},       // 3 Ulanhot
	}
	ix := geo.NewIndex(points)
	here := orb.Point{112.5, 43.5}
	for _, h := range ix.Nearest(here, 2, 0, nil) {
		fmt.Printf("slot %d at %.1f km\n", h.Slot, h.Meters/1000)
	}
	// Filters apply during the search: the nearest that is not Erenhot.
	notErenhot := func(slot uint32) bool { return slot != 1 }
	for _, h := range ix.Nearest(here, 1, 0, notErenhot) {
		fmt.Printf("filtered: slot %d at %.1f km\n", h.Slot, h.Meters/1000)
	}
	// Output:
	// slot 1 at 45.2 km
	// slot 2 at 285.6 km
	// filtered: slot 2 at 285.6 km
}

func ExampleIndex_Within() {
	// Two points 2.2 km apart across the ±180° meridian.
	ix := geo.NewIndex([]orb.Point{{-179.99, 10}, {170, 10}})
	fmt.Println(ix.Within(orb.Point{179.99, 10}, 3000, nil)[0].Slot)
	// Output: 0
}

func ExampleIndex_InBound() {
	ix := geo.NewIndex([]orb.Point{{179.5, 0}, {-179.5, 0}, {0, 0}})
	b, _ := geo.ParseBBox("179,-1,-179,1") // crosses the antimeridian
	n := 0
	ix.InBound(b, func(slot uint32, p orb.Point) bool {
		n++
		return true
	})
	fmt.Println(n, "points")
	// Output: 2 points
}

func ExampleParseBBox() {
	_, err := geo.ParseBBox("111,45,112,44")
	fmt.Println(err)
	// Output: bbox minLat 45 is greater than maxLat 44; want minLon,minLat,maxLon,maxLat with south before north
}

func ExampleCircle() {
	// A 15 km circle on the ±180° meridian comes back in two halves.
	g := geo.Circle(orb.Point{180, 0}, 15000, 32)
	fmt.Println(g.GeoJSONType(), len(g.(orb.MultiPolygon)))
	// Output: MultiPolygon 2
}

func ExampleIndex_Copy() {
	live := geo.NewIndex([]orb.Point{{1, 1}})
	next := live.Copy() // O(1), copy-on-write
	next.Insert(7, orb.Point{2, 2})
	fmt.Println(live.Len(), next.Len())
	// Output: 1 2
}
