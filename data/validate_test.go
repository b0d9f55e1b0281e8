package data

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func intp(n int) *int { return &n }

// validStation is a complete, valid record that tests change one field of.
func validStation() *Station {
	return &Station{
		ID:                 "mzl-driver-home-1",
		Location:           orb.Point{117.4347, 49.5978},
		Kind:               KindDriverHome,
		Names:              Names{ZH: "满洲里司机之家", EN: "Manzhouli Driver Home", RU: "Дом водителя Маньчжурия", MN: "Манжуур жолоочийн байр"},
		Amenities:          1<<0 | 1<<5 | 1<<7,
		OpeningHours:       "24/7",
		TimeZone:           "Asia/Shanghai",
		CapacityPerDay:     intp(1500),
		Beds:               intp(40),
		TruckParkingSpaces: intp(120),
		AreaM2:             intp(1854),
		Languages:          []string{"zh", "ru", "mn"},
		Region:             "呼伦贝尔市",
		Address:            "满洲里市",
		Phone:              "+86 470 000 0000",
		Operator:           "满洲里市总工会",
		Status:             StatusOpen,
		UpdatedAt:          time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC),
		Source:             "example record, not a surveyed site",
	}
}

func TestValidateValid(t *testing.T) {
	s := validStation()
	if errs := s.Validate(); errs != nil {
		t.Fatalf("Validate() = %v; want no problems", errs)
	}
	if s.Hours != nil {
		t.Errorf("Validate changed the record: Hours %v", s.Hours)
	}
	s.Normalize()
	if s.Hours == nil || !s.Hours.OpenAt(time.Now()) {
		t.Errorf("Validate did not set Hours for %q", s.OpeningHours)
	}

	p := validStation()
	p.Kind = KindPort
	p.Port = &PortInfo{Country: "RU", Modes: []string{"road", "rail"}, Hours: "08:00-20:00 Beijing time"}
	if errs := p.Validate(); errs != nil {
		t.Errorf("Validate(port) = %v; want no problems", errs)
	}

	air := validStation()
	air.Kind = KindPort
	air.Port = &PortInfo{Modes: []string{"air"}}
	if errs := air.Validate(); errs != nil {
		t.Errorf("Validate(airport) = %v; want no problems", errs)
	}

	min := &Station{ID: "a", Kind: KindRestStop, Names: Names{EN: "A"}, Source: "test"}
	if errs := min.Validate(); errs != nil {
		t.Errorf("Validate(minimal) = %v; want no problems", errs)
	}
	if min.Status != "" {
		t.Errorf("Validate changed the record: status %q", min.Status)
	}
	min.Normalize()
	if min.Status != StatusOpen {
		t.Errorf("empty status became %q; want %q", min.Status, StatusOpen)
	}
	if min.Hours != nil {
		t.Errorf("empty opening_hours gave Hours %v; want nil", min.Hours)
	}
}

func TestValidateProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *Station)
		fields []string // every field expected to be reported, in order
	}{
		{"empty id", func(s *Station) { s.ID = "" }, []string{"id"}},
		{"long id", func(s *Station) { s.ID = strings.Repeat("x", 129) }, []string{"id"}},
		{"control char id", func(s *Station) { s.ID = "a\nb" }, []string{"id"}},
		{"bad utf8 id", func(s *Station) { s.ID = "a\xffb" }, []string{"id"}},
		{"spaces around id", func(s *Station) { s.ID = " a" }, []string{"id"}},
		{"NaN lon", func(s *Station) { s.Location = orb.Point{math.NaN(), 10} }, []string{"geometry"}},
		{"Inf lat", func(s *Station) { s.Location = orb.Point{10, math.Inf(1)} }, []string{"geometry"}},
		{"lon 181", func(s *Station) { s.Location = orb.Point{181, 10} }, []string{"geometry"}},
		{"lat -91", func(s *Station) { s.Location = orb.Point{10, -91} }, []string{"geometry"}},
		{"unknown kind", func(s *Station) { s.Kind = "hotel" }, []string{"kind"}},
		{"missing kind", func(s *Station) { s.Kind = "" }, []string{"kind"}},
		{"no zh or en name", func(s *Station) { s.Names.ZH, s.Names.EN = "", "" }, []string{"names"}},
		{"blank names", func(s *Station) { s.Names.ZH, s.Names.EN = "  ", "" }, []string{"names", "names.zh"}},
		{"long name", func(s *Station) { s.Names.RU = strings.Repeat("я", 201) }, []string{"names.ru"}},
		{"control char name", func(s *Station) { s.Names.EN = "a\tb" }, []string{"names.en"}},
		{"unknown amenity bit", func(s *Station) { s.Amenities |= 1 << 31 }, []string{"amenities"}},
		{"bad opening hours", func(s *Station) { s.OpeningHours = "Mo-Fx 08:00-18:00" }, []string{"opening_hours"}},
		{"bad zone", func(s *Station) { s.TimeZone = "Mars/Olympus" }, []string{"timezone"}},
		{"local zone", func(s *Station) { s.TimeZone = "Local" }, []string{"timezone"}},
		{"unknown language", func(s *Station) { s.Languages = []string{"zh", "fr"} }, []string{"languages"}},
		{"duplicate language", func(s *Station) { s.Languages = []string{"zh", "zh"} }, []string{"languages"}},
		{"port on non-port", func(s *Station) { s.Port = &PortInfo{Country: "MN", Modes: []string{"road"}} }, []string{"port"}},
		{"bad port country", func(s *Station) {
			s.Kind = KindPort
			s.Port = &PortInfo{Country: "KZ", Modes: []string{"road", "ship"}}
		}, []string{"port.country", "port.modes"}},
		{"negative counts", func(s *Station) {
			s.CapacityPerDay, s.Beds, s.TruckParkingSpaces, s.AreaM2 = intp(-1), intp(-2), intp(-3), intp(-4)
		}, []string{"capacity_per_day", "beds", "truck_parking_spaces", "area_m2"}},
		{"counts above int4", func(s *Station) {
			s.CapacityPerDay, s.Beds, s.TruckParkingSpaces, s.AreaM2 = intp(MaxCount+1), intp(3_000_000_000), intp(1<<40), intp(MaxCount+1)
		}, []string{"capacity_per_day", "beds", "truck_parking_spaces", "area_m2"}},
		{"NUL in source", func(s *Station) { s.Source = "x\x00y" }, []string{"source"}},
		{"long source", func(s *Station) { s.Source = strings.Repeat("s", MaxSourceBytes+1) }, []string{"source"}},
		{"bad utf8 source", func(s *Station) { s.Source = "a\xffb" }, []string{"source"}},
		{"control chars in text fields", func(s *Station) {
			s.Region, s.Address, s.Phone, s.Operator = "a\x00", "line1\x00line2", "1\t2", "op\x7f"
		}, []string{"region", "address", "phone", "operator"}},
		{"long text fields", func(s *Station) {
			s.Region, s.Address = strings.Repeat("r", MaxRegionBytes+1), strings.Repeat("a", MaxAddressBytes+1)
			s.Phone, s.Operator = strings.Repeat("1", MaxPhoneBytes+1), strings.Repeat("o", MaxOperatorBytes+1)
		}, []string{"region", "address", "phone", "operator"}},
		{"NUL in opening hours", func(s *Station) { s.OpeningHours = "24/7\x00" }, []string{"opening_hours"}},
		{"NUL in zone", func(s *Station) { s.TimeZone = "Asia/Shanghai\x00" }, []string{"timezone"}},
		{"NUL in port hours", func(s *Station) {
			s.Kind = KindPort
			s.Port = &PortInfo{Country: "MN", Modes: []string{"road"}, Hours: "a\x00b"}
		}, []string{"port.hours"}},
		{"long port hours", func(s *Station) {
			s.Kind = KindPort
			s.Port = &PortInfo{Country: "MN", Modes: []string{"road"}, Hours: strings.Repeat("h", MaxPortHoursBytes+1)}
		}, []string{"port.hours"}},
		{"unknown status", func(s *Station) { s.Status = "demolished" }, []string{"status"}},
		{"missing source", func(s *Station) { s.Source = " " }, []string{"source"}},
		{"negative version", func(s *Station) { s.Version = -1 }, []string{"version"}},
		{"everything wrong", func(s *Station) {
			*s = Station{Location: orb.Point{200, 100}, Kind: "x", OpeningHours: "x", Status: "x"}
		}, []string{"id", "geometry", "kind", "names", "opening_hours", "status", "source"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := validStation()
			tc.change(s)
			errs := s.Validate()
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
				if e.Index != -1 || e.ID != s.ID || e.Reason == "" {
					t.Errorf("FieldError %+v; want Index -1, ID %q and a reason", e, s.ID)
				}
			}
			if !slices.Equal(got, tc.fields) {
				t.Errorf("Validate() fields = %v; want %v (%v)", got, tc.fields, errs)
			}
		})
	}
}

func TestValidateLimitsInclusive(t *testing.T) {
	s := validStation()
	s.CapacityPerDay, s.Beds, s.TruckParkingSpaces, s.AreaM2 = intp(MaxCount), intp(0), intp(MaxCount), intp(MaxCount)
	s.Source = strings.Repeat("s", MaxSourceBytes)
	s.Address = strings.Repeat("地", MaxAddressBytes/3-5) + "\r\nTown\t1"
	if errs := s.Validate(); errs != nil {
		t.Errorf("Validate() at the limits = %v; want no problems", errs)
	}
}

