package etl_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitalstats/etl"
)

// fileInbox is an inbox with the bad corpus's formats.json and no registry.
func fileInbox(t *testing.T) (inbox, lakeDir string) {
	t.Helper()
	dir := t.TempDir()
	inbox = filepath.Join(dir, "inbox")
	os.MkdirAll(filepath.Join(inbox, "contractor_a_csv"), 0o755)
	b, err := os.ReadFile(filepath.Join("source", "testdata", "bad", "formats.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "formats.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return inbox, filepath.Join(dir, "lake")
}

// birthCSV is the corpus's header (header true) and n birth rows from id first.
func birthCSV(t *testing.T, header bool, first, n int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("source", "testdata", "bad", "contractor_a_csv", "birth_duplicates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out bytes.Buffer
	if header {
		out.WriteString(lines[0] + "\n")
	}
	rest := strings.SplitN(lines[3], ",", 3)[2]
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&out, "%d,B-040709-2002-%d,%s\n", 100000100000+i, i, rest)
	}
	return out.Bytes()
}

func filesOnly(inbox, lakeDir string, settle time.Duration) etl.Config {
	return etl.Config{Lake: lakeDir, Inbox: inbox, Secret: []byte("test secret of the site, 32 bytes"),
		Log: slog.New(slog.DiscardHandler), InboxSettle: settle}
}

// A file still being written when the run starts is left in the inbox for
// the next run, named in the summary; it is not taken half-written. Once it
// has stopped changing, the next run takes all of it.
func TestRunLeavesAFileStillBeingWritten(t *testing.T) {
	inbox, lakeDir := fileInbox(t)
	name := "contractor_a_csv/birth_2021-03.csv"
	p := filepath.Join(inbox, name)
	if err := os.WriteFile(p, birthCSV(t, true, 0, 47), 0o644); err != nil {
		t.Fatal(err)
	}
	// The writer adds a row every 20 ms for as long as the run lasts.
	done, stopped := make(chan struct{}), make(chan int)
	go func() {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			panic(err)
		}
		defer f.Close()
		n := 47
		for {
			select {
			case <-done:
				stopped <- n
				return
			case <-time.After(20 * time.Millisecond):
				f.Write(birthCSV(t, false, n, 1))
				n++
			}
		}
	}()
	sum, err := etl.Run(context.Background(), filesOnly(inbox, lakeDir, time.Second))
	close(done)
	rows := <-stopped
	if err != nil {
		t.Fatal(err)
	}
	if n := sum.Total().Extracted; n != 0 || sum.FilesTaken != 0 || !strings.Contains(sum.FilesWaiting[name], "still being written") {
		t.Fatalf("a file being written: %d records extracted, %d files taken, waiting %v", n, sum.FilesTaken, sum.FilesWaiting)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the file left the inbox: %v", err)
	}
	// The writer is done: the next run takes every row.
	sum, err = etl.Run(context.Background(), filesOnly(inbox, lakeDir, 200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	tot := sum.Total()
	if tot.Extracted != int64(rows) || tot.Extracted != tot.Loaded+tot.Quarantined || sum.FilesTaken != 1 || len(sum.FilesWaiting) != 0 {
		t.Errorf("the finished file of %d rows: %+v, %d files taken, waiting %v", rows, tot, sum.FilesTaken, sum.FilesWaiting)
	}
	if _, err := os.Stat(filepath.Join(inbox, "done", name)); err != nil {
		t.Errorf("not moved to done/: %v", err)
	}
}

// A file dropped again after it was taken is recognised by its checksum and
// not loaded a second time.
func TestRunTakesAFileDroppedAgainOnce(t *testing.T) {
	inbox, lakeDir := fileInbox(t)
	name := "contractor_a_csv/birth_2021-03.csv"
	data := birthCSV(t, true, 0, 10)
	os.WriteFile(filepath.Join(inbox, name), data, 0o644)
	first, err := etl.Run(context.Background(), filesOnly(inbox, lakeDir, 0))
	if err != nil {
		t.Fatal(err)
	}
	if first.FilesTaken != 1 || first.Total().Extracted != 10 {
		t.Fatalf("first run: %d files, %+v", first.FilesTaken, first.Total())
	}
	// The contractor sends the same file again, under another name.
	os.WriteFile(filepath.Join(inbox, "contractor_a_csv", "birth_2021-03b.csv"), data, 0o644)
	again, err := etl.Run(context.Background(), filesOnly(inbox, lakeDir, 0))
	if err != nil {
		t.Fatal(err)
	}
	if again.FilesSeen != 1 || again.FilesTaken != 0 || again.Total().Extracted != 0 {
		t.Errorf("the file dropped again: seen %d, taken %d, %+v extracted", again.FilesSeen, again.FilesTaken, again.Total())
	}
	db := lakeDB(t, lakeDir)
	if n := count(t, db, "select count(*) from birth") + count(t, db, "select count(distinct source_ref) from quarantine"); n != 10 {
		t.Errorf("the lake holds %d records of a file of 10", n)
	}
	if left, _ := filepath.Glob(filepath.Join(inbox, "contractor_a_csv", "*")); len(left) != 0 {
		t.Errorf("left in the inbox: %v", left)
	}
}

// A NUL byte in a value quarantines that record, naming file, line, record
// and field; the file's other records load. A symbolic link in the inbox
// is refused and named in the summary.
func TestRunNULAndSymlink(t *testing.T) {
	inbox, lakeDir := fileInbox(t)
	name := "contractor_a_csv/birth_2021-03.csv"
	data := birthCSV(t, true, 0, 300)
	lines := bytes.SplitAfter(data, []byte("\n"))
	lines[2] = bytes.Replace(lines[2], []byte(",,home,"), []byte(",F\x00X,home,"), 1)   // line 3, in the first 8 KiB
	lines[250] = bytes.Replace(lines[250], []byte(",,home,"), []byte(",\x00,home,"), 1) // line 251
	os.WriteFile(filepath.Join(inbox, name), bytes.Join(lines, nil), 0o644)
	outside := filepath.Join(t.TempDir(), "birth_elsewhere.csv")
	os.WriteFile(outside, birthCSV(t, true, 1000, 5), 0o644)
	os.Symlink(outside, filepath.Join(inbox, "contractor_a_csv", "birth_2021-04.csv"))

	sum, err := etl.Run(context.Background(), filesOnly(inbox, lakeDir, 0))
	if err != nil {
		t.Fatal(err)
	}
	tot := sum.Total()
	if tot.Extracted != 300 || tot.Extracted != tot.Loaded+tot.Quarantined || sum.Reasons["nul_byte"] != 2 || sum.FilesRejected != 0 {
		t.Errorf("%+v, reasons %v, %d files rejected", tot, sum.Reasons, sum.FilesRejected)
	}
	if why := sum.FilesRefused["contractor_a_csv/birth_2021-04.csv"]; !strings.Contains(why, "symbolic link") || len(sum.FilesRefused) != 1 {
		t.Errorf("refused %v", sum.FilesRefused)
	}
	db := lakeDB(t, lakeDir)
	rows, err := db.Query("select source_ref, record_id, field, raw_value from quarantine where reason = 'nul_byte' order by source_ref")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var ref, id, field, raw string
		if err := rows.Scan(&ref, &id, &field, &raw); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{ref, id, field, raw}, " "))
	}
	want := []string{
		name + ":251 file:100000100249 facility_id \\x00",
		name + ":3 file:100000100001 facility_id F\\x00X",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("quarantine rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := count(t, db, "select count(*) from birth where facility_id like '%' || chr(0) || '%'"); n != 0 {
		t.Errorf("%d births with a NUL loaded", n)
	}
	if _, err := os.Lstat(filepath.Join(inbox, "contractor_a_csv", "birth_2021-04.csv")); err != nil {
		t.Errorf("the link was moved: %v", err)
	}
}
