package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"vitalstats"
	"vitalstats/refdata"
)

// refTable ties a reference table to its refdata file; its model is sql/reference/<name>.sql and
// the model finds the file through the DuckDB variable <name>_path.
type refTable struct {
	name string
	file string
}

var refTables = []refTable{
	{"ref_provinces", refdata.FileProvinces},
	{"ref_districts", refdata.FileDistricts},
	{"ref_communes", refdata.FileCommunes},
	{"ref_census2008_provinces", refdata.FileCensus2008Prov},
	{"ref_census2008_districts", refdata.FileCensus2008Dist},
	{"ref_wpp_annual", refdata.FileWPPAnnual},
	{"ref_wpp_asfr", refdata.FileWPPASFR},
	{"ref_cdhs2010_provinces", refdata.FileCDHS2010},
	{"ref_wpp_mx", refdata.FileWPPMx},
	{"ref_igme", refdata.FileIGME},
	{"ref_icd10_codes", refdata.FileICD10Codes},
	{"ref_who_list1", refdata.FileWHOList1},
	{"ref_icd10_sex_limited", refdata.FileSexLimited},
	{"ref_icd10_unlikely_ucod", refdata.FileUnlikelyUCOD},
	{"ref_ill_defined", refdata.FileIllDefined},
	{"ref_who_standard_population", refdata.FileWHOStandardPop},
	{"ref_registration_limits", refdata.FileRegLimits},
}

// refChecks parse every reference file strictly in Go before DuckDB reads it: read_csv with
// explicit columns matches them by position and would load a site file with its columns in
// another order, or a code that lost its leading zero, without a word.
var refChecks = []func(refdata.Source) error{
	func(s refdata.Source) error { _, err := s.LoadGazetteer(); return err },
	func(s refdata.Source) error { _, _, err := s.LoadCensus2008(); return err },
	func(s refdata.Source) error { _, err := s.LoadWPPAnnual(); return err },
	func(s refdata.Source) error { _, err := s.LoadWPPASFR(); return err },
	func(s refdata.Source) error { _, err := s.LoadCDHS2010(); return err },
	func(s refdata.Source) error { _, err := s.LoadWPPMx(); return err },
	func(s refdata.Source) error { _, err := s.LoadIGME(); return err },
	func(s refdata.Source) error { _, err := s.LoadICD10(); return err },
	func(s refdata.Source) error { _, err := s.LoadWHOList1(); return err },
	func(s refdata.Source) error { _, err := s.LoadSexLimited(); return err },
	func(s refdata.Source) error { _, err := s.LoadUnlikelyCauses(); return err },
	func(s refdata.Source) error { _, _, err := s.LoadIllDefined(); return err },
	func(s refdata.Source) error { _, err := s.LoadWHOStandardPopulation(); return err },
	func(s refdata.Source) error { _, err := s.LoadRegistrationLimits(); return err },
}

// RefTables lists the reference tables LoadReference creates, in load order.
func RefTables() []string {
	names := make([]string, len(refTables))
	for i, t := range refTables {
		names[i] = t.name
	}
	return names
}

// LoadReference (re)creates the reference tables (ref_*) from the embedded reference files or the
// site's overrides in src. Each file is first parsed strictly in Go, then read by its SQL model
// sql/reference/<table>.sql, which finds the file through the variable <table>_path. Embedded
// files are written to a temporary folder for DuckDB to read and removed afterwards.
func LoadReference(ctx context.Context, db *sql.DB, src refdata.Source) error {
	if err := src.Validate(); err != nil {
		return fmt.Errorf("load reference: %w", err)
	}
	for _, check := range refChecks {
		if err := check(src); err != nil {
			return fmt.Errorf("load reference: %w", err)
		}
	}
	tmp, err := os.MkdirTemp("", "vitalstats-refdata-")
	if err != nil {
		return fmt.Errorf("load reference: %w", err)
	}
	defer os.RemoveAll(tmp)

	// SET VARIABLE is per connection: pin one for the whole load.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("load reference: %w", err)
	}
	defer conn.Close()

	// ref_files says which tables come from a site's file (the path itself stays out of the
	// warehouse: it is a server's detail), so a table built on one can say so.
	if _, err := conn.ExecContext(ctx, `create or replace table ref_files (table_name varchar primary key, file varchar, site boolean)`); err != nil {
		return fmt.Errorf("load reference: %w", err)
	}
	for _, t := range refTables {
		if _, err := conn.ExecContext(ctx, `insert into ref_files values (?, ?, ?)`, t.name, t.file, src.Path(t.file) != ""); err != nil {
			return fmt.Errorf("load reference: ref_files: %w", err)
		}
		path := src.Path(t.file)
		if path == "" {
			if path, err = materialize(tmp, t.file); err != nil {
				return fmt.Errorf("load reference %s: %w", t.name, err)
			}
		}
		if path, err = filepath.Abs(path); err != nil {
			return fmt.Errorf("load reference %s: %w", t.name, err)
		}
		model, err := vitalstats.SQL.ReadFile("sql/reference/" + t.name + ".sql")
		if err != nil {
			return fmt.Errorf("load reference %s: %w", t.name, err)
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("set variable %s_path = %s", t.name, sqlString(path))); err != nil {
			return fmt.Errorf("load reference %s: set path: %w", t.name, err)
		}
		if _, err := conn.ExecContext(ctx, string(model)); err != nil {
			return fmt.Errorf("load reference %s from %s: %w", t.name, src.Describe(t.file), err)
		}
	}
	return nil
}

// materialize writes the embedded file name below dir and returns its path.
func materialize(dir, name string) (string, error) {
	in, err := refdata.FS.Open(name)
	if err != nil {
		return "", err
	}
	defer in.Close()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	out, err := os.Create(p)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	if err := out.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	return p, nil
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
