package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // reads and writes the research Parquet files

	"vitalstats/dashboards"
	"vitalstats/reports"
	"vitalstats/warehouse"
)

// The files of a release that can be cut to an area; every other file (the
// annual report's tables, the WHO files, release.json, provisional_years.csv,
// the READMEs and the Markdown codebooks) holds the nation or every province,
// and is refused to the accounts limited to an area.
var (
	cutMicrodata  = regexp.MustCompile(`^research/[a-z_]+/[a-z_]+_[0-9]{4}\.parquet$`)
	cutCodebook   = regexp.MustCompile(`^research/[a-z_]+/codebook\.json$`)
	cutAggregates = regexp.MustCompile(`^research/aggregates/(csv|sdmx)/[a-z_]+_province_month_[0-9]{4}\.csv$`)
	// the SDMX structure message of the aggregates: definitions, no count
	aggregatesStructure = "research/aggregates/sdmx/" + reports.SDMXStructureFile
	areaCode            = regexp.MustCompile(`^([0-9]{2}|[0-9]{4})$`)
)

// releaseCut is dashboards.Options.Cut for the releases under dir: what an
// account limited to area (a 2-digit province or a 4-digit district) may
// have of a release's file.
//
//   - research/<event>/*.parquet: the records whose every place (province_code
//     and district_code; for marriages the bride's and the groom's) lies in
//     the area. A record whose place was removed by disclosure control (NULL)
//     is not known to lie in it and is left out; so is a marriage with one
//     spouse living elsewhere. The rows kept are whole classes of the
//     extract's k-anonymity (the place is one of their quasi-identifiers), so
//     the cut file is as safe as the whole one.
//   - research/<event>/codebook.json: without the national counts.
//   - research/aggregates/{csv,sdmx}/*_province_month_*.csv: the province's row,
//     for a province only (the tables have no districts). A row of a
//     protected table reveals no more than the table. The SDMX files'
//     structure message (research/aggregates/sdmx/structure.xml) holds no
//     count: it is served whole beside them.
//
// provinceNames are the aggregates' CSV labels by province code.
func releaseCut(dir string, provinceNames map[string]string) func(dashboards.Download, string) (dashboards.CutFile, bool) {
	return func(d dashboards.Download, area string) (dashboards.CutFile, bool) {
		if !areaCode.MatchString(area) || strings.ContainsAny(d.Release, `/\.`) {
			return nil, false
		}
		src := filepath.Join(dir, d.Release, filepath.FromSlash(d.Path))
		switch {
		case cutMicrodata.MatchString(d.Path):
			return func(ctx context.Context, w io.Writer) error { return cutParquet(ctx, src, area, w) }, true
		case cutCodebook.MatchString(d.Path):
			return func(ctx context.Context, w io.Writer) error { return cutCodebookJSON(src, area, w) }, true
		case cutAggregates.MatchString(d.Path) && len(area) == 2:
			if strings.HasPrefix(d.Path, "research/aggregates/sdmx/") {
				code, err := reports.SDMXAreaCode(area)
				if err != nil {
					return nil, false
				}
				return func(ctx context.Context, w io.Writer) error { return cutCSV(src, "REF_AREA", code, w) }, true
			}
			name, ok := provinceNames[area]
			if !ok {
				return nil, false
			}
			return func(ctx context.Context, w io.Writer) error { return cutCSV(src, "", name, w) }, true
		case d.Path == aggregatesStructure && len(area) == 2:
			return func(ctx context.Context, w io.Writer) error {
				f, err := os.Open(src)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.Copy(w, f)
				return err
			}, true
		}
		return nil, false
	}
}

// cutParquet writes the records of a research extract that lie in area as
// Parquet, the columns and their order as in the extract.
func cutParquet(ctx context.Context, src, area string, w io.Writer) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // the settings hold for one connection
	if err != nil {
		return err
	}
	defer conn.Close()
	// A request must not take the machine's cores from the pages.
	if _, err := conn.ExecContext(ctx, "set threads = 1"); err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx, "select column_name from (describe select * from read_parquet("+sqlString(src)+"))")
	if err != nil {
		return err
	}
	var conds []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		switch {
		case strings.HasSuffix(c, "province_code"):
			conds = append(conds, fmt.Sprintf("%s = %s", sqlIdent(c), sqlString(area[:2])))
		case strings.HasSuffix(c, "district_code") && len(area) == 4:
			conds = append(conds, fmt.Sprintf("%s = %s", sqlIdent(c), sqlString(area)))
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(conds) == 0 || (len(area) == 4 && !strings.Contains(strings.Join(conds, " "), "district_code")) {
		return fmt.Errorf("%s has no column of the places that area %s needs: it cannot be cut", src, area)
	}
	tmp, err := os.MkdirTemp("", "vitalstats-cut-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "cut.parquet")
	// NULL = area is not true: a record without its place is left out.
	// The extracts' own codec: a cut file opens wherever the whole one does.
	q := fmt.Sprintf("copy (select * from read_parquet(%s) where %s) to %s (format parquet, compression %s)",
		sqlString(src), strings.Join(conds, " and "), sqlString(out), warehouse.ExtractCompression)
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return err
	}
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// cutCodebookJSON writes a research codebook without the counts of the
// national files (records by year and by step of disclosure control), which
// an account limited to an area does not see; the variables, codes and
// methods stay.
func cutCodebookJSON(src, area string, w io.Writer) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var cb map[string]any
	if err := json.Unmarshal(b, &cb); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	for _, k := range []string{"rows_by_year", "records_by_last_step", "residual_records"} {
		delete(cb, k)
	}
	cb["area"] = area
	cb["area_note"] = "The files are cut to area " + area + ": the records whose every place of residence lies in it; " +
		"records whose place was removed by disclosure control are left out. The national counts are not given."
	out, err := json.MarshalIndent(cb, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// cutCSV writes the header of a CSV table and its rows whose column col (the
// first when "") is value, after the byte-order mark the table starts with,
// if it has one (reports.BOM).
func cutCSV(src, col, value string, w io.Writer) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	b, bom := bytes.CutPrefix(b, []byte(reports.BOM))
	if bom {
		if _, err := io.WriteString(w, reports.BOM); err != nil {
			return err
		}
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s: no header", src)
	}
	i := 0
	if col != "" {
		if i = slices.Index(recs[0], col); i < 0 {
			return fmt.Errorf("%s: no column %s", src, col)
		}
	}
	cw := csv.NewWriter(w)
	cw.Write(recs[0])
	for _, r := range recs[1:] {
		if len(r) > i && r[i] == value {
			cw.Write(r)
		}
	}
	cw.Flush()
	return cw.Error()
}

// provinceLabels reads the provinces' labels as the release's tables write
// them ("name_en / name_km", reports.Labels) from the gazetteer's CSV.
func provinceLabels(provincesCSV []byte) (map[string]string, error) {
	recs, err := csv.NewReader(bytes.NewReader(provincesCSV)).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("provinces: %v", err)
	}
	c, en, km := slices.Index(recs[0], "province_code"), slices.Index(recs[0], "name_en"), slices.Index(recs[0], "name_km")
	if c < 0 || en < 0 || km < 0 {
		return nil, fmt.Errorf("provinces: no province_code, name_en or name_km column in %v", recs[0])
	}
	out := map[string]string{}
	for _, r := range recs[1:] {
		out[r[c]] = r[en] + " / " + r[km]
	}
	return out, nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func sqlIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
