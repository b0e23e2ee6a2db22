package lake

import (
	"path/filepath"
	"testing"
)

// TestCommitted: no folder, a lake opened but empty, and an aborted batch
// are nothing committed; a committed batch is.
func TestCommitted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lake")
	check := func(when string, want bool) {
		t.Helper()
		got, err := Committed(dir)
		if err != nil || got != want {
			t.Fatalf("%s: Committed = %v, %v; want %v", when, got, err, want)
		}
	}
	check("no folder", false)
	l := openLake(t, dir)
	check("opened", false)
	b, err := l.Begin("aborted")
	if err != nil {
		t.Fatal(err)
	}
	b.Abort()
	check("an aborted batch", false)
	writeBatch(t, l, "b1", "t", map[int][]allKinds{2020: allKindsRows()[:1]}, "")
	check("a committed batch", true)
}
