package reports

// SDMX output of a release: each published table as an SDMX-CSV (version 1)
// data file, and one SDMX-ML 2.1 structure message (sdmx_structure.go) that
// describes every table's data structure definition (DSD), dataflow, code
// lists and concepts, so that an SDMX tool can validate and import the files.
//
// The layout of a table's observations follows its Tabulation: the
// dimensions are FREQ, REF_AREA, the table's other category columns
// (sdmxColumns) and TIME_PERIOD; the measure OBS_VALUE; the attributes
// OBS_STATUS, CONF_STATUS, UNIT_MEASURE and UNIT_MULT. Concept and code IDs
// are the SDMX cross-domain ones where they exist (SDMX Content-Oriented
// Guidelines): CL_SEX's F, M, _T, _U; CL_FREQ's A, M; CL_OBS_STATUS's A, P;
// CL_CONF_STATUS's F, C, D; CL_UNIT_MULT's 0; ages as in CL_AGE (Y15T19,
// Y_LT15, Y_GE85). Categories become IDs matching [A-Za-z0-9_@$-]+ by
// sdmxCode, and SDMXCategory turns them back.

import (
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"vitalstats"
)

// DefaultSDMXAgency maintains the structures when the site names no other.
const DefaultSDMXAgency = "KH_NIS"

// sdmxVersion is the version of every structure and dataflow: the layout
// is defined by the code, so a release's structures change only with it.
const sdmxVersion = "1.0"

// sdmxID is the pattern of an SDMX ID (SDMX-ML 2.1 common:IDType).
var sdmxID = regexp.MustCompile(`^[A-Za-z0-9_@$\-]+$`)

