package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"vitalstats/excess"
	"vitalstats/nowcast"
)

// Mortality surveillance (docs/methods.md section 16): deaths by ISO week
// and by month of occurrence, the nowcast of the periods whose
// registrations are still arriving (package nowcast, on the reporting
// triangles of current registrations), and the expected deaths and excess
// of each period from the earlier years (package excess, on the
// nowcast-corrected counts). SQL aggregates the deaths, Go fits, the table
// int_surveillance holds the result and the indicator surveillance
// publishes it.

// minExpectedPScore is the smallest expected count a P-score is published
// for: over an expectation of 2 deaths one more is +50%, and the interval
// of a province's month ran to millions of percent on the demo. The excess
// itself (a count, with its interval) is kept.
const minExpectedPScore = 20

func init() {
	methods = append(methods, model{name: "int_surveillance", layer: layerMethods, method: buildSurveillance,
		needs: []string{"int_deaths_current", "int_completeness_best"}})
}

const (
	// survYears target years get expected deaths and excess: as_of's
	// (of the last complete period) and the ones before it.
	survYears = 5
	// survBaselineYears earlier years make the baseline of a target year;
	// with fewer than survMinBaselineYears of data it has none.
	survBaselineYears    = 5
	survMinBaselineYears = 3
	// survPoolBelow: a series with fewer current registrations than this
	// in its reporting triangle takes its delay from the nation's.
	survPoolBelow = 200
	// survCompletenessLow and survCompletenessShift flag excess that
	// registration completeness makes unreliable: completeness below 0.7
	// in the period's year, or changed by more than 10% (relative) from the
	// baseline years' mean (a change of completeness looks like excess).
	survCompletenessLow   = 0.7
	survCompletenessShift = 0.10
)

// survAgeGroups are the broad age groups of the table besides 'all'.
var survAgeGroups = []string{"0-4", "5-14", "15-44", "45-64", "65+"}

// survUnit is one period type: its nowcast triangle has delays 0..maxDelay
// periods and rows reference periods (baselinenowcast's default allocation
// uses 3 × maxDelay).
type survUnit struct {
	name     string
	nc       nowcast.Unit
	ex       excess.Unit
	maxDelay int
	rows     int
}

var survUnits = []survUnit{
	{name: "week", nc: nowcast.Week, ex: excess.Weekly, maxDelay: 26, rows: 78},
	{name: "month", nc: nowcast.Month, ex: excess.Monthly, maxDelay: 12, rows: 36},
}

// survEpochMonday is a Monday: week indices count 7-day blocks from it, as
// package nowcast's do.
var survEpochMonday = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

// index is the period holding day t.
func (u survUnit) index(t time.Time) int {
	if u.name == "week" {
		days := int(math.Floor(t.Sub(survEpochMonday).Hours() / 24))
		return int(math.Floor(float64(days) / 7))
	}
	return t.Year()*12 + int(t.Month()) - 1
}

