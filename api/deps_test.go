package api

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestAPILinksNoDatabaseOrOSM: the API reaches PostGIS only through its
// Store and Health interfaces and reads no OpenStreetMap files, so it must
// not link the database driver or the OSM library (data/postgis and
// data/source are the only importers of those).
func TestAPILinksNoDatabaseOrOSM(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "list", "-deps", "yizhan/api").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps yizhan/api: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps yizhan/api listed %d packages: %s", len(deps), out)
	}
	for _, dep := range deps {
		for _, banned := range []string{"github.com/jackc/pgx", "github.com/paulmach/osm", "yizhan/data/postgis", "yizhan/data/source"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("yizhan/api depends on %s", dep)
			}
		}
	}
}
