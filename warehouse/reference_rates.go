package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"sort"

	"github.com/duckdb/duckdb-go/v2"

	"vitalstats/refdata"
	"vitalstats/warehouse/demog"
)

// The reference life tables: annual death rates by sex and abridged age
// (0, 1-4 … 80-84, 85+) from UN WPP 2024's five-year periods, with infant
// and child mortality set to UN IGME's where IGME has the year. They give the
// expected deaths against which registration is measured, 5q0 for
// Adair-Lopez and survival for the completeness-adjusted NRR.

func init() {
	methods = append(methods, model{name: "int_reference_rates", layer: layerMethods, method: buildReferenceRates})
}

// Bases of the reference rates (the `basis` vocabulary of DESIGN.md section 7).
const (
	basisWPP  = "reference_wpp2024"
	basisIGME = "reference_igme2024"
	basisSite = "reference_site" // a site's own file replaced the reference
)

// z90 turns IGME's 90% bounds into a standard error on the log scale.
const z90 = 1.6448536

// defaultSRB is the sex ratio at birth (males per female) for a year WPP's annual series
// lacks; WPP 2024 gives 1.05 for Cambodia in every year.
const defaultSRB = 1.05

// refInputs are the reference files as loaded (ref_wpp_mx, ref_igme, ref_wpp_annual).
type refInputs struct {
	mx   []refdata.WPPMx
	igme []refdata.IGMEEstimate
	srb  map[int]float64 // males per female births, by year
}

// refLifeTable is the reference life table of one year and sex.
type refLifeTable struct {
	year int
	sex  string
	lt   *demog.LifeTable // groups 0, 1-4, 5-9 … 80-84, 85+; radix 1
	// under5 is the basis of the rates under five: IGME's (scaled by sex) or WPP's.
	under5 string
	// seQ0 and seQ5 are the standard errors of log 1q0 and log 5q0 from IGME's bounds (0
	// without IGME or without bounds); 4q1 takes seQ5, IGME's IMR and U5MR moving together.
	seQ0, seQ5 float64
}

// referenceLifeTables interpolates the WPP rates to every calendar year between the first and
// the last period midpoint (log-linear in time, linear where a rate is 0), opens the 85+ group
// and, when useIGME, scales the rates under five to IGME's IMR and U5MR where IGME has both.
// Years outside the periods get no table: nothing is extrapolated.
func referenceLifeTables(in refInputs, useIGME bool) ([]refLifeTable, error) {
	type period struct {
		mid float64
		mx  []float64
	}
	periods := map[string][]period{}
	var starts []int // the age grid, the same for every period and sex (LoadWPPMx checks it)
	byPeriod := map[string]int{}
	for _, r := range in.mx {
		key := fmt.Sprintf("%s %d %d", r.Sex, r.PeriodStart, r.PeriodEnd)
		i, ok := byPeriod[key]
		if !ok {
			i = len(periods[r.Sex])
			byPeriod[key] = i
			periods[r.Sex] = append(periods[r.Sex], period{mid: r.Mid()})
		}
		periods[r.Sex][i].mx = append(periods[r.Sex][i].mx, r.Mx)
		if r.Sex == in.mx[0].Sex && r.PeriodStart == in.mx[0].PeriodStart && r.PeriodEnd == in.mx[0].PeriodEnd {
			starts = append(starts, r.AgeStart)
		}
	}
	if len(starts) < 3 || starts[0] != 0 || starts[1] != 1 || starts[len(starts)-1] < lifeTableOpenAge {
		return nil, fmt.Errorf("reference rates: age groups start %v; want 0, 1-4, 5-year groups and an open group from 85", starts)
	}
	full, err := demog.AbridgedGroups(starts[len(starts)-1])
	if err != nil {
		return nil, err
	}
	groups, err := demog.AbridgedGroups(lifeTableOpenAge)
	if err != nil {
		return nil, err
	}
	type igmeYear struct{ imr, u5mr refdata.IGMEEstimate }
	igme := map[int]*igmeYear{}
	for _, e := range in.igme {
		y := igme[e.Year]
		if y == nil {
			y = &igmeYear{}
			igme[e.Year] = y
		}
		switch e.Indicator {
		case "imr":
			y.imr = e
		case "u5mr":
			y.u5mr = e
		}
	}

	first, last := math.Inf(-1), math.Inf(1)
	for _, sex := range []string{"M", "F"} {
		ps := periods[sex]
		if len(ps) == 0 {
			return nil, fmt.Errorf("reference rates: no WPP rates for sex %s", sex)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].mid < ps[j].mid })
		first, last = math.Max(first, ps[0].mid), math.Min(last, ps[len(ps)-1].mid)
	}
	var out []refLifeTable
	for year := int(math.Ceil(first)); float64(year) <= last; year++ {
		var pair [2]refLifeTable
		for s, sex := range []string{"M", "F"} {
			mx := interpolate(periods[sex], float64(year), func(p period) (float64, []float64) { return p.mid, p.mx })
			dsex := demog.Male
			if sex == "F" {
				dsex = demog.Female
			}
			lt, err := demog.NewLifeTable(full, mx, demog.Options{Sex: dsex, Rule: demog.AxUN, Radix: 1})
			if err != nil {
				return nil, fmt.Errorf("reference rates %d %s: %w", year, sex, err)
			}
			// 85+: the rate of the stationary population above 85 of the year's own
			// table, l85 / T85 = 1 / e85, so the abridged table keeps e85 (and e0).
			open := len(groups) - 1
			mx85 := append(mx[:open:open], 1/lt.Ex[open])
			if lt, err = demog.NewLifeTable(groups, mx85, demog.Options{Sex: dsex, Rule: demog.AxUN, Radix: 1}); err != nil {
				return nil, fmt.Errorf("reference rates %d %s: %w", year, sex, err)
			}
			pair[s] = refLifeTable{year: year, sex: sex, lt: lt, under5: basisWPP}
		}
		if g := igme[year]; useIGME && g != nil && g.imr.Value > 0 && g.u5mr.Value > 0 {
			srb := in.srb[year]
			if !(srb > 0) {
				srb = defaultSRB
			}
			if err := scaleUnder5(&pair, g.imr, g.u5mr, srb); err != nil {
				return nil, fmt.Errorf("reference rates %d: %w", year, err)
			}
		}
		out = append(out, pair[0], pair[1])
	}
	return out, nil
}

