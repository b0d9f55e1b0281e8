package api

import "testing"

// The travel endpoints' query strings, against the Andorra network (every
// answer a 200 or a 400 problem, never a crash or a hang).

func FuzzRouteQuery(f *testing.F) {
	s, _ := andorraServer(f)
	fuzzQueryOn(f, s, "/v1/route", false,
		"from=1.4732375,42.4356516&to=1.7350636,42.5437725",
		"from=1.52,42.50&via=1.6,42.55&via=1.7,42.54&to=1.73,42.54&mode=truck&weight_t=40&height_m=4",
		"from=1.52,42.50&to=1.52,42.50&mode=walk&speed_kmh=4",
		"from=1.52,42.50&to=1.73,42.54&speeds=primary:50,residential:10&max_kmh=70&max_snap_m=50000",
		"from=0,0&to=179.99,-89.99",
		"from=1,2,3&to=1",
		"from=NaN,1&to=1,Inf",
		"from=1.52,42.50&to=1.73,42.54&crs=gcj02",
	)
}

func FuzzReachQuery(f *testing.F) {
	s, _ := andorraServer(f)
	fuzzQueryOn(f, s, "/v1/reach", false,
		"lon=1.5218&lat=42.5063&minutes=15&mode=drive",
		"lon=1.5218&lat=42.5063&minutes=600&mode=drive&roads=true",
		"lon=1.5218&lat=42.5063&minutes=0.01&mode=walk",
		"lon=1.5218&lat=42.5063&mode=truck&weight_t=200&height_m=10&speeds=motorway:200",
		"lon=0&lat=0",
		"lon=1.5218&lat=42.5063&minutes=1e308",
	)
}

func FuzzNearestByTimeQuery(f *testing.F) {
	s, _ := andorraServer(f)
	fuzzQueryOn(f, s, "/v1/stations/nearest", false,
		"lon=1.5218&lat=42.5063&by=time&mode=drive&k=3&kind=driver_home",
		"lon=1.5218&lat=42.5063&by=time&mode=walk&minutes=600&k=100",
		"lon=1.5218&lat=42.5063&by=time&by=time&minutes=0.001",
		"lon=1.5218&lat=42.5063&by=distance&mode=drive",
	)
}
