package web_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"yizhan/web"
)

// languages are the page's languages, one file each in static/i18n.
var languages = []string{"zh", "en", "ru", "mn"}

// placeholderRe finds {name} placeholders in a translation.
var placeholderRe = regexp.MustCompile(`\{(\w+)\}`)

func readStrings(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(web.FS, "static/i18n/"+lang+".json")
	if err != nil {
		t.Fatalf("read %s translations: %v", lang, err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("static/i18n/%s.json is not a JSON object of strings: %v", lang, err)
	}
	return m
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholderRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestTranslationsComplete fails when a key is missing or empty in any
// language, when the languages' placeholders differ, or when the page
// uses a key that no file has: every literal t('key') of app.js, every
// data-i18n* attribute of index.html, and the key of every kind, amenity,
// status, weekday and compass point the page shows.
func TestTranslationsComplete(t *testing.T) {
	all := map[string]map[string]string{}
	keys := map[string]bool{}
	for _, l := range languages {
		all[l] = readStrings(t, l)
		for k := range all[l] {
			keys[k] = true
		}
	}
	for k := range keys {
		for _, l := range languages {
			v, ok := all[l][k]
			switch {
			case !ok:
				t.Errorf("static/i18n/%s.json lacks %q (en: %q)", l, k, all["en"][k])
			case strings.TrimSpace(v) == "":
				t.Errorf("static/i18n/%s.json has %q empty", l, k)
			case !slices.Equal(placeholders(v), placeholders(all["en"][k])):
				t.Errorf("%s %q = %q has placeholders %v; en has %v", l, k, v, placeholders(v), placeholders(all["en"][k]))
			}
		}
	}

	used := map[string]string{} // key -> where
	js, err := fs.ReadFile(web.FS, "static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\bt\('([a-z0-9_.]+)'`).FindAllStringSubmatch(string(js), -1) {
		used[m[1]] = "static/app.js"
	}
	page, err := fs.ReadFile(web.FS, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`data-i18n(?:-placeholder|-label|-title)?="([^"]+)"`).FindAllStringSubmatch(string(page), -1) {
		used[m[1]] = "index.html"
	}
	for _, k := range []string{"port", "rest_stop", "driver_home", "union_station", "worker_home", "labour_station", "service_center"} {
		used["kind."+k] = "the record kinds"
	}
	for _, a := range []string{"drinking_water", "hot_meal", "microwave", "toilet", "rest_area", "shower", "beds",
		"truck_parking", "wifi", "phone_charging", "first_aid", "counselling", "library", "laundry", "legal_aid"} {
		used["amenity."+a] = "the amenities"
	}
	for _, s := range []string{"open", "closed", "planned"} {
		used["status."+s] = "the statuses"
	}
	for _, d := range []string{"mo", "tu", "we", "th", "fr", "sa", "su"} {
		used["day."+d] = "the weekdays"
	}
	for _, c := range []string{"n", "ne", "e", "se", "s", "sw", "w", "nw"} {
		used["compass."+c] = "the compass points"
	}
	for _, l := range languages {
		used["langname."+l] = "the staff languages"
	}
	for _, m := range []string{"walk", "cycle", "drive", "truck"} {
		used["mode."+m] = "the travel modes"
	}
	for _, v := range []string{"find", "planner", "route"} {
		used["hint."+v] = "the views"
	}
	for _, c := range []string{"MN", "RU"} {
		used["country."+c] = "the port countries"
	}
	for _, m := range []string{"road", "rail", "air"} {
		used["portmode."+m] = "the port modes"
	}
	for _, c := range []string{"wgs84", "gcj02", "bd09"} {
		used["search.crs."+c] = "the coordinate systems"
	}
	for _, s := range []string{"tiles", "boundary", "borders", "seats", "places", "stations"} {
		if s == "tiles" {
			used["tiles.layer"] = "the layer switches"
		} else {
			used["layer."+s] = "the layer switches"
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; the patterns no longer match the page", len(used))
	}
	for k, where := range used {
		if strings.HasSuffix(k, ".") {
			// t('kind.' + kind): a family of keys, each listed above.
			if !slices.ContainsFunc(slices.Collect(maps.Keys(keys)), func(key string) bool { return strings.HasPrefix(key, k) }) {
				t.Errorf("%s builds keys %s..., and no translation file has one", where, k)
			}
			continue
		}
		if !keys[k] {
			t.Errorf("%s uses %q, which no translation file has", where, k)
		}
	}
}

// TestTranslationsScript checks each language is written in its script:
// Russian and Mongolian in Cyrillic (Mongolian with its letters Ө and Ү
// somewhere), Chinese in Han characters, so that no file is a copy of
// another left untranslated.
func TestTranslationsScript(t *testing.T) {
	cyr := regexp.MustCompile(`\p{Cyrillic}`)
	han := regexp.MustCompile(`\p{Han}`)
	for _, k := range []string{"tab.find", "locate.button", "nearest.heading", "hours.always", "card.navigate", "error.network", "legend.heading"} {
		if v := readStrings(t, "ru")[k]; !cyr.MatchString(v) {
			t.Errorf("ru %q = %q; want Cyrillic", k, v)
		}
		if v := readStrings(t, "mn")[k]; !cyr.MatchString(v) {
			t.Errorf("mn %q = %q; want Cyrillic", k, v)
		}
		if v := readStrings(t, "zh")[k]; !han.MatchString(v) {
			t.Errorf("zh %q = %q; want Chinese", k, v)
		}
		if readStrings(t, "ru")[k] == readStrings(t, "mn")[k] {
			t.Errorf("ru and mn %q are both %q; want each language's own words", k, readStrings(t, "ru")[k])
		}
	}
	mn := ""
	for _, v := range readStrings(t, "mn") {
		mn += v
	}
	if !strings.ContainsAny(mn, "өүӨҮ") {
		t.Errorf("mn translations have no ө or ү: not Mongolian Cyrillic")
	}
}