// interpolate returns the rates of year t from the periods (sorted by midpoint) that bracket
// it: log-linear in time between the two midpoints, linear where either rate is 0.
func interpolate[P any](ps []P, t float64, at func(P) (float64, []float64)) []float64 {
	k := sort.Search(len(ps), func(i int) bool { m, _ := at(ps[i]); return m >= t })
	m1, r1 := at(ps[k])
	if m1 == t || k == 0 {
		return append([]float64(nil), r1...)
	}
	m0, r0 := at(ps[k-1])
	w := (t - m0) / (m1 - m0)
	out := make([]float64, len(r1))
	for i := range out {
		if r0[i] > 0 && r1[i] > 0 {
			out[i] = math.Exp((1-w)*math.Log(r0[i]) + w*math.Log(r1[i]))
		} else {
			out[i] = (1-w)*r0[i] + w*r1[i]
		}
	}
	return out
}

// scaleUnder5 sets both sexes' 1q0 and 5q0 to IGME's IMR and U5MR, keeping WPP's ratio of
// the sexes: q(s) = IGME × q_WPP(s) / q_WPP(both), where the both-sexes value weights the
// sexes by their births (srb males per female). 4M1 follows from 4q1 = 1 − (1−5q0)/(1−q0)
// with the UN rule's 4a1, and the table takes q0 as given (as the warehouse's own tables do).
func scaleUnder5(pair *[2]refLifeTable, imr, u5mr refdata.IGMEEstimate, srb float64) error {
	both := func(f func(*demog.LifeTable) float64) float64 {
		return (srb*f(pair[0].lt) + f(pair[1].lt)) / (1 + srb)
	}
	q0 := func(lt *demog.LifeTable) float64 { return lt.Qx[0] }
	q5 := func(lt *demog.LifeTable) float64 { return 1 - lt.Px[0]*lt.Px[1] }
	k0, k5 := imr.Value/1000/both(q0), u5mr.Value/1000/both(q5)
	se0, se5 := logSE90(imr), logSE90(u5mr)
	for s := range pair {
		p := &pair[s]
		sex := demog.Male
		if p.sex == "F" {
			sex = demog.Female
		}
		newQ0, newQ5 := k0*q0(p.lt), k5*q5(p.lt)
		if !(newQ0 > 0 && newQ0 < newQ5 && newQ5 < 1) {
			return fmt.Errorf("IGME IMR %g and U5MR %g give 1q0 %g and 5q0 %g for sex %s", imr.Value, u5mr.Value, newQ0, newQ5, p.sex)
		}
		q1 := 1 - (1-newQ5)/(1-newQ0)
		_, a1, err := demog.UNChildAx(sex, newQ0)
		if err != nil {
			return err
		}
		mx := append([]float64(nil), p.lt.Mx...)
		mx[1] = q1 / (4 - (4-a1)*q1)
		lt, err := demog.NewLifeTable(p.lt.Groups, mx, demog.Options{Sex: sex, Rule: demog.AxUN, Radix: 1, IMR: newQ0})
		if err != nil {
			return err
		}
		p.lt, p.under5, p.seQ0, p.seQ5 = lt, basisIGME, se0, se5
	}
	return nil
}