func TestValidateStatusKept(t *testing.T) {
	for _, st := range []Status{StatusOpen, StatusClosed, StatusPlanned} {
		s := validStation()
		s.Status = st
		if errs := s.Validate(); errs != nil || s.Status != st {
			t.Errorf("Validate() with status %q = %v, status %q", st, errs, s.Status)
		}
	}
}

// TestValidateStoredToleratesText checks that a stored record whose free
// text breaks only the text rules (as an older release allowed) is still
// served, while unservable problems still hide it.
func TestValidateStoredToleratesText(t *testing.T) {
	s := validStation()
	s.Phone = "0470\t123"
	s.Operator = "union\nbranch"
	s.Region = strings.Repeat("x", MaxRegionBytes+1)
	if errs := s.Validate(); len(errs) != 3 {
		t.Fatalf("Validate() = %v; want 3 text problems", errs)
	}
	if errs := s.ValidateStored(); len(errs) != 0 {
		t.Errorf("ValidateStored() = %v; want the text problems tolerated", errs)
	}
	s.Kind = "spa"
	s.Source = " "
	errs := s.ValidateStored()
	fields := map[string]bool{}
	for _, e := range errs {
		fields[e.Field] = true
	}
	if !fields["kind"] || !fields["source"] || len(errs) != 2 {
		t.Errorf("ValidateStored() = %v; want the kind and blank-source problems kept", errs)
	}
}

// TestValidateReservedIDs: ids that name an API route or resolve away in
// a URL are refused for new records, in any letter case; ids that merely
// contain such words, or a slash (sent as %2F), are fine. A stored
// record with one is still served.
func TestValidateReservedIDs(t *testing.T) {
	for _, id := range []string{"nearest", "within", "Nearest", "WITHIN", ".", ".."} {
		s := validStation()
		s.ID = id
		errs := s.Validate()
		if len(errs) != 1 || errs[0].Field != "id" || !strings.Contains(errs[0].Reason, "choose another id") {
			t.Errorf("Validate(id %q) = %v; want one id problem", id, errs)
		}
		if stored := s.ValidateStored(); len(stored) != 0 {
			t.Errorf("ValidateStored(id %q) = %v; want it served", id, stored)
		}
	}
	for _, id := range []string{"nearest-1", "within2", "a/b", "...", "a.", "nearest station"} {
		s := validStation()
		s.ID = id
		if errs := s.Validate(); errs != nil {
			t.Errorf("Validate(id %q) = %v; want valid", id, errs)
		}
	}
}

// FuzzValidateStoredKnown holds ValidateStoredKnown to ValidateStored,
// problem for problem, when the parts it skips are those StoredValid
// passes on a record that holds the part alone (as a decoder checks a
// shared value).
func FuzzValidateStoredKnown(f *testing.F) {
	f.Add("s1", "port", "Shell", "壳牌", "Asia/Shanghai", "osm", "open", "en,zh", "MN", "road", 100.0, 45.0)
	f.Add("nearest", "rest_stoq", " ", "", "Local", " ", "opem", "en,en", "MX", "roaf,road", 200.0, 45.0)
	f.Add("s\x01 ", "", "\u0085", "x\x01", "Asia/Shang\x01hai", "osm\x01", "", "", "", "", math.NaN(), 0.0)
	f.Fuzz(func(t *testing.T, id, kind, en, zh, zone, source, status, langs, country, modes string, lon, lat float64) {
		s := &Station{
			ID: id, Kind: Kind(kind), Names: Names{EN: en, ZH: zh}, TimeZone: zone, Source: source, Status: Status(status),
			Location: orb.Point{lon, lat}, Region: zh, Address: en,
		}
		if langs != "" {
			s.Languages = strings.Split(langs, ",")
		}
		if country != "" || modes != "" {
			s.Port = &PortInfo{Country: country, Modes: strings.Split(modes, ","), Hours: en}
		}
		var known Known
		for _, p := range []struct {
			part Known
			s    Station
		}{
			{KnownNames, Station{Names: s.Names}}, {KnownKind, Station{Kind: s.Kind}}, {KnownStatus, Station{Status: s.Status}},
			{KnownTimeZone, Station{TimeZone: s.TimeZone}}, {KnownLanguages, Station{Languages: s.Languages}},
			{KnownPort, Station{Port: s.Port}}, {KnownSource, Station{Source: s.Source}},
		} {
			if p.s.StoredValid(p.part) {
				known |= p.part
			}
		}
		full, got := s.ValidateStored(), s.ValidateStoredKnown(known)
		if len(full) != len(got) {
			t.Fatalf("known %b: %d problems, want %d: %v, %v", known, len(got), len(full), got, full)
		}
		for i := range full {
			if *full[i] != *got[i] {
				t.Fatalf("problem %d: %+v, want %+v", i, *got[i], *full[i])
			}
		}
	})
}
