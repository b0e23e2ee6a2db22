package etl_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"vitalstats/etl"
	"vitalstats/etl/lake"
	"vitalstats/internal/pgserver"
	"vitalstats/synth"
)

// world is a synthetic registry (the outside world) for the ETL to read.
type world struct {
	srv   *pgserver.Server
	dir   string
	inbox string
	truth *synth.Truth
	asOf  time.Time
}

func newWorld(t *testing.T, events int64, seed uint64) *world {
	t.Helper()
	w := &world{srv: pgserver.NewForTest(t), dir: t.TempDir()}
	w.inbox = filepath.Join(w.dir, "inbox")
	tr, err := synth.Generate(context.Background(), synth.Options{
		Profile: synth.DefaultProfile(), Events: events, Seed: seed, DSN: w.srv.DSN(),
		InboxDir: w.inbox, Truth: filepath.Join(w.dir, "truth.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.truth = tr
	// The throwaway server commits asynchronously; a checkpoint makes the
	// registry survive the tests that kill the server.
	if _, err := connect(t, w.srv.DSN()).Exec(context.Background(), "checkpoint"); err != nil {
		t.Fatal(err)
	}
	w.asOf, _ = time.Parse(time.DateOnly, tr.Generator.AsOf)
	return w
}

// config runs the ETL as of the registry's observation day (noon UTC, the
// same day in Cambodia), so the generator's future dates are future.
func (w *world) config(lakeDir string) etl.Config {
	return etl.Config{
		Lake: lakeDir, Inbox: w.inbox, DSN: w.srv.DSN(),
		Secret: []byte("test secret of the site, 32 bytes"),
		Now:    func() time.Time { return w.asOf.Add(12 * time.Hour) },
		Log:    slog.New(slog.DiscardHandler),
	}
}

func (w *world) records() int64 {
	var n int64
	for _, ev := range w.truth.Events {
		n += ev.Records
	}
	return n
}

// lakeDB is DuckDB with a view per lake table over its committed files, read
// as a researcher would: with Hive partitioning and no hint of its types.
func lakeDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	lk, err := lake.Open(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, table := range []string{"birth", "death", "fetal_death", "marriage", "notification", etl.QuarantineTable, etl.LinkClusterTable} {
		files, err := lk.Files(table)
		if err != nil {
			t.Fatal(err)
		}
		q := fmt.Sprintf("create view %s as select * from read_parquet(['%s'], hive_partitioning = true, union_by_name = true)",
			table, strings.Join(files, "','"))
		if len(files) == 0 {
			q = fmt.Sprintf("create view %s as select null::varchar as event_id, null::varchar as source, null::varchar as record_id, null::varchar as source_ref, null::varchar as reason where false", table)
		}
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// quarantineKinds are the planted defects that must end in quarantine; the
// others (duplicates, blank optional fields, heaped ages, bad cause codes,
// bad bytes in a name, and the not-stated ones below) are loaded, flagged
// where the ETL can tell.
var quarantineKinds = map[string]bool{
	"missing_required": true, "impossible_date": true,
	"wrong_field_count": true, "unterminated_quote": true, "garbled_line": true,
	"invalid_date": true, "number_as_text": true,
}

// notStated maps the planted defects that leave an item not stated to the
// flag their record loads with: a blank sex (kind missing_required, field
// sex) and a residence commune not in the gazetteer. UN P&R count such
// events as "not stated"; the quarantine keeps what cannot be used at all.
func notStated(kind, detail string) string {
	switch {
	case kind == "missing_required" && detail == "sex":
		return "sex_not_stated"
	case kind == "unknown_commune":
		return "residence_not_stated"
	}
	return ""
}

// unsplittable are the file defects that leave no record to read.
var unsplittable = map[string]bool{"wrong_field_count": true, "unterminated_quote": true, "garbled_line": true}

// expectedQuarantine lists, from truth_defects.csv, the records that must be
// quarantined: "id:<id>" for a record read, "ref:<file:line>" for a row that
// cannot be split; and the records that must load with a not-stated flag
// ("id:<id>|flag"), unless another defect quarantines them.
func expectedQuarantine(t *testing.T, w *world) (quarantined, flagged map[string]bool) {
	f, err := os.Open(filepath.Join(w.dir, "truth_defects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	split := map[string]bool{} // ids whose row cannot be split
	flags := map[string]string{}
	for _, r := range rows[1:] {
		id, kind, detail := r[1], r[2], r[3]
		switch {
		case unsplittable[kind]:
			want["ref:"+detail] = true
			split[id] = true
		case quarantineKinds[kind] && notStated(kind, detail) == "":
			want["id:"+id] = true
		case notStated(kind, detail) != "":
			flags["id:"+id+"|"+notStated(kind, detail)] = id
		}
	}
	for id := range split {
		delete(want, "id:"+id)
	}
	flagged = map[string]bool{}
	for k, id := range flags {
		if !want["id:"+id] && !split[id] {
			flagged[k] = true
		}
	}
	return want, flagged
}

func TestRunLoadsEveryRecordOnceAndQuarantinesExactlyTheDefects(t *testing.T) {
	w := newWorld(t, 60_000, 9)
	dir := filepath.Join(t.TempDir(), "lake")
	sum, err := etl.Run(context.Background(), w.config(dir))
	if err != nil {
		t.Fatal(err)
	}
	total := sum.Total()
	if total.Extracted != w.records() || total.Extracted != total.Loaded+total.Quarantined {
		t.Fatalf("extracted %d (generated %d) = loaded %d + quarantined %d fails", total.Extracted, w.records(), total.Loaded, total.Quarantined)
	}
	db := lakeDB(t, dir)
	checkHiveColumns(t, db, lake.DateOf(w.asOf.Add(12*time.Hour).UTC()))
	var loaded int64
	for _, table := range []string{"birth", "death", "fetal_death", "marriage", "notification"} {
		n := count(t, db, "select count(*) from "+table)
		key := "(event_id, version)"
		if table == "notification" {
			key = "event_id"
		}
		if d := count(t, db, "select count(*) - count(distinct "+key+") from "+table); d != 0 {
			t.Errorf("%s: %d rows twice", table, d)
		}
		var want int64
		for _, byEvent := range sum.Counts {
			want += byEvent[table].Loaded
		}
		if n != want {
			t.Errorf("%s: %d rows in the lake, the summary says %d loaded", table, n, want)
		}
		loaded += n
	}
	if loaded != total.Loaded {
		t.Errorf("lake holds %d rows, summary %d", loaded, total.Loaded)
	}
	got := map[string]bool{}
	rows, err := db.Query("select distinct coalesce('id:' || split_part(record_id, ':', 2), 'ref:' || source_ref) from quarantine")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		got[k] = true
	}
	if int64(len(got)) != total.Quarantined {
		t.Errorf("%d records in quarantine, the summary says %d", len(got), total.Quarantined)
	}
	want, wantFlagged := expectedQuarantine(t, w)
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("quarantine differs from the planted defects: %d missing (%v), %d not planted (%v)",
			len(missing), head(missing), len(extra), head(extra))
		for _, k := range head(extra) {
			var reason, field, raw string
			db.QueryRow("select reason, field, coalesce(raw_value, '') from quarantine where coalesce('id:' || split_part(record_id, ':', 2), 'ref:' || source_ref) = ?", k).Scan(&reason, &field, &raw)
			t.Logf("not planted %s: %s %s %q", k, reason, field, raw)
		}
	}
	// Records with a sex or residence not stated are loaded, flagged, with
	// no sex and no province: exactly the planted ones.
	flagged := map[string]bool{}
	for _, table := range []string{"birth", "death", "marriage"} {
		sex := "sex"
		if table == "marriage" {
			sex = "null" // a marriage has no sex of its own
		}
		prov := "residence_province is null"
		if table == "marriage" {
			prov = "(groom_residence_province is null or bride_residence_province is null)"
		}
		rows, err := db.Query(fmt.Sprintf(`select 'id:' || split_part(event_id, ':', 2) || '|' || f,
				f = 'sex_not_stated' and %[2]s is null or f = 'residence_not_stated' and %[3]s
			from (select *, unnest(flags) as f from %[1]s)
			where f in ('sex_not_stated', 'residence_not_stated')`, table, sex, prov))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var blank bool
			if err := rows.Scan(&k, &blank); err != nil {
				t.Fatal(err)
			}
			flagged[k] = true
			if !blank {
				t.Errorf("%s %s: the item not stated has a value", table, k)
			}
		}
		rows.Close()
	}
	missing, extra = nil, nil
	for k := range wantFlagged {
		if !flagged[k] {
			missing = append(missing, k)
		}
	}
	for k := range flagged {
		if !wantFlagged[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(wantFlagged) == 0 || len(missing) > 0 || len(extra) > 0 {
		t.Errorf("not-stated flags differ from the planted defects (%d planted): %d missing (%v), %d not planted (%v)",
			len(wantFlagged), len(missing), head(missing), len(extra), head(extra))
	}
	checkLinkage(t, db, w)
	// Notifications link to the registrations of the same events: never more
	// than the truth's notified-and-registered, and most of those (the rest
	// lack the identity code the link needs).
	for _, event := range []string{"birth", "death"} {
		linked := count(t, db, fmt.Sprintf(`select count(*) from notification n where event_type = '%[1]s'
			and link_key in (select link_key from %[1]s)`, event))
		truth := w.truth.Events[event].NotifiedAndAvailable
		if linked > truth || float64(linked) < 0.5*float64(truth) {
			t.Errorf("%s: %d notifications linked to a registration, truth %d notified and registered", event, linked, truth)
		}
	}
	// Names and identity numbers never reach the lake.
	for _, table := range []string{"birth", "death", "marriage"} {
		cols, err := db.Query("select column_name from (describe " + table + ")")
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var c string
			cols.Scan(&c)
			// a name only as its keyed encodings (*_name_bf, *_name_tok)
			encoded := strings.HasSuffix(c, "_name_bf") || strings.HasSuffix(c, "_name_tok")
			if strings.Contains(c, "name") && !encoded || strings.Contains(c, "kidc") {
				t.Errorf("%s has a column %s", table, c)
			}
		}
	}
	// Every file was taken and moved out of the inbox.
	if sum.FilesTaken == 0 || sum.FilesRejected != 0 {
		t.Errorf("files taken %d, rejected %d", sum.FilesTaken, sum.FilesRejected)
	}
	left, _ := filepath.Glob(filepath.Join(w.inbox, "contractor_*", "*"))
	if len(left) != 0 {
		t.Errorf("%d files left in the inbox, e.g. %s", len(left), left[0])
	}
	// A second run finds nothing new.
	again, err := etl.Run(context.Background(), w.config(dir))
	if err != nil {
		t.Fatal(err)
	}
	if n := again.Total().Extracted; n != 0 {
		t.Errorf("a second run extracted %d records", n)
	}
}

// checkHiveColumns checks what a Hive reader sees of the partition keys: the
// event tables have one year column, occurrence_year (the key is the column
// the files hold), and the quarantine a DATE run_date, the date of the run.
func checkHiveColumns(t *testing.T, db *sql.DB, run lake.Date) {
	t.Helper()
	for _, table := range []string{"birth", "death", "fetal_death", "marriage", "notification", etl.LinkClusterTable, etl.QuarantineTable} {
		rs, err := db.Query("select column_name, column_type from (describe " + table + ") where column_name like 'occ%year' or column_name = 'run_date'")
		if err != nil {
			t.Fatal(err)
		}
		var years []string
		runDate := ""
		for rs.Next() {
			var name, typ string
			if err := rs.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			if name != "run_date" { // occ_year or occurrence_year
				years = append(years, name)
			}
			if name == "run_date" {
				runDate = typ
			}
		}
		rs.Close()
		if table == etl.QuarantineTable {
			if len(years) != 0 || runDate != "DATE" {
				t.Errorf("%s: year columns %v, run_date %q; want none and a DATE", table, years, runDate)
			}
			continue
		}
		if len(years) != 1 || years[0] != "occurrence_year" {
			t.Errorf("%s: year columns %v, want only occurrence_year", table, years)
		}
	}
	var dates, rows int64
	var first time.Time
	if err := db.QueryRow("select count(distinct run_date), count(*), min(run_date) from "+etl.QuarantineTable).Scan(&dates, &rows, &first); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || dates != 1 || lake.DateOf(first) != run {
		t.Errorf("quarantine: %d rows over %d run dates from %s, want one, %s", rows, dates, first.Format(time.DateOnly), run)
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// checkLinkage: record linkage puts the planted duplicates
// (truth_duplicates.csv) in their original's cluster, and few records of
// different events together (twins among them: truth_twins.csv). Records
// quarantined for another defect are not there to be linked.
func checkLinkage(t *testing.T, db *sql.DB, w *world) {
	t.Helper()
	if _, err := db.Exec(fmt.Sprintf(`create table truth_dup as select case "table" when 'births' then 'birth' else 'death' end as event_type,
			event_id, "group" as grp from read_csv('%s', all_varchar = true);
		create table cl as select event_type, event_id, arg_max(cluster_id, (batch, seq)) as c from %s group by all`,
		filepath.Join(w.dir, "truth_duplicates.csv"), etl.LinkClusterTable)); err != nil {
		t.Fatal(err)
	}
	for _, event := range []string{"birth", "death"} {
		var truePairs, found, linked int64
		if err := db.QueryRow(`with tp as (
				select a.event_id as x, b.event_id as y from truth_dup a join truth_dup b using (event_type, grp)
				where a.event_type = $1 and a.event_id < b.event_id
					and a.event_id in (select event_id from cl where event_type = $1) and b.event_id in (select event_id from cl where event_type = $1)
			),
			pp as (
				select a.event_id as x, b.event_id as y from cl a join cl b using (event_type, c) where a.event_type = $1 and a.event_id < b.event_id
			)
			select (select count(*) from tp), (select count(*) from tp semi join pp using (x, y)), (select count(*) from pp)`, event).Scan(&truePairs, &found, &linked); err != nil {
			t.Fatal(err)
		}
		recall, precision := float64(found)/float64(max(truePairs, 1)), float64(found)/float64(max(linked, 1))
		t.Logf("%s: %d true duplicate pairs, %d linked pairs, %d both: recall %.3f, precision %.3f", event, truePairs, linked, found, recall, precision)
		if truePairs == 0 || recall < 0.9 || precision < 0.9 {
			t.Errorf("%s: record linkage recall %.3f, precision %.3f (%d true pairs); want both at least 0.9", event, recall, precision, truePairs)
		}
	}
}

// A large batch onto a lake that holds the years around it is linked a
// year at a time, with the lake's records that share a key with the year's
// (a national backfill of file drops after the registry's): the registry
// first, then the file drops, both past the small-batch size.
func TestLinkageYearByYearOntoALake(t *testing.T) {
	defer etl.SetSmallBatch(500)()
	w := newWorld(t, 30_000, 11)
	dir := filepath.Join(t.TempDir(), "lake")
	cfg := w.config(dir)
	cfg.Inbox = t.TempDir() // the registry alone
	if _, err := etl.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	sum, err := etl.Run(context.Background(), w.config(dir))
	if err != nil {
		t.Fatal(err)
	}
	if ls := sum.Linked["birth"]; ls == nil || ls.Records <= 500 || ls.Earlier == 0 {
		t.Fatalf("the file drops' births were not linked a year at a time onto the lake: %+v", ls)
	}
	checkLinkage(t, lakeDB(t, dir), w)
}
