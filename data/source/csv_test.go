package source

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
)

func TestReadCSVLonLat(t *testing.T) {
	in := "id,kind,name_zh,name_en,lon,lat,amenities,opening_hours,beds,languages,port_country,port_modes,port_hours,status,source,timezone\n" +
		"a,driver_home,司机之家,Driver home,117.38,49.59,toilet;shower|hot_meal,24/7,12,zh|ru,,,,open,test,Asia/Shanghai\n" +
		"p,port,满洲里,Manzhouli,117.43,49.6,,,,,ru,road;rail,Mo-Su 08:00-20:00,,test,\n"
	stations, problems, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	if len(problems) != 0 {
		t.Fatalf("ReadCSV problems = %v; want none", problems)
	}
	if len(stations) != 2 {
		t.Fatalf("ReadCSV returned %d records; want 2", len(stations))
	}
	a := stations[0]
	beds := 12
	want := &data.Station{
		ID: "a", Kind: data.KindDriverHome, Location: orb.Point{117.38, 49.59},
		Names:        data.Names{ZH: "司机之家", EN: "Driver home"},
		Amenities:    mustAmenities(t, "toilet", "shower", "hot_meal"),
		OpeningHours: "24/7", Beds: &beds, Languages: []string{"zh", "ru"},
		Status: data.StatusOpen, Source: "test", TimeZone: "Asia/Shanghai",
	}
	want.Hours = a.Hours // set by Validate; compared below
	if a.Hours == nil {
		t.Errorf("record a: Hours = nil; want parsed 24/7")
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("record a = %+v; want %+v", a, want)
	}
	p := stations[1]
	wantPort := &data.PortInfo{Country: "RU", Modes: []string{"road", "rail"}, Hours: "Mo-Su 08:00-20:00"}
	if !reflect.DeepEqual(p.Port, wantPort) {
		t.Errorf("record p: Port = %+v; want %+v", p.Port, wantPort)
	}
	if p.Status != data.StatusOpen {
		t.Errorf("record p: Status = %q; want open (the default)", p.Status)
	}
}

func TestReadCSVWKT(t *testing.T) {
	in := "WKT,id,kind,name,source\n" +
		"POINT(111.9 43.65),e1,port,二连浩特,t\n" +
		"\"SRID=4326;point ( 112.0  43.7 )\",e2,union_station,工会驿站,t\n"
	stations, problems, err := ReadCSV(strings.NewReader(in))
	if err != nil || len(problems) != 0 {
		t.Fatalf("ReadCSV = _, %v, %v; want no problems", problems, err)
	}
	got := []orb.Point{stations[0].Location, stations[1].Location}
	want := []orb.Point{{111.9, 43.65}, {112.0, 43.7}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("locations = %v; want %v", got, want)
	}
	if stations[0].Names.ZH != "二连浩特" {
		t.Errorf("name column: Names.ZH = %q; want 二连浩特", stations[0].Names.ZH)
	}
}

func TestReadCSVBadRows(t *testing.T) {
	// Line numbers count the header as 1 and include the quoted newline in
	// line 6's record, so the next row starts on line 8. No source column:
	// every record gets the default source.
	in := "id,kind,name_en,lon,lat,amenities,beds,opening_hours,status,address\n" + // 1
		"ok1,rest_stop,One,110,40,toilet,,,,\n" + // 2
		"bad-lon,rest_stop,Two,east,40,,,,,\n" + // 3
		"bad-lat,rest_stop,Three,110,91,,,,,\n" + // 4
		"bad-many,bus_stop,Four,110,40,sauna,-3,Mo-Fr 25:00-26:00,gone,\n" + // 5
		"ok2,rest_stop,Five,110,40,,,,,\"Street 1\nTown\"\n" + // 6-7
		"short,rest_stop,Six,110\n" + // 8
		"\n" + // 9: blank lines are skipped
		",rest_stop,,110,40,,,,,\n" + // 10: no id, no name
		"ok3,rest_stop,Seven,110,40,,,,,\n" + // 11
		"ok1,rest_stop,Again,110,40,,,,,\n" // 12: duplicate id
	stations, problems, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	var ids []string
	for _, s := range stations {
		ids = append(ids, s.ID)
	}
	if want := []string{"ok1", "ok2", "ok3"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("kept ids = %v; want %v", ids, want)
	}
	if got := stations[1].Address; got != "Street 1\nTown" {
		t.Errorf("ok2 address = %q; want the quoted two lines", got)
	}
	if got := stations[0].Source; got != "CSV import" {
		t.Errorf("default source = %q; want %q", got, "CSV import")
	}
	type key struct {
		line  int
		id    string
		field string
	}
	var got []key
	for _, p := range problems {
		got = append(got, key{p.Index, p.ID, p.Field})
		if p.Reason == "" {
			t.Errorf("problem %v has no reason", p)
		}
	}
	want := []key{
		{3, "bad-lon", "lon"},
		{4, "bad-lat", "lat"},
		{5, "bad-many", "amenities"},
		{5, "bad-many", "beds"},
		{5, "bad-many", "kind"},
		{5, "bad-many", "opening_hours"},
		{5, "bad-many", "status"},
		{8, "short", "row"},
		{10, "", "id"},
		{10, "", "names"},
		{12, "ok1", "id"},
	}
	sortKeys := func(ks []key) {
		sort.Slice(ks, func(i, j int) bool {
			if ks[i].line != ks[j].line {
				return ks[i].line < ks[j].line
			}
			return ks[i].field < ks[j].field
		})
	}
	sortKeys(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems (line, id, field) =\n %v\nwant\n %v", got, want)
	}
}

func TestReadCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty file"},
		{"unknown column", "id,lon,lat,amenites\n", `unknown column "amenites"`},
		{"no location", "id,kind\n", "want lon and lat columns or a wkt column"},
		{"lon without lat", "id,lon\n", "want lon and lat columns or a wkt column"},
		{"both locations", "id,lon,lat,wkt\n", "not both"},
		{"duplicate column", "id,lon,lat,Lon\n", `"lon" appears twice`},
		{"name twice", "id,lon,lat,name,name_zh\n", "name and name_zh"},
		{"blank column", "id,lon,lat,\n", "column 4 has no name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadCSV(%q) error = %v; want it to contain %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestReadCSVBOMAndQuoteError(t *testing.T) {
	in := "\ufeffid,kind,name,lon,lat,source\n" +
		"a,rest_stop,甲,110,40,s\n" +
		"b,rest_stop,\"乙\"x,110,40,s\n" + // bare quote: a parse error on line 3
		"c,rest_stop,丙,110,40,s\n"
	stations, problems, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	if len(stations) != 2 || stations[0].ID != "a" || stations[1].ID != "c" {
		t.Errorf("kept %d records; want a and c", len(stations))
	}
	if len(problems) != 1 || problems[0].Index != 3 || problems[0].Field != "row" {
		t.Errorf("problems = %v; want one row problem on line 3", problems)
	}
}

func TestParseWKTPoint(t *testing.T) {
	tests := []struct {
		in      string
		want    orb.Point
		wantErr string
	}{
		{"POINT(1 2)", orb.Point{1, 2}, ""},
		{"point (-179.5 -89)", orb.Point{-179.5, -89}, ""},
		{"SRID=4326;POINT(1 2)", orb.Point{1, 2}, ""},
		{"srid=4326; POINT(1 2)", orb.Point{1, 2}, ""},
		{"SRID=3857;POINT(1 2)", orb.Point{}, "SRID 3857 not supported"},
		{"SRID=4326POINT(1 2)", orb.Point{}, "without ';'"},
		{"POINT EMPTY", orb.Point{}, "want POINT(lon lat)"},
		{"POINT(1 2 3)", orb.Point{}, "exactly two"},
		{"POINT(1)", orb.Point{}, "exactly two"},
		{"POINT(200 2)", orb.Point{}, "longitude"},
		{"POINT(1 NaN)", orb.Point{}, "latitude"},
		{"LINESTRING(1 2, 3 4)", orb.Point{}, "want POINT"},
		{"", orb.Point{}, "required"},
	}
	for _, tc := range tests {
		got, err := parseWKTPoint(tc.in)
		if tc.wantErr == "" {
			if err != nil || got != tc.want {
				t.Errorf("parseWKTPoint(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("parseWKTPoint(%q) error = %v; want it to contain %q", tc.in, err, tc.wantErr)
		}
	}
}

func TestReadCSVTestdata(t *testing.T) {
	f, err := os.Open("../testdata/csv/stations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stations, problems, err := ReadCSV(f)
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	if len(stations) != 3 {
		t.Errorf("../testdata/csv/stations.csv: %d records; want 3", len(stations))
	}
	if len(problems) != 2 || problems[0].Index != 4 || problems[1].Index != 6 {
		t.Errorf("../testdata/csv/stations.csv: problems = %v; want lines 4 and 6", problems)
	}
}

func FuzzReadCSV(f *testing.F) {
	real, err := os.ReadFile(filepath.Join("..", "testdata", "csv", "stations.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(real))
	f.Add("id,kind,name,lon,lat,source\na,rest_stop,甲,110,40,s\n")
	f.Add("wkt,id,kind,name_en,source,amenities,beds\n\"SRID=4326;POINT(1 2)\",x,port,X,s,toilet|wifi,3\n")
	f.Add("id,lon,lat\n\"a\nb\",1,2\n,,\n")
	f.Add("\ufeffID,LON,LAT,opening_hours\na,1,2,Mo-Fr 08:00-18:00\n")
	f.Fuzz(func(t *testing.T, in string) {
		stations, problems, err := ReadCSV(strings.NewReader(in))
		if err != nil && (len(stations) > 0 || len(problems) > 0) && !strings.Contains(err.Error(), "read row") {
			t.Fatalf("header error %v with results", err)
		}
		for _, s := range stations {
			if errs := s.Validate(); len(errs) > 0 {
				t.Fatalf("ReadCSV kept an invalid record %+v: %v", s, errs)
			}
		}
		for _, p := range problems {
			if p.Index < 2 {
				t.Fatalf("problem %v on line %d; rows start on line 2", p, p.Index)
			}
		}
	})
}

func mustAmenities(t *testing.T, names ...string) data.AmenitySet {
	t.Helper()
	set, err := data.NewAmenitySet(names)
	if err != nil {
		t.Fatal(err)
	}
	return set
}
