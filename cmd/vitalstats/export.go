package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"vitalstats"
	"vitalstats/internal/jobs"
	"vitalstats/reports"
	"vitalstats/warehouse"
)

// runExport builds the warehouse from the lake and publishes a release from
// it: the WHO Mortality Database files and the research extracts, with the
// lake snapshot, code and denominators they come from.
func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags("export")
	configPath := configFlag(fs)
	final := fs.Bool("final", false, "publish a final release (the figures of record: it never changes) instead of a provisional one")
	note := fs.String("note", "", "why this release is made, for the revision log")
	year := fs.Int("year", 0, "year of the annual report tables (`YEAR`; 0: the last year whose births and deaths are final, not provisional)")
	accept := fs.Bool("accept-changes", false, "as build -accept-changes: swap in the warehouse the release is made from even if its counts moved beyond the plausibility limits")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	cfg, err := loadFor(e, "export", *configPath)
	if err != nil {
		return err
	}
	cfg.acceptChanges = *accept
	runner, err := cfg.jobRunner(e, jobs.Options{Retries: -1})
	if err != nil {
		return err
	}
	var rel reports.Release
	if err := runner.Do(ctx, cfg.exportJob(e, *final, *note, *year, &rel)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "release %s (%s) in %s, from %s, data as of %s (%s):\n", rel.ID, rel.Status,
		filepath.Join(cfg.Export.Releases, rel.ID), rel.LakeSnapshot, rel.AsOf, rel.AsOfSource)
	for _, f := range rel.Files {
		fmt.Fprintf(e.stdout, "  %-60s %12d bytes\n", f.Path, f.Bytes)
	}
	if rel.Note != "" {
		fmt.Fprintf(e.stdout, "note: %s\n", rel.Note)
	}
	return nil
}

// exportJob is the export as a job, for export and serve: it holds the run
// lock, so the lake does not move between the build and the extracts.
func (c *Config) exportJob(e *env, final bool, note string, year int, out *reports.Release) jobs.Job {
	return jobs.Job{Name: "export", Schedule: c.Export.Schedule, Run: func(ctx context.Context) (any, error) {
		rel, err := c.runExportOnce(ctx, e, final, note, year)
		if out != nil {
			*out = rel
		}
		return map[string]any{"release": rel.ID, "status": rel.Status, "files": len(rel.Files)}, err
	}}
}

