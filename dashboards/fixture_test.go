package dashboards

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitalstats"
	"vitalstats/refdata"
)

// The fixture: the 25 provinces of the shipped map with their gazetteer
// names, two districts each, years 2015-2020, and every table Needs lists,
// with values that are simple functions of area and year (fixValue), so
// that a test knows what each chart must show.

const (
	fixFirstYear = 2015
	fixLastYear  = 2020
)

// fixSmall is the district whose counts are below 5: its cells must show
// as suppressed everywhere.
const fixSmall = "0102"

// fixWithheld are the withheld life tables of every area: year and basis ->
// sex.
var fixWithheld = map[[2]any]string{{int64(2016), "adjusted_ggb_seg"}: "M", {int64(2017), "registered"}: "F"}

// fixValue is the value of every indicator row of an area and year (plus k
// to tell measures apart).
func fixValue(area string, year int, k float64) float64 {
	p := 0.0
	if area != "KH" {
		n, _ := strconv.Atoi(area[:2])
		p = float64(n)
		if len(area) == 4 {
			p += float64(area[3]-'0') / 10
		}
	}
	return k + p/100 + float64(year-fixFirstYear)/50
}

func fixGeo(t testing.TB) []byte {
	t.Helper()
	b, err := refdata.Source{}.ReadFile(refdata.FileProvinceMap)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixTables(t testing.TB) []*vitalstats.Table {
	t.Helper()
	var geo struct {
		Features []struct {
			Properties map[string]string `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(fixGeo(t), &geo); err != nil {
		t.Fatal(err)
	}
	prov := &vitalstats.Table{Name: "ref_provinces", Columns: []string{"province_code", "name_en", "name_km"}}
	dist := &vitalstats.Table{Name: "ref_districts", Columns: []string{"district_code", "province_code", "name_latin", "name_km"}}
	areas := []string{"KH"}
	for _, f := range geo.Features {
		p := f.Properties["province_code"]
		prov.Rows = append(prov.Rows, []any{p, f.Properties["name_en"], f.Properties["name_km"]})
		areas = append(areas, p)
		for _, d := range []string{p + "01", p + "02"} {
			dist.Rows = append(dist.Rows, []any{d, p, "District " + d, "ស្រុក " + d})
			areas = append(areas, d)
		}
	}
	built := time.Date(2021, 7, 1, 3, 0, 0, 0, time.UTC)
	info := &vitalstats.Table{Name: "build_info", Columns: []string{"built_at", "lake_snapshot", "as_of", "code_version", "population_source"},
		Rows: [][]any{{built, "manifest entry 7", time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC), "test", "fixture"}}}
	tables := []*vitalstats.Table{prov, dist, info}

	ind := []string{"numerator", "denominator", "value", "ci_low", "ci_high", "flags"}
	// row makes the indicator columns of one cell: 1,000 events (3 in the small district).
	row := func(area string, year int, k float64, grain ...any) []any {
		v := fixValue(area, year, k)
		n := int64(1000)
		flags := []string{}
		if area == fixSmall {
			n, flags = 3, []string{"lt5", "lt20"}
		}
		return append(grain, n, float64(n)/v, v, v*0.9, v*1.1, flags)
	}
	each := func(name string, grain []string, fn func(area string, year int, add func(k float64, g ...any))) {
		t := &vitalstats.Table{Name: name, Columns: append(grain, ind...)}
		for _, a := range areas {
			for y := fixFirstYear; y <= fixLastYear; y++ {
				fn(a, y, func(k float64, g ...any) { t.Rows = append(t.Rows, row(a, y, k, g...)) })
			}
		}
		tables = append(tables, t)
	}
	each("events_by_month", []string{"event_type", "measure", "month", "area_code"}, func(a string, y int, add func(float64, ...any)) {
		for m := 1; m <= 12; m++ {
			add(float64(m), "birth", "occurred", time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), a)
			add(float64(m)/2, "death", "occurred", time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), a)
		}
	})
	each("completeness", []string{"event_type", "year", "area_code", "within"}, func(a string, y int, add func(float64, ...any)) {
		add(0.5, "birth", int64(y), a, "all")
		add(0.4, "birth", int64(y), a, "legal")
		add(0.3, "death", int64(y), a, "all")
		add(0.2, "death", int64(y), a, "legal")
	})
	each("registration_arrival", []string{"event_type", "year", "area_code"}, func(a string, y int, add func(float64, ...any)) {
		if len(a) == 2 {
			add(1, "birth", int64(y), a)
			add(1, "death", int64(y), a)
		}
	})
	each("timeliness", []string{"event_type", "year", "area_code", "regime"}, func(a string, y int, add func(float64, ...any)) {
		add(0.6, "birth", int64(y), a, "all")
		add(0.55, "death", int64(y), a, "all")
	})
	each("fertility_asfr", []string{"year", "area_code", "age_group"}, func(a string, y int, add func(float64, ...any)) {
		for i, g := range []string{"15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49"} {
			add(float64(i*10), int64(y), a, g)
		}
	})
	each("fertility_rates", []string{"year", "area_code", "basis", "measure"}, func(a string, y int, add func(float64, ...any)) {
		add(2, int64(y), a, "registered", "tfr")
		add(40, int64(y), a, "registered", "abr_15_19")
		add(2.5, int64(y), a, "adjusted_completeness", "tfr")
		add(50, int64(y), a, "adjusted_completeness", "abr_15_19")
	})
	each("life_expectancy", []string{"year", "area_code", "sex", "basis", "measure"}, func(a string, y int, add func(float64, ...any)) {
		for i, s := range []string{"M", "F"} {
			add(65+float64(i)*5, int64(y), a, s, "registered", "e0")
			add(60+float64(i)*5, int64(y), a, s, "adjusted_ggb_seg", "e0")
		}
	})
	// Life tables that failed their gates (fixWithheld): rows with NULL values.
	le := tables[len(tables)-1]
	for _, r := range le.Rows {
		if w, ok := fixWithheld[[2]any{r[0], r[3]}]; ok && r[2] == w {
			copy(r[5:10], []any{nil, nil, nil, nil, nil})
			r[10] = []string{"withheld", "withheld_rates_not_rising"}
		}
	}
	each("mortality_rates", []string{"year", "area_code", "sex", "basis", "measure"}, func(a string, y int, add func(float64, ...any)) {
		for _, s := range []string{"T", "M", "F"} {
			add(20, int64(y), a, s, "registered", "imr")
			add(30, int64(y), a, s, "registered", "u5mr")
			add(10, int64(y), a, s, "registered", "nmr")
			if a == "KH" { // the reference is the nation's
				add(35, int64(y), a, s, "reference_igme2024", "imr")
				add(45, int64(y), a, s, "reference_igme2024", "u5mr")
			}
		}
	})
	each("mortality_asdr", []string{"year", "area_code", "sex", "age_group", "age_start"}, func(a string, y int, add func(float64, ...any)) {
		for _, s := range []string{"M", "F"} {
			for _, g := range []string{"0", "1-4", "5-9", "60-64", "85+"} {
				add(1, int64(y), a, s, g, int64(ageStart(g)))
			}
		}
	})
	each("cod_leading", []string{"year", "area_code", "sex", "list1_item", "rank", "title"}, func(a string, y int, add func(float64, ...any)) {
		for _, s := range []string{"T", "M", "F"} {
			for r, c := range [][2]string{{"1-069", "Cerebrovascular diseases"}, {"1-067", "Ischaemic heart diseases"}, {"1-026", "Tuberculosis"}} {
				add(0.3-float64(r)/10, int64(y), a, s, c[0], int64(r+1), c[1])
			}
		}
	})
	each("cod_leading_by_age", []string{"year", "area_code", "sex", "age_group", "rank", "title", "list1_item"}, func(a string, y int, add func(float64, ...any)) {
		for _, s := range []string{"T", "M", "F"} {
			for _, g := range []string{"0", "1-4", "5-14", "70+"} {
				add(0.4, int64(y), a, s, g, int64(1), "Cerebrovascular diseases", "1-069")
				add(0.2, int64(y), a, s, g, int64(2), "Tuberculosis", "1-026")
			}
		}
	})
	each("cod_quality", []string{"year", "area_code", "measure"}, func(a string, y int, add func(float64, ...any)) {
		add(0.25, int64(y), a, "ill_defined_r00_r99")
	})
	each("cod_ill_defined_by_age", []string{"year", "area_code", "sex", "age_group"}, func(a string, y int, add func(float64, ...any)) {
		for _, s := range []string{"T", "M", "F"} {
			for i, g := range []string{"0", "1-4", "60-64", "85+"} {
				add(0.1*float64(i+1), int64(y), a, s, g)
			}
		}
	})
	each("dq_missing", []string{"event_type", "area_code", "month", "field"}, func(a string, y int, add func(float64, ...any)) {
		for m := 1; m <= 12; m++ {
			add(0.01*float64(m), "birth", a, time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), "mother_age")
		}
	})
	each("dq_age_heaping", []string{"subject", "year", "area_code", "sex", "index"}, func(a string, y int, add func(float64, ...any)) {
		for _, s := range []string{"T", "M", "F"} {
			add(120, "deceased_age", int64(y), a, s, "whipple")
		}
		add(105, "mother_age", int64(y), a, "T", "whipple")
	})
	each("dq_duplicates", []string{"event_type", "year", "area_code"}, func(a string, y int, add func(float64, ...any)) {
		add(0.01, "birth", int64(y), a)
		add(0.02, "death", int64(y), a)
	})
	each("identity_linkage", []string{"event_type", "year", "area_code", "measure"}, func(a string, y int, add func(float64, ...any)) {
		for _, e := range []string{"birth", "death"} {
			add(0.4, e, int64(y), a, "id_code")
			add(0.03, e, int64(y), a, "linked")
			add(0.95, e, int64(y), a, "established")
		}
	})
	tables = append(tables, &vitalstats.Table{Name: "dq_quarantine",
		Columns: append([]string{"event", "source", "reason", "field"}, ind...),
		Rows: [][]any{
			{"birth", "registry", "all", "all", int64(30), 10000.0, 0.003, 0.002, 0.004, []string{}},
			{"birth", "registry", "bad_date", "date_of_birth", int64(20), 10000.0, 0.002, 0.001, 0.003, []string{}},
			{"birth", "file", "unknown_commune", "residence_commune", int64(10), 5000.0, 0.002, 0.001, 0.003, []string{"lt20"}},
		}})
	return append(tables, fixSurveillance(areas))
}

// The surveillance fixture: months 2018-01 to 2020-12 and weeks 2020-W01 to
// 2020-W52 of the nation and every province but fixSurvNone, each sex, all
// ages; the last fixSurvProvMonths months and fixSurvProvWeeks weeks are
// provisional. fixSurv gives every value.
const (
	fixSurvProvMonths = 2
	fixSurvProvWeeks  = 4
	fixSurvNone       = "25" // a province without rows: grey on the map
	fixSurvSmall      = "24" // its women's rows count 3 deaths: suppressed
)

// fixSurvRow is a surveillance row's values.
type fixSurvRow struct {
	Observed                                                        int64
	Nowcast, NowLow, NowHigh, Expected, ExpLow, ExpHigh, Excess, PS float64
	Flags                                                           []string
	Provisional                                                     bool
}

// fixSurvPeriods are the periods of a type, in order.
func fixSurvPeriods(ptype string) []string {
	var out []string
	if ptype == "month" {
		for y := 2018; y <= 2020; y++ {
			for m := 1; m <= 12; m++ {
				out = append(out, fmt.Sprintf("%d-%02d", y, m))
			}
		}
		return out
	}
	for w := 1; w <= 52; w++ {
		out = append(out, fmt.Sprintf("2020-W%02d", w))
	}
	return out
}

// fixSurvPS is an area's P-score, the same in every period: 5% in the
// nation, (n−5)×3% in province n, so that the provinces span the map's
// classes (01: −12%, 02: −9%, 09: +12%, 14: +27%, 22: +51%).
func fixSurvPS(area string) float64 {
	if area == "KH" {
		return 5
	}
	n, _ := strconv.Atoi(area)
	return float64(n-5) * 3
}

// fixSurv is the row of an area, sex, period type and period index i.
func fixSurv(area, sex, ptype string, i int) fixSurvRow {
	n := len(fixSurvPeriods(ptype))
	prov := ptype == "month" && i >= n-fixSurvProvMonths || ptype == "week" && i >= n-fixSurvProvWeeks
	base := 1000.0
	if area != "KH" {
		k, _ := strconv.Atoi(area)
		base = 100 + float64(k)
	}
	exp := (base + float64(i%12)) * map[string]float64{"T": 1, "M": 0.6, "F": 0.4}[sex]
	ps := fixSurvPS(area)
	final := math.Round(exp * (1 + ps/100))
	r := fixSurvRow{Expected: exp, ExpLow: exp * 0.92, ExpHigh: exp * 1.08, Provisional: prov, Nowcast: final, NowLow: final, NowHigh: final}
	r.Observed = int64(final)
	if prov {
		// registrations still arriving: 60% of the final count so far
		r.Observed = int64(math.Round(final * 0.6))
		r.NowLow, r.NowHigh = final*0.9, final*1.15
		r.Flags = append(r.Flags, "nowcast")
		if area == "03" {
			r.Flags = append(r.Flags, "pooled_delay")
		}
	}
	if area == "04" {
		r.Flags = append(r.Flags, "low_completeness")
	}
	r.Excess = r.Nowcast - exp
	r.PS = 100 * r.Excess / exp
	if area == fixSurvSmall && sex == "F" {
		r.Observed = 3
		r.Flags = append(r.Flags, "suppressed")
	}
	return r
}

func fixSurveillance(areas []string) *vitalstats.Table {
	t := &vitalstats.Table{Name: "surveillance", Columns: survColumns}
	for _, a := range areas {
		if len(a) > 2 || a == fixSurvNone {
			continue
		}
		for _, ptype := range []string{"month", "week"} {
			for i, p := range fixSurvPeriods(ptype) {
				y, _ := strconv.Atoi(p[:4])
				no, _ := strconv.Atoi(strings.TrimPrefix(p[5:], "W"))
				for _, sex := range []string{"T", "M", "F"} {
					r := fixSurv(a, sex, ptype, i)
					status := "complete"
					if r.Provisional {
						status = "provisional"
					}
					row := []any{ptype, p, int64(y), int64(no), a, sex, "all", r.Observed,
						r.Nowcast, r.NowLow, r.NowHigh, r.Expected, r.ExpLow, r.ExpHigh,
						r.Excess, r.Excess - r.Expected*0.08, r.Excess + r.Expected*0.08, r.PS, r.PS - 8, r.PS + 8,
						status, strings.Join(r.Flags, "|")}
					if slices.Contains(r.Flags, "suppressed") { // as the publication layer leaves it
						for _, c := range []int{7, 8, 9, 10, 14, 15, 16, 17, 18, 19} {
							row[c] = nil
						}
					}
					t.Rows = append(t.Rows, row)
					// another age group, which the page does not read
					other := slices.Clone(row)
					other[6] = "65+"
					t.Rows = append(t.Rows, other)
				}
			}
		}
	}
	return t
}

// fixTablesWithout is the fixture without a table (an older warehouse).
func fixTablesWithout(t testing.TB, name string) []*vitalstats.Table {
	t.Helper()
	return slices.DeleteFunc(fixTables(t), func(tb *vitalstats.Table) bool { return tb.Name == name })
}

func fixData(t testing.TB) *Data {
	t.Helper()
	d, err := NewData(fixTables(t))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fixUsers: one of each role, a viewer limited to Kampot (07) and one to
// the small district; every password is "password-<name>". Hashes use few
// iterations to keep tests fast (the form carries its own count).
func fixUsers(t testing.TB) []User {
	t.Helper()
	var out []User
	for _, u := range [][3]string{{"admin", "admin", ""}, {"analyst", "analyst", ""}, {"researcher", "researcher", ""},
		{"viewer", "viewer", ""}, {"kampot", "viewer", "07"}, {"small", "viewer", fixSmall}} {
		h, err := hashPassword("password-"+u[0], 1000)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, User{Name: u[0], Role: u[1], Area: u[2], Password: h})
	}
	return out
}

func fixServer(t testing.TB, public string) *Server {
	t.Helper()
	s, err := NewServer(Options{Users: fixUsers(t), PublicPage: public, GeoJSON: fixGeo(t), InsecureCookies: true,
		Runs: func() ([]Run, error) {
			t0 := time.Date(2021, 6, 30, 19, 0, 0, 0, time.UTC)
			return []Run{
				{Job: "etl", Started: t0, Finished: t0.Add(40 * time.Second), Attempt: 1, Outcome: "failed", Error: "registry: connection refused"},
				{Job: "etl", Started: t0.Add(time.Minute), Finished: t0.Add(2 * time.Minute), Attempt: 2, Outcome: "ok"},
				{Job: "build", Started: t0.Add(2 * time.Minute), Finished: t0.Add(3 * time.Minute), Attempt: 1, Outcome: "ok"},
			}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	s.SetData(fixData(t))
	return s
}
