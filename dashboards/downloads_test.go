package dashboards

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

func TestDownloads(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "r1", "research"), 0o755)
	os.WriteFile(filepath.Join(root, "r1", "research", "births_2020.parquet"), []byte("PAR1data"), 0o644)
	os.WriteFile(filepath.Join(root, "r1", "unlisted.csv"), []byte("secret"), 0o644)
	os.WriteFile(filepath.Join(root, "outside.txt"), []byte("secret"), 0o644)
	os.MkdirAll(filepath.Join(root, "r1", "who"), 0o755)
	os.WriteFile(filepath.Join(root, "r1", "who", "Morticd10.csv"), []byte("WHO"), 0o644)
	audit := filepath.Join(t.TempDir(), "audit", "downloads.jsonl")
	s, err := NewServer(Options{Users: fixUsers(t), GeoJSON: fixGeo(t), InsecureCookies: true, ReleasesDir: root, AuditLog: audit,
		Downloads: func() ([]Download, error) {
			return []Download{{Release: "r1", Status: "final", Created: time.Now(), Path: "research/births_2020.parquet", Bytes: 8, SHA256: sum("PAR1data")},
				{Release: "r1", Status: "final", Created: time.Now(), Path: "who/Morticd10.csv", Bytes: 3, SHA256: sum("WHO")}}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	s.SetData(fixData(t))

	for _, c := range []struct {
		user, target string
		code         int
	}{
		{"", "/downloads/", http.StatusUnauthorized},
		{"viewer", "/downloads/", http.StatusForbidden},
		{"analyst", "/downloads/r1/research/births_2020.parquet", http.StatusForbidden},
		{"researcher", "/downloads/", 200},
		{"admin", "/downloads/r1/research/births_2020.parquet", 200},
		{"researcher", "/downloads/r1/unlisted.csv", http.StatusNotFound},
		{"researcher", "/downloads/r1/research/../unlisted.csv", http.StatusTemporaryRedirect}, // the mux cleans the path first
		{"researcher", "/downloads/r1/research/..%2f..%2foutside.txt", http.StatusNotFound},
		{"researcher", "/downloads/r2/research/births_2020.parquet", http.StatusNotFound},
		// the WHO files (small counts shown, perturbed) are the site's submission: admins only
		{"researcher", "/downloads/r1/who/Morticd10.csv", http.StatusForbidden},
		{"admin", "/downloads/r1/who/Morticd10.csv", 200},
	} {
		w := get(t, s, c.user, c.target)
		if w.Code != c.code {
			t.Errorf("%s %s: %d, want %d", c.user, c.target, w.Code, c.code)
		}
		if strings.Contains(w.Body.String(), "secret") {
			t.Errorf("%s %s: served a file outside the release list", c.user, c.target)
		}
	}
	// The page lists the release's files, for researchers and admins only.
	if w := get(t, s, "researcher", "/km/downloads"); w.Code != 200 || !strings.Contains(w.Body.String(), `href="/downloads/r1/research/births_2020.parquet"`) {
		t.Errorf("downloads page: %d\n%s", w.Code, w.Body.String())
	}
	if w := get(t, s, "viewer", "/en/downloads"); w.Code != http.StatusForbidden {
		t.Errorf("downloads page for a viewer: %d", w.Code)
	}
	if w := get(t, s, "", "/en/downloads"); w.Code != http.StatusSeeOther {
		t.Errorf("downloads page signed out: %d", w.Code)
	}
	if strings.Contains(get(t, s, "analyst", "/en/overview").Body.String(), "/en/downloads") ||
		!strings.Contains(get(t, s, "admin", "/en/overview").Body.String(), "/en/downloads") {
		t.Error("the menu's downloads link is not for researchers and admins only")
	}

	w := get(t, s, "researcher", "/downloads/r1/research/births_2020.parquet")
	if w.Body.String() != "PAR1data" {
		t.Errorf("download: %q", w.Body.String())
	}
	var list []map[string]any
	if err := json.Unmarshal(get(t, s, "researcher", "/downloads/").Body.Bytes(), &list); err != nil || len(list) != 1 || list[0]["url"] != "/downloads/r1/research/births_2020.parquet" {
		t.Errorf("list: %v %v", list, err)
	}

	// Every download is in the audit log with who and what.
	f, err := os.Open(audit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var users []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e["release"] != "r1" {
			t.Errorf("audit line %v", e)
		}
		line := e["user"].(string) + " " + e["file"].(string)
		if e["refused"] != nil {
			line += " refused"
		}
		users = append(users, line)
	}
	want := "admin research/births_2020.parquet,researcher who/Morticd10.csv refused,admin who/Morticd10.csv,researcher research/births_2020.parquet"
	if strings.Join(users, ",") != want {
		t.Errorf("audit lines %v, want %s", users, want)
	}
}

// TestDownloadsArea: an account limited to an area lists and fetches only the
// files Options.Cut cuts to its area, each cut to it; every other file is
// refused and the refusal logged. Without Cut it gets nothing.
func TestDownloadsArea(t *testing.T) {
	root := t.TempDir()
	for p, body := range map[string]string{"research/births_2020.parquet": "all provinces", "tables/report.csv": "the nation"} {
		os.MkdirAll(filepath.Dir(filepath.Join(root, "r1", p)), 0o755)
		os.WriteFile(filepath.Join(root, "r1", p), []byte(body), 0o644)
	}
	list := []Download{{Release: "r1", Status: "final", Created: time.Now(), Path: "research/births_2020.parquet", Bytes: 13, SHA256: sum("all provinces")},
		{Release: "r1", Status: "final", Created: time.Now(), Path: "tables/report.csv", Bytes: 10, SHA256: sum("the nation")}}
	users := fixUsers(t)
	for _, u := range [][2]string{{"kampot-researcher", "07"}, {"angkorchey-researcher", "0701"}} {
		h, _ := hashPassword("x", 1000)
		users = append(users, User{Name: u[0], Role: "researcher", Area: u[1], Password: h})
	}
	audit := filepath.Join(t.TempDir(), "downloads.jsonl")
	opt := Options{Users: users, GeoJSON: fixGeo(t), InsecureCookies: true, ReleasesDir: root, AuditLog: audit,
		Downloads: func() ([]Download, error) { return list, nil },
		// the microdata cut to a province; nothing to a district
		Cut: func(d Download, area string) (CutFile, bool) {
			if d.Path != "research/births_2020.parquet" || len(area) != 2 {
				return nil, false
			}
			return func(ctx context.Context, w io.Writer) error {
				_, err := io.WriteString(w, "province "+area+" only")
				return err
			}, true
		}}
	s, err := NewServer(opt)
	if err != nil {
		t.Fatal(err)
	}
	s.SetData(fixData(t))
	paths := func(user string) []string {
		var l []struct {
			Path, Area string
			Bytes      *int64
		}
		if err := json.Unmarshal(get(t, s, user, "/downloads/").Body.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range l {
			if (it.Area != "") == (it.Bytes != nil) {
				t.Errorf("%s: %s listed with area %q and bytes %v: a file is whole or cut", user, it.Path, it.Area, it.Bytes)
			}
			out = append(out, it.Path+"@"+it.Area)
		}
		return out
	}
	for user, want := range map[string]string{
		"researcher":            "research/births_2020.parquet@,tables/report.csv@",
		"kampot-researcher":     "research/births_2020.parquet@07",
		"angkorchey-researcher": "",
	} {
		if got := strings.Join(paths(user), ","); got != want {
			t.Errorf("%s lists %q, want %q", user, got, want)
		}
	}
	for _, c := range []struct {
		user, path string
		code       int
		body       string
	}{
		{"researcher", "research/births_2020.parquet", 200, "all provinces"},
		{"researcher", "tables/report.csv", 200, "the nation"},
		{"kampot-researcher", "research/births_2020.parquet", 200, "province 07 only"},
		{"kampot-researcher", "tables/report.csv", http.StatusForbidden, "limited to area 07"},
		{"angkorchey-researcher", "research/births_2020.parquet", http.StatusForbidden, "limited to area 0701"},
		{"kampot-researcher", "tables/other.csv", http.StatusNotFound, ""},
	} {
		w := get(t, s, c.user, "/downloads/r1/"+c.path)
		if w.Code != c.code || !strings.Contains(w.Body.String(), c.body) {
			t.Errorf("%s %s: %d %q, want %d %q", c.user, c.path, w.Code, w.Body.String(), c.code, c.body)
		}
		if c.code == 200 && c.user == "kampot-researcher" && !strings.Contains(w.Header().Get("Content-Disposition"), "births_2020_area07.parquet") {
			t.Errorf("a cut file is named %q", w.Header().Get("Content-Disposition"))
		}
	}
	// The page lists the same files.
	page := get(t, s, "kampot-researcher", "/en/downloads").Body.String()
	if !strings.Contains(page, `href="/downloads/r1/research/births_2020.parquet"`) || strings.Contains(page, "tables/report.csv") ||
		!strings.Contains(page, "limited to area 07") {
		t.Errorf("Kampot's downloads page:\n%s", page)
	}
	if page := get(t, s, "researcher", "/en/downloads").Body.String(); !strings.Contains(page, "tables/report.csv") {
		t.Errorf("the national downloads page lacks the national table:\n%s", page)
	}

	// The audit log: the cut download with its area, the refusals with theirs.
	b, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct {
			User, Area, File, Refused string
			Bytes                     *int64
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		outcome := "refused"
		if e.Refused == "" && e.Bytes != nil {
			outcome = strconv.FormatInt(*e.Bytes, 10)
		}
		got = append(got, e.User+" "+e.Area+" "+e.File+" "+outcome)
	}
	want := []string{"researcher  research/births_2020.parquet 13", "researcher  tables/report.csv 10",
		"kampot-researcher 07 research/births_2020.parquet 16", "kampot-researcher 07 tables/report.csv refused",
		"angkorchey-researcher 0701 research/births_2020.parquet refused"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Without Cut an account limited to an area gets no file.
	opt.Cut = nil
	s2, err := NewServer(opt)
	if err != nil {
		t.Fatal(err)
	}
	if l := listedCount(t, s2, "kampot-researcher"); l != 0 {
		t.Errorf("without Cut, Kampot lists %d files", l)
	}
	if w := get(t, s2, "kampot-researcher", "/downloads/r1/research/births_2020.parquet"); w.Code != http.StatusForbidden {
		t.Errorf("without Cut, Kampot's download: %d", w.Code)
	}
}

func listedCount(t *testing.T, s *Server, user string) int {
	var l []any
	if err := json.Unmarshal(get(t, s, user, "/downloads/").Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	return len(l)
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// releaseFixture is a release r1 under a new releases folder, its files
// listed with their sizes and checksums, and a secret beside the folder (as
// the HMAC key lies beside the releases).
func releaseFixture(t *testing.T, files map[string]string) (root, secret string, list []Download) {
	t.Helper()
	dir := t.TempDir()
	root, secret = filepath.Join(dir, "releases"), filepath.Join(dir, "secret.key")
	if err := os.WriteFile(secret, []byte("the HMAC key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for p, body := range files {
		f := filepath.Join(root, "r1", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		list = append(list, Download{Release: "r1", Status: "final", Created: time.Now(), Path: p, Bytes: int64(len(body)), SHA256: sum(body)})
	}
	return root, secret, list
}

// TestDownloadNeedsAudit: a download whose audit record cannot be written
// is refused, and nothing of the file is sent.
func TestDownloadNeedsAudit(t *testing.T) {
	root, _, list := releaseFixture(t, map[string]string{"tables/report.csv": "the nation's table"})
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	os.WriteFile(blocker, nil, 0o600)
	for _, audit := range []string{filepath.Join(t.TempDir(), "downloads.jsonl"), filepath.Join(blocker, "downloads.jsonl")} {
		s, err := NewServer(Options{Users: fixUsers(t), GeoJSON: fixGeo(t), ReleasesDir: root, AuditLog: audit,
			Downloads: func() ([]Download, error) { return list, nil }})
		if err != nil {
			t.Fatal(err)
		}
		w := get(t, s, "researcher", "/downloads/r1/tables/report.csv")
		logged := !strings.HasPrefix(audit, blocker)
		if sent := strings.Contains(w.Body.String(), "the nation's table"); sent != logged || (w.Code == 200) != logged {
			t.Errorf("audit log writable %v: %d, file sent %v", logged, w.Code, sent)
		}
	}
}

// TestDownloadIntegrity: a file is served only as the release lists it: no
// symbolic link (a link planted in a release folder once served the HMAC
// key), no other size or content. An account limited to an area gets no cut
// of a source that fails the same checks.
func TestDownloadIntegrity(t *testing.T) {
	files := map[string]string{"tables/report.csv": "the nation's table", "tables/other.csv": "another table",
		"research/births_2020.parquet": "all provinces", "research/deaths_2020.parquet": "all deaths"}
	root, secret, list := releaseFixture(t, files)
	users := fixUsers(t)
	h, _ := hashPassword("x", 1000)
	users = append(users, User{Name: "kampot-researcher", Role: "researcher", Area: "07", Password: h})
	audit := filepath.Join(t.TempDir(), "downloads.jsonl")
	cuts := 0
	s, err := NewServer(Options{Users: users, GeoJSON: fixGeo(t), ReleasesDir: root, AuditLog: audit,
		Downloads: func() ([]Download, error) { return list, nil },
		Cut: func(d Download, area string) (CutFile, bool) {
			return func(ctx context.Context, w io.Writer) error {
				cuts++
				b, err := os.ReadFile(filepath.Join(root, d.Release, d.Path))
				w.Write(b)
				return err
			}, true
		}})
	if err != nil {
		t.Fatal(err)
	}
	rel := func(p string) string { return filepath.Join(root, "r1", filepath.FromSlash(p)) }
	for p := range files {
		if w := get(t, s, "researcher", "/downloads/r1/"+p); w.Code != 200 || w.Body.String() != files[p] {
			t.Fatalf("%s before tampering: %d %q", p, w.Code, w.Body.String())
		}
	}
	// A link to the key, of the listed size, in place of a listed file.
	os.Remove(rel("tables/report.csv"))
	if err := os.Symlink(secret, rel("tables/report.csv")); err != nil {
		t.Fatal(err)
	}
	list[slices.IndexFunc(list, func(d Download) bool { return d.Path == "tables/report.csv" })].Bytes = int64(len("the HMAC key"))
	// A link to a file inside the releases, of the same content (relative:
	// os.Root follows a link that stays inside it).
	os.Remove(rel("tables/other.csv"))
	os.WriteFile(filepath.Join(root, "copy.csv"), []byte("another table"), 0o644)
	os.Symlink("../../copy.csv", rel("tables/other.csv"))
	// Another content of the same size; more after the listed content.
	os.WriteFile(rel("research/births_2020.parquet"), []byte("ALL PROVINCES"), 0o644)
	os.WriteFile(rel("research/deaths_2020.parquet"), []byte("all deaths, and more"), 0o644)
	for p := range files {
		for _, user := range []string{"researcher", "kampot-researcher"} {
			w := get(t, s, user, "/downloads/r1/"+p)
			if w.Code == 200 || strings.Contains(w.Body.String(), "HMAC") || strings.Contains(w.Body.String(), files[p]) ||
				strings.Contains(w.Body.String(), "PROVINCES") || strings.Contains(w.Body.String(), "more") {
				t.Errorf("%s, tampered, to %s: %d %q", p, user, w.Code, w.Body.String())
			}
		}
	}
	if cuts != 0 {
		t.Errorf("%d tampered files were cut for an account limited to an area", cuts)
	}
	// A linked folder on the way is refused as well.
	os.Rename(filepath.Join(root, "r1"), filepath.Join(root, "r1-real"))
	os.Symlink("r1-real", filepath.Join(root, "r1"))
	list = list[:0]
	list = append(list, Download{Release: "r1", Path: "x.csv", Bytes: 1, SHA256: sum("x")})
	os.WriteFile(filepath.Join(root, "r1-real", "x.csv"), []byte("x"), 0o644)
	if w := get(t, s, "researcher", "/downloads/r1/x.csv"); w.Code == 200 {
		t.Errorf("a file through a linked release folder: %d %q", w.Code, w.Body.String())
	}
	// A release that lists no checksum serves nothing.
	list[0] = Download{Release: "r1-real", Path: "x.csv", Bytes: 1}
	if w := get(t, s, "researcher", "/downloads/r1-real/x.csv"); w.Code == 200 {
		t.Errorf("a file without a listed checksum: %d", w.Code)
	}
	list[0].SHA256 = sum("x")
	if w := get(t, s, "researcher", "/downloads/r1-real/x.csv"); w.Code != 200 || w.Body.String() != "x" {
		t.Errorf("the same file with its checksum: %d", w.Code)
	}
	// Every refusal is in the audit log.
	b, _ := os.ReadFile(audit)
	if n := strings.Count(string(b), `"refused":"the file does not match the release"`); n != 2*len(files)+2 {
		t.Errorf("%d refusals in the audit log, want %d:\n%s", n, 2*len(files)+2, b)
	}
}
