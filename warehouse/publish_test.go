package warehouse

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strings"
	"testing"

	"vitalstats"
)

// publishConn is a connection to an in-memory warehouse with the macros and
// the given tables (name -> create statement).
func publishConn(t *testing.T, tables ...string) (*sql.Conn, context.Context) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := execFile(ctx, conn, "sql/macros.sql"); err != nil {
		t.Fatal(err)
	}
	for _, q := range tables {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return conn, ctx
}

func indicatorModel(name string, r vitalstats.PublishRule) model {
	return model{name: name, layer: layerIndicators, meta: &Indicator{ID: name, Publish: &r}}
}

// rates: 20,000 rows of a Poisson rate per 1,000 (n events of 10,000
// people) with its interval, n from 0 to 49.
const ratesTable = `create table rates as
	select i as cell, i % 50 as n, (i % 50)::double as numerator, 10000.0 as denominator,
		1000.0 * (i % 50) / 10000 as value, 1000.0 * poisson_low(i % 50) / 10000 as ci_low,
		1000.0 * poisson_high(i % 50) / 10000 as ci_high, small_flags(i % 50) as flags
	from range(20000) t(i)`

func TestPublishNoise(t *testing.T) {
	conn, ctx := publishConn(t, ratesTable)
	rule := vitalstats.PublishRule{Numerator: "concat_ws('|', 'rates', cell)"}
	if err := publish(ctx, conn, []model{indicatorModel("rates", rule)}, []byte("key one")); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, `select t.n, p.numerator, p.value, p.ci_low, p.ci_high, p.flags
		from rates t join published.rates p using (cell)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var nonzero, zeroNoise, withheld int
	var absSum, sum float64
	byMag := map[int64]int{}
	for rows.Next() {
		var n int64
		var num, val, lo, hi sql.NullFloat64
		var flags duckdbList
		if err := rows.Scan(&n, &num, &val, &lo, &hi, &flags); err != nil {
			t.Fatal(err)
		}
		switch {
		case n == 0:
			if !num.Valid || num.Float64 != 0 || val.Float64 != 0 {
				t.Fatalf("a true zero published as %v, value %v", num, val)
			}
			continue
		case slices.Contains(flags, flagSuppressed):
			// withheld: nothing derived from the count is left
			if num.Valid || val.Valid || lo.Valid || hi.Valid {
				t.Fatalf("withheld row of %d shows numerator %v value %v interval %v-%v", n, num, val, lo, hi)
			}
			withheld++
			nonzero++
			continue
		}
		nonzero++
		p := num.Float64
		if p < 0 || p >= 1 && p <= 4 {
			t.Fatalf("count %d published as %g", n, p)
		}
		// the rate and its interval are those of the published count
		if math.Abs(val.Float64-p/10) > 1e-9 {
			t.Fatalf("count %d published %g with rate %g, want %g", n, p, val.Float64, p/10)
		}
		if p > 0 {
			wantLo, wantHi := poissonLow(p)/10, poissonHigh(p)/10
			if math.Abs(lo.Float64-wantLo) > 1e-6*wantHi || math.Abs(hi.Float64-wantHi) > 1e-6*wantHi {
				t.Fatalf("count %d published %g: interval %g-%g, want the published count's %g-%g", n, p, lo.Float64, hi.Float64, wantLo, wantHi)
			}
		}
		if slices.Contains(flags, "lt5") != (p < 5) || slices.Contains(flags, "lt20") != (p < 20) {
			t.Fatalf("count %d published %g flagged %v", n, p, flags)
		}
		if n >= 15 { // far from zero and from the withheld band: the noise itself
			e := int64(p) - n
			sum += float64(e)
			absSum += math.Abs(float64(e))
			byMag[max(e, -e)]++
			if e == 0 {
				zeroNoise++
			}
		}
	}
	far := 0
	for _, c := range byMag {
		far += c
	}
	// P(e = 0) = (1-a)/(1+a) = 1/3; E|e| = 2a/((1-a)(1+a)) = 4/3; mean 0.
	if p0 := float64(zeroNoise) / float64(far); math.Abs(p0-1.0/3) > 0.02 {
		t.Errorf("P(noise 0) = %.3f of %d counts, want 1/3", p0, far)
	}
	if m := absSum / float64(far); math.Abs(m-4.0/3) > 0.06 {
		t.Errorf("mean absolute noise %.3f, want 4/3", m)
	}
	if m := sum / float64(far); math.Abs(m) > 0.08 {
		t.Errorf("mean noise %.3f, want 0", m)
	}
	// P(|e| = k) = 2 (1-a)/(1+a) a^k: 1/3, 1/6, 1/12 for k = 1, 2, 3.
	for k, want := range map[int64]float64{1: 1.0 / 3, 2: 1.0 / 6, 3: 1.0 / 12} {
		if got := float64(byMag[k]) / float64(far); math.Abs(got-want) > 0.02 {
			t.Errorf("P(|noise| = %d) = %.3f, want %.3f", k, got, want)
		}
	}
	if withheld == 0 || withheld > nonzero/5 {
		t.Errorf("%d of %d non-zero rows withheld", withheld, nonzero)
	}
	var loss int64
	if err := conn.QueryRowContext(ctx, "select changed from publication_loss where table_name = 'rates'").Scan(&loss); err != nil || loss == 0 {
		t.Errorf("publication_loss: %d changed (%v)", loss, err)
	}
}

// duckdbList scans a VARCHAR[] column.
type duckdbList []string

func (l *duckdbList) Scan(src any) error {
	*l = nil
	if xs, ok := src.([]any); ok {
		for _, x := range xs {
			*l = append(*l, x.(string))
		}
	}
	return nil
}

func poissonLow(n float64) float64 {
	return n * math.Pow(1-1/(9*n)-1.959964/(3*math.Sqrt(n)), 3)
}

func poissonHigh(n float64) float64 {
	return (n + 1) * math.Pow(1-1/(9*(n+1))+1.959964/(3*math.Sqrt(n+1)), 3)
}

// The same identity gets the same noise in every table and every build
// with the same key; another key gives other noise.
func TestPublishConsistent(t *testing.T) {
	tables := []string{
		`create table a as select i as cell, 100 + i % 7 as numerator, null::double as denominator, (100 + i % 7)::double as value,
			null::double as ci_low, null::double as ci_high, []::varchar[] as flags from range(500) t(i)`,
		`create table b as select i as cell, 'x' as other, 100 + i % 7 as numerator, null::double as denominator, (100 + i % 7)::double as value,
			null::double as ci_low, null::double as ci_high, []::varchar[] as flags from range(500) t(i)`,
	}
	run := func(key string) []int64 {
		conn, ctx := publishConn(t, tables...)
		ms := []model{
			indicatorModel("a", vitalstats.PublishRule{Numerator: "concat_ws('|', 'n', cell)", Value: "count"}),
			indicatorModel("b", vitalstats.PublishRule{Numerator: "concat_ws('|', 'n', cell)", Value: "count"}),
		}
		if err := publish(ctx, conn, ms, []byte(key)); err != nil {
			t.Fatal(err)
		}
		var out []int64
		rows, err := conn.QueryContext(ctx, "select a.numerator, b.numerator from published.a join published.b using (cell) order by cell")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var x, y int64
			if err := rows.Scan(&x, &y); err != nil {
				t.Fatal(err)
			}
			if x != y {
				t.Fatalf("one identity published %d in one table and %d in the other", x, y)
			}
			out = append(out, x)
		}
		return out
	}
	one, again, other := run("key one"), run("key one"), run("key two")
	if !slices.Equal(one, again) {
		t.Error("the same key gave other noise")
	}
	same := 0
	for i := range one {
		if one[i] == other[i] {
			same++
		}
	}
	// two independent noises agree with probability sum p_k^2 = 0.185
	if f := float64(same) / float64(len(one)); f > 0.28 {
		t.Errorf("another key left %.2f of the counts as they were", f)
	}
}

// A share with a counted denominator: the part never exceeds the whole,
// and a whole of 1 to 4 withholds the row, its denominator too.
func TestPublishShare(t *testing.T) {
	conn, ctx := publishConn(t, `create table s as
		select cell, k as numerator, n as denominator, k / n::double as value, wilson_low(k, n) as ci_low,
			wilson_high(k, n) as ci_high, []::varchar[] as flags
		from (select i as cell, least(i % 3, 1 + i % 40) as k, 1 + i % 40 as n from range(4000) t(i))`)
	rule := vitalstats.PublishRule{Numerator: "concat_ws('|', 's', cell)", Denominator: "concat_ws('|', 's', cell, 'all')", Value: "share"}
	if err := publish(ctx, conn, []model{indicatorModel("s", rule)}, []byte("k")); err != nil {
		t.Fatal(err)
	}
	var bad, shownSmallDen, withheld int
	err := conn.QueryRowContext(ctx, `select count(*) filter (numerator > denominator or value > 1),
		count(*) filter (denominator between 1 and 4),
		count(*) filter (list_contains(flags, 'suppressed') and (denominator is not null or numerator is not null or value is not null))
		from published.s`).Scan(&bad, &shownSmallDen, &withheld)
	if err != nil {
		t.Fatal(err)
	}
	if bad+shownSmallDen+withheld > 0 {
		t.Errorf("%d parts above their whole, %d denominators of 1-4 shown, %d withheld rows with a figure", bad, shownSmallDen, withheld)
	}
}

// Two different counts under one identity would share their noise: the
// build refuses.
func TestPublishIdentityClash(t *testing.T) {
	conn, ctx := publishConn(t,
		`create table a as select 10 as numerator, null::double as denominator, 10.0 as value, null::double as ci_low, null::double as ci_high, []::varchar[] as flags`,
		`create table b as select 12 as numerator, null::double as denominator, 12.0 as value, null::double as ci_low, null::double as ci_high, []::varchar[] as flags`)
	ms := []model{
		indicatorModel("a", vitalstats.PublishRule{Numerator: "'births|2020|KH'", Value: "count"}),
		indicatorModel("b", vitalstats.PublishRule{Numerator: "'births|2020|KH'", Value: "count"}),
	}
	err := publish(ctx, conn, ms, []byte("k"))
	if err == nil || !strings.Contains(err.Error(), "births|2020|KH") {
		t.Errorf("two counts under one identity: %v", err)
	}
}

// TestPublishShift: a table of another layout (its count in observed, no
// value or denominator) publishes the count with its noise, moves the
// columns derived from it by the same noise (a P-score by the noise over
// expected), and withholds them all with a row whose count is 1 to 4.
func TestPublishShift(t *testing.T) {
	conn, ctx := publishConn(t, `create table surv as
		select i as cell, (i % 40)::bigint as observed, (i % 40) + 2.5 as nowcast, 10.0 as expected,
			100 * ((i % 40) + 2.5 - 10) / 10 as p_score, small_flags(i % 40) as flags
		from range(4000) t(i)`)
	rule := vitalstats.PublishRule{Numerator: "concat_ws('|', 'surv', cell)", Column: "observed", Value: "count",
		Shift: map[string]string{"nowcast": "1", "p_score": "100 / expected", "expected": "0"}}
	if err := publish(ctx, conn, []model{indicatorModel("surv", rule)}, []byte("key one")); err != nil {
		t.Fatal(err)
	}
	var changed, suppressed, wrong int
	if err := conn.QueryRowContext(ctx, `select
			count(*) filter (p.observed is distinct from t.observed and p.observed is not null),
			count(*) filter (list_contains(p.flags, 'suppressed')),
			count(*) filter (case when list_contains(p.flags, 'suppressed')
				then p.observed is not null or p.nowcast is not null or p.expected is not null or p.p_score is not null
				else abs((p.nowcast - p.observed) - (t.nowcast - t.observed)) > 1e-9 or p.expected <> t.expected
				     or abs(p.p_score - 100 * (p.nowcast - p.expected) / p.expected) > 1e-9 end)
		from surv t join published.surv p using (cell)`).Scan(&changed, &suppressed, &wrong); err != nil {
		t.Fatal(err)
	}
	if changed == 0 || suppressed == 0 || wrong != 0 {
		t.Errorf("%d counts changed by the noise, %d rows suppressed, %d rows whose derived columns do not follow the published count", changed, suppressed, wrong)
	}
}