func (c *Config) runExportOnce(ctx context.Context, e *env, final bool, note string, year int) (reports.Release, error) {
	log := e.log.With("job", "export")
	// Under the run lock: no other export is filling a folder.
	removed, err := reports.RemoveUnfinished(c.Export.Releases)
	for _, d := range removed {
		log.Info("removed the unfinished release of a killed export", "folder", d)
	}
	if err != nil {
		return reports.Release{}, err
	}
	in, done, err := c.buildInput(log)
	if err != nil {
		return reports.Release{}, err
	}
	defer done()
	now := time.Now().UTC()
	rel := reports.Release{
		ID: now.Format("20060102T150405Z"), Created: now, Status: reports.Provisional,
		LakeSnapshot: in.Snapshot, BuiltAt: now, CodeVersion: in.Version, Denominators: c.denominators(), Note: note,
	}
	// The release names its data's date before its files are written; the
	// build below dates the same snapshot the same way.
	asOf, source := in.AsOf, warehouse.AsOfConfig
	if asOf.IsZero() {
		latest, ok, err := warehouse.LatestRegistration(ctx, in.Lake)
		if err != nil {
			return rel, err
		}
		if !ok {
			return rel, fmt.Errorf("the lake snapshot (%s) holds no registration to date a release by (run vitalstats etl, or set [warehouse] as_of)", in.Snapshot)
		}
		asOf, source = latest, warehouse.AsOfData
	}
	rel.AsOf, rel.AsOfSource = asOf.Format(time.DateOnly), source
	if final {
		rel.Status = reports.Final
	}
	if c.Export.WHOCountry == "" {
		rel.Note = strings.TrimPrefix(strings.TrimSuffix(rel.Note, ".")+". WHO files left out: export.who_country is not set.", ". ")
	}
	// The warehouse is built beside the configured one and swapped in only
	// once the release is published: an export that fails leaves the
	// previous warehouse in place (and the pages on it).
	scratch, err := c.exportScratch()
	if err != nil {
		return rel, err
	}
	defer removeWarehouseFiles(scratch) // nothing left after the swap
	sc := *c
	sc.Warehouse.Path = scratch
	rel, err = reports.Publish(c.Export.Releases, rel, func(dir string) error {
		// The build writes the extracts from its own intermediate tables,
		// which it would otherwise drop: preparing them again was half the
		// export's time.
		in.Extracts = warehouse.ExtractsInput{Dir: filepath.Join(dir, "research"), K: c.Export.KAnonymity}
		sum, err := sc.build(ctx, in, log)
		if err != nil {
			return err
		}
		if got := sum.AsOf.Date.Format(time.DateOnly); got != rel.AsOf || sum.AsOf.Source != rel.AsOfSource {
			return fmt.Errorf("the build dated the data %s (%s), the release %s (%s)", got, sum.AsOf.Source, rel.AsOf, rel.AsOfSource)
		}
		xs := sum.Extracts
		w, err := warehouse.Open(scratch, c.readOptions())
		if err != nil {
			return err
		}
		defer w.Close()
		labels, err := c.writeAnnualReport(ctx, w, dir, year, rel)
		if err != nil {
			return err
		}
		if c.Export.WHOCountry != "" {
			if err := c.writeWHO(ctx, w, dir); err != nil {
				return err
			}
		}
		arrival, err := warehouse.ReadSlice(ctx, w.DB, vitalstats.MartSlice{Table: "registration_arrival", Only: map[string][]string{"area_code": {"KH"}}})
		if err != nil {
			return err
		}
		sd, err := c.sdmx(arrival)
		if err != nil {
			return err
		}
		if err := writeSurveillance(ctx, w, filepath.Join(dir, "surveillance"), labels, sd, rel); err != nil {
			return err
		}
		if err := writeReleaseReadme(ctx, w, dir, rel); err != nil {
			return err
		}
		// Which years are still filling in: the WHO files and the research
		// extracts have no flag column to say it.
		if err := writeProvisionalYears(ctx, w, filepath.Join(dir, "provisional_years.csv")); err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# Research extracts of release %s\n\nDe-identified microdata, one Parquet file per event type and year, "+
			"each folder with its codebook (codebook.md, codebook.json: variables, codes, how dates, places and ages were coarsened, "+
			"and how records in combinations shared by fewer than %d were generalised).\n\n", rel.ID, xs.K)
		for _, x := range xs.Extracts {
			var rows int64
			for _, n := range x.Rows {
				rows += n
			}
			fmt.Fprintf(&b, "- `%s/`: %d records in %d files; %d suppressed (every quasi-identifier but the year removed), %d of them in a year of fewer than %d records\n",
				x.Event, rows, len(x.Files), x.Generalised["suppressed"], x.Residual, xs.K)
		}
		n, err := c.writeMonthlyTables(ctx, w, filepath.Join(dir, "research", "aggregates"), labels, rel)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n`aggregates/`: %d tables of each event type by province of usual residence and month of occurrence, one a year, "+
			"as CSV and SDMX-CSV after disclosure control (cells under %d suppressed, with complements, and left empty: see the release's README): the month the microdata "+
			"lose first for rare records is here for everyone. The annual report's tables are in `../tables/` (XLSX, CSV and SDMX-CSV).\n", n, c.Export.MinCell)
		b.WriteString("Years whose registrations are still arriving are listed as provisional in `../provisional_years.csv`: " +
			"their counts will still grow, so do not read their fall as a fall in events.\n")
		b.WriteString("Open a file in DuckDB with `select * from read_parquet('births/*.parquet')`, in R with arrow::open_dataset, in pandas with pd.read_parquet.\n")
		return os.WriteFile(filepath.Join(dir, "research", "README.md"), []byte(b.String()), 0o644)
	})
	if err != nil {
		return rel, err
	}
	if err := swapIn(scratch, c.Warehouse.Path); err != nil {
		return rel, fmt.Errorf("release %s is published, but its warehouse was not swapped in: %w", rel.ID, err)
	}
	return rel, nil
}

