package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scanAll lists an inbox taking every file as complete (no settle time):
// the tests of reading.
func scanAll(dir string) ([]DropFile, error) {
	s, err := ScanInbox(context.Background(), dir, ScanOptions{})
	return s.Files, err
}

// birthRows writes a contractor_a_csv birth file of n rows (ids from first)
// after the header of the corpus.
func birthRows(t testing.TB, first, n int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "bad", "contractor_a_csv", "birth_duplicates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out bytes.Buffer
	if first == 0 {
		out.WriteString(lines[0] + "\n")
	}
	row := strings.SplitN(lines[3], ",", 3) // id, reg_no, the rest
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&out, "%d,B-040709-2002-%d,%s\n", 100000100000+i, i, row[2])
	}
	return out.Bytes()
}

// newInbox is an inbox with the corpus's formats.json and nothing else.
func newInbox(t testing.TB) string {
	t.Helper()
	inbox := t.TempDir()
	b, err := os.ReadFile(filepath.Join("testdata", "bad", FormatsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{FormatsFile, "contractor_a_csv/", "contractor_b_ndjson/"} {
		if strings.HasSuffix(p, "/") {
			os.MkdirAll(filepath.Join(inbox, p), 0o755)
		} else if err := os.WriteFile(filepath.Join(inbox, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return inbox
}

func names(files []DropFile) []string {
	var n []string
	for _, f := range files {
		n = append(n, f.Name)
	}
	return n
}

func leftNames(l []Left) []string {
	var n []string
	for _, f := range l {
		n = append(n, f.Name)
	}
	return n
}

// A file still being written is not taken half-written: 47 of its 142 rows
// are in it when the scan first looks, the writer adds the rest during the
// settle interval, and the scan leaves the file for a later run. Once it
// has stopped changing it is taken whole.
func TestScanLeavesAFileStillBeingWritten(t *testing.T) {
	inbox := newInbox(t)
	name := "contractor_a_csv/birth_2021-03.csv"
	p := filepath.Join(inbox, filepath.FromSlash(name))
	if err := os.WriteFile(p, birthRows(t, 0, 47), 0o644); err != nil {
		t.Fatal(err)
	}
	slept := 0
	writer := func(ctx context.Context, d time.Duration) error {
		slept++
		if d <= 0 || d > time.Hour {
			t.Errorf("waits %s for a settle time of an hour", d)
		}
		// The writer goes on meanwhile; a clock with a coarse tick may give
		// the same time, so the time is moved on as a write would.
		f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.Write(birthRows(t, 47, 95))
		return err
	}
	scan, err := ScanInbox(context.Background(), inbox, ScanOptions{Settle: time.Hour, Sleep: writer})
	if err != nil {
		t.Fatal(err)
	}
	if slept != 1 || len(scan.Files) != 0 || !slices.Equal(leftNames(scan.Waiting), []string{name}) ||
		!strings.Contains(scan.Waiting[0].Why, "still being written") {
		t.Fatalf("a file written during the scan: %d waits, listed %v, waiting %+v", slept, names(scan.Files), scan.Waiting)
	}

	// The next run: the file has not changed over the interval.
	still := func(context.Context, time.Duration) error { slept++; return nil }
	scan, err = ScanInbox(context.Background(), inbox, ScanOptions{Settle: time.Hour, Sleep: still})
	if err != nil {
		t.Fatal(err)
	}
	if slept != 2 || !slices.Equal(names(scan.Files), []string{name}) || len(scan.Waiting) != 0 {
		t.Fatalf("a file that stopped changing: listed %v, waiting %+v", names(scan.Files), scan.Waiting)
	}
	o := read(t, scan.Files[0])
	if o.err != nil || len(o.records) != 142 {
		t.Errorf("the whole file: %d records, %v", len(o.records), o.err)
	}

	// A file older than the interval is complete without a wait.
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(p, old, old)
	never := func(context.Context, time.Duration) error {
		t.Error("waited for a file unchanged for two hours")
		return nil
	}
	scan, err = ScanInbox(context.Background(), inbox, ScanOptions{Settle: time.Hour, Sleep: never})
	if err != nil || len(scan.Files) != 1 {
		t.Fatalf("an old file: %v, %v", names(scan.Files), err)
	}
	// The wait ends with the run.
	os.Chtimes(p, time.Now(), time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ScanInbox(ctx, inbox, ScanOptions{Settle: time.Hour}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled run's scan: %v", err)
	}
}

// A file that changes after the scan found it complete is caught at the end
// of reading, whatever it then holds.
func TestReadDropCatchesAFileChangedAfterTheScan(t *testing.T) {
	inbox := newInbox(t)
	p := filepath.Join(inbox, "contractor_a_csv", "birth_2021-03.csv")
	os.WriteFile(p, birthRows(t, 0, 47), 0o644)
	files, err := scanAll(inbox)
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	if o := read(t, files[0]); o.err != nil {
		t.Fatalf("unchanged: %v", o.err)
	}
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(birthRows(t, 47, 95))
	f.Close()
	var ch *ChangedError
	if o := read(t, files[0]); !errors.As(o.err, &ch) || ch.File != files[0].Name {
		t.Errorf("a file grown after the scan: %v", o.err)
	}
	// Same size, other time (rewritten in place).
	os.WriteFile(p, birthRows(t, 0, 47), 0o644)
	os.Chtimes(p, time.Now(), files[0].ModTime.Add(time.Second))
	if o := read(t, files[0]); !errors.As(o.err, &ch) {
		t.Errorf("a file rewritten after the scan: %v", o.err)
	}
}

// A completion marker makes a file complete at once; a file changed after
// its marker, or without one when markers are required, waits; the marker
// follows its file to done/.
func TestCompletionMarker(t *testing.T) {
	inbox := newInbox(t)
	a := "contractor_a_csv/birth_2021-03.csv"
	b := "contractor_a_csv/birth_2021-04.csv"
	c := "contractor_a_csv/birth_2021-05.csv"
	for _, n := range []string{a, b, c} {
		os.WriteFile(filepath.Join(inbox, n), birthRows(t, 0, 3), 0o644)
	}
	past := time.Now().Add(-time.Minute)
	os.WriteFile(filepath.Join(inbox, a+MarkerSuffix), nil, 0o644)
	os.WriteFile(filepath.Join(inbox, b+MarkerSuffix), nil, 0o644)
	os.Chtimes(filepath.Join(inbox, b+MarkerSuffix), past, past) // b changed after its marker
	never := func(context.Context, time.Duration) error { t.Error("waited"); return nil }
	scan, err := ScanInbox(context.Background(), inbox, ScanOptions{Settle: time.Hour, RequireMarker: true, Sleep: never})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(scan.Files), []string{a}) || !slices.Equal(leftNames(scan.Waiting), []string{b, c}) {
		t.Fatalf("listed %v, waiting %+v", names(scan.Files), scan.Waiting)
	}
	if !strings.Contains(scan.Waiting[0].Why, "after its completion marker") || !strings.Contains(scan.Waiting[1].Why, "no completion marker birth_2021-05.csv.complete") {
		t.Errorf("reasons: %+v", scan.Waiting)
	}
	if err := Take(inbox, scan.Files[0], DoneDir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a, a + MarkerSuffix} {
		if _, err := os.Stat(filepath.Join(inbox, DoneDir, p)); err != nil {
			t.Errorf("%s not moved to done/: %v", p, err)
		}
		if _, err := os.Stat(filepath.Join(inbox, p)); err == nil {
			t.Errorf("%s left in the inbox", p)
		}
	}
}

// A symbolic link (to a file or a folder) and a named pipe are reported as
// refused, never read; the file a link points to is not listed.
func TestScanRefusesSymlinks(t *testing.T) {
	inbox := newInbox(t)
	outside := filepath.Join(t.TempDir(), "birth_secret.csv")
	os.WriteFile(outside, birthRows(t, 0, 3), 0o644)
	os.Symlink(outside, filepath.Join(inbox, "contractor_a_csv", "birth_2021-03.csv"))
	os.Symlink(filepath.Dir(outside), filepath.Join(inbox, "contractor_b_ndjson", "more"))
	if err := syscall.Mkfifo(filepath.Join(inbox, "contractor_a_csv", "birth_2021-04.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(inbox, "contractor_a_csv", "birth_2021-05.csv"), birthRows(t, 0, 3), 0o644)
	scan, err := ScanInbox(context.Background(), inbox, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"contractor_a_csv/birth_2021-03.csv", "contractor_a_csv/birth_2021-04.csv", "contractor_b_ndjson/more"}
	if !slices.Equal(leftNames(scan.Refused), want) || !slices.Equal(names(scan.Files), []string{"contractor_a_csv/birth_2021-05.csv"}) {
		t.Fatalf("refused %+v, listed %v", scan.Refused, names(scan.Files))
	}
	if !strings.Contains(scan.Refused[0].Why, "symbolic link (to "+outside+")") || !strings.Contains(scan.Refused[1].Why, "not a regular file") {
		t.Errorf("reasons %+v", scan.Refused)
	}
}
