package refdata

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestWPPMx(t *testing.T) {
	rows, err := Source{}.LoadWPPMx()
	if err != nil {
		t.Fatal(err)
	}
	// 8 periods 1995-2000 … 2030-2035 × 2 sexes × 22 groups (0, 1-4, 5-9 … 95-99, 100+).
	if len(rows) != 352 {
		t.Fatalf("%d rows, want 352", len(rows))
	}
	first, last := rows[0], rows[len(rows)-1]
	if first.PeriodStart != 1995 || first.PeriodEnd != 2000 || first.Sex != "M" || first.AgeStart != 0 || first.AgeEnd != 0 ||
		first.Mx != 0.09849345 || first.Mid() != 1997.5 {
		t.Errorf("first row %+v", first)
	}
	if !last.Open() || last.AgeStart != 100 || last.PeriodEnd != 2035 {
		t.Errorf("last row %+v: want the open group 100+ of a period ending 2035", last)
	}
}

func TestIGME(t *testing.T) {
	rows, err := Source{}.LoadIGME()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 75 {
		t.Fatalf("%d rows, want 75 (imr, u5mr, nmr for 2000-2024)", len(rows))
	}
	for _, r := range rows {
		if r.Year == 2000 && r.Indicator == "imr" && (r.Value != 91.951 || r.Lower != 84.470 || r.Upper != 100.09) {
			t.Errorf("IMR 2000 = %+v, want 91.951 (84.470-100.09)", r)
		}
		if r.Year == 2024 && r.Indicator == "u5mr" && r.Value != 22.897 {
			t.Errorf("U5MR 2024 = %g, want 22.897", r.Value)
		}
	}
}

func TestReferenceMortalityOverrides(t *testing.T) {
	header := strings.Join(wppMxColumns, ",") + "\n"
	// A calendar-year file (period_end = period_start), open at 85.
	var b strings.Builder
	b.WriteString(header)
	for _, sex := range []string{"M", "F"} {
		for _, y := range []string{"2010", "2011"} {
			b.WriteString(y + "," + y + "," + sex + ",0,0,0.03\n")
			b.WriteString(y + "," + y + "," + sex + ",1,4,0.002\n")
			for a := 5; a < 85; a += 5 {
				b.WriteString(y + "," + y + "," + sex + "," + strconv.Itoa(a) + "," + strconv.Itoa(a+4) + ",0.004\n")
			}
			b.WriteString(y + "," + y + "," + sex + ",85,,0.2\n")
		}
	}
	good := b.String()
	site := writeFile(t, good)
	rows, err := Source{Overrides: map[string]string{FileWPPMx: site}}.LoadWPPMx()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2*2*19 || rows[0].Mid() != 2010 {
		t.Errorf("%d rows, first midpoint %g; want 76 rows, 2010", len(rows), rows[0].Mid())
	}
	for _, tc := range []struct{ name, content, want string }{
		{"gap", strings.Replace(good, "2010,2010,M,5,9,", "2010,2010,M,10,14,", 1), "line 4, column 4 (age_start): group 10-14 does not continue"},
		{"wide group", strings.Replace(good, "2010,2010,M,5,9,", "2010,2010,M,5,14,", 1), "group 5-14 does not continue"},
		{"no open group", strings.Replace(good, "2010,2010,M,85,,0.2\n", "", 1), "ends with age 80; want an open group"},
		{"negative", strings.Replace(good, "2010,2010,M,1,4,0.002", "2010,2010,M,1,4,-0.002", 1), "(mx): -0.002 is negative"},
		{"open zero", strings.Replace(good, "2010,2010,M,85,,0.2", "2010,2010,M,85,,0", 1), "the open group needs a positive rate"},
		{"backwards", strings.ReplaceAll(good, "2011,2011,", "2011,2009,"), "(period_end): 2009 is before period_start 2011"},
		{"overlap", strings.ReplaceAll(good, "2011,2011,", "2008,2012,"), "overlaps"},
		{"not a number", strings.Replace(good, "0.03", "0,03", 1), "wrong number of fields"},
		{"sex", strings.Replace(good, "2010,2010,M,0,0", "2010,2010,T,0,0", 1), "(sex): \"T\" is not one of M, F"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.content)
			_, err := Source{Overrides: map[string]string{FileWPPMx: p}}.LoadWPPMx()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want one naming %s and %q", err, p, tc.want)
			}
		})
	}

	igme := strings.Join(igmeColumns, ",") + "\n2010,imr,T,30,,,site\n2010,u5mr,T,40,35,46,site\n"
	p := writeFile(t, igme)
	est, err := Source{Overrides: map[string]string{FileIGME: p}}.LoadIGME()
	if err != nil {
		t.Fatal(err)
	}
	if len(est) != 2 || !math.IsNaN(est[0].Lower) || est[1].Upper != 46 {
		t.Errorf("site IGME file read as %+v", est)
	}
	for _, tc := range []struct{ name, content, want string }{
		{"u5mr below imr", strings.Replace(igme, "2010,imr,T,30", "2010,imr,T,41", 1), "U5MR 40 is below IMR 41"},
		{"above 1000", strings.Replace(igme, "2010,imr,T,30", "2010,imr,T,1030", 1), "(value): 1030 is not a rate per 1,000"},
		{"bounds", strings.Replace(igme, "40,35,46", "40,41,46", 1), "(lower): 41 is not in (0, value 40]"},
		{"twice", igme + "2010,imr,T,31,,,site\n", "a second imr for 2010"},
		{"nmr", igme + "2010,nmr,T,31,,,site\n", "NMR 31 exceeds IMR 30"},
		{"by sex", strings.Replace(igme, "2010,imr,T", "2010,imr,M", 1), "(sex): \"M\" is not one of T"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.content)
			_, err := Source{Overrides: map[string]string{FileIGME: p}}.LoadIGME()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want one naming %s and %q", err, p, tc.want)
			}
		})
	}
}