// exportScratch prepares the path an export builds its warehouse at: beside
// the configured one, holding (as a hard link, or a copy) the current
// warehouse, which the build reads as the previous one (plausibility,
// build_info). What a killed export left there is removed first.
func (c *Config) exportScratch() (string, error) {
	scratch := c.Warehouse.Path + ".export"
	if err := removeWarehouseFiles(scratch); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(scratch), 0o755); err != nil {
		return "", err
	}
	err := os.Link(c.Warehouse.Path, scratch)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist): // the first build: nothing to compare with
		return scratch, nil
	default: // a file system without hard links
		if err := copyFile(c.Warehouse.Path, scratch); err != nil {
			removeWarehouseFiles(scratch)
			return "", fmt.Errorf("copy the warehouse aside for the export: %w", err)
		}
		return scratch, nil
	}
}

// removeWarehouseFiles removes a warehouse file and what a build at that
// path leaves (its write-ahead log, its .building file).
func removeWarehouseFiles(p string) error {
	var errs []error
	for _, f := range []string{p, p + ".wal", p + ".building", p + ".building.wal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// swapIn renames the built warehouse over the configured one, durably.
func swapIn(built, path string) error {
	if err := os.Rename(built, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeReleaseReadme writes the release's README.md: what it holds and how
// its numbers were protected, with the publication layer's information loss
// (publication_loss: numbers of cells, never a cell's value).
func writeReleaseReadme(ctx context.Context, w *warehouse.Warehouse, dir string, rel reports.Release) error {
	t, err := warehouse.ReadSlice(ctx, w.DB, vitalstats.MartSlice{Table: "publication_loss"})
	if err != nil {
		return err
	}
	slices.SortFunc(t.Rows, func(a, b []any) int { return strings.Compare(fmt.Sprint(a[0]), fmt.Sprint(b[0])) })
	var b strings.Builder
	fmt.Fprintf(&b, "# Release %s (%s)\n\nData as of %s, from %s.\n\n", rel.ID, rel.Status, rel.AsOf, rel.LakeSnapshot)
	b.WriteString("- `tables/`: the annual report (XLSX) and its tables as CSV and SDMX-CSV; `tables/sdmx/structure.xml` " +
		"(and `research/aggregates/sdmx/structure.xml`) is the SDMX-ML 2.1 structure message the SDMX-CSV files conform to: " +
		"a data structure definition and dataflow per table, its code lists and concepts. In SDMX, `CONF_STATUS` C marks a " +
		"cell suppressed for being small, D one suppressed to protect it (OBS_VALUE empty), `OBS_STATUS` P a year still provisional.\n" +
		"- `surveillance/`: the mortality surveillance series (methods section 16): deaths by month and ISO week of " +
		"occurrence, by province, sex and broad age group (weeks: the nation by sex and age group, the provinces in all), with the nowcast of the registrations still to arrive, the " +
		"expected deaths, the excess and the P-score, each with its 95% interval. `deaths_surveillance.csv` has a row per " +
		"period, area, sex and age group (an empty value is suppressed where `flags` says `suppressed`, else one the model " +
		"does not give, the flag saying why); `sdmx/` the same as the SDMX dataflow DEATHS_SURVEILLANCE, each quantity a " +
		"code of the dimension MEASURE (OBS, NOWCAST, EXPECTED, EXCESS, P_SCORE, and X_LOW, X_HIGH for the interval's ends), " +
		"`OBS_STATUS` E on every estimated value, P on the count of a period still provisional; a suppressed row is one " +
		"observation, OBS with `CONF_STATUS` C and no value, its other measures left out with it.\n" +
		"- `who/`: the WHO Mortality Database files, when the site sends them.\n" +
		"- `research/`: de-identified microdata and aggregates (see its README).\n" +
		"- `provisional_years.csv`: the years whose registrations are still arriving.\n\n")
	b.WriteString("## Disclosure control\n\n" +
		"Every count in this release, as on the dashboards, comes from the warehouse's publication layer (methods " +
		"section 12): each count of people carries a small random change fixed by a keyed hash of the cell (the same " +
		"cell has the same change everywhere, so comparing tables gives nothing away), true zeros stay zero, and rates " +
		"are computed from the changed counts. A table's totals are the sums of its published cells. Counts from 1 " +
		"to 4 are suppressed (an empty cell: see Reading the files), with complementary cells so that none can be worked back from the totals; the WHO " +
		"files, whose layout has no such mark, carry the changed counts. The change is 0 for a third of the cells, " +
		"1 either way for another third; its mean absolute size is 4/3.\n\n" +
		"| Warehouse table | Cells | Non-zero | Changed | Withheld | Mean absolute change |\n|---|---:|---:|---:|---:|---:|\n")
	var cells, nonzero, changed, withheld int64
	var abs float64
	for _, r := range t.Rows {
		c, nz, ch, wh := r[t.Col("cells")].(int64), r[t.Col("nonzero")].(int64), r[t.Col("changed")].(int64), r[t.Col("suppressed")].(int64)
		m, _ := r[t.Col("mean_abs_change")].(float64)
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %.2f |\n", r[t.Col("table_name")], c, nz, ch, wh, m)
		cells, nonzero, changed, withheld = cells+c, nonzero+nz, changed+ch, withheld+wh
		abs += m * float64(max(nz-wh, 0))
	}
	if shown := nonzero - withheld; shown > 0 {
		abs /= float64(shown)
	}
	fmt.Fprintf(&b, "| all | %d | %d | %d | %d | %.2f |\n\n", cells, nonzero, changed, withheld, abs)
	b.WriteString("Withheld: rows shown as suppressed on the pages because their published count (or counted denominator) " +
		"is from 1 to 4. Mean absolute change: over the shown non-zero counts.\n\n")
	b.WriteString(readingTheFiles)
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(b.String()), 0o644)
}

// readingTheFiles is the release README's section on reading its tables:
// the workbook's header row, the suppression mark, the byte-order mark.
var readingTheFiles = fmt.Sprintf(`## Reading the files

**Suppressed cells: one mark, an empty value.** A suppressed count is left empty everywhere, and says so where
the layout has room:

- the CSV tables (`+"`tables/csv/`, `research/aggregates/csv/`"+`): every other cell holds a number, 0 included, so
  an empty cell is always a suppressed one; a program reads the columns as numbers, the suppressed cells missing
  (pandas NaN, R NA), with no option to set;
- the workbook (`+"`tables/annual_report_YEAR.xlsx`"+`): the cell is empty, so it too reads as missing, shaded grey,
  with a comment that reads `+"`%s`"+`;
- SDMX-CSV (`+"`sdmx/`"+`): OBS_VALUE is empty, and the observation's status attribute says it is confidential;
- the dashboards' CSV downloads: the value is empty and the `+"`flags`"+` column says `+"`suppressed`"+`.

**The workbook.** On every sheet row 1 is the title (English / Khmer), row 2 the source note, row %d the header
(English / Khmer), and the data run from row %d to the last row, with nothing after them:

- pandas: `+"`pd.read_excel(\"annual_report_YEAR.xlsx\", sheet_name=\"births_age_province\", header=%d)`"+`
- R: `+"`readxl::read_excel(\"annual_report_YEAR.xlsx\", sheet = \"births_age_province\", skip = %d)`"+`

Counts are shown with thousands separators and the summary's values at their published decimals (stored at that
precision); the `+"`metadata`"+` sheet and the document properties give the release, its status and its date.

**CSV files** are UTF-8 and start with a byte-order mark, so that Excel and LibreOffice read the Khmer labels
(without it they show "ážŸáž¼..."). pandas, readr, data.table and DuckDB skip it; base R's read.csv needs
`+"`fileEncoding = \"UTF-8-BOM\"`"+`. For a program that reads the mark as data, download the file with `+"`?bom=0`"+`
(`+"`/downloads/<release>/<file>?bom=0`"+`; the pages' CSV links take it too). SDMX-CSV and the WHO files, read by
programs and holding codes and numbers only, have no mark.
`, reports.SuppressedSymbol, reports.HeaderRow, reports.HeaderRow+1, reports.HeaderRow-1, reports.HeaderRow-1)

// writeSurveillance writes the published surveillance series to dir: the
// plain CSV deaths_surveillance.csv and, in dir/sdmx, its SDMX-CSV and
// structure message, read back against each other before the release is
// published.
func writeSurveillance(ctx context.Context, w *warehouse.Warehouse, dir string, labels func(string) string, sd reports.SDMX, rel reports.Release) error {
	all, err := warehouse.ReadSlice(ctx, w.DB, vitalstats.MartSlice{Table: "surveillance"})
	if err != nil {
		return err
	}
	t, err := reports.SurveillanceReleased(all)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "sdmx"), 0o755); err != nil {
		return err
	}
	base := strings.ToLower(reports.SurveillanceFlow) + ".csv"
	if err := createFile(filepath.Join(dir, base), func(f *os.File) error { return reports.WriteSurveillanceCSV(f, t) }); err != nil {
		return err
	}
	if err := createFile(filepath.Join(dir, "sdmx", base), func(f *os.File) error { return sd.WriteSurveillanceData(f, t) }); err != nil {
		return err
	}
	h := reports.StructureHeader{ID: rel.ID, Prepared: rel.Created}
	if err := createFile(filepath.Join(dir, "sdmx", reports.SDMXStructureFile), func(f *os.File) error {
		return sd.WriteSurveillanceStructure(f, h, t, labels)
	}); err != nil {
		return err
	}
	if _, err := reports.CheckSDMXDir(filepath.Join(dir, "sdmx")); err != nil {
		return fmt.Errorf("surveillance: %w", err)
	}
	return nil
}

// writeProvisionalYears writes the nation's years by event type with the
// estimated share of their registrations arrived and their status
// (registration_arrival): the release's figures for a provisional year will
// still grow. Shares only: no count leaves by this file.
func writeProvisionalYears(ctx context.Context, w *warehouse.Warehouse, path string) error {
	t, err := warehouse.ReadSlice(ctx, w.DB, vitalstats.MartSlice{Table: "registration_arrival",
		Columns: []string{"event_type", "year", "area_code", "value", "flags"}, Only: map[string][]string{"area_code": {"KH"}}})
	if err != nil {
		return err
	}
	slices.SortFunc(t.Rows, func(a, b []any) int {
		return strings.Compare(fmt.Sprint(a[t.Col("event_type")], a[t.Col("year")]), fmt.Sprint(b[t.Col("event_type")], b[t.Col("year")]))
	})
	var b strings.Builder
	b.WriteString(reports.BOM + "event_type,year,arrived_share,status\n")
	for _, r := range t.Rows {
		status := "final"
		if f, _ := r[t.Col("flags")].([]string); slices.Contains(f, "provisional") {
			status = "provisional"
		}
		share := ""
		if v, ok := r[t.Col("value")].(float64); ok {
			share = strconv.FormatFloat(v, 'f', 3, 64)
		}
		fmt.Fprintf(&b, "%s,%d,%s,%s\n", r[t.Col("event_type")], r[t.Col("year")], share, status)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeWHO writes the WHO Mortality Database files of the marts who_mdb_deaths and who_mdb_population.
func (c *Config) writeWHO(ctx context.Context, w *warehouse.Warehouse, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "who"), 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		mart, file string
		write      func(*os.File, *vitalstats.Table) error
	}{
		{"who_mdb_deaths", "Morticd10.csv", func(o *os.File, t *vitalstats.Table) error {
			return reports.WriteWHOMortality(o, t, c.Export.WHOCountry)
		}},
		{"who_mdb_population", "pop.csv", func(o *os.File, t *vitalstats.Table) error {
			return reports.WriteWHOPopulation(o, t, c.Export.WHOCountry)
		}},
	} {
		t, err := warehouse.ReadSlice(ctx, w.DB, vitalstats.MartSlice{Table: f.mart})
		if err != nil {
			return err
		}
		o, err := os.Create(filepath.Join(dir, "who", f.file))
		if err != nil {
			return err
		}
		err = f.write(o, t)
		if cerr := o.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.file, err)
		}
	}
	return nil
}

