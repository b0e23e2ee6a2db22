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
	Checks       IndicatorChecks   `toml:"checks"`
	Chart        Chart             `toml:"chart"`
	Labels       map[string]Text   `toml:"labels"` // column -> label
	Notes        map[string]string `toml:"notes"`
}

// CompletenessRule ties the rows of a rate table to the completeness
// estimate (int_completeness_best) of the events they count: Event is the
// event type, Band a SQL expression over the row's columns giving the age
// band ('0', '1-4', '5+' or 'all'; NULL where no estimate applies).
type CompletenessRule struct {
	Event string `toml:"event"`
	Band  string `toml:"band"`
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