// sdmxAgencyID is the pattern of an agency's ID (SDMX-ML 2.1
// common:NestedNCNameIDType).
var sdmxAgencyID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z][A-Za-z0-9_\-]*)*$`)

// CheckSDMXAgency says whether agency can maintain SDMX structures.
func CheckSDMXAgency(agency string) error {
	if !sdmxAgencyID.MatchString(agency) {
		return fmt.Errorf("%q is not an SDMX agency ID (a letter, then letters, digits, '_' or '-', such as KH_NIS)", agency)
	}
	return nil
}

// codeKind says how a column's categories become SDMX codes.
type codeKind uint8

const (
	kindPlain codeKind = iota // upper case, other characters '_' (public_hospital -> PUBLIC_HOSPITAL)
	kindArea                  // KH; a province 07 -> KH-7 (ISO 3166-2:KH, which numbers the provinces as NIS does); 99 -> _U
	kindSex                   // M, F; T -> _T; U -> _U
	kindYears                 // CL_AGE: 15-19 -> Y15T19, <15 -> Y_LT15, 85+ -> Y_GE85, 0 -> Y0
	kindDays                  // ages in days: 1-6d -> D1T6, 0d -> D0
	kindWeeks                 // weeks of gestation: 28-31 -> W28T31, <28 -> W_LT28, 42+ -> W_GE42
)

// sdmxColumn is the SDMX dimension of a mart's category column.
type sdmxColumn struct {
	Concept, Codelist string
	kind              codeKind
}

// sdmxColumns maps the tables' category columns to their dimensions. A
// tabulation over a column not named here cannot be written in SDMX (an
// error, not a guess): add it with its concept and code list.
var sdmxColumns = map[string]sdmxColumn{
	"area_code":         {"REF_AREA", "CL_AREA", kindArea},
	"sex":               {"SEX", "CL_SEX", kindSex},
	"age_group":         {"AGE", "CL_AGE", kindYears},
	"age_at_death":      {"AGE", "CL_AGE", kindDays},
	"mother_age_group":  {"MOTHER_AGE", "CL_AGE", kindYears},
	"bride_age_group":   {"BRIDE_AGE", "CL_AGE", kindYears},
	"groom_age_group":   {"GROOM_AGE", "CL_AGE", kindYears},
	"gestation":         {"GESTATION", "CL_GESTATION", kindWeeks},
	"place_of_delivery": {"PLACE_OF_DELIVERY", "CL_PLACE_OF_DELIVERY", kindPlain},
	"list1_item":        {"CAUSE_OF_DEATH", "CL_WHO_LIST1", kindPlain},
}

// sdmxCodelists name the dimensions' code lists (English, Khmer).
var sdmxCodelists = map[string][2]string{
	"CL_AREA":              {"Cambodia (KH) and its provinces (ISO 3166-2:KH)", "កម្ពុជា និងខេត្ត"},
	"CL_SEX":               {"Sex", "ភេទ"},
	"CL_AGE":               {"Age (Y years, D days)", "អាយុ"},
	"CL_GESTATION":         {"Weeks of gestation", "អាយុគភ៌ (សប្តាហ៍)"},
	"CL_PLACE_OF_DELIVERY": {"Place of delivery", "ទីកន្លែងសម្រាល"},
	"CL_WHO_LIST1":         {"Causes of death, WHO ICD-10 Mortality Tabulation List 1", "មូលហេតុនៃការស្លាប់ (បញ្ជី ១ របស់ WHO)"},
}

// sdmxFilters are fixed columns that select the table's rows from its mart
// but are not a dimension: the dataflow itself says what it counts
// (event_type) and that the causes are List 1's leaves (is_leaf).
var sdmxFilters = []string{"event_type", "is_leaf"}

// sdmxTimeColumn is a category column that is the observation's period
// (TIME_PERIOD 2024-01, FREQ M), not a dimension of its own.
const sdmxTimeColumn = "month"

// margin stands for a table's total row or column in sdmxCode.
const margin = "\x00margin"

// sdmxCode is the SDMX code of a category of a column of kind k.
func sdmxCode(k codeKind, cat string) (string, error) {
	code, err := sdmxCodeOf(k, cat)
	if err == nil && !sdmxID.MatchString(code) {
		err = fmt.Errorf("category %q gives %q, not an SDMX ID", cat, code)
	}
	return code, err
}

func sdmxCodeOf(k codeKind, cat string) (string, error) {
	if cat == margin || (k == kindArea && cat == "KH") {
		if k == kindArea {
			return "KH", nil // the provinces' total is the nation
		}
		return "_T", nil
	}
	switch cat {
	case "total", "all":
		return "_T", nil
	case "unknown":
		return "_U", nil
	}
	switch k {
	case kindArea:
		if cat == "99" {
			return "_U", nil
		}
		if n, err := strconv.Atoi(cat); err == nil && len(cat) == 2 && n > 0 {
			return "KH-" + strconv.Itoa(n), nil
		}
		return "", fmt.Errorf("area %q is neither KH, a 2-digit province nor 99", cat)
	case kindSex:
		switch cat {
		case "M", "F":
			return cat, nil
		case "T":
			return "_T", nil
		case "U":
			return "_U", nil
		}
		return "", fmt.Errorf("sex %q is none of M, F, T, U", cat)
	case kindYears, kindDays, kindWeeks:
		unit, s := map[codeKind]string{kindYears: "Y", kindDays: "D", kindWeeks: "W"}[k], cat
		if k == kindDays {
			var ok bool
			if s, ok = strings.CutSuffix(cat, "d"); !ok {
				return plainCode(cat), nil // neonatal_day_unknown
			}
		}
		if code, ok := ageCode(unit, s); ok {
			return code, nil
		}
	}
	return plainCode(cat), nil
}

// ageCode writes an age band as CL_AGE does: unit Y (years), D (days) or W
// (weeks), "a-b" -> UaTb, "<n" -> U_LTn, "n+" -> U_GEn, "n" -> Un.
func ageCode(unit, s string) (string, bool) {
	whole := func(s string) bool { _, err := strconv.Atoi(s); return err == nil && !strings.HasPrefix(s, "-") }
	if n, ok := strings.CutPrefix(s, "<"); ok && whole(n) {
		return unit + "_LT" + n, true
	}
	if n, ok := strings.CutSuffix(s, "+"); ok && whole(n) {
		return unit + "_GE" + n, true
	}
	if a, b, ok := strings.Cut(s, "-"); ok && whole(a) && whole(b) {
		return unit + a + "T" + b, true
	}
	if whole(s) {
		return unit + s, true
	}
	return "", false
}

// plainCode upper-cases a category and replaces what an ID may not hold.
func plainCode(cat string) string {
	var b strings.Builder
	for _, r := range cat {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_@$-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

var ageBack = regexp.MustCompile(`^([YDW])(?:_(LT|GE))?([0-9]+)(?:T([0-9]+))?$`)

// SDMXCategory turns the SDMX code of a table's column back into the
// mart's category: "_T" stays "_T" (the margin, whatever the mart calls
// it), "_U" is the column's unknown ("unknown", sex "U", area "99").
func SDMXCategory(column, code string) (string, error) {
	c, ok := sdmxColumns[column]
	if !ok {
		return "", fmt.Errorf("column %s has no SDMX dimension", column)
	}
	switch code {
	case "_T":
		return "_T", nil
	case "_U":
		switch c.kind {
		case kindArea:
			return "99", nil
		case kindSex:
			return "U", nil
		}
		return "unknown", nil
	}
	switch c.kind {
	case kindArea:
		if code == "KH" {
			return code, nil
		}
		if n, ok := strings.CutPrefix(code, "KH-"); ok {
			if v, err := strconv.Atoi(n); err == nil && v > 0 && v < 100 {
				return fmt.Sprintf("%02d", v), nil
			}
		}
		return "", fmt.Errorf("REF_AREA %q is not a code of CL_AREA", code)
	case kindSex:
		return code, nil
	case kindYears, kindDays, kindWeeks:
		if m := ageBack.FindStringSubmatch(code); m != nil {
			s := m[3]
			switch {
			case m[2] == "LT":
				s = "<" + s
			case m[2] == "GE":
				s += "+"
			case m[4] != "":
				s += "-" + m[4]
			}
			if m[1] == "D" {
				s += "d"
			}
			return s, nil
		}
	}
	return strings.ToLower(code), nil
}

// SDMXConcept is the dimension of a table's category column ("" for none).
func SDMXConcept(column string) string { return sdmxColumns[column].Concept }

// SDMXAreaCode is the REF_AREA code of an area code (KH, a province, 99).
func SDMXAreaCode(area string) (string, error) { return sdmxCode(kindArea, area) }

// SDMX says how a release writes its SDMX files.
type SDMX struct {
	// Agency maintains the structures and the dataflows ("" is DefaultSDMXAgency).
	Agency string
	// Provisional holds, by event type (birth, death, fetal_death,
	// marriage), the years whose registrations are still arriving
	// (registration_arrival's flag provisional): a table counting such
	// events in such a year has OBS_STATUS P.
	Provisional map[string]map[int]bool
}

func (s SDMX) agency() string {
	if s.Agency == "" {
		return DefaultSDMXAgency
	}
	return s.Agency
}

// ProvisionalYears reads registration_arrival (the nation's rows at least)
// into SDMX.Provisional.
func ProvisionalYears(arrival *vitalstats.Table) (map[string]map[int]bool, error) {
	ei, yi, ai, fi := arrival.Col("event_type"), arrival.Col("year"), arrival.Col("area_code"), arrival.Col("flags")
	if slices.Contains([]int{ei, yi, ai, fi}, -1) {
		return nil, fmt.Errorf("registration_arrival lacks a column of event_type, year, area_code, flags: %v", arrival.Columns)
	}
	out := map[string]map[int]bool{}
	for _, r := range arrival.Rows {
		y, _ := r[yi].(int64)
		flags, _ := r[fi].([]string)
		if str(r[ai]) != "KH" || !slices.Contains(flags, "provisional") {
			continue
		}
		e := str(r[ei])
		if out[e] == nil {
			out[e] = map[int]bool{}
		}
		out[e][int(y)] = true
	}
	return out, nil
}

// indicators are the sidecars of the marts (titles, labels, units, the
// categories a column accepts, the events a table counts).
var indicators = sync.OnceValues(func() (map[string]*vitalstats.Indicator, error) {
	list, err := vitalstats.Indicators()
	out := map[string]*vitalstats.Indicator{}
	for _, ind := range list {
		out[ind.ID] = ind
	}
	return out, err
})

// sdmxLayout is a tabulation's data structure.
type sdmxLayout struct {
	tab     Tabulation
	flow    string   // the dataflow's ID; the DSD is DSD_<flow>
	columns []string // the mart's columns that are dimensions, REF_AREA's first
	events  []string // the event types it counts (OBS_STATUS P when one is provisional)
	unit    string   // UNIT_MEASURE
}

// dims are the DSD's dimensions between FREQ and TIME_PERIOD.
func (l sdmxLayout) dims() []sdmxColumn {
	out := make([]sdmxColumn, len(l.columns))
	for i, c := range l.columns {
		out[i] = sdmxColumns[c]
	}
	return out
}

// header is the SDMX-CSV header of the table's files.
func (l sdmxLayout) header() []string {
	h := []string{"DATAFLOW", "FREQ"}
	for _, d := range l.dims() {
		h = append(h, d.Concept)
	}
	return append(h, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT")
}

func layoutOf(tab Tabulation) (sdmxLayout, error) {
	inds, err := indicators()
	if err != nil {
		return sdmxLayout{}, err
	}
	ind := inds[tab.Mart]
	if ind == nil {
		return sdmxLayout{}, fmt.Errorf("%s: mart %s has no sidecar sql/indicators/%s.toml", tab.ID, tab.Mart, tab.Mart)
	}
	// a tabulation counts the mart's numerator, whatever the mart's own
	// value is (cod_list1's is a share): registered events, a number
	l := sdmxLayout{tab: tab, flow: plainCode(tab.ID), events: ind.Events, unit: "NUMBER"}
	if e := tab.Fixed["event_type"]; e != "" {
		l.events = []string{e}
	}
	fixed := slices.Sorted(func(yield func(string) bool) {
		for c := range tab.Fixed {
			if !yield(c) {
				return
			}
		}
	})
	for _, c := range append([]string{tab.Row, tab.Col}, fixed...) {
		if c == "" || c == sdmxTimeColumn || slices.Contains(sdmxFilters, c) || slices.Contains(l.columns, c) {
			continue
		}
		if _, ok := sdmxColumns[c]; !ok {
			return l, fmt.Errorf("%s: column %s has no SDMX dimension (sdmxColumns)", tab.ID, c)
		}
		l.columns = append(l.columns, c)
	}
	i := slices.Index(l.columns, "area_code")
	if i < 0 {
		return l, fmt.Errorf("%s: no area_code: every SDMX table has a REF_AREA", tab.ID)
	}
	l.columns = append([]string{"area_code"}, slices.Delete(l.columns, i, i+1)...)
	return l, nil
}

// sdmxObs is one observation: its key (the dimensions' codes, FREQ first,
// TIME_PERIOD last) and its cell.
type sdmxObs struct {
	key  []string
	cell ProtectedCell
}

// observations lays the protected table out as SDMX observations, totals
// included (under _T, or KH for the provinces' total; a month column's
// total is the year, FREQ A).
func (l sdmxLayout) observations(p *Published) ([]sdmxObs, error) {
	var out []sdmxObs
	for i, row := range p.Protected.Grid {
		for j, c := range row {
			cat := map[string]string{}
			for k, v := range p.Tab.Fixed {
				cat[k] = v
			}
			cat[p.Tab.Row] = margin
			if i < len(p.Rows) {
				cat[p.Tab.Row] = p.Rows[i]
			}
			if p.Tab.Col != "" {
				cat[p.Tab.Col] = margin
				if j < len(p.Cols) {
					cat[p.Tab.Col] = p.Cols[j]
				}
			}
			freq, period := "A", strconv.Itoa(p.Year)
			if m, ok := cat[sdmxTimeColumn]; ok && m != margin {
				freq, period = "M", m
			}
			key := []string{freq}
			for _, col := range l.columns {
				v, ok := cat[col]
				if !ok {
					return nil, fmt.Errorf("%s: no value of %s", p.Tab.ID, col)
				}
				code, err := sdmxCode(sdmxColumns[col].kind, v)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", p.Tab.ID, col, err)
				}
				key = append(key, code)
			}
			out = append(out, sdmxObs{key: append(key, period), cell: c})
		}
	}
	return out, nil
}

// WriteData writes a published table in SDMX-CSV (version 1), conforming
// to its DSD in the release's structure message: one observation per cell,
// totals included. A suppressed cell has an empty OBS_VALUE and
// CONF_STATUS C (primary: a count under the threshold) or D (complementary:
// suppressed so that a primary cell cannot be worked back from the totals);
// a published one CONF_STATUS F. OBS_STATUS is P when the year's
// registrations of the events the table counts are still arriving, else A.
func (s SDMX) WriteData(w io.Writer, p *Published) error {
	l, err := layoutOf(p.Tab)
	if err != nil {
		return err
	}
	obs, err := l.observations(p)
	if err != nil {
		return err
	}
	status := "A"
	for _, e := range l.events {
		if s.Provisional[e][p.Year] {
			status = "P"
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(l.header()); err != nil {
		return err
	}
	flow := s.agency() + ":" + l.flow + "(" + sdmxVersion + ")"
	for _, o := range obs {
		value, conf := strconv.FormatInt(o.cell.Value, 10), "F"
		switch o.cell.Status {
		case PrimarySuppressed:
			value, conf = "", "C"
		case ComplementarySuppressed:
			value, conf = "", "D"
		}
		rec := append([]string{flow}, o.key...)
		if err := cw.Write(append(rec, value, status, conf, l.unit, "0")); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
