package dashboards

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAssetBrotli: ECharts goes brotli-compressed (made at build time) to
// a browser that takes br, gzipped to one that does not.
func TestAssetBrotli(t *testing.T) {
	s := fixServer(t, "overview")
	a := s.assets["vendor/echarts.min.js"]
	if len(a.br) == 0 || len(a.br) >= len(a.gz) {
		t.Fatalf("echarts.min.js: brotli %d bytes, gzip %d: no brotli copy from scripts/assets.sh, or a useless one", len(a.br), len(a.gz))
	}
	if _, ok := s.assets["vendor/echarts.min.js.br"]; ok {
		t.Error("the .br copy is served as an asset of its own")
	}
	for _, c := range []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "br"},
		{"br;q=0.5, gzip", "br"},
		{"gzip, br;q=0", "gzip"},
		{"gzip", "gzip"},
		{"", ""},
	} {
		r := httptest.NewRequest("GET", "/assets/vendor/echarts.min.js", nil)
		r.Header.Set("Accept-Encoding", c.accept)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		got := w.Header().Get("Content-Encoding")
		body := w.Body.Bytes()
		if w.Code != 200 || got != c.want {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, want %q", c.accept, w.Code, got, c.want)
			continue
		}
		want := map[string][]byte{"br": a.br, "gzip": a.gz, "": a.body}[c.want]
		if !bytes.Equal(body, want) {
			t.Errorf("Accept-Encoding %q: %d bytes, want %d", c.accept, len(body), len(want))
		}
	}
}

// TestDescribeFile: each kind of file a release holds goes to its group
// with a line on what it holds, in both languages.
func TestDescribeFile(t *testing.T) {
	for _, c := range []struct{ path, kind, en string }{
		{"tables/annual_report_2023.xlsx", "report", "The annual report of 2023: every table, one sheet each (Excel)."},
		{"tables/csv/births_age_province_2023.csv", "tables", "Births by mother's age and province, 2023 (CSV)."},
		{"tables/sdmx/deaths_cause_age_2023.csv", "tables", "Deaths by cause and age, 2023 (SDMX-CSV)."},
		{"tables/sdmx/structure.xml", "tables", "The SDMX-ML 2.1 structure the SDMX-CSV files conform to: data structure definitions, dataflows, code lists."},
		{"research/aggregates/sdmx/structure.xml", "aggregates", "The SDMX-ML 2.1 structure the SDMX-CSV files conform to: data structure definitions, dataflows, code lists."},
		{"research/deaths/deaths_2016.parquet", "extracts", "De-identified death records of 2016, one row each (Parquet)."},
		{"research/births/codebook.md", "extracts", "Codebook of the birth extracts: each column and its codes (Markdown)."},
		{"research/aggregates/csv/marriages_province_month_2002.csv", "aggregates", "Marriages by province and month, 2002 (CSV)."},
		{"surveillance/deaths_surveillance.csv", "tables", "Mortality surveillance: deaths by month and week, nowcast, expected and excess deaths, P-scores (CSV)."},
		{"surveillance/sdmx/deaths_surveillance.csv", "tables", "Mortality surveillance: deaths by month and week, nowcast, expected and excess deaths, P-scores (SDMX-CSV)."},
		{"surveillance/sdmx/structure.xml", "tables", "The SDMX-ML 2.1 structure the SDMX-CSV files conform to: data structure definitions, dataflows, code lists."},
		{"release.json", "release", "Every file of the release with its checksum (JSON)."},
		{"who/Morticd10.csv", "who", "For the WHO Mortality Database, in its layout (CSV)."},
	} {
		kind, en := describeFile(c.path, "en")
		_, km := describeFile(c.path, "km")
		if kind != c.kind || en != c.en {
			t.Errorf("%s: %s %q, want %s %q", c.path, kind, en, c.kind, c.en)
		}
		if km == en || !strings.ContainsFunc(km, func(r rune) bool { return r >= 0x1780 && r <= 0x17FF }) {
			t.Errorf("%s: no Khmer description: %q", c.path, km)
		}
	}
}
