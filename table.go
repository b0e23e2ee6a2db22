package vitalstats

// Table is a result handed from the warehouse to the outputs (dashboards,
// reports): named columns and rows of plain values, so that the outputs test
// without a database. A value is nil (SQL NULL), int64, float64, string,
// bool, time.Time or []string (a list, such as an indicator's flags).
type Table struct {
	Name    string
	Columns []string
	Rows    [][]any
}

// Col returns the index of the named column, or -1.
func (t *Table) Col(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// MartSlice names the part of a mart an output reads: some of its columns,
// and how deep into the geography (2 keeps the nation and provinces, 4 adds
// districts; 0 keeps every row, for tables without area_code).
type MartSlice struct {
	Table     string
	Columns   []string
	AreaDepth int
	// Only keeps the rows whose column holds one of the listed values.
	Only map[string][]string
	// Optional: a warehouse built before the table existed lacks it; the
	// output then says so where it would show it, rather than failing.
	Optional bool
}
