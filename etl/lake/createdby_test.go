package lake

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// Every Parquet file of the lake names the code that wrote it.
func TestFilesNameTheirCodeVersion(t *testing.T) {
	defer func(v string) { CodeVersion = v }(CodeVersion)
	CodeVersion = "v1.2.3-test"
	dir := t.TempDir()
	l := openLake(t, dir)
	writeBatch(t, l, "b1", "birth", map[int][]smallRow{2020: {{Batch: "b1", Seq: 1}}}, "")
	files, err := l.Files("birth")
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v %v", files, err)
	}
	p := files[0]
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if got := pf.Metadata().CreatedBy; got != "vitalstats version v1.2.3-test (lake)" {
		t.Errorf("created_by %q", got)
	}
}