// finalYears reads the national rows of registration_arrival: the years
// whose births and deaths are both no longer provisional, and the last one.
func finalYears(t *vitalstats.Table) (map[int]bool, int) {
	provisional := map[int]bool{}
	seen := map[int]int{}
	for _, r := range t.Rows {
		y, _ := r[t.Col("year")].(int64)
		switch e, _ := r[t.Col("event_type")].(string); e {
		case "birth", "death":
			seen[int(y)]++
			if f, _ := r[t.Col("flags")].([]string); slices.Contains(f, "provisional") {
				provisional[int(y)] = true
			}
		}
	}
	final, last := map[int]bool{}, 0
	for y, n := range seen {
		if n == 2 && !provisional[y] {
			final[y] = true
			last = max(last, y)
		}
	}
	return final, last
}

// writeAnnualReport writes the annual report's tables for a year, after
// disclosure control: the workbook, and each table as CSV and SDMX-CSV. It
// returns the labels of categories it used, for the release's other tables.
func (c *Config) writeAnnualReport(ctx context.Context, w *warehouse.Warehouse, dir string, year int, rel reports.Release) (func(string) string, error) {
	marts := map[string]*vitalstats.Table{}
	read := func(name string, s vitalstats.MartSlice) error {
		t, err := warehouse.ReadSlice(ctx, w.DB, s)
		if err != nil {
			return err
		}
		marts[name] = t
		return nil
	}
	for _, tab := range reports.Tabulations {
		if marts[tab.Mart] == nil {
			if err := read(tab.Mart, vitalstats.MartSlice{Table: tab.Mart, AreaDepth: 2}); err != nil {
				return nil, err
			}
		}
	}
	for _, m := range reports.SummaryMarts() {
		if err := read(m, vitalstats.MartSlice{Table: m, Only: map[string][]string{"area_code": {"KH"}}}); err != nil {
			return nil, err
		}
	}
	for _, m := range []string{"ref_provinces", "ref_who_list1"} {
		if err := read(m, vitalstats.MartSlice{Table: m}); err != nil {
			return nil, err
		}
	}
	if err := read("registration_arrival", vitalstats.MartSlice{Table: "registration_arrival",
		Only: map[string][]string{"area_code": {"KH"}}}); err != nil {
		return nil, err
	}
	final, last := finalYears(marts["registration_arrival"])
	if year == 0 { // the last year whose births and deaths are final
		if year = last; year == 0 {
			return nil, fmt.Errorf("annual report: no year is final yet (registration_arrival flags every year provisional); give -year")
		}
	}
	if rel.Status == reports.Final && !final[year] {
		return nil, fmt.Errorf("annual report %d: the year is provisional (its registrations are still arriving); a final release needs a final year", year)
	}
	labels := reports.Labels(marts["ref_provinces"], marts["ref_who_list1"])
	sheets, tables, err := reports.AnnualReport(year, marts, labels, rel, reports.Disclosure{Threshold: c.Export.MinCell})
	if err != nil {
		return nil, fmt.Errorf("annual report %d: %w", year, err)
	}
	sd, err := c.sdmx(marts["registration_arrival"])
	if err != nil {
		return nil, err
	}
	if err := writeTables(filepath.Join(dir, "tables"), tables, labels, sd, rel); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("annual_report_%d", year)
	if err := createFile(filepath.Join(dir, "tables", name+".xlsx"), func(f *os.File) error { return reports.WriteXLSX(f, reports.ReportProps(year, rel), sheets) }); err != nil {
		return nil, err
	}
	return labels, nil
}

