package warehouse_test

import (
	"fmt"
	"strings"
	"testing"
)

// whoDeathCols are the count columns of who_mdb_deaths (deaths24 and
// deaths25 are NULL in Frmat 01 and coalesced to 0 where summed).
func whoDeathCols() []string {
	var cols []string
	for i := 1; i <= 26; i++ {
		cols = append(cols, fmt.Sprintf("deaths%d", i))
	}
	for i := 1; i <= 4; i++ {
		cols = append(cols, fmt.Sprintf("im_deaths%d", i))
	}
	return cols
}

// TestWHOMDBDeathsReconcile checks who_mdb_deaths against the warehouse: the
// all-cause rows against the death and infant death counts of
// mortality_rates, every list's rows against its all-cause row, the age
// columns against all ages, and list 101 against cod_list1.
func TestWHOMDBDeathsReconcile(t *testing.T) {
	db := fixtureWarehouse(t)
	fails := func(what, q string) {
		t.Helper()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			t.Errorf("%s: %v = %v", what, cols, vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	cols := whoDeathCols()
	sumOf := func(prefix string, cs []string) string {
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = fmt.Sprintf("sum(coalesce(%s%s, 0)) as %s", prefix, c, c)
		}
		return strings.Join(parts, ", ")
	}
	differ := func(a, b string) string {
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = fmt.Sprintf("coalesce(%s.%s, 0) <> coalesce(%s.%s, 0)", a, c, b, c)
		}
		return strings.Join(parts, " or ")
	}

	// The fixtures have deaths of both sexes in 2021 and 2022, and the frame's
	// 2020 none: the checks below must see them.
	if n := one[int64](t, db, `select count(*) from who_mdb_deaths where list = '104' and cause = 'AAA' and sex in ('1', '2') and deaths1 > 0`); n != 4 {
		t.Fatalf("%d all-cause rows of list 104 for men and women with deaths, want 4", n)
	}
	if n := one[int64](t, db, `select count(*) from who_mdb_deaths where list = '104' and cause = 'AAA' and year = 2020 and deaths1 = 0`); n != 2 {
		t.Errorf("%d all-cause rows of zeros for 2020, a year of the frame without deaths, want 2", n)
	}
	if n := one[int64](t, db, `select sum(deaths1) from who_mdb_deaths where list = '104' and cause = 'AAA'`); n != 21 {
		t.Errorf("%d deaths in the AAA rows, want the fixtures' 21 current deaths", n)
	}

	// AAA deaths1 = the cdr numerator, deaths2 = the imr numerator (nation, by year and sex).
	fails("AAA vs mortality_rates", `
		select m.year, m.sex, m.measure, m.numerator, w.deaths1, w.deaths2
		from mortality_rates as m
		left join who_mdb_deaths as w
			on w.year = m.year and w.list = '104' and w.cause = 'AAA'
			and w.sex = case m.sex when 'M' then '1' else '2' end
		where m.area_code = 'KH' and m.sex in ('M', 'F') and m.measure in ('cdr', 'imr') and m.numerator > 0
		  and m.numerator is distinct from case m.measure when 'cdr' then w.deaths1 else w.deaths2 end`)
	if n := one[int64](t, db, `select count(*) from mortality_rates where area_code = 'KH' and measure = 'imr' and numerator > 0`); n == 0 {
		t.Error("no infant deaths in mortality_rates: the deaths2 check saw nothing")
	}

	// Each row: the age groups add up to all ages; the infant groups to no more than deaths2.
	var ages, ims []string
	for _, c := range cols[1:26] {
		ages = append(ages, "coalesce("+c+", 0)")
	}
	for _, c := range cols[26:] {
		ims = append(ims, c)
	}
	fails("deaths1 <> sum of the age groups", `select year, list, cause, sex from who_mdb_deaths where deaths1 <> `+strings.Join(ages, " + "))
	fails("IM groups above deaths2", `select year, list, cause, sex from who_mdb_deaths where `+strings.Join(ims, " + ")+` > deaths2`)
	fails("Frmat 01 groups 24-25 used", `select year, list, cause, sex from who_mdb_deaths where deaths24 is not null or deaths25 is not null`)

	// list 104: the codes add up to AAA, column by column (a year and sex of the
	// frame without deaths has no code and AAA zeros); list 101's 1000 row is the same total.
	fails("list 104 causes vs AAA", `
		with c as (select year, sex, `+sumOf("", cols)+` from who_mdb_deaths where list = '104' and cause <> 'AAA' group by all),
		     a as (select * from who_mdb_deaths where list = '104' and cause = 'AAA')
		select coalesce(a.year, c.year) as year, coalesce(a.sex, c.sex) as sex
		from a full join c using (year, sex)
		where a.year is null or (c.year is null and a.deaths1 <> 0) or (c.year is not null and (`+differ("a", "c")+`))`)
	fails("list 101 1000 vs list 104 AAA", `
		with a as (select * from who_mdb_deaths where list = '104' and cause = 'AAA'),
		     k as (select * from who_mdb_deaths where list = '101' and cause = '1000')
		select coalesce(a.year, k.year) as year, coalesce(a.sex, k.sex) as sex
		from a full join k using (year, sex) where a.year is null or k.year is null or `+differ("a", "k"))

	// list 101: the leaves add up to 1000 and the children of each group to the group.
	fails("list 101 leaves vs 1000", `
		with l as (select w.year, w.sex, `+sumOf("w.", cols)+` from who_mdb_deaths as w
		           join ref_who_list1 as r on r.who_mdb_list101_code = w.cause
		           where w.list = '101' and r.is_leaf group by all),
		     k as (select * from who_mdb_deaths where list = '101' and cause = '1000')
		select coalesce(k.year, l.year) as year, coalesce(k.sex, l.sex) as sex
		from k full join l using (year, sex) where k.year is null or l.year is null or `+differ("k", "l"))
	fails("list 101 groups vs their items", `
		with c as (select w.year, w.sex, p.who_mdb_list101_code as cause, `+sumOf("w.", cols)+`
		           from who_mdb_deaths as w
		           join ref_who_list1 as r on r.who_mdb_list101_code = w.cause
		           join ref_who_list1 as p on p.list1_item = r.parent_list1_item
		           where w.list = '101' group by all),
		     g as (select w.* from who_mdb_deaths as w join ref_who_list1 as r on r.who_mdb_list101_code = w.cause
		           where w.list = '101' and not r.is_leaf and w.cause <> '1000')
		select coalesce(g.year, c.year) as year, coalesce(g.sex, c.sex) as sex, coalesce(g.cause, c.cause) as cause
		from g full join c using (year, sex, cause) where g.year is null or c.year is null or `+differ("g", "c"))
	if n := one[int64](t, db, `select count(*) from who_mdb_deaths as w join ref_who_list1 as r on r.who_mdb_list101_code = w.cause
		where w.list = '101' and not r.is_leaf and w.cause <> '1000'`); n == 0 {
		t.Error("no list 101 group rows: the group check saw nothing")
	}
	fails("list 101 code not in the list", `select year, cause from who_mdb_deaths
		where list = '101' and cause not in (select who_mdb_list101_code from ref_who_list1)`)

	// list 101 vs cod_list1 (nation, all ages): each item's deaths; 1094 also holds
	// cod_list1's not_ucod and missing, which the WHO file codes R99.
	fails("list 101 vs cod_list1", `
		with c as (
			select l.year, case l.sex when 'M' then '1' else '2' end as sex,
			       coalesce(r.who_mdb_list101_code, '1094') as cause, sum(l.numerator) as deaths
			from cod_list1 as l
			left join ref_who_list1 as r using (list1_item)
			where l.area_code = 'KH' and l.age_group = 'all' and l.sex in ('M', 'F') and l.is_leaf
			group by all),
		     w as (select w.year, w.sex, w.cause, w.deaths1 from who_mdb_deaths as w
		           join ref_who_list1 as r on r.who_mdb_list101_code = w.cause
		           where w.list = '101' and r.is_leaf and w.sex in ('1', '2'))
		select coalesce(c.year, w.year) as year, coalesce(c.sex, w.sex) as sex, coalesce(c.cause, w.cause) as cause,
		       c.deaths, w.deaths1
		from c full join w using (year, sex, cause) where c.deaths is distinct from w.deaths1`)

	// list 104: every code except R99 is the death's own valid code (hand-counted fixtures).
	for _, c := range []struct {
		year        int
		cause, sex  string
		deaths, age int64 // deaths1 and the count in the named column
		col         string
	}{
		{2021, "P220", "1", 1, 1, "im_deaths2"}, // 5 days
		{2021, "A09", "2", 1, 1, "im_deaths4"},  // 100 days
		{2021, "J189", "1", 1, 1, "deaths4"},    // age 2
		{2021, "R99", "2", 1, 1, "deaths23"},    // age 90, R99 as coded
		{2022, "C53", "1", 1, 1, "deaths18"},    // a 3-character category kept as coded
		{2022, "I64", "2", 1, 1, "deaths26"},    // age unknown
		{2022, "R99", "1", 4, 1, "deaths14"},    // G01 asterisk (age 40), dropped, S72.0, unknown C98.1
		{2022, "R99", "2", 3, 1, "deaths5"},     // "J18,9" malformed (age 3), bad format, none recorded
	} {
		q := fmt.Sprintf(`select deaths1, %s from who_mdb_deaths where year = ? and list = '104' and cause = ? and sex = ?`, c.col)
		var d, a int64
		if err := db.QueryRow(q, c.year, c.cause, c.sex).Scan(&d, &a); err != nil {
			t.Errorf("%d %s sex %s: %v", c.year, c.cause, c.sex, err)
			continue
		}
		if d != c.deaths || a != c.age {
			t.Errorf("%d %s sex %s: deaths1 %d, %s %d; want %d, %d", c.year, c.cause, c.sex, d, c.col, a, c.deaths, c.age)
		}
	}
}

