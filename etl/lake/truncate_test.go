package lake

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Truncate takes back later batches, files and state, and the lake opens
// clean afterwards; it refuses to undo a compaction.
func TestTruncate(t *testing.T) {
	dir := t.TempDir()
	l := openLake(t, dir)
	for b := range 3 {
		writeBatch(t, l, fmt.Sprint("b", b), "t", map[int][]smallRow{2000 + b: {{Batch: fmt.Sprint("b", b), Seq: int64(b)}}}, fmt.Sprintf(`{"next":%d}`, b+1))
	}
	want, _ := l.Files("t")
	want = want[:1] // b0's, in 2000
	if err := l.Truncate(1); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Files("t"); !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if got := string(l.State()); got != `{"next":1}` {
		t.Errorf("state %s, want b0's", got)
	}
	if got, want := lakeFiles(t, dir), expectedFiles(t, l); !slices.Equal(got, want) {
		t.Errorf("disk %v\nwant %v", got, want)
	}
	l.Close()
	l = openLake(t, dir)
	if es, _ := l.Entries(); len(es) != 1 || es[0].Batch != "b0" {
		t.Errorf("reopened: %+v", es)
	}
	// the next batch takes entry 2 again
	if e := writeBatch(t, l, "b3", "t", map[int][]smallRow{2001: {{Batch: "b3", Seq: 3}}}, `{"next":4}`); e.Seq != 2 {
		t.Errorf("next entry %d, want 2", e.Seq)
	}
	writeBatch(t, l, "b4", "t", map[int][]smallRow{2001: {{Batch: "b4", Seq: 4}}}, `{"next":5}`)
	if err := l.Compact("t", "occurrence_year=2001"); err != nil {
		t.Fatal(err)
	}
	if err := l.Truncate(1); err == nil || !strings.Contains(err.Error(), "cannot be undone") {
		t.Errorf("truncating a compaction: %v", err)
	}
	if es, _ := l.Entries(); len(es) != 4 {
		t.Errorf("a refused truncation left %d entries", len(es))
	}
	if err := l.Truncate(5); err == nil {
		t.Error("truncated to an entry that does not exist")
	}
}
