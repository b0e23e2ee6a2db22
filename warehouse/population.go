package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
)

// AgeGroups are the abridged age groups of denominators and life tables.
var AgeGroups = []string{"0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39",
	"40-44", "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85+"}

// loadPopulation creates ref_population from the site's file, or derives it
// from the reference data, and refuses a file whose rows do not make a
// complete table of denominators.
func loadPopulation(ctx context.Context, conn *sql.Conn, file string) error {
	if file == "" {
		if err := execFile(ctx, conn, "sql/population/default.sql"); err != nil {
			return fmt.Errorf("population (derived from the reference data): %w", err)
		}
		return checkPopulation(ctx, conn, "the derived population")
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return fmt.Errorf("population %s: %w", file, err)
	}
	if _, err := conn.ExecContext(ctx, "set variable population_path = "+sqlString(abs)); err != nil {
		return fmt.Errorf("population %s: %w", file, err)
	}
	if err := execFile(ctx, conn, "sql/population/from_file.sql"); err != nil {
		return fmt.Errorf("population %s: %w", file, err)
	}
	return checkPopulation(ctx, conn, file)
}

func checkPopulation(ctx context.Context, conn *sql.Conn, name string) error {
	groups := make([]string, len(AgeGroups))
	for i, g := range AgeGroups {
		groups[i] = sqlString(g)
	}
	problems := []struct{ what, query string }{
		{"empty", "select 'no rows' where not exists (select 1 from ref_population)"},
		{"missing value", "select format('year {} province {} district {} sex {} age_group {} population {}', year, province_code, district_code, sex, age_group, population) from ref_population where year is null or province_code is null or sex is null or age_group is null or population is null"},
		{"sex not M or F", "select format('year {} province {} sex {}', year, province_code, sex) from ref_population where sex not in ('M', 'F')"},
		{"unknown age group (expected " + strings.Join(AgeGroups, ", ") + ")", "select format('year {} province {} age_group {}', year, province_code, age_group) from ref_population where age_group not in (" + strings.Join(groups, ", ") + ")"},
		{"negative population", "select format('year {} province {} district {} sex {} age_group {} population {}', year, province_code, district_code, sex, age_group, population) from ref_population where population < 0"},
		{"unknown province", "select format('province {}', province_code) from ref_population where province_code not in (select province_code from ref_provinces)"},
		{"district not in its province", "select format('province {} district {}', province_code, district_code) from ref_population where district_code is not null and (district_code not in (select district_code from ref_districts) or district_code[1:2] <> province_code)"},
		{"duplicate row", "select format('year {} province {} district {} sex {} age_group {} ({} rows)', year, province_code, district_code, sex, age_group, count(*)) from ref_population group by year, province_code, district_code, sex, age_group having count(*) > 1"},
		{"province given both as a whole and by district", "select format('year {} province {}', year, province_code) from ref_population group by year, province_code having count(distinct district_code is null) > 1"},
		{"incomplete age groups", "select format('year {} province {} district {} sex {}: {} of 19 age groups', year, province_code, district_code, sex, count(*)) from ref_population group by year, province_code, district_code, sex having count(distinct age_group) <> 19"},
	}
	for _, p := range problems {
		var n int
		var example sql.NullString
		q := "select count(*), min(x) from (" + p.query + ") as t(x)"
		if err := conn.QueryRowContext(ctx, q).Scan(&n, &example); err != nil {
			return fmt.Errorf("population %s: check %s: %w", name, p.what, err)
		}
		if n > 0 {
			return fmt.Errorf("population %s: %s in %d row(s), e.g. %s", name, p.what, n, example.String)
		}
	}
	return nil
}
