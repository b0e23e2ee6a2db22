package lake

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Date is a calendar date stored as a Parquet DATE (days since 1970-01-01);
// *Date is a nullable one. Row types use it, with the tag option "date",
// instead of time.Time: parquet-go v0.32.0 writes a time.Time into a DATE
// column as Unix nanoseconds truncated to 32 bits, so every reader (DuckDB,
// arrow) sees a wrong day. Writer refuses such fields rather than corrupt
// dates (TestParquetGoDateBug pins the upstream behaviour).
type Date int32

// DateOf returns the calendar date of t, in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Time returns the date at midnight UTC.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return d.Time().Format(time.DateOnly) }

var timeType = reflect.TypeFor[time.Time]()

// timeDateFields lists the fields of a struct type (recursively) that are
// time.Time or *time.Time with the "date" tag option.
func timeDateFields(t reflect.Type, path string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("parquet")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array {
			ft = ft.Elem()
		}
		switch {
		case ft == timeType:
			if slices.Contains(strings.Split(opts, ","), "date") {
				out = append(out, path+name)
			}
		case ft.Kind() == reflect.Struct:
			out = append(out, timeDateFields(ft, path+name+".")...)
		}
	}
	return out
}

func checkNoTimeDates(t reflect.Type) error {
	if bad := timeDateFields(t, ""); len(bad) > 0 {
		return fmt.Errorf("row type %v: field(s) %s are time.Time with the date option, which parquet-go v0.32.0 "+
			"writes wrongly; use lake.Date or *lake.Date", t, strings.Join(bad, ", "))
	}
	return nil
}
