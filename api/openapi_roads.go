package api

import (
	"fmt"
	"strings"

	"yizhan/data/plan"
	"yizhan/geo"
)

// oaTravel are the query parameters of a travel profile (plan.Travel);
// defMode is the mode when none is given.
func oaTravel(defMode string) []obj {
	return []obj{
		oaQuery("mode", "Travel mode: its road profile where a road network is loaded, its straight-line speed where none is.", oaEnum(geo.Modes(), defMode)),
		oaQuery("speed_kmh", "One speed in km/h on every allowed road (and of the straight line), overriding the mode's.", oaNum(0, MaxSpeedKmh, false, -1, "km/h")),
		oaQuery("max_kmh", "A cap on every road's speed, km/h (roads only).", oaNum(0, MaxSpeedKmh, false, -1, "km/h")),
		oaQuery("weight_t", "mode=truck: the vehicle's weight in tonnes, checked against maxweight (roads only).", oaNum(0, MaxWeightT, false, -1, "tonnes")),
		oaQuery("height_m", "mode=truck: the vehicle's height in meters, checked against maxheight (roads only).", oaNum(0, MaxHeightM, false, -1, "meters")),
		oaQuery("max_snap_m", "The farthest a point may lie from a usable road, meters (roads only).", oaNum(0, MaxSnapM, false, -1, "meters")),
		oaQuery("speeds", "Speeds of highway classes, class:km/h pairs, e.g. primary:50,residential:20 (drive and truck; roads only).", obj{"type": "string"}),
		oaQuery("circuity", "Road distance over straight-line distance (the straight line only).", oaNum(MinCircuity, MaxCircuity, true, geo.DefaultCircuity, "ratio")),
	}
}

// oaMethod says what "method" tells.
const oaMethod = `method says how distances and times were found: "network" on the loaded road network, "straight_line" (great-circle, times over circuity-lengthened roads) where none is loaded.`

// oaRoadPaths adds the operations of travel on roads (roads.go) to paths,
// and by=time to the station searches.
func oaRoadPaths(paths obj) {
	pos := func(name, desc string) obj {
		return oaQuery(name, desc+" lon,lat in degrees, in crs, e.g. 1.5218,42.5063.", obj{"type": "string", "pattern": `^-?[0-9.]+,-?[0-9.]+$`})
	}
	feat := oaAnswer("A GeoJSON Feature.", mediaGeoJSON, obj{"type": "object"})
	paths["/v1/reach"] = oaGet("Reachable area",
		"The area reachable from (lon, lat) within minutes by mode, as a (Multi)Polygon Feature with area_km2, road_length_m (the reached roads) and snap_m (the off-road distance to the nearest usable road). "+
			"With roads=true, a FeatureCollection of that area and the reached roads as a MultiLineString. Where no road network is loaded, the straight-line service circle. "+oaMethod,
		oaWith([]obj{oaLon, oaLat,
			oaQuery("minutes", "Travel time in minutes.", oaNum(0, MaxMinutes, false, DefaultMinutes, "minutes")),
			oaQuery("roads", "Also return the reached roads (roads only).", obj{"type": "boolean", "default": false}),
		}, oaTravel(DefaultMode), []obj{oaCRS}), oaRead(feat))
	paths["/v1/route"] = oaGet("A route",
		"The route from from to to, through each via in order, as a LineString Feature with duration_s and distance_m: the fastest on the roads where a network is loaded "+
			"(from_snap_m and to_snap_m are the off-road parts), else the great-circle line. "+oaMethod,
		oaWith([]obj{oaRequired(pos("from", "Start.")), oaRequired(pos("to", "End.")),
			obj{"name": "via", "in": "query", "description": fmt.Sprintf("A point to pass, in order; repeat for more (at most %d). lon,lat in degrees, in crs.", MaxVia),
				"schema": obj{"type": "array", "maxItems": MaxVia, "items": obj{"type": "string"}}, "style": "form", "explode": true},
		}, oaTravel(DefaultRouteMode), []obj{oaCRS}), oaRead(feat))

	by := oaQuery("by", "Order by great-circle distance (default) or by travel time: time gives each record duration_s and, on roads, road_distance_m; the filters apply during the search. "+oaMethod,
		oaEnum([]string{"distance", "time"}, "distance"))
	for _, p := range []string{"/v1/stations/nearest", "/v1/stations/within"} {
		op := paths[p].(obj)["get"].(obj)
		params := append(op["parameters"].([]obj), by)
		have := map[string]bool{}
		for _, q := range params {
			have[q["name"].(string)] = true
		}
		if !have["minutes"] {
			params = append(params, oaQuery("minutes", fmt.Sprintf("With by=time: the most travel time to search, minutes (default %d).", plan.MaxMinutes), oaNum(0, MaxMinutes, false, -1, "minutes")))
		}
		for _, q := range oaTravel(DefaultMode) {
			if !have[q["name"].(string)] {
				q["description"] = "With by=time. " + q["description"].(string)
				params = append(params, q)
			}
		}
		op["parameters"] = params
		op["description"] = strings.TrimSuffix(op["description"].(string), ".") + ". " + oaMethod
	}

	// The planner bodies: from, via and to instead of a drawn route; by
	// time for coverage.
	position := obj{"type": "array", "minItems": 2, "maxItems": 3, "items": obj{"type": "number"}, "description": "[lon, lat] in degrees, in crs."}
	bodyProps := func(path string, fn func(props obj, schema obj)) {
		rb := paths[path].(obj)["post"].(obj)["requestBody"].(obj)
		for _, c := range rb["content"].(obj) {
			schema := c.(obj)["schema"].(obj)
			fn(schema["properties"].(obj), schema)
		}
	}
	route := func(props obj, schema obj) {
		if _, done := props["from"]; done {
			return // the media types of a body share one schema
		}
		delete(schema, "required") // route, or from and to
		props["route"].(obj)["description"] = props["route"].(obj)["description"].(string) + " Or give from and to (and via) instead."
		props["from"] = obj{"description": "Instead of route: the start of a route to find, on the roads where a network is loaded (the rest plan then by driving time), else the straight line. " + position["description"].(string), "type": "array", "minItems": 2, "maxItems": 3, "items": obj{"type": "number"}}
		props["to"] = obj{"description": "With from: the end. " + position["description"].(string), "type": "array", "minItems": 2, "maxItems": 3, "items": obj{"type": "number"}}
		props["via"] = obj{"type": "array", "maxItems": MaxVia, "items": position, "description": "With from: points to pass, in order."}
		props["mode"] = oaEnum(geo.Modes(), DefaultRouteMode)
		props["weight_t"] = oaNum(0, MaxWeightT, false, -1, "mode=truck: the vehicle's weight in tonnes, against maxweight (roads only).")
		props["height_m"] = oaNum(0, MaxHeightM, false, -1, "mode=truck: the vehicle's height in meters, against maxheight (roads only).")
	}
	bodyProps("/v1/route/stations", route) // /v1/route/plan shares the operation
	byTime := func(props obj, _ obj) {
		props["by"] = obj{"type": "string", "enum": []string{"distance", "time"}, "default": "distance",
			"description": "distance: within the service circle; time: one search on the road network from every record, a cell covered where a reached road passes through it or within the walk-off distance of one, " +
				"a demand point covered when its own travel time (to the nearest usable road, then on it) is within minutes; suggestions by time measure candidates by the straight-line circle of the same minutes, " +
				"then each chosen site by its own search on the roads (the circle where no network is loaded). " + oaMethod}
	}
	bodyProps("/v1/coverage/gaps", byTime)
	bodyProps("/v1/coverage/suggest", byTime)
}
