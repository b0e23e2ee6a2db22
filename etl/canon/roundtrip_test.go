package canon_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/parquet-go/parquet-go"

	"vitalstats/etl/canon"
	"vitalstats/etl/source"
)

// writeRows writes rows to a Parquet file the way the lake does (typed
// writer, zstd) and reads them back with parquet-go.
func writeRows[T any](t *testing.T, dir, name string, rows []T) (string, []T) {
	t.Helper()
	path := filepath.Join(dir, name+".parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, parquet.Compression(&parquet.Zstd))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	back, err := parquet.ReadFile[T](path)
	if err != nil {
		t.Fatal(err)
	}
	// parquet-go v0.32.0 reads a NULL timestamp into *time.Time as a pointer
	// to the zero time (the file holds NULL: DuckDB reads it so, below).
	for i := range back {
		nilZeroTimes(reflect.ValueOf(&back[i]).Elem())
	}
	return path, back
}

// TestParquetRoundTrip writes every row type and reads it back with
// parquet-go and with DuckDB: NULLs stay NULL, dates stay dates, hashes and
// flags survive.
func TestParquetRoundTrip(t *testing.T) {
	v := newValidator(t, secret)
	dir := t.TempDir()
	var births []canon.Birth
	for _, e := range []map[string]string{nil, {"id": "7", "registration_date": "2021-04-10", "mother_date_of_birth": "<null>", "mother_age": "11"},
		{"id": "8", "father_name": "<null>", "father_name_latin": "<null>", "facility_id": "<null>", "birth_weight_g": "<null>", "sex": "M", "date_of_birth": "1900-01-01", "registration_date": "1900-01-01", "mother_date_of_birth": "<null>"},
		{"id": "10", "sex": "<null>", "mother_residence_commune": "990000"}} {
		res := v.Validate(record(source.Births, e))
		if res.Birth == nil {
			t.Fatalf("%v: %+v", e, res.Quarantine)
		}
		births = append(births, *res.Birth)
	}
	deaths := []canon.Death{
		*v.Validate(record(source.Deaths, nil)).Death,
		*v.Validate(record(source.Deaths, map[string]string{"id": "9", "date_of_birth": "1945-07-04", "age_value": "<null>", "age_unit": "<null>", "underlying_cause": "R99"})).Death,
	}
	fetal := []canon.FetalDeath{*v.Validate(record(source.FetalDeaths, nil)).FetalDeath}
	marriages := []canon.Marriage{*v.Validate(record(source.Marriages, nil)).Marriage}
	notes := []canon.Notification{*v.Validate(record(source.Notifications, nil)).Notification}
	quar := v.Validate(record(source.Births, map[string]string{"date_of_birth": "<null>", "birth_weight_g": "9"})).Quarantine
	quar = append(quar, canon.ParseFailure("birth", "file", "a.csv:3", "malformed_row", "x,\"y", "unterminated quote"))

	bPath, bBack := writeRows(t, dir, "birth", births)
	dPath, dBack := writeRows(t, dir, "death", deaths)
	_, fBack := writeRows(t, dir, "fetal_death", fetal)
	_, mBack := writeRows(t, dir, "marriage", marriages)
	nPath, nBack := writeRows(t, dir, "notification", notes)
	qPath, qBack := writeRows(t, dir, "quarantine", quar)
	same := func(name string, got, want any) {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s read back differs:\n got %+v\nwant %+v", name, got, want)
		}
	}
	// A nil list is written as an empty one (Parquet's required LIST has no NULL).
	for i := range births {
		if births[i].Flags == nil {
			births[i].Flags = []string{}
		}
		if births[i].FatherNameTok == nil {
			births[i].FatherNameTok = []int64{}
		}
	}
	for _, rows := range [][]canon.Death{deaths} {
		for i := range rows {
			if rows[i].Flags == nil {
				rows[i].Flags = []string{}
			}
		}
	}
	fetal[0].Flags, marriages[0].Flags, notes[0].Flags = []string{}, []string{}, []string{}
	same("birth", bBack, births)
	same("death", dBack, deaths)
	same("fetal_death", fBack, fetal)
	same("marriage", mBack, marriages)
	same("notification", nBack, notes)
	same("quarantine", qBack, quar)

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("set threads = 1; set autoinstall_known_extensions = false; set autoload_known_extensions = false"); err != nil {
		t.Fatal(err)
	}
	var (
		id, evDate, regDate, created, flags, prov string
		weight                                    sql.NullInt32
		mage                                      int32
	)
	row := db.QueryRow(`select event_id, event_date::varchar, registration_date::varchar, strftime(updated_at, '%Y-%m-%d %H:%M:%S.%f'),
		flags::varchar, provenance, birth_weight_g, mother_age
		from read_parquet(?) where event_id = 'reg:7'`, bPath)
	if err := row.Scan(&id, &evDate, &regDate, &created, &flags, &prov, &weight, &mage); err != nil {
		t.Fatal(err)
	}
	if evDate != "2021-02-20" || regDate != "2021-04-10" || created != "2021-03-04 08:12:33.510000" ||
		flags != "[late_registration, mother_age_implausible]" || prov != "ict" || !weight.Valid || weight.Int32 != 3150 || mage != 11 {
		t.Errorf("DuckDB reads birth %s: %s %s %s %s %s %v %d", id, evDate, regDate, created, flags, prov, weight, mage)
	}
	var nulls bool
	if err := db.QueryRow(`select event_date::varchar, birth_weight_g, facility_id is null and digitized_at is null
		from read_parquet(?) where event_id = 'reg:8'`, bPath).
		Scan(&evDate, &weight, &nulls); err != nil || evDate != "1900-01-01" || weight.Valid || !nulls {
		t.Errorf("DuckDB reads the NULLs of a birth on 1900-01-01: %s %v %v %v", evDate, weight, nulls, err)
	}
	// sex and residence not stated: sex NULL, the unknown commune code kept, no province
	var notStated bool
	if err := db.QueryRow(`select sex is null and mother_residence_commune = '990000' and residence_province is null
		and residence_district is null and flags = ['sex_not_stated', 'residence_not_stated']
		from read_parquet(?) where event_id = 'reg:10'`, bPath).Scan(&notStated); err != nil || !notStated {
		t.Errorf("DuckDB reads a birth of sex and residence not stated wrongly (%v)", err)
	}
	var dob string
	var ageDays int32
	if err := db.QueryRow(`select date_of_birth::varchar, age_days, typeof(date_of_birth), typeof(event_date) from read_parquet(?) where date_of_birth is not null`, dPath).
		Scan(&dob, &ageDays, &evDate, &regDate); err != nil || dob != "1945-07-04" || ageDays != 24471 || evDate != "DATE" || regDate != "DATE" {
		t.Errorf("DuckDB reads death: %s %d %s %s %v", dob, ageDays, evDate, regDate, err)
	}
	var notified string
	if err := db.QueryRow(`select strftime(notified_at, '%Y-%m-%d %H:%M:%S'), event_date::varchar from read_parquet(?)`, nPath).
		Scan(&notified, &evDate); err != nil || notified != "2024-01-16 09:30:00" || evDate != "2024-01-15" {
		t.Errorf("DuckDB reads notification: %s %s %v", notified, evDate, err)
	}
	var n, nullRaw int
	if err := db.QueryRow(`select count(*), count(*) filter (where raw_value is null) from read_parquet(?)`, qPath).Scan(&n, &nullRaw); err != nil || n != 3 || nullRaw != 1 {
		t.Errorf("DuckDB reads quarantine: %d rows, %d NULL raw values, %v", n, nullRaw, err)
	}
}

func nilZeroTimes(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[time.Time]():
			nilZeroTimes(f)
		case f.Type() == reflect.TypeFor[*time.Time]() && !f.IsNil() && f.Elem().Interface().(time.Time).IsZero():
			f.Set(reflect.Zero(f.Type()))
		}
	}
}
