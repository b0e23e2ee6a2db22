package dashboards

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCSVMarkAndBOM: a page's CSV starts with a byte-order mark (?bom=0
// leaves it out, anything else but 1 is refused); a suppressed cell has an
// empty value and the flag suppressed, never a word in the value column.
func TestCSVMarkAndBOM(t *testing.T) {
	s := fixServer(t, "")
	target := "/csv/fertility/tfr_trend.csv?area=" + fixSmall + "&year=2018"
	with := get(t, s, "admin", target).Body.String()
	body, ok := strings.CutPrefix(with, csvBOM)
	if !ok {
		t.Fatalf("the CSV does not start with a byte-order mark: %q", with[:min(len(with), 20)])
	}
	if w := get(t, s, "admin", target+"&bom=0"); w.Code != 200 || w.Body.String() != body {
		t.Errorf("?bom=0: %d %q, want the CSV without its mark", w.Code, w.Body.String()[:min(w.Body.Len(), 20)])
	}
	if w := get(t, s, "admin", target+"&bom=1"); w.Body.String() != with {
		t.Errorf("?bom=1: not the CSV with its mark")
	}
	if w := get(t, s, "admin", target+"&bom=no"); w.Code != http.StatusBadRequest {
		t.Errorf("?bom=no: %d, want 400", w.Code)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%v %d rows", err, len(recs))
	}
	value, flags := slices.Index(recs[0], "value"), slices.Index(recs[0], "flags")
	if value < 0 || flags < 0 {
		t.Fatalf("header %v", recs[0])
	}
	for _, r := range recs[1:] {
		if r[value] != "" || !slices.Contains(strings.Fields(r[flags]), "suppressed") {
			t.Errorf("a cell of the small district: value %q, flags %q; want empty and suppressed", r[value], r[flags])
		}
	}
	// elsewhere a value is a number
	all, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(get(t, s, "admin", "/csv/fertility/tfr_trend.csv?year=2018").Body.String(), csvBOM))).ReadAll()
	for _, r := range all[1:] {
		if _, err := strconv.ParseFloat(r[value], 64); err != nil && r[value] != "" {
			t.Errorf("value %q is not a number", r[value])
		}
	}
}

// TestDownloadsBOM: a release's CSV file is sent as it is, byte-order mark
// included, and without it on ?bom=0, whole or cut to an area, with the
// length and the audit log's bytes to match; other files are sent whole
// whatever ?bom says.
func TestDownloadsBOM(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{"tables/csv/t_2020.csv": "\ufeffAge / អាយុ,Kampot\n15-19,\n", "research/births_2020.parquet": "\ufeffPAR1"}
	var list []Download
	for p, body := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(root, "r1", p)), 0o755)
		os.WriteFile(filepath.Join(root, "r1", p), []byte(body), 0o644)
		list = append(list, Download{Release: "r1", Status: "final", Created: time.Now(), Path: p, Bytes: int64(len(body)), SHA256: sum(body)})
	}
	users := fixUsers(t)
	h, _ := hashPassword("x", 1000)
	users = append(users, User{Name: "kampot-researcher", Role: "researcher", Area: "07", Password: h})
	audit := filepath.Join(t.TempDir(), "downloads.jsonl")
	s, err := NewServer(Options{Users: users, GeoJSON: fixGeo(t), InsecureCookies: true, ReleasesDir: root, AuditLog: audit,
		Downloads: func() ([]Download, error) { return list, nil },
		Cut: func(d Download, area string) (CutFile, bool) {
			return func(ctx context.Context, w io.Writer) error {
				_, err := io.WriteString(w, "\ufeffAge / អាយុ,Kampot\n")
				return err
			}, strings.HasSuffix(d.Path, ".csv")
		}})
	if err != nil {
		t.Fatal(err)
	}
	s.SetData(fixData(t))
	for _, c := range []struct{ user, target, want string }{
		{"researcher", "tables/csv/t_2020.csv", files["tables/csv/t_2020.csv"]},
		{"researcher", "tables/csv/t_2020.csv?bom=1", files["tables/csv/t_2020.csv"]},
		{"researcher", "tables/csv/t_2020.csv?bom=0", strings.TrimPrefix(files["tables/csv/t_2020.csv"], "\ufeff")},
		{"researcher", "research/births_2020.parquet?bom=0", files["research/births_2020.parquet"]},
		{"kampot-researcher", "tables/csv/t_2020.csv", "\ufeffAge / អាយុ,Kampot\n"},
		{"kampot-researcher", "tables/csv/t_2020.csv?bom=0", "Age / អាយុ,Kampot\n"},
	} {
		w := get(t, s, c.user, "/downloads/r1/"+c.target)
		if w.Code != 200 || w.Body.String() != c.want || w.Header().Get("Content-Length") != strconv.Itoa(len(c.want)) {
			t.Errorf("%s %s: %d %q (length %s), want %q", c.user, c.target, w.Code, w.Body.String(), w.Header().Get("Content-Length"), c.want)
		}
	}
	if w := get(t, s, "researcher", "/downloads/r1/tables/csv/t_2020.csv?bom=yes"); w.Code != http.StatusBadRequest {
		t.Errorf("?bom=yes: %d, want 400", w.Code)
	}
	b, _ := os.ReadFile(audit)
	if n := bytes.Count(b, []byte(`"bytes":`+strconv.Itoa(len(files["tables/csv/t_2020.csv"])-3))); n != 1 {
		t.Errorf("the audit log has %d downloads of the table without its mark:\n%s", n, b)
	}
}
