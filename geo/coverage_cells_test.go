package geo

import (
	"context"
	"testing"

	"github.com/paulmach/orb"
)

// TestCoverCells checks that a point covers exactly the cell holding it.
func TestCoverCells(t *testing.T) {
	area := orb.MultiPolygon{{{{1.4, 42.4}, {1.8, 42.4}, {1.8, 42.7}, {1.4, 42.7}, {1.4, 42.4}}}}
	g, err := NewGrid(context.Background(), area, 1000)
	if err != nil {
		t.Fatal(err)
	}
	before := g.Summary()
	// The centre of cell (3, 4), a point on its south-west corner, and
	// points off the grid.
	c := g.Centre(3, 4)
	corner := orb.Point{g.West + 4*g.DLon, g.South + 3*g.DLat}
	g.CoverCells([]orb.Point{c, corner, {0, 0}, {1.9, 42.5}, {1.5, 43}})
	after := g.Summary()
	if before.CellsOpen-after.CellsOpen != 1 {
		t.Fatalf("CoverCells covered %d cells; want 1", before.CellsOpen-after.CellsOpen)
	}
	if g.state[3*g.Cols+4] != cellCovered {
		t.Errorf("cell (3, 4) not covered")
	}
}
