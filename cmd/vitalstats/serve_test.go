package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeShowsTheWarehouse: serve loads a built warehouse and its pages
// and API show the warehouse's own numbers, to the users allowed to see
// them; -export-site writes the static copy.
func TestServeShowsTheWarehouse(t *testing.T) {
	var token, viewerToken string
	var tokenLine, viewerLine string
	for _, p := range []struct{ tok, line *string }{{&token, &tokenLine}, {&viewerToken, &viewerLine}} {
		code, out, stderr := runCLI(t, "passwd", "-token")
		if code != 0 {
			t.Fatalf("passwd -token: %s", stderr)
		}
		for _, l := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(l, "# token: "); ok {
				*p.tok = v
			}
			if strings.HasPrefix(l, "token = ") {
				*p.line = l
			}
		}
	}
	serve := fmt.Sprintf(`
[serve]
listen = "127.0.0.1:0"
[[serve.users]]
name = "analyst"
role = "analyst"
%s
[[serve.users]]
name = "kampot"
role = "viewer"
area = "07"
%s
`, tokenLine, viewerLine)
	var cfg string
	db, _ := pipeline(t, 40_000, serve, &cfg)
	// The TFR of each province, as the warehouse has it; then the file is
	// closed, since DuckDB lets a process open a file in one configuration only.
	const year = 2015
	// What the pages show is the publication layer's, never the marts'.
	tfr, withheld := map[string]float64{}, map[string]bool{}
	rows, err := db.Query(`select area_code, coalesce(value, 'NaN'), list_contains(flags, 'suppressed') from published.fertility_rates
		where measure = 'tfr' and basis = 'registered' and year = ? and length(area_code) = 2 and area_code <> 'KH'`, year)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		var v float64
		var w bool
		if err := rows.Scan(&a, &v, &w); err != nil {
			t.Fatal(err)
		}
		tfr[a], withheld[a] = v, w
	}
	rows.Close()
	db.Close()

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		done <- run(ctx, []string{"serve", "-config", cfg, "-no-jobs"}, pw, &stderr)
		pw.Close()
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve: exit %d: %s", code, stderr.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve: %v: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "serving "), "/")

	get := func(tok, path string) (int, []byte) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	for _, lang := range []string{"en", "km"} {
		for _, p := range []string{"overview", "completeness", "fertility", "mortality", "causes", "surveillance", "quality", "runs"} {
			if code, body := get(token, "/"+lang+"/"+p); code != 200 {
				t.Fatalf("%s/%s: %d %s\n%s", lang, p, code, body, stderr.String())
				t.Errorf("%s/%s: %d %s", lang, p, code, body)
			}
		}
	}
	if code, _ := get("", "/api/overview"); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	if code, _ := get(viewerToken, "/api/fertility?area=12"); code != http.StatusForbidden {
		t.Errorf("Kampot's viewer asking for Phnom Penh: %d", code)
	}

	// The TFR of each province, as the fertility page's bars show it, is the publication layer's.
	code, body := get(token, fmt.Sprintf("/api/fertility?year=%d", year))
	if code != 200 {
		t.Fatalf("api: %d %s", code, body)
	}
	var api struct {
		Frames []struct {
			ID    string `json:"id"`
			Cells []struct {
				Code       string   `json:"code"`
				Value      *float64 `json:"value"`
				Basis      string   `json:"basis"`
				Suppressed bool     `json:"suppressed"`
			} `json:"cells"`
		} `json:"frames"`
	}
	if err := json.Unmarshal(body, &api); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range api.Frames {
		if f.ID != "tfr_areas" {
			continue
		}
		for _, c := range f.Cells {
			if c.Basis != "registered" { // the adjusted TFR is drawn beside it
				continue
			}
			want, ok := tfr[c.Code]
			// A row the layer withheld (1 to 4 published births) is suppressed, with the rate made from them.
			if withheld[c.Code] || c.Suppressed {
				if !withheld[c.Code] || !c.Suppressed || c.Value != nil {
					t.Errorf("TFR %s withheld %v: suppressed %v, value %v", c.Code, withheld[c.Code], c.Suppressed, c.Value)
				}
				checked++
				continue
			}
			if !ok || c.Value == nil || math.Abs(*c.Value-want) > 1e-12 {
				t.Errorf("TFR %s: page %v, warehouse %v", c.Code, c.Value, want)
			}
			checked++
		}
	}
	if checked != 25 {
		t.Errorf("TFR shown for %d provinces, want 25", checked)
	}

	dir := t.TempDir()
	if code, out, stderr := runCLI(t, "serve", "-config", cfg, "-export-site", dir); code != 0 {
		t.Fatalf("export-site: %s", stderr)
	} else {
		t.Log(strings.TrimSpace(out))
	}
	for _, f := range []string{"index.html", "en/overview/KH.html", "km/completeness/07.html", "en/fertility/KH-tfr_areas.csv", "assets/vendor/echarts.min.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
