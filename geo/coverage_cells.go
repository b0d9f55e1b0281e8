package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// CoverCells marks covered every cell in the area that holds one of pts
// (the cell whose lon/lat box contains the point, edges to the north and
// east): coverage by presence rather than by distance, as a cell that a
// reached road passes through is covered by travel time. Points outside
// the grid are ignored. It costs O(len(pts)).
func (g *Grid) CoverCells(pts []orb.Point) {
	for _, p := range pts {
		r := int(math.Floor((p[1] - g.South) / g.DLat))
		c := int(math.Floor((p[0] - g.West) / g.DLon))
		if r < 0 || r >= g.Rows || c < 0 || c >= g.Cols {
			continue
		}
		if i := r*g.Cols + c; g.state[i] == cellOpen {
			g.state[i] = cellCovered
		}
	}
}
