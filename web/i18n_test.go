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

// pluralCategories are the plural forms each language has, as CLDR (and
// so Intl.PluralRules in the browser) names them for whole numbers: a
// text about n things (tn in app.js) is one key per form, key_<form>.
// The browser test TestPlannerLanguages checks this table against the
// browser's own Intl.PluralRules.
var pluralCategories = map[string][]string{
	"zh": {"other"},
	"en": {"one", "other"},
	"ru": {"few", "many", "one", "other"},
	"mn": {"one", "other"},
}

// pluralRe splits a plural form's key into the text's key and the form.
var pluralRe = regexp.MustCompile(`^(.+)_(zero|one|two|few|many|other)$`)

// scripts are the page's scripts whose t('key') and tn('key', n) calls
// the completeness test reads.
var scripts = []string{"static/app.js", "static/planner.js"}

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
// language, when the languages' placeholders differ, when a text about n
// things lacks a plural form of its language (or has one the language
// does not), or when the page uses a key that no file has: every literal
// t('key') and tn('key', n) of app.js and planner.js, every data-i18n*
// attribute of index.html, and the key of every kind, amenity, status,
// weekday and compass point the page shows.
func TestTranslationsComplete(t *testing.T) {
	all := map[string]map[string]string{}
	keys := map[string]bool{}    // plain keys
	plurals := map[string]bool{} // keys of texts about n things, without _<form>
	for _, l := range languages {
		all[l] = readStrings(t, l)
		for k := range all[l] {
			if m := pluralRe.FindStringSubmatch(k); m != nil {
				plurals[m[1]] = true
			} else {
				keys[k] = true
			}
		}
	}
	if len(plurals) < 5 {
		t.Fatalf("found only %d texts with plural forms; want the planner's counts among them", len(plurals))
	}
	for base := range plurals {
		if keys[base] {
			t.Errorf("%q is both a plain key and a text with plural forms", base)
		}
		want := placeholders(all["en"][base+"_other"])
		if !slices.Contains(want, "n") {
			t.Errorf("en %q = %q has no {n}; a text with plural forms must show its number", base+"_other", all["en"][base+"_other"])
		}
		for _, l := range languages {
			var forms []string
			for k, v := range all[l] {
				m := pluralRe.FindStringSubmatch(k)
				if m == nil || m[1] != base {
					continue
				}
				forms = append(forms, m[2])
				switch {
				case strings.TrimSpace(v) == "":
					t.Errorf("static/i18n/%s.json has %q empty", l, k)
				case !slices.Equal(placeholders(v), want):
					t.Errorf("%s %q = %q has placeholders %v; en %q has %v", l, k, v, placeholders(v), base+"_other", want)
				}
			}
			slices.Sort(forms)
			if !slices.Equal(forms, pluralCategories[l]) {
				t.Errorf("static/i18n/%s.json has %q in the forms %v; %s has the forms %v", l, base, forms, l, pluralCategories[l])
			}
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

	used := map[string]string{}       // key -> where
	usedPlural := map[string]string{} // key of a text about n things -> where
	for _, name := range scripts {
		js, err := fs.ReadFile(web.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\bt\('([a-z0-9_.]+)'`).FindAllStringSubmatch(string(js), -1) {
			used[m[1]] = name
		}
		for _, m := range regexp.MustCompile(`\btn\('([a-z0-9_.]+)'`).FindAllStringSubmatch(string(js), -1) {
			usedPlural[m[1]] = name
		}
	}
	if n := len(usedPlural); n < 5 {
		t.Fatalf("found only %d tn('key', n) calls; the pattern no longer matches the scripts", n)
	}
	for k, where := range usedPlural {
		if !plurals[k] {
			t.Errorf("%s uses %q for a count, and no translation file has its plural forms (%s_other …)", where, k, k)
		}
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
	for _, s := range []string{"today", "with_planned", "with_suggested"} {
		used["report.scenario."+s] = "the planner's scenarios"
	}
	for _, c := range []string{"given", "places", "demand", "junctions", "grid"} {
		used["planner.cand."+c] = "the sources of candidate sites"
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