// start is the first day of period p.
func (u survUnit) start(p int) time.Time {
	if u.name == "week" {
		return survEpochMonday.AddDate(0, 0, 7*p)
	}
	return time.Date(p/12, time.Month(p%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// label is period p's year, number (ISO week or month) and text.
func (u survUnit) label(p int) (year, no int, text string) {
	s := u.start(p)
	if u.name == "week" {
		year, no = s.ISOWeek()
		return year, no, fmt.Sprintf("%d-W%02d", year, no)
	}
	return s.Year(), int(s.Month()), fmt.Sprintf("%d-%02d", s.Year(), int(s.Month()))
}

// survInput counts the deaths (each once) of occurrence from $1 to as_of
// that had arrived in the electronic registry by as_of, by period type,
// period of occurrence, place of residence, sex, broad age group and the
// period of arrival: a current (ICT) registration arrives when it is
// registered, a paper record when it is digitized (on its paper
// registration date if that is not known). Most deaths are registered on
// paper and digitized weeks or months later: what a recent period still
// lacks is mostly paper records not yet typed in, so the reporting triangles
// count arrivals of both; the old backlog, digitized more than the maximum
// delay after the death, is counted when it arrives and not predicted (it
// is Late to the triangle, as in baselinenowcast's max_delay).
// surveillance_delay keeps the two kinds' delays apart. The arrival period
// is kept for the reporting triangles' periods (occurrence from $2 for
// weeks, $3 for months) only.
const survInput = `
with deaths as (
    select date_of_death as dod,
           greatest(date_of_death, case when provenance = 'ict' then registration_date
                                        else coalesce(digitized_at::date, registration_date) end) as arrival,
           province_code, sex,
           case when coalesce(infant, false) or age_years < 5 then '0-4'
                when age_years < 15 then '5-14'
                when age_years < 45 then '15-44'
                when age_years < 65 then '45-64'
                when age_years >= 65 then '65+' end as age_group
    from int_deaths_current
    where date_of_death between $1::date and getvariable('as_of')::date
),
arrived as (
    select * from deaths where arrival <= getvariable('as_of')::date
),
periods as (
    select 'week' as unit, date_trunc('week', dod)::date as ref, date_trunc('week', arrival)::date as arr, * from arrived
    union all
    select 'month', date_trunc('month', dod)::date, date_trunc('month', arrival)::date, * from arrived
)
select unit, ref,
       case when ref >= case unit when 'week' then $2::date else $3::date end then arr end as arr,
       province_code, sex, age_group, count(*) as n
from periods
group by all`

// survCompletenessInput is the completeness of death registration by year,
// area and the band of each broad age group (0-4: the lower of '0' and '1-4'),
// with its 95% interval.
const survCompletenessInput = `
select year, area_code, 'all' as age_group, value, ci_low, ci_high from int_completeness_best where event_type = 'death' and age_band = 'all'
union all
select year, area_code, '0-4', min(value), arg_min(ci_low, value), arg_min(ci_high, value) from int_completeness_best
where event_type = 'death' and age_band in ('0', '1-4')
group by all having count(value) = 2
union all
select c.year, c.area_code, g.age_group, c.value, c.ci_low, c.ci_high from int_completeness_best as c
cross join (values ('5-14'), ('15-44'), ('45-64'), ('65+')) as g(age_group)
where c.event_type = 'death' and c.age_band = '5+'`

type survKey struct {
	area, sex, age string
}

// survNational is the nation's series of all deaths, the last pool.
var survNational = survKey{"KH", "T", "all"}

// parallel calls fn(0) ... fn(n-1) on every core.
func parallel(n int, fn func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// survSeries is one unit's counts of one area, sex and age group.
type survSeries struct {
	observed map[int]float64 // period -> deaths arrived by as_of (current and backlog)
	recs     []nowcast.Record
	after    map[int]float64 // deaths of a triangle row arrived after its last complete period, within maxDelay
	tri      *nowcast.Built
	current  float64 // deaths in the triangle (arrived within maxDelay)
}

type logKey struct{}

// withLog carries the build's logger to the Go methods.
func withLog(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, logKey{}, log)
}

func logOf(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(logKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// buildSurveillance writes int_surveillance.
func buildSurveillance(ctx context.Context, conn *sql.Conn) error {
	t0 := time.Now()
	if _, err := conn.ExecContext(ctx, `create or replace table int_surveillance (
		period_type varchar, period varchar, year integer, period_no integer, area_code varchar, sex varchar, age_group varchar,
		observed bigint, nowcast double, nowcast_low double, nowcast_high double,
		expected double, expected_low double, expected_high double,
		excess double, excess_low double, excess_high double,
		p_score double, p_score_low double, p_score_high double,
		completeness double, excess_adjusted double, excess_adjusted_low double, excess_adjusted_high double,
		status varchar, flags varchar[])`); err != nil {
		return err
	}
	var asOf time.Time
	var first sql.NullTime
	if err := conn.QueryRowContext(ctx, `select getvariable('as_of')::date, min(date_of_death) from int_deaths_current
		where date_of_death <= getvariable('as_of')::date`).Scan(&asOf, &first); err != nil {
		return err
	}
	if !first.Valid {
		return nil // no deaths: nothing to watch
	}
	// The first year the data cover whole (a registry that starts in
	// March has no January to fit).
	firstYear := first.Time.Year()
	if first.Time.YearDay() > 7 {
		firstYear++
	}
	type unitState struct {
		survUnit
		last, p0 int // the last complete period and the triangle's first row
		years    [2]int
		series   map[survKey]*survSeries
	}
	var units []*unitState
	for _, u := range survUnits {
		// the last period whose every day is on or before as_of
		last := u.index(asOf.AddDate(0, 0, 1)) - 1
		s := &unitState{survUnit: u, last: last, p0: last - u.rows + 1, series: map[survKey]*survSeries{}}
		y, _, _ := u.label(last)
		s.years = [2]int{y - survYears + 1, y}
		units = append(units, s)
	}
	from := time.Date(units[0].years[0]-survBaselineYears-1, 12, 1, 0, 0, 0, 0, time.UTC)
	rows, err := conn.QueryContext(ctx, survInput, from, units[0].start(units[0].p0), units[1].start(units[1].p0))
	if err != nil {
		return err
	}
	for rows.Next() {
		var unit, sex string
		var ref time.Time
		var arr sql.NullTime
		var prov, age sql.NullString
		var n float64
		if err := rows.Scan(&unit, &ref, &arr, &prov, &sex, &age, &n); err != nil {
			rows.Close()
			return err
		}
		u := units[0]
		if unit == "month" {
			u = units[1]
		}
		p := u.index(ref)
		if p > u.last {
			continue // the period of as_of, not over yet
		}
		areas, sexes, ages := []string{"KH"}, []string{"T"}, []string{"all"}
		if prov.Valid && prov.String != "99" {
			areas = append(areas, prov.String)
		}
		if sex == "M" || sex == "F" {
			sexes = append(sexes, sex)
		}
		if age.Valid {
			ages = append(ages, age.String)
		}
		for _, a := range areas {
			for _, x := range sexes {
				for _, g := range ages {
					k := survKey{a, x, g}
					s := u.series[k]
					if s == nil {
						s = &survSeries{observed: map[int]float64{}, after: map[int]float64{}}
						u.series[k] = s
					}
					s.observed[p] += n
					if !arr.Valid {
						continue
					}
					switch d := u.index(arr.Time) - p; {
					case u.index(arr.Time) > u.last:
						if d <= u.maxDelay {
							s.after[p] += n
						}
					default:
						s.recs = append(s.recs, nowcast.Record{Reference: ref, Report: arr.Time, Count: n})
						if d <= u.maxDelay {
							s.current += n
						}
					}
				}
			}
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	completeness, err := readSurvCompleteness(ctx, conn)
	if err != nil {
		return err
	}
	logOf(ctx).Debug("surveillance input read", "elapsed", time.Since(t0).Round(time.Millisecond))
	var out []survRow
	var nSeries, nPooled, nFailed int
	for _, u := range units {
		keys := slices.SortedFunc(func(yield func(survKey) bool) {
			for k := range u.series {
				if !yield(k) {
					return
				}
			}
		}, func(a, b survKey) int {
			return strings.Compare(a.area+"|"+a.sex+"|"+a.age, b.area+"|"+b.sex+"|"+b.age)
		})
		lastDay := u.start(u.last+1).AddDate(0, 0, -1)
		cache := map[survKey]*nowcast.Result{}
		for _, k := range keys {
			s := u.series[k]
			if s.tri, err = nowcast.Build(s.recs, u.nc, u.start(u.p0), lastDay, u.maxDelay); err != nil {
				return fmt.Errorf("surveillance %s %s %s %s: %w", u.name, k.area, k.sex, k.age, err)
			}
		}
		// The nation's series, which the small series pool with, are
		// nowcast first; then every series on every core, each writing
		// its own slot (the rows stay in key order).
		var pools []survKey
		for _, k := range keys {
			if p := u.series[k]; k.area == "KH" && (p.current >= survPoolBelow || k == survNational) {
				pools = append(pools, k)
			}
		}
		poolRes := make([]*nowcast.Result, len(pools))
		parallel(len(pools), func(i int) {
			if r, err := nowcast.Nowcast(u.series[pools[i]].tri.Triangle, nowcast.Options{}); err == nil {
				poolRes[i] = r
			}
		})
		for i, k := range pools {
			cache[k] = poolRes[i]
		}
		type result struct {
			rows   []survRow
			pooled bool
			err    error
		}
		res := make([]result, len(keys))
		parallel(len(keys), func(i int) {
			k := keys[i]
			s := u.series[k]
			nc, pooled, err := survNowcast(s, u.series, k, cache)
			res[i] = result{survSeriesRows(u.survUnit, u.last, u.p0, u.years, firstYear, k, s, nc, pooled, completeness), pooled, err}
		})
		for i, r := range res {
			nSeries++
			if r.pooled {
				nPooled++
			}
			if r.err != nil {
				nFailed++
				k := keys[i]
				logOf(ctx).Debug("surveillance: no nowcast", "unit", u.name, "area", k.area, "sex", k.sex, "age", k.age, "err", r.err)
			}
			out = append(out, r.rows...)
		}
	}
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "int_surveillance")
		if err != nil {
			return err
		}
		for _, r := range out {
			flags := make([]any, len(r.flags))
			for i, f := range r.flags {
				flags[i] = f
			}
			if err := app.AppendRow(r.unit, r.period, int32(r.year), int32(r.no), r.key.area, r.key.sex, r.key.age,
				int64(r.observed), nullNaN(r.nowcast), nullNaN(r.nowcastLo), nullNaN(r.nowcastHi),
				nullNaN(r.expected), nullNaN(r.expectedLo), nullNaN(r.expectedHi),
				nullNaN(r.excess), nullNaN(r.excessLo), nullNaN(r.excessHi),
				nullNaN(r.pScore), nullNaN(r.pScoreLo), nullNaN(r.pScoreHi),
				nullNaN(r.completeness), nullNaN(r.adjusted), nullNaN(r.adjustedLo), nullNaN(r.adjustedHi), r.status, flags); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err != nil {
		return err
	}
	logOf(ctx).Info("surveillance models", "series", nSeries, "pooled_delay", nPooled, "no_nowcast", nFailed,
		"rows", len(out), "elapsed", time.Since(t0).Round(time.Millisecond))
	return nil
}

type survCompletenessKey struct {
	year      int
	area, age string
}

// survCompleteness is a completeness estimate and its 95% interval (the
// estimate itself at an end the method gives no interval for).
type survCompleteness struct{ value, low, high float64 }

func readSurvCompleteness(ctx context.Context, conn *sql.Conn) (map[survCompletenessKey]survCompleteness, error) {
	rows, err := conn.QueryContext(ctx, survCompletenessInput)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[survCompletenessKey]survCompleteness{}
	for rows.Next() {
		var k survCompletenessKey
		var v, lo, hi sql.NullFloat64
		if err := rows.Scan(&k.year, &k.area, &k.age, &v, &lo, &hi); err != nil {
			return nil, err
		}
		if v.Valid && v.Float64 > 0 {
			c := survCompleteness{v.Float64, v.Float64, v.Float64}
			if lo.Valid && lo.Float64 > 0 && lo.Float64 <= c.value {
				c.low = lo.Float64
			}
			if hi.Valid && hi.Float64 >= c.value {
				c.high = hi.Float64
			}
			out[k] = c
		}
	}
	return out, rows.Err()
}

// survNowcast nowcasts one series. A series with few deaths in its
// triangle takes its delay and its dispersion from the nation's series of
// its sex and age group, or, if that is small too, from the nation's deaths
// of all ages and both sexes (however few: the most there is), as
// baselinenowcast's strata_sharing = c("delay", "uncertainty") does: the
// nowcast of a pool is made once (cache) and its estimates applied to the
// series' own counts.
func survNowcast(s *survSeries, all map[survKey]*survSeries, k survKey, cache map[survKey]*nowcast.Result) (*nowcast.Result, bool, error) {
	if s.current >= survPoolBelow {
		if r := cache[k]; r != nil {
			return r, false, nil // a pool's, the same estimate
		}
		res, err := nowcast.Nowcast(s.tri.Triangle, nowcast.Options{})
		return res, false, err
	}
	for _, pk := range []survKey{{"KH", k.sex, k.age}, survNational} {
		p := all[pk]
		if p == nil || pk == k || (p.current < survPoolBelow && pk != survNational) {
			continue
		}
		pr := cache[pk] // read only: filled before the series run in parallel
		if pr == nil {
			continue
		}
		res, err := nowcast.Nowcast(s.tri.Triangle, nowcast.Options{DelayPMF: pr.PMF, Dispersion: pr.Dispersion,
			NHistoryDelay: pr.NHistoryDelay, NRetro: pr.NRetro})
		return res, true, err
	}
	res, err := nowcast.Nowcast(s.tri.Triangle, nowcast.Options{})
	return res, false, err
}

type survRow struct {
	unit, period            string
	year, no                int
	key                     survKey
	observed                float64
	nowcast, nowcastLo      float64
	nowcastHi               float64
	expected, expectedLo    float64
	expectedHi              float64
	excess, excessLo        float64
	excessHi                float64
	pScore, pScoreLo        float64
	pScoreHi                float64
	completeness            float64
	adjusted, adjustedLo    float64 // the excess divided by completeness
	adjustedHi              float64
	status                  string
	flags                   []string
	halfLo, halfHi          float64 // the nowcast's interval half-widths
	hasNowcast, hasExpected bool
}

// survSeriesRows makes the rows of one series: every period of the target
// years up to the last complete one, observed and nowcast, and the expected
// deaths and excess of each target year from the years before it.
func survSeriesRows(u survUnit, last, p0 int, years [2]int, firstYear int, k survKey, s *survSeries,
	nc *nowcast.Result, pooled bool, completeness map[survCompletenessKey]survCompleteness) []survRow {
	// every period from the first baseline year on, nowcast-corrected;
	// ISO week 1 holds 4 January
	b := max(years[0]-survBaselineYears, firstYear)
	firstP := u.index(time.Date(b, 1, 1, 0, 0, 0, 0, time.UTC))
	if u.name == "week" {
		firstP = u.index(time.Date(b, 1, 4, 0, 0, 0, 0, time.UTC))
	}
	var rows []survRow
	for p := firstP; p <= last; p++ {
		y, no, text := u.label(p)
		r := survRow{unit: u.name, period: text, year: y, no: no, key: k, observed: s.observed[p], status: "complete"}
		r.nowcast, r.nowcastLo, r.nowcastHi = r.observed, r.observed, r.observed
		r.hasNowcast = true
		if i := p - p0; nc != nil && i >= 0 && i < len(nc.Rows) && nc.Rows[i].Horizon >= 0 {
			row := nc.Rows[i]
			// What arrived after the triangle's last complete period is in
			// observed: only the rest of the nowcast is still to come.
			a := s.after[p]
			r.nowcast += math.Max(0, row.Expected-a)
			r.nowcastLo += math.Max(0, row.Lower-row.Observed-a)
			r.nowcastHi += math.Max(0, row.Upper-row.Observed-a)
			r.status = "provisional"
		} else if p > last-u.maxDelay {
			// a period still filling in that could not be nowcast
			r.status = "provisional"
			r.hasNowcast = false
		}
		r.halfLo, r.halfHi = r.nowcast-r.nowcastLo, r.nowcastHi-r.nowcast
		rows = append(rows, r)
	}
	// expected and excess of each target year
	for y := years[0]; y <= years[1]; y++ {
		b0 := max(y-survBaselineYears, firstYear)
		var obs []excess.Obs
		idx := map[int]int{} // period number of year y -> row
		for i, r := range rows {
			if r.year >= b0 && r.year <= y {
				obs = append(obs, excess.Obs{Year: r.year, Period: r.no, Deaths: r.nowcast})
				if r.year == y {
					idx[r.no] = i
				}
			}
		}
		if len(idx) == 0 {
			continue
		}
		if y-b0 < survMinBaselineYears {
			for _, i := range idx {
				rows[i].flags = append(rows[i].flags, "no_baseline")
			}
			continue
		}
		res, err := excess.Estimate(excess.Series{Name: k.area, Unit: u.ex, Obs: obs},
			excess.Options{Year: y, BaselineFrom: b0, BaselineTo: y - 1, Start: 1})
		if err != nil {
			for _, i := range idx {
				rows[i].flags = append(rows[i].flags, "no_baseline")
			}
			continue
		}
		cy, okY := completeness[survCompletenessKey{y, k.area, k.age}]
		var cb float64
		nb := 0
		for by := b0; by < y; by++ {
			if c, ok := completeness[survCompletenessKey{by, k.area, k.age}]; ok {
				cb += c.value
				nb++
			}
		}
		var cflags []string
		switch {
		case !okY:
			cflags = append(cflags, "completeness_unknown")
		case cy.value < survCompletenessLow:
			cflags = append(cflags, "low_completeness")
		}
		if okY && nb > 0 && math.Abs(cy.value/(cb/float64(nb))-1) > survCompletenessShift {
			cflags = append(cflags, "completeness_changed")
		}
		for _, p := range res.Periods {
			i, ok := idx[p.Period]
			if !ok || p.Year != y {
				continue
			}
			r := &rows[i]
			r.expected, r.hasExpected = p.Expected, true
			// the prediction interval of the count without excess: the
			// baseline's uncertainty and the residual noise (the excess
			// interval's half-width, Z = 1.96)
			half := (p.ExcessHi - p.ExcessLo) / 2
			r.expectedLo, r.expectedHi = p.Expected-half, p.Expected+half
			r.excess = r.nowcast - p.Expected
			// independent: the model's and the nowcast's uncertainty
			r.excessLo = r.excess - math.Hypot(half, r.halfLo)
			r.excessHi = r.excess + math.Hypot(half, r.halfHi)
			r.pScore, r.pScoreLo, r.pScoreHi = math.NaN(), math.NaN(), math.NaN()
			switch {
			case p.Expected >= minExpectedPScore:
				r.pScore = 100 * r.excess / p.Expected
				r.pScoreLo, r.pScoreHi = 100*r.excessLo/p.Expected, 100*r.excessHi/p.Expected
			case p.Expected > 0:
				r.flags = append(r.flags, "expected_lt20")
			default:
				r.flags = append(r.flags, "expected_not_positive")
			}
			r.flags = append(r.flags, cflags...)
			r.completeness, r.adjusted, r.adjustedLo, r.adjustedHi = math.NaN(), math.NaN(), math.NaN(), math.NaN()
			if okY {
				// The deaths that occurred beyond those registered: the
				// excess over the share registered. Its interval takes
				// the completeness interval's worse end for each bound.
				r.completeness = cy.value
				r.adjusted = r.excess / cy.value
				r.adjustedLo = min(r.excessLo/cy.low, r.excessLo/cy.high)
				r.adjustedHi = max(r.excessHi/cy.low, r.excessHi/cy.high)
			}
		}
	}
	// only the target years are rows of the table
	var out []survRow
	for _, r := range rows {
		if r.year < years[0] || r.year > years[1] {
			continue
		}
		if !r.hasExpected {
			r.expected, r.expectedLo, r.expectedHi = math.NaN(), math.NaN(), math.NaN()
			r.completeness, r.adjusted, r.adjustedLo, r.adjustedHi = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		}
		if !r.hasExpected || !r.hasNowcast {
			// no excess of a count still arriving that could not be nowcast
			r.excess, r.excessLo, r.excessHi = math.NaN(), math.NaN(), math.NaN()
			r.pScore, r.pScoreLo, r.pScoreHi = math.NaN(), math.NaN(), math.NaN()
			r.adjusted, r.adjustedLo, r.adjustedHi = math.NaN(), math.NaN(), math.NaN()
		}
		var fl []string
		if r.status == "provisional" {
			if r.hasNowcast {
				fl = append(fl, "nowcast")
				if pooled {
					fl = append(fl, "pooled_delay")
				}
			} else {
				fl = append(fl, "no_nowcast")
				r.nowcast, r.nowcastLo, r.nowcastHi = math.NaN(), math.NaN(), math.NaN()
			}
		}
		fl = append(fl, r.flags...)
		// as the macro small_flags: on the count observed
		switch {
		case r.observed < 5:
			fl = append(fl, "lt5", "lt20")
		case r.observed < 20:
			fl = append(fl, "lt20")
		}
		r.flags = fl
		out = append(out, r)
	}
	return out
}
