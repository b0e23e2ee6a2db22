package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestExcessOracle runs vitalstats excess on the World Mortality Dataset
// subset and compares its CSV with the published eLife 2021 figures
// (excess/testdata/README.md); the excess package's TestELifeOracle checks
// the model itself, this the command's reading, corrections and output.
func TestExcessOracle(t *testing.T) {
	out := filepath.Join(t.TempDir(), "excess.csv")
	code, stdout, stderr := runCLI(t, "excess", "-in", "../../excess/testdata/world_mortality_subset.csv", "-out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote the excess deaths of 7 countries") {
		t.Errorf("stdout %q", stdout)
	}
	b, err := os.ReadFile("../../excess/testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Expected map[string]struct {
			Excess float64  `json:"excess_deaths"`
			SD     *float64 `json:"excess_deaths_std"`
			Pct    float64  `json:"excess_pct_of_annual_baseline"`
		} `json:"expected"`
		Tolerance struct {
			Excess float64 `json:"excess_deaths"`
			SD     float64 `json:"excess_deaths_std"`
			Pct    float64 `json:"excess_pct_of_annual_baseline"`
		} `json:"tolerance"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "country,excess_deaths,excess_deaths_sd,excess_pct_of_annual_baseline" {
		t.Fatalf("header %q", got)
	}
	if len(rows)-1 != len(o.Expected) {
		t.Fatalf("%d countries written, %d published", len(rows)-1, len(o.Expected))
	}
	for _, r := range rows[1:] {
		want, ok := o.Expected[r[0]]
		if !ok {
			t.Fatalf("unexpected country %q", r[0])
		}
		near := func(what, cell string, want, tol float64) {
			got, err := strconv.ParseFloat(cell, 64)
			if err != nil || !(math.Abs(got-want) <= tol) {
				t.Errorf("%s: %s %q, published %v (tolerance %v)", r[0], what, cell, want, tol)
			}
		}
		near("excess_deaths", r[1], want.Excess, o.Tolerance.Excess)
		near("excess_pct_of_annual_baseline", r[3], want.Pct, o.Tolerance.Pct)
		if want.SD == nil {
			if r[2] != "" {
				t.Errorf("%s: sd %q, published nan (an empty cell)", r[0], r[2])
			}
		} else {
			near("excess_deaths_sd", r[2], *want.SD, o.Tolerance.SD)
		}
	}

	// Without the paper's corrections Armenia keeps its 4000 war deaths.
	code, stdout, stderr = runCLI(t, "excess", "-in", "../../excess/testdata/world_mortality_subset.csv", "-out", "-", "-corrections", "none")
	if code != 0 || !strings.Contains(stdout, "\nArmenia,12340.4,") {
		t.Errorf("-corrections none: exit %d, %s\n%s", code, stderr, stdout)
	}
}

func TestExcessErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("country_name,year,time,time_unit,deaths\nA,2019,1,monthly,10\nA,2019,2,monthly,x\n"), 0o600)
	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte("country_name,year,time,time_unit,deaths\nA,2019,1,monthly,10\nA,2020,1,monthly,10\n"), 0o600)
	out := filepath.Join(dir, "out.csv")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-in", bad}, 2, "-in and -out are required"},
		{[]string{"-in", bad, "-out", out}, 1, bad + ` line 3: deaths "x" is not a count`},
		{[]string{"-in", short, "-out", out}, 1, short + ": A: period 2 has no observation in the baseline years"},
		{[]string{"-in", filepath.Join(dir, "none.csv"), "-out", out}, 1, "none.csv"},
		{[]string{"-in", bad, "-out", out, "-baseline", "2019"}, 2, `-baseline "2019" is not FROM-TO`},
		{[]string{"-in", bad, "-out", out, "-corrections", "some"}, 2, `-corrections "some"`},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, append([]string{"excess"}, c.args...)...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d", c.args, code, c.code)
		}
		oneLine(t, stderr, c.want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s: %v", out, err)
	}
}
