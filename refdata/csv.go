package refdata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// csvFile reads one reference CSV strictly: the header must be exactly the expected columns (a site
// file with other columns is refused rather than half-understood), every record has that many
// fields, and a field that does not parse is an error naming the file, line and column.
type csvFile struct {
	name string // for messages: the reference name, plus the site path when overridden
	r    *csv.Reader
	col  map[string]int
	cols []string
	rec  []string
	err  error // first field error of the current record
}

// readCSV opens name from s, checks its header and calls row for each record.
func (s Source) readCSV(name string, want []string, row func(f *csvFile) error) error {
	rc, err := s.Open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := newCSVFile(s.Describe(name), rc, want)
	if err != nil {
		return err
	}
	for {
		ok, err := f.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := row(f); err != nil {
			return err
		}
		if f.err != nil {
			return f.err
		}
	}
}

func newCSVFile(name string, r io.Reader, want []string) (*csvFile, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(want)
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("refdata: %s: empty file, want header %s", name, strings.Join(want, ","))
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // spreadsheet exports add a BOM
	}
	for i, w := range want {
		if header[i] != w {
			return nil, fmt.Errorf("refdata: %s: line 1, column %d: header %q, want %q (expected header: %s)",
				name, i+1, header[i], w, strings.Join(want, ","))
		}
	}
	col := make(map[string]int, len(want))
	for i, w := range want {
		col[w] = i
	}
	return &csvFile{name: name, r: cr, col: col, cols: want}, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("refdata: %s: line %d, column %d: %w", name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("refdata: %s: %w", name, err)
}

// next reads the next record; false at the end of the file.
func (f *csvFile) next() (bool, error) {
	rec, err := f.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, csvError(f.name, err)
	}
	f.rec, f.err = rec, nil
	return true, nil
}

// line is the line of the current record, for messages that concern the whole record.
func (f *csvFile) line() int {
	l, _ := f.r.FieldPos(0)
	return l
}

// errorf records (once per record) an error about column c of the current record.
func (f *csvFile) errorf(c string, format string, args ...any) {
	if f.err != nil {
		return
	}
	i := f.col[c]
	line, _ := f.r.FieldPos(i)
	f.err = fmt.Errorf("refdata: %s: line %d, column %d (%s): %s", f.name, line, i+1, c, fmt.Sprintf(format, args...))
}

func (f *csvFile) str(c string) string {
	i, ok := f.col[c]
	if !ok {
		// A misspelt column in our own code, not in the data: fail loudly in tests.
		panic(fmt.Sprintf("refdata: %s has no column %q", f.name, c))
	}
	return f.rec[i]
}

// nonEmpty is str for fields that must have a value.
func (f *csvFile) nonEmpty(c string) string {
	v := f.str(c)
	if strings.TrimSpace(v) == "" {
		f.errorf(c, "empty value")
	}
	return v
}

func (f *csvFile) int(c string) int {
	v := f.str(c)
	n, err := strconv.Atoi(v)
	if err != nil {
		f.errorf(c, "%q is not an integer", v)
	}
	return n
}

func (f *csvFile) float(c string) float64 {
	v := f.str(c)
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || v != strings.TrimSpace(v) || math.IsNaN(x) || math.IsInf(x, 0) {
		f.errorf(c, "%q is not a number", v)
	}
	return x
}

func (f *csvFile) bool(c string) bool {
	switch v := f.str(c); v {
	case "true":
		return true
	case "false":
		return false
	default:
		f.errorf(c, "%q is not true or false", v)
		return false
	}
}

// code checks a numeric code of exactly n digits (leading zeros kept) that starts with parent.
func (f *csvFile) code(c string, n int, parent string) string {
	v := f.str(c)
	if len(v) != n || strings.Trim(v, "0123456789") != "" {
		f.errorf(c, "%q is not a %d-digit code", v, n)
	} else if !strings.HasPrefix(v, parent) {
		f.errorf(c, "%q does not start with its parent code %q", v, parent)
	}
	return v
}

// oneOf checks a value against its accepted values.
func (f *csvFile) oneOf(c string, accepted ...string) string {
	v := f.str(c)
	for _, a := range accepted {
		if v == a {
			return v
		}
	}
	f.errorf(c, "%q is not one of %s", v, strings.Join(accepted, ", "))
	return v
}

// date parses a YYYY-MM-DD date; an empty value is the zero time when optional.
func (f *csvFile) date(c string, optional bool) time.Time {
	v := f.str(c)
	if v == "" && optional {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		f.errorf(c, "%q is not a date (YYYY-MM-DD)", v)
	}
	return t
}
