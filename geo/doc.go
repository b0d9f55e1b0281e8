// Package geo is yizhan's spatial core: great-circle distance and bearing,
// an in-memory R-tree index of points with exact nearest, radius and box
// searches that stay correct at the poles and across the ±180° meridian,
// geodesic service-circle polygons, coverage grids and route projection.
//
// It knows nothing about stations, files, databases or HTTP. Points are
// orb.Point{lon, lat} in WGS 84 degrees; distances are meters on a sphere of
// mean Earth radius EarthRadius.
package geo
