package main

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vitalstats/dashboards"
	"vitalstats/reports"
)

// TestAreaDownloads: serve, as the config wires it, gives an account limited
// to a province or a district only the release's files cut to its area:
// the research microdata hold only its records, the province tables only its
// row; every national file is refused. A national account gets every file whole.
func TestAreaDownloads(t *testing.T) {
	root := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rel, err := reports.Publish(root, reports.Release{ID: "r1", Status: reports.Final, Created: time.Now()}, func(dir string) error {
		files := map[string]string{
			"provisional_years.csv":          "event_type,year,arrived_share,status\nbirth,2020,1.000,final\n",
			"research/README.md":             "births/: 12 records\n",
			"research/marriages/codebook.md": "| marriages_2020.parquet | 6 |\n",
			"research/births/codebook.md":    "| births_2020.parquet | 12 |\n",
			"research/births/codebook.json":  `{"event":"births","k":5,"rows_by_year":{"2020":12},"records_by_last_step":{"none":3},"residual_records":0,"variables":[{"name":"province_code"}]}`,
			"tables/csv/births_age_2020.csv": "age,total\n15-19,12\n",
			"research/aggregates/csv/births_province_month_2020.csv": reports.BOM + "Province of usual residence / ខេត្តនៃទីលំនៅ,2020-01,Total / សរុប\n" +
				"Kampot / កំពត,6,6\nPhnom Penh / ភ្នំពេញ,5,5\nNot stated / មិនបានបញ្ជាក់,,1\nTotal / សរុប,12,12\n",
			"research/aggregates/sdmx/births_province_month_2020.csv": "DATAFLOW,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS,UNIT_MEASURE,UNIT_MULT\n" +
				"B,M,KH-7,2020-01,6,A,F,NUMBER,0\nB,M,KH-12,2020-01,5,A,F,NUMBER,0\nB,M,_U,2020-01,,A,C,NUMBER,0\nB,M,KH,2020-01,12,A,F,NUMBER,0\n",
			"research/aggregates/sdmx/structure.xml": "<structure/>\n",
			// the surveillance series hold every province: refused to an area
			"surveillance/deaths_surveillance.csv": reports.BOM + "period_type,period,area_code,sex,age_group,status,observed\nmonth,2020-01,07,T,all,complete,6\n",
			"surveillance/sdmx/deaths_surveillance.csv": "DATAFLOW,FREQ,REF_AREA,SEX,AGE,MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS,UNIT_MEASURE,UNIT_MULT\n" +
				"S,M,KH-7,_T,_T,OBS,2020-01,6,A,F,NUMBER,0\n",
			"surveillance/sdmx/structure.xml": "<structure/>\n",
		}
		for p, body := range files {
			p = filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				return err
			}
		}
		// Births: Kampot's districts, a Kampot birth whose district was
		// removed, a suppressed birth (no place), other provinces.
		// Marriages: both spouses in Kampot, one of them elsewhere or unknown.
		for _, q := range []string{
			`copy (select * from (values (2020, 1, '07', '0701', 'F', 'none'), (2020, 2, '07', '0701', 'M', 'none'),
				(2020, 3, '07', '0702', 'F', 'none'), (2020, null, '07', null, 'M', 'district'),
				(2020, null, null, null, null, 'suppressed'), (2020, 1, '12', '1201', 'F', 'none'),
				(2020, 4, '01', '0102', 'M', 'none'), (2020, 5, '17', '1701', 'F', 'none'))
				t(year, event_month, province_code, district_code, sex, generalised)) to '` + filepath.Join(dir, "research/births/births_2020.parquet") + `' (format parquet)`,
			`copy (select * from (values (2020, '07', '0701', '07', '0702'), (2020, '07', '0701', '12', '1201'),
				(2020, '12', '1201', '07', '0701'), (2020, '07', null, '07', '0701'), (2020, null, null, null, null),
				(2020, '07', '0702', '07', '0702'), (2020, '07', '0701', '07', '0701'))
				t(year, bride_province_code, bride_district_code, groom_province_code, groom_district_code)) to '` +
				filepath.Join(dir, "research/marriages/marriages_2020.parquet") + `' (format parquet)`,
		} {
			if _, err := db.Exec(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	var users []UserConfig
	for _, u := range []struct{ name, area string }{{"national", ""}, {"kampot", "07"}, {"angkorchey", "0701"}} {
		tok, hash, err := dashboards.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.name] = tok
		users = append(users, UserConfig{Name: u.name, Role: "researcher", Area: u.area, Token: hash})
	}
	c := &Config{DataDir: t.TempDir(), Export: ExportConfig{Releases: root}, Serve: ServeConfig{Users: users}}
	srv, err := c.dashboardServer(&env{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}, false)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	get := func(user, path string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	listed := func(user string) []string {
		t.Helper()
		code, b := get(user, "/downloads/")
		var list []struct{ Path, Area string }
		if err := json.Unmarshal(b, &list); code != 200 || err != nil {
			t.Fatalf("%s: list: %d %v %s", user, code, err, b)
		}
		var out []string
		for _, it := range list {
			out = append(out, it.Path)
		}
		slices.Sort(out)
		return out
	}
	var all []string
	for _, f := range rel.Files {
		all = append(all, f.Path)
	}
	slices.Sort(all)

	cuts := map[string][]string{
		"national": all,
		"kampot": {"research/aggregates/csv/births_province_month_2020.csv", "research/aggregates/sdmx/births_province_month_2020.csv", "research/aggregates/sdmx/structure.xml",
			"research/births/births_2020.parquet", "research/births/codebook.json", "research/marriages/marriages_2020.parquet"},
		// the province tables hold no districts
		"angkorchey": {"research/births/births_2020.parquet", "research/births/codebook.json", "research/marriages/marriages_2020.parquet"},
	}
	for user, want := range cuts {
		if got := listed(user); !slices.Equal(got, want) {
			t.Errorf("%s lists %v, want %v", user, got, want)
		}
		for _, p := range all {
			code, body := get(user, "/downloads/r1/"+p)
			switch {
			case slices.Contains(want, p) && code != 200:
				t.Errorf("%s %s: %d %s", user, p, code, body)
			case !slices.Contains(want, p) && (code != http.StatusForbidden || !strings.Contains(string(body), "limited to area")):
				t.Errorf("%s %s: %d %s, want refused", user, p, code, body)
			}
		}
	}

	// The cut microdata hold exactly the source's records whose every place
	// lies in the area: each row is read back.
	for user, area := range map[string]string{"kampot": "07", "angkorchey": "0701"} {
		for _, ev := range []string{"births", "marriages"} {
			src := filepath.Join(root, "r1", "research", ev, ev+"_2020.parquet")
			_, body := get(user, "/downloads/r1/research/"+ev+"/"+ev+"_2020.parquet")
			cut := filepath.Join(t.TempDir(), "cut.parquet")
			if err := os.WriteFile(cut, body, 0o644); err != nil {
				t.Fatal(err)
			}
			places := func(file string) (rows [][]string, cols []string) {
				r, err := db.Query(`select columns('(province|district)_code')::varchar from read_parquet('` + file + `')`)
				if err != nil {
					t.Fatalf("%s %s: %v", user, ev, err)
				}
				defer r.Close()
				cols, _ = r.Columns()
				for r.Next() {
					v := make([]sql.NullString, len(cols))
					p := make([]any, len(cols))
					for i := range v {
						p[i] = &v[i]
					}
					if err := r.Scan(p...); err != nil {
						t.Fatal(err)
					}
					row := make([]string, len(cols))
					for i := range v {
						row[i] = v[i].String
						if !v[i].Valid {
							row[i] = "NULL"
						}
					}
					rows = append(rows, row)
				}
				return rows, cols
			}
			in := func(row, cols []string) bool {
				for i, c := range cols {
					if (strings.HasSuffix(c, "province_code") && row[i] != area[:2]) || (len(area) == 4 && strings.HasSuffix(c, "district_code") && row[i] != area) {
						return false
					}
				}
				return true
			}
			srcRows, srcCols := places(src)
			got, cols := places(cut)
			if !slices.Equal(cols, srcCols) {
				t.Errorf("%s %s: columns %v, the release's %v", user, ev, cols, srcCols)
			}
			var want [][]string
			for _, r := range srcRows {
				if in(r, srcCols) {
					want = append(want, r)
				}
			}
			for _, r := range got {
				if !in(r, cols) {
					t.Errorf("%s %s: a record of %v is not in area %s", user, ev, r, area)
				}
			}
			if len(want) == 0 || len(want) == len(srcRows) || !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%s %s: %d records %v, want the source's %d of %d in the area %v", user, ev, len(got), got, len(want), len(srcRows), want)
			}
		}
	}

	// The province tables: the header and the province's row, after the
	// table's byte-order mark (without it on ?bom=0).
	for _, p := range []string{"csv", "csv?bom=0", "sdmx"} {
		file, query, _ := strings.Cut(p, "?")
		_, body := get("kampot", "/downloads/r1/research/aggregates/"+file+"/births_province_month_2020.csv?"+query)
		text, bom := strings.CutPrefix(string(body), reports.BOM)
		if want := p == "csv"; bom != want {
			t.Errorf("Kampot's %s aggregates: a byte-order mark %v, want %v", p, bom, want)
		}
		recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil || len(recs) != 2 || !(recs[1][0] == "Kampot / កំពត" || recs[1][2] == "KH-7") || strings.HasPrefix(recs[0][0], reports.BOM) {
			t.Errorf("Kampot's %s aggregates: %q %v", p, recs, err)
		}
	}
	// The codebook loses the national counts.
	_, body := get("kampot", "/downloads/r1/research/births/codebook.json")
	var cb map[string]any
	if err := json.Unmarshal(body, &cb); err != nil || cb["rows_by_year"] != nil || cb["records_by_last_step"] != nil || cb["area"] != "07" || cb["variables"] == nil {
		t.Errorf("Kampot's codebook: %v %s", err, body)
	}

	// The audit log names the area of every cut download and each refusal.
	b, err := os.ReadFile(filepath.Join(c.DataDir, "audit", "downloads.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct{ User, Area, File, Refused string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		if (e.User == "national") != (e.Area == "") {
			t.Errorf("audit line %s: the area is not the account's", line)
		}
		if e.User == "kampot" && e.File == "tables/csv/births_age_2020.csv" && e.Refused != "" {
			seen["refused"] = true
		}
		if e.User == "angkorchey" && e.Area == "0701" && e.File == "research/births/births_2020.parquet" && e.Refused == "" {
			seen["cut"] = true
		}
	}
	if !seen["refused"] || !seen["cut"] {
		t.Errorf("audit log lacks a refusal or a cut download: %v\n%s", seen, b)
	}
}
