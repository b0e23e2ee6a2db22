package dashboards

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
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
	audit := filepath.Join(t.TempDir(), "audit", "downloads.jsonl")
	s, err := NewServer(Options{Users: fixUsers(t), GeoJSON: fixGeo(t), InsecureCookies: true, ReleasesDir: root, AuditLog: audit,
		Downloads: func() ([]Download, error) {
			return []Download{{Release: "r1", Status: "final", Created: time.Now(), Path: "research/births_2020.parquet", Bytes: 8}}, nil
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
		if e["file"] != "research/births_2020.parquet" || e["release"] != "r1" {
			t.Errorf("audit line %v", e)
		}
		users = append(users, e["user"].(string))
	}
	if strings.Join(users, ",") != "admin,researcher" {
		t.Errorf("audit users %v, want admin,researcher", users)
	}
}