// sdmx is the release's SDMX settings: the configured agency, and the
// years still provisional by registration_arrival (the nation's rows).
func (c *Config) sdmx(arrival *vitalstats.Table) (reports.SDMX, error) {
	prov, err := reports.ProvisionalYears(arrival)
	return reports.SDMX{Agency: c.Export.SDMXAgency, Provisional: prov}, err
}

// writeTables writes each published table as dir/csv/ID_YEAR.csv and
// dir/sdmx/ID_YEAR.csv (SDMX-CSV), with dir/sdmx/structure.xml, the SDMX-ML
// structure message the SDMX-CSV files conform to; the files are read back
// against it before the release is published.
func writeTables(dir string, tables []*reports.Published, labels func(string) string, sd reports.SDMX, rel reports.Release) error {
	for _, sub := range []string{"csv", "sdmx"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for _, p := range tables {
		base := fmt.Sprintf("%s_%d.csv", p.Tab.ID, p.Year)
		if err := createFile(filepath.Join(dir, "csv", base), func(f *os.File) error { return p.WriteCSV(f, labels) }); err != nil {
			return err
		}
		if err := createFile(filepath.Join(dir, "sdmx", base), func(f *os.File) error { return sd.WriteData(f, p) }); err != nil {
			return err
		}
	}
	h := reports.StructureHeader{ID: rel.ID, Prepared: rel.Created}
	if err := createFile(filepath.Join(dir, "sdmx", reports.SDMXStructureFile), func(f *os.File) error {
		return sd.WriteStructure(f, h, tables, labels)
	}); err != nil {
		return err
	}
	if _, err := reports.CheckSDMXDir(filepath.Join(dir, "sdmx")); err != nil {
		return fmt.Errorf("SDMX files of %s do not conform to their structure: %w", dir, err)
	}
	return nil
}

// writeMonthlyTables writes the research extracts' aggregate tables under
// dir (csv/, sdmx/) and returns how many it wrote.
func (c *Config) writeMonthlyTables(ctx context.Context, w *warehouse.Warehouse, dir string, labels func(string) string, rel reports.Release) (int, error) {
	m, err := warehouse.ReadSlice(ctx, w.DB, vitalstats.MartSlice{Table: "events_by_month", AreaDepth: 2,
		Only: map[string][]string{"measure": {"occurred"}}})
	if err != nil {
		return 0, err
	}
	tables, err := reports.MonthlyTables(m, reports.Disclosure{Threshold: c.Export.MinCell})
	if err != nil {
		return 0, err
	}
	arrival, err := warehouse.ReadSlice(ctx, w.DB, vitalstats.MartSlice{Table: "registration_arrival", Only: map[string][]string{"area_code": {"KH"}}})
	if err != nil {
		return 0, err
	}
	sd, err := c.sdmx(arrival)
	if err != nil {
		return 0, err
	}
	return len(tables), writeTables(dir, tables, labels, sd, rel)
}

// createFile writes a new file with write and closes it.
func createFile(p string, write func(*os.File) error) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// denominators names the population the rates use.
// denominators names the population source for a release: the site's
// description and the file's name, not its path on the server.
func (c *Config) denominators() string {
	if c.Warehouse.Population == "" {
		return "derived from the 2008 census and UN WPP 2024 (no population file)"
	}
	file := "file " + filepath.Base(c.Warehouse.Population)
	if c.Warehouse.PopulationSource == "" {
		return "population " + file + " (no description given: [warehouse] population_source)"
	}
	return c.Warehouse.PopulationSource + " (" + file + ")"
}