// logSE90 is the standard error of the log of an IGME estimate from its 90% bounds (0 when
// the file has none).
func logSE90(e refdata.IGMEEstimate) float64 {
	if !(e.Lower > 0 && e.Upper > 0) {
		return 0
	}
	return math.Log(e.Upper/e.Lower) / (2 * z90)
}

// buildReferenceRates writes int_reference_rates: the reference life table of every year the
// WPP periods cover, by sex and abridged age group (radix 1), with the basis of each group's
// rate and the standard error of its log (log_se: IGME's uncertainty under five, 0 above,
// where WPP publishes none).
func buildReferenceRates(ctx context.Context, conn *sql.Conn) error {
	in, site, err := readRefInputs(ctx, conn)
	if err != nil {
		return err
	}
	tables, err := referenceLifeTables(in, true)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `create or replace table int_reference_rates (year integer, sex varchar,
		age_group varchar, age_start integer, width integer, mx double, ax double, qx double, lx double, nlx double,
		ex double, log_se double, basis varchar)`); err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "int_reference_rates")
		if err != nil {
			return err
		}
		for _, t := range tables {
			for i, g := range t.lt.Groups {
				basis, se := basisWPP, 0.0
				switch {
				case g.Start == 0:
					basis, se = t.under5, t.seQ0
				case g.Start == 1:
					basis, se = t.under5, t.seQ5
				}
				if site[basis] {
					basis = basisSite
				}
				if err := app.AppendRow(int32(t.year), t.sex, ageLabel(g), int32(g.Start), int32(g.Width), t.lt.Mx[i], t.lt.Ax[i],
					t.lt.Qx[i], t.lt.Lx[i], t.lt.NLx[i], t.lt.Ex[i], se, basis); err != nil {
					app.Close()
					return err
				}
			}
		}
		return app.Close()
	})
}

// readRefInputs reads the reference tables back from DuckDB (LoadReference parsed and
// checked their files), and which of them are a site's own file.
func readRefInputs(ctx context.Context, conn *sql.Conn) (refInputs, map[string]bool, error) {
	var in refInputs
	rows, err := conn.QueryContext(ctx, `select period_start, period_end, sex, age_start, coalesce(age_end, -1), mx
		from ref_wpp_mx order by sex, period_start, period_end, age_start`)
	if err != nil {
		return in, nil, err
	}
	for rows.Next() {
		var m refdata.WPPMx
		if err := rows.Scan(&m.PeriodStart, &m.PeriodEnd, &m.Sex, &m.AgeStart, &m.AgeEnd, &m.Mx); err != nil {
			rows.Close()
			return in, nil, err
		}
		in.mx = append(in.mx, m)
	}
	if err := rows.Close(); err != nil {
		return in, nil, err
	}
	rows, err = conn.QueryContext(ctx, `select year, indicator, value, coalesce(lower, 'nan'::double), coalesce(upper, 'nan'::double)
		from ref_igme where sex = 'T'`)
	if err != nil {
		return in, nil, err
	}
	for rows.Next() {
		e := refdata.IGMEEstimate{Sex: "T"}
		if err := rows.Scan(&e.Year, &e.Indicator, &e.Value, &e.Lower, &e.Upper); err != nil {
			rows.Close()
			return in, nil, err
		}
		in.igme = append(in.igme, e)
	}
	if err := rows.Close(); err != nil {
		return in, nil, err
	}
	in.srb = map[int]float64{}
	rows, err = conn.QueryContext(ctx, `select year, srb_males_per_female from ref_wpp_annual`)
	if err != nil {
		return in, nil, err
	}
	for rows.Next() {
		var y int
		var srb float64
		if err := rows.Scan(&y, &srb); err != nil {
			rows.Close()
			return in, nil, err
		}
		in.srb[y] = srb
	}
	if err := rows.Close(); err != nil {
		return in, nil, err
	}
	site := map[string]bool{}
	for basis, table := range map[string]string{basisWPP: "ref_wpp_mx", basisIGME: "ref_igme"} {
		var s bool
		if err := conn.QueryRowContext(ctx, `select site from ref_files where table_name = ?`, table).Scan(&s); err != nil {
			return in, nil, fmt.Errorf("ref_files %s: %w", table, err)
		}
		site[basis] = s
	}
	return in, site, nil
}
