package api

import (
	"strings"

	"yizhan/data/plan"
	"yizhan/geo"
	"yizhan/web"
)

// The planner's plain words come from the map's own translations
// (web.Messages), so that the answers, the printable report and the map
// say the same thing in the planner's language.

// words returns the translations of lang, falling back to English, then
// to none (every key then reads as itself).
func words(lang string) map[string]string {
	if m, err := web.Messages(lang); err == nil {
		return m
	}
	if m, err := web.Messages("en"); err == nil {
		return m
	}
	return map[string]string{}
}

// tr is the text of key in m with {name} placeholders filled from kv
// (name, value pairs); a missing key reads as itself.
func tr(m map[string]string, key string, kv ...string) string {
	s, ok := m[key]
	if !ok {
		s = key
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

// distanceWords is meters as a planner reads it, in the units of w:
// "7.7 km", "850 m", "7.7 км".
func distanceWords(meters float64, w map[string]string) string {
	if meters >= 1000 {
		return tr(w, "units.km", "n", geo.Num(geo.Round(meters/1000, 1)))
	}
	return tr(w, "units.m", "n", geo.Num(geo.Round(meters, 0)))
}

// methodText says in plain words, in lang, what "covered" means for r:
// "within 15 minutes by car, at 40 km/h on roads about 1.3 times longer
// than the straight line (7.7 km in a straight line)".
func methodText(r geo.Reach, lang string) string {
	m := words(lang)
	if r.Minutes <= 0 {
		return tr(m, "plan.method.radius", "radius", distanceWords(r.Radius(), m))
	}
	mode := tr(m, "plan.mode.speed")
	if r.Mode != "" {
		mode = tr(m, "plan.mode."+r.Mode)
	}
	return tr(m, "plan.method.time", "minutes", geo.Num(r.Minutes), "mode", mode, "speed", geo.Num(r.SpeedKmh),
		"circuity", geo.Num(r.Circuity), "radius", distanceWords(r.Radius(), m))
}

// coverageMethodText is methodText for coverage c in lang: by time on a
// road network, "within 15 minutes by car on the roads".
func coverageMethodText(c *plan.Coverage, lang string) string {
	if c.Method != plan.MethodNetwork {
		return methodText(c.Reach, lang)
	}
	m := words(lang)
	mode := tr(m, "plan.mode."+c.Reach.Mode)
	return tr(m, "plan.method.network", "minutes", geo.Num(c.Reach.Minutes), "mode", mode)
}

// coverageFormula is the formula of coverage c, for those who ask how:
// the circle's derivation, or by time on the roads the travel time
// bound and the straight-line circle suggestions measure candidates by.
func coverageFormula(c *plan.Coverage) string {
	if c.Method != plan.MethodNetwork {
		return c.Reach.Derivation()
	}
	return "covered when t_road(nearest record → point) + t_off_road ≤ " + geo.Num(c.Reach.Minutes) + " min × 60 s (" + c.Reach.Mode +
		" profile on the road network, speeds capped at " + geo.Num(plan.MaxRoadKmh) + " km/h); suggestion candidates by the straight-line circle " +
		c.Reach.Derivation()
}
