package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestXLSXInLibreOffice: LibreOffice, headless, opens the workbook and
// converts every sheet to CSV as shown, and each cell reads as excelize
// shows it: nothing was repaired, dropped or read otherwise. It runs where
// soffice is installed (make test installs it: scripts/prereqs.sh --office).
func TestXLSXInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice (LibreOffice) is not installed: scripts/prereqs.sh --office installs it")
	}
	p, err := Tabulate(Tabulations[0], birthsMart(0), 2024, Disclosure{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"01": "Banteay Meanchey / បន្ទាយមានជ័យ", "02": "Battambang / បាត់ដំបង"}
	sheets := append([]Sheet{p.Sheet(func(s string) string {
		if n, ok := names[s]; ok {
			return n
		}
		return Labels(nil, nil)(s)
	})}, testSheets()...)
	dir := t.TempDir()
	book := filepath.Join(dir, "book.xlsx")
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, testProps, sheets); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(book, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// CSV filter: comma, double quotes, UTF-8 (76), from line 1, cells as
	// shown (the 9th token), every sheet to a file of its own (-1).
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore", "--nolockcheck",
		"-env:UserInstallation=file://"+filepath.ToSlash(filepath.Join(dir, "profile")),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
		"--outdir", filepath.Join(dir, "out"), book)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("soffice: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	// A file LibreOffice had to repair, or could not read, says so.
	if s := stderr.String() + stdout.String(); strings.Contains(strings.ToLower(s), "error") || strings.Contains(strings.ToLower(s), "repair") {
		t.Errorf("soffice said:\n%s", s)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cells := 0
	for _, s := range sheets {
		out := filepath.Join(dir, "out", "book-"+s.Name+".csv")
		b, err := os.ReadFile(out)
		if err != nil {
			entries, _ := os.ReadDir(filepath.Join(dir, "out"))
			t.Fatalf("sheet %s: %v (converted: %v; soffice: %s)", s.Name, err, entries, stdout.String())
		}
		got, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		want, err := f.GetRows(s.Name)
		if err != nil {
			t.Fatal(err)
		}
		trim := func(rows [][]string) [][]string {
			var out [][]string
			for _, r := range rows {
				for len(r) > 0 && r[len(r)-1] == "" {
					r = r[:len(r)-1]
				}
				out = append(out, r)
			}
			for len(out) > 0 && len(out[len(out)-1]) == 0 {
				out = out[:len(out)-1]
			}
			return out
		}
		got, want = trim(got), trim(want)
		if len(got) != len(want) {
			t.Errorf("%s: LibreOffice reads %d rows, excelize %d", s.Name, len(got), len(want))
		}
		for i := range min(len(got), len(want)) {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("%s row %d: LibreOffice %q, excelize %q", s.Name, i+1, got[i], want[i])
			}
			cells += len(want[i])
		}
		// the header where the README says, the suppressed cells empty
		if len(got) > HeaderRow-1 && !slices.Equal(got[HeaderRow-1], s.Header) {
			t.Errorf("%s: row %d is %q, want the header %q", s.Name, HeaderRow, got[HeaderRow-1], s.Header)
		}
	}
	t.Logf("%d sheets, %d cells alike in LibreOffice and excelize (%d bytes)", len(sheets), cells, buf.Len())
}