// TestWHOMDBPopulationReconcile checks who_mdb_population against the
// denominators of mortality_rates: the population of the cdr and the live
// births of the imr.
func TestWHOMDBPopulationReconcile(t *testing.T) {
	db := fixtureWarehouse(t)
	rows, err := db.Query(`
		select m.year, m.sex, m.denominator, w.pop1, w.lb, b.denominator,
		       w.pop2 + w.pop3 + w.pop7 + w.pop8 + w.pop9 + w.pop10 + w.pop11 + w.pop12 + w.pop13 + w.pop14 + w.pop15
		       + w.pop16 + w.pop17 + w.pop18 + w.pop19 + w.pop20 + w.pop21 + w.pop22 + w.pop23 + w.pop26
		from mortality_rates as m
		join mortality_rates as b on b.year = m.year and b.area_code = m.area_code and b.sex = m.sex and b.basis = 'registered' and b.measure = 'imr'
		left join who_mdb_population as w on w.year = m.year and w.sex = case m.sex when 'M' then '1' else '2' end
		where m.area_code = 'KH' and m.sex in ('M', 'F') and m.measure = 'cdr'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var year int
		var sex string
		var pop, births *float64
		var pop1, lb, groups *int64
		if err := rows.Scan(&year, &sex, &pop, &pop1, &lb, &births, &groups); err != nil {
			t.Fatal(err)
		}
		n++
		if pop == nil || pop1 == nil || groups == nil {
			t.Errorf("%d %s: population %v, pop1 %v, groups %v", year, sex, pop, pop1, groups)
			continue
		}
		// 18 groups each rounded to whole persons
		near(t, fmt.Sprintf("%d %s pop1", year, sex), float64(*pop1), *pop, 18*0.5)
		if *groups != *pop1 {
			t.Errorf("%d %s: pop1 %d, groups add up to %d", year, sex, *pop1, *groups)
		}
		// a year of the frame without births of the sex has lb 0
		if lb == nil || births != nil && float64(*lb) != *births || births == nil && *lb != 0 {
			t.Errorf("%d %s: lb %v, imr denominator %v", year, sex, lb, births)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d year-sex rows of mortality_rates compared, want 4 (2021-2022 x M, F)", n)
	}
}
