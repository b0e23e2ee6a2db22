package synth

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"vitalstats/internal/pgserver"
)

// The registry in PostgreSQL holds exactly the records the generator says it
// wrote there, with the schema an operational registry has.
func TestRegistryHoldsExactlyTheEvents(t *testing.T) {
	srv := pgserver.NewForTest(t)
	r := generate(t, t.TempDir(), 40_000, 5, srv.DSN())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(sql string) int64 {
		t.Helper()
		var n int64
		if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	events := map[string]string{"births": "birth", "deaths": "death", "fetal_deaths": "fetal_death", "marriages": "marriage", "notifications": "notification"}
	for _, tbl := range Tables {
		want := r.truth.Events[events[tbl.Name]].RegistryRows
		if got := count("select count(*) from " + tbl.Name); got != want || got != r.truth.Registry[tbl.Name] {
			t.Errorf("%s: %d rows in PostgreSQL, truth says %d (writer counted %d)", tbl.Name, got, want, r.truth.Registry[tbl.Name])
		}
		if want == 0 {
			t.Errorf("%s: no rows at all", tbl.Name)
		}
		if got := count("select count(distinct id) from " + tbl.Name); got != r.truth.Registry[tbl.Name] {
			t.Errorf("%s: ids are not unique", tbl.Name)
		}
	}
	// Registrations carry names and identity numbers like a real registry;
	// ICT records appear only in the pilot communes and after their start.
	if count("select count(*) from births where child_name = '' or mother_name = '' or child_kidc = ''") != 0 {
		t.Error("births without a name, or with an empty KIDC")
	}
	// Paper records from before the forms had a KIDC carry none; ICT ones always do.
	from := DefaultProfile().Registration.PaperKIDCFrom
	if n := count(`select count(*) from births where child_kidc is null and (source = 'ict' or registration_date >= '` + from + `')`); n != 0 {
		t.Errorf("%d births without KIDC that are not paper backlog", n)
	}
	if count(`select count(*) from births where child_kidc is null`) == 0 || count(`select count(*) from deaths where deceased_kidc is not null and source = 'digitized' and registration_date < '`+from+`'`) != 0 {
		t.Error("the paper backlog must lack KIDC, births and deaths")
	}
	if count("select count(*) from births where child_name_latin is not null") == 0 || count("select count(*) from births where child_name_latin is null") == 0 {
		t.Error("some births, not all, have romanized names")
	}
	if n := count(`select count(*) from births where source = 'ict'
		and not (registration_commune like '23%' or registration_commune like '07%' or registration_commune like '12%')`); n != 0 {
		t.Errorf("%d ICT births outside the pilot provinces", n)
	}
	if count("select count(*) from births where source = 'digitized' and digitized_at is null") != 0 {
		t.Error("digitized records without a digitization date")
	}
	if count("select count(*) from births where status = 'corrected' and (version < 2 or updated_at <= created_at)") != 0 {
		t.Error("corrections must raise the version and the update time")
	}
	if count("select count(*) from deaths where underlying_cause is not null") == 0 {
		t.Error("no coded deaths")
	}
	var idx int64
	if idx = count("select count(*) from pg_indexes where tablename = 'births' and indexdef like '%updated_at%'"); idx != 1 {
		t.Errorf("births has %d indexes on updated_at, want 1 for incremental extraction", idx)
	}
}
