package vitalstats

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Indicator describes one indicator table of the warehouse: the sidecar
// sql/indicators/<id>.toml of the model sql/indicators/<id>.sql. Dashboards
// and exports read titles, units and chart hints from it; the build reads
// the checks.
type Indicator struct {
	ID         string   `toml:"-"`
	Title      Text     `toml:"title"`
	Definition string   `toml:"definition"`
	Unit       string   `toml:"unit"`   // e.g. "per 1,000", "ratio", "share", "years", "count"
	Source     string   `toml:"source"` // the published method it follows
	Grain      []string `toml:"grain"`  // the columns that identify a row
	DependsOn  []string `toml:"depends_on"`
	// Events lists the event types a table without an event_type column
	// counts (birth, death, fetal_death, marriage): its rows of a year still
	// filling in with registrations of any of them are flagged provisional.
	Events []string `toml:"events"`
	// Completeness says on which registration completeness the table's
	// registered rates rest, for the flags completeness_lt90/lt70.
	Completeness *CompletenessRule `toml:"completeness"`
	// Publish, when set, puts the table in the publication layer: the only
	// form in which its numbers leave the product (warehouse.ReadSlice reads
	// nothing else). A table without it is for the warehouse's own use.
	Publish *PublishRule    `toml:"publish"`
	Checks  IndicatorChecks `toml:"checks"`
	Chart   Chart           `toml:"chart"`
	Labels  map[string]Text `toml:"labels"` // column -> label
	// Columns describe the table's own columns (column -> description), for
	// the warehouse's COMMENT ON COLUMN; a column not here takes the shared
	// description of sql/columns.toml. Coded values are explained here.
	Columns map[string]string `toml:"columns"`
	Notes   map[string]string `toml:"notes"`
}

// CompletenessRule ties the rows of a rate table to the completeness
// estimate (int_completeness_best) of the events they count: Event is the
// event type, Band a SQL expression over the row's columns giving the age
// band ('0', '1-4', '5+' or 'all'; NULL where no estimate applies).
type CompletenessRule struct {
	Event string `toml:"event"`
	Band  string `toml:"band"`
}

// PublishRule says which numbers of a row count people, for the cell-key
// perturbation of the publication layer (docs/methods.md, disclosure
// control). Each identity is a SQL expression over the row's columns naming
// the count it holds, such as 'death|2025|KH|F|1-4': one identity, one noise,
// in every table and route. Two different counts must never share an
// identity (the difference of their published values would be exact), so an
// identity names its table unless the count is the same in both.
type PublishRule struct {
	// Numerator is the identity of the count in the numerator (rounded to a
	// whole number first: a pro rata share is not published). Empty or a
	// NULL identity: the row's numerator counts no one (a model value).
	Numerator string `toml:"numerator"`
	// Denominator is the identity of the denominator when it counts people;
	// empty when it is a population estimate or a model value, public as is.
	Denominator string `toml:"denominator"`
	// Value says how the value follows from the counts: "ratio" (default:
	// proportional to numerator / denominator, recomputed from the published
	// counts), "share" (numerator / denominator, with a Wilson interval),
	// "count" (the numerator itself) or "model" (a life table's or a
	// model's figure, kept; withheld with the row).
	Value string `toml:"value"`
	// Model, a SQL condition, marks the rows of a ratio table whose value
	// is a mean or a model's figure (the mean age at childbearing): kept
	// as it is, withheld with the row.
	Model string `toml:"model"`
	// Counts are the other columns that count people (column -> identity).
	Counts map[string]string `toml:"counts"`
	// Column names the column that holds the numerator's count (default
	// numerator): a table of another layout (surveillance's observed).
	// Such a table needs no value, interval or denominator columns; those
	// it has are published as in any other.
	Column string `toml:"column"`
	// Shift lists columns derived from the numerator's count (a nowcast,
	// an excess): each is published moved by the numerator's noise times
	// a multiplier, a SQL expression over the row's columns ("1" for a
	// count-like column, "100 / expected" for a P-score, "0" for a model
	// value only withheld with the row), so that a column equal to the
	// count does not give the true count away; withheld with the row.
	Shift map[string]string `toml:"shift"`
	// KeepSmall keeps published counts from 1 to 4 in the count columns of
	// a table that only the release's tabulations read: they suppress them
	// with complementary cells (reports.Protect). Every other route shows a
	// row whose count is 1 to 4 as suppressed, with nothing derived from it.
	KeepSmall bool `toml:"keep_small"`
}

// Text is a label in English and Khmer.
type Text struct {
	En string `toml:"en"`
	Km string `toml:"km"`
}

// IndicatorChecks are the generic checks of an indicator table. The grain is
// always checked unique and not null.
type IndicatorChecks struct {
	NotNull  []string              `toml:"not_null"`
	Accepted map[string][]string   `toml:"accepted_values"`
	Range    map[string][2]float64 `toml:"range"` // column -> [min, max]; NULLs and rows flagged lt20 pass
}

// Chart hints how dashboards draw the indicator.
type Chart struct {
	Kind   string `toml:"kind"` // line, bar, map, pyramid, table
	X      string `toml:"x"`
	Y      string `toml:"y"`
	Series string `toml:"series"`
}

// ReadIndicator reads the sidecar of indicator id from fsys (SQL, or a
// site's copy).
func ReadIndicator(fsys fs.FS, dir, id string) (*Indicator, error) {
	name := path.Join(dir, id+".toml")
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("indicator %s: %w", id, err)
	}
	var ind Indicator
	md, err := toml.Decode(string(b), &ind)
	if err != nil {
		return nil, fmt.Errorf("indicator %s: %s: %w", id, name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("indicator %s: %s: unknown keys %s", id, name, strings.Join(keys, ", "))
	}
	ind.ID = id
	var missing []string
	if ind.Title.En == "" || ind.Title.Km == "" {
		missing = append(missing, "title.en and title.km")
	}
	if ind.Definition == "" {
		missing = append(missing, "definition")
	}
	if ind.Unit == "" {
		missing = append(missing, "unit")
	}
	if len(ind.Grain) == 0 {
		missing = append(missing, "grain")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("indicator %s: %s: missing %s", id, name, strings.Join(missing, ", "))
	}
	return &ind, nil
}

// Indicators reads every indicator sidecar of the embedded SQL, by id.
func Indicators() ([]*Indicator, error) {
	entries, err := fs.ReadDir(SQL, "sql/indicators")
	if err != nil {
		return nil, err
	}
	var out []*Indicator
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			ind, err := ReadIndicator(SQL, "sql/indicators", id)
			if err != nil {
				return nil, err
			}
			out = append(out, ind)
		}
	}
	slices.SortFunc(out, func(a, b *Indicator) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
