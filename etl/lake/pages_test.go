package lake

import (
	"fmt"
	"testing"
)

// TestPagePool writes the same rows with no page memory, with plenty and
// with too little for every open partition: the lake holds the same rows,
// chunks go to files exactly when the memory is used up, and every byte
// held in memory is given back.
func TestPagePool(t *testing.T) {
	for _, c := range []struct {
		name   string
		budget int64
		spill  func(int64) bool
	}{
		{"no memory", 0, func(n int64) bool { return n > 0 }},
		{"plenty", 1 << 30, func(n int64) bool { return n == 0 }},
		// of the 10 column chunks (5 partitions × 2 columns), those
		// that write when the memory is full go to files
		{"too little", 16 << 10, func(n int64) bool { return n > 0 && n < 10 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := openLake(t, t.TempDir())
			// one row group per partition, of several pages each: pages
			// wait for their row group while the other partitions write
			l.RowGroupRows, l.PageMemory = 1<<20, c.budget
			b, err := l.Begin("p")
			if err != nil {
				t.Fatal(err)
			}
			defer b.Abort()
			// rows go to five partitions in turn, as a registry's rows do
			ws := make([]*PartitionWriter[smallRow], 5)
			for i := range ws {
				if ws[i], err = Writer[smallRow](b, "t", 2000+i); err != nil {
					t.Fatal(err)
				}
			}
			const n = 50_000
			for i := range int64(n) {
				if err := ws[i%5].Write(smallRow{Batch: fmt.Sprint("row", i), Seq: i, Year: int32(2000 + i%5)}); err != nil {
					t.Fatal(err)
				}
			}
			pool := b.pages
			if _, err := b.Commit(nil, nil); err != nil {
				t.Fatal(err)
			}
			if s := pool.spilled.Load(); !c.spill(s) {
				t.Errorf("%d column chunks went to files with %d bytes of page memory", s, c.budget)
			}
			if h := pool.held.Load(); h != 0 {
				t.Errorf("%d bytes of pages still held after the commit", h)
			}
			checkSeqs(t, l, "t", n)
		})
	}
}

// TestEndFiles: a partition written after EndFiles goes on in a new file,
// and the batch commits the rows of both.
func TestEndFiles(t *testing.T) {
	l := openLake(t, t.TempDir())
	b, err := l.Begin("e")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	w, err := Writer[smallRow](b, "t", 2001)
	if err != nil {
		t.Fatal(err)
	}
	for i := range int64(1000) {
		if i == 600 {
			if err := b.EndFiles(); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write(smallRow{Batch: "e", Seq: i, Year: 2001}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := b.Commit(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Files) != 2 || e.Files[0].Rows != 600 || e.Files[1].Rows != 400 {
		t.Fatalf("files %+v, want 600 then 400 rows", e.Files)
	}
	checkSeqs(t, l, "t", 1000)
	if err := b.EndFiles(); err == nil {
		t.Error("EndFiles after the commit: no error")
	}
}
