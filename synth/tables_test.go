package synth

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// snakeCase is the column name rule the tables follow (KIDC, ICD10 and ID
// are words).
func snakeCase(field string) string {
	r := strings.NewReplacer("KIDC", "Kidc", "ICD10", "Icd10", "ID", "Id").Replace(field)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			if i > 0 {
				b.WriteByte('_')
			}
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

var recordTypes = []struct {
	table *Table
	typ   reflect.Type
}{
	{BirthTable, reflect.TypeFor[Birth]()},
	{DeathTable, reflect.TypeFor[Death]()},
	{FetalDeathTable, reflect.TypeFor[FetalDeath]()},
	{MarriageTable, reflect.TypeFor[Marriage]()},
	{NotificationTable, reflect.TypeFor[Notification]()},
}

// TestTablesMatchRecords: every struct field has its column, in order, with
// the PostgreSQL type and nullability its Go type implies.
func TestTablesMatchRecords(t *testing.T) {
	timeType := reflect.TypeFor[time.Time]()
	for _, rt := range recordTypes {
		// Unexported fields are the generator's notes about a record, not columns.
		var fields []reflect.StructField
		for i := range rt.typ.NumField() {
			if f := rt.typ.Field(i); f.IsExported() {
				fields = append(fields, f)
			}
		}
		if got, want := len(rt.table.Columns), len(fields); got != want {
			t.Fatalf("%s: %d columns, %s has %d fields", rt.table.Name, got, rt.typ.Name(), want)
		}
		for i, c := range rt.table.Columns {
			f := fields[i]
			if want := snakeCase(f.Name); c.Name != want {
				t.Errorf("%s column %d: %s, want %s (field %s)", rt.table.Name, i, c.Name, want, f.Name)
			}
			ft, ptr := f.Type, f.Type.Kind() == reflect.Pointer
			if ptr {
				ft = ft.Elem()
			}
			if c.NotNull == ptr {
				t.Errorf("%s.%s: not null = %v for Go type %v", rt.table.Name, c.Name, c.NotNull, f.Type)
			}
			var want string
			switch {
			case ft == timeType && strings.HasSuffix(f.Name, "At"):
				want = "timestamptz"
			case ft == timeType:
				want = "date"
			case ft.Kind() == reflect.Int64:
				want = "bigint"
			case ft.Kind() == reflect.Int32:
				want = "int"
			case ft.Kind() == reflect.String:
				want = "text"
			}
			if c.Type != want {
				t.Errorf("%s.%s: type %s, want %s", rt.table.Name, c.Name, c.Type, want)
			}
		}
		if rt.table.Columns[0].Name != "id" {
			t.Errorf("%s: id is not the first column", rt.table.Name)
		}
		if i := rt.table.Column(rt.table.Watermark); i < 0 || rt.table.Columns[i].Type != "timestamptz" || !rt.table.Columns[i].NotNull {
			t.Errorf("%s: watermark %q is not a not-null timestamptz column", rt.table.Name, rt.table.Watermark)
		}
	}
}

// TestValuesOrder: Values puts every field at its column, nil for nil pointers.
func TestValuesOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rt := range recordTypes {
		for n := 0; n < 50; n++ {
			rec := fakeRecord(rng, rt.table, int64(n+1))
			vals := recordValues(rec)
			rv := reflect.ValueOf(rec).Elem()
			for i := range rt.table.Columns {
				f := rv.Field(i)
				var want any
				if f.Kind() == reflect.Pointer {
					if !f.IsNil() {
						want = f.Elem().Interface()
					}
				} else {
					want = f.Interface()
				}
				if !reflect.DeepEqual(vals[i], want) {
					t.Fatalf("%s.%s: Values gives %#v, field holds %#v", rt.table.Name, rt.table.Columns[i].Name, vals[i], want)
				}
			}
		}
	}
}

// recordValues calls the record's Values.
func recordValues(rec any) []any {
	return rec.(interface{ Values() []any }).Values()
}

// fakeNames exercise quoting: commas, quotes, leading spaces, Khmer script.
var fakeNames = []string{"Sok Dara", "Chan, Sophea", `Kim "Srey" Mom`, " Vann Nath", "សុខ ដារ៉ា", "ចាន់ សុភា", "Heng\tLy", "Pich Sreymom"}

// fakeRecord fills a record of t's type with random values; about a fifth of
// the optional fields are nil. Dates are UTC midnights and timestamps have
// microseconds, as PostgreSQL keeps them.
func fakeRecord(rng *rand.Rand, t *Table, id int64) any {
	var typ reflect.Type
	for _, rt := range recordTypes {
		if rt.table == t {
			typ = rt.typ
		}
	}
	rv := reflect.New(typ)
	s := rv.Elem()
	for i, c := range t.Columns {
		f := s.Field(i)
		ft := f.Type()
		if ft.Kind() == reflect.Pointer {
			if rng.IntN(5) == 0 {
				continue
			}
			f.Set(reflect.New(ft.Elem()))
			f = f.Elem()
		}
		switch c.Type {
		case "bigint":
			f.SetInt(id)
		case "int":
			f.SetInt(int64(rng.IntN(5000)))
		case "text":
			switch {
			case c.Name == "id":
				f.SetString("N-" + strconv.FormatInt(id, 10))
			case strings.HasSuffix(c.Name, "_name"):
				f.SetString(fakeNames[rng.IntN(len(fakeNames))])
			default:
				f.SetString(c.Name[:3] + strconv.FormatInt(int64(rng.IntN(1000)), 10))
			}
		case "date":
			f.Set(reflect.ValueOf(time.Date(1950+rng.IntN(75), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)))
		case "timestamptz":
			f.Set(reflect.ValueOf(time.Date(2018+rng.IntN(8), 1, 1, 0, 0, 0, 0, time.UTC).
				Add(time.Duration(rng.Int64N(365*24*3600*1e6)) * time.Microsecond)))
		}
	}
	return rv.Interface()
}
