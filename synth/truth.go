package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Truth is what the generator knows about the world it made; it is written
// as truth.json. Rates are the expected values of the simulation (the
// profile's rates applied to the simulated population), so the same rates
// recomputed from the generated events agree within sampling error.
// Maps keyed by year use the year as a string, as JSON requires.
type Truth struct {
	Generator struct {
		Seed            uint64  `json:"seed"`
		EventsRequested int64   `json:"events_requested"`
		PopulationScale float64 `json:"population_scale"` // simulated population ÷ national population
		FirstYear       int     `json:"first_year"`
		LastYear        int     `json:"last_year"`
		AsOf            string  `json:"as_of"`
	} `json:"generator"`
	Units map[string]string `json:"units"`

	TFR  map[string]float64            `json:"tfr"`
	ASFR map[string]map[string]float64 `json:"asfr"` // year -> 15-19 … 45-49 -> births per woman-year
	E0   map[string]map[string]float64 `json:"e0"`   // year -> male/female
	IMR  map[string]float64            `json:"imr"`  // per 1,000 live births
	U5MR map[string]float64            `json:"u5mr"` // per 1,000 live births
	SRB  float64                       `json:"srb"`

	BirthCompleteness      map[string]map[string]float64 `json:"birth_completeness"` // province -> year -> share
	DeathCompleteness      map[string]map[string]float64 `json:"death_completeness"`
	DeathCompletenessByAge map[string]float64            `json:"death_completeness_by_age"` // 0, 1-4, 5+ -> share, all years

	Population map[string]int64        `json:"population"` // year -> mid-year total
	Events     map[string]*EventCounts `json:"events"`     // event type -> counts
	Defects    map[string]int64        `json:"defects"`    // kind -> records affected
	Observed   Observed                `json:"observed"`
	Files      map[string]string       `json:"files"` // what else was written beside truth.json
	FileDrops  *FileDropStats          `json:"file_drops,omitempty"`
	Registry   map[string]int64        `json:"registry_rows,omitempty"` // table -> rows
	Excess     *ExcessTruth            `json:"excess,omitempty"`        // the mortality shocks' true excess; absent without shocks
}

// EventCounts follow one event type from occurrence to the sources.
type EventCounts struct {
	Occurred     int64 `json:"occurred"`      // in the simulated population, years FirstYear-LastYear
	Registered   int64 `json:"registered"`    // registered by as_of and not cancelled
	Available    int64 `json:"available"`     // of those, in a source (ICT, or paper already digitized)
	Records      int64 `json:"records"`       // source records written, duplicates and cancelled included
	RegistryRows int64 `json:"registry_rows"` // of which in PostgreSQL
	FileRows     int64 `json:"file_rows"`     // of which in file drops
	Duplicates   int64 `json:"duplicates"`    // extra records of an event already recorded
	// DuplicateGroups are the groups of truth_duplicates.csv (original and
	// duplicate, neither cancelled); DuplicateRoutes count duplicates by route.
	DuplicateGroups      int64            `json:"duplicate_groups,omitempty"`
	DuplicateRoutes      map[string]int64 `json:"duplicate_routes,omitempty"`
	TwinPairs            int64            `json:"twin_pairs,omitempty"` // pairs of truth_twins.csv (neither cancelled)
	Cancelled            int64            `json:"cancelled"`
	Corrected            int64            `json:"corrected"`
	Late                 int64            `json:"late"`    // registered after the legal limit, within a year
	Delayed              int64            `json:"delayed"` // registered more than a year after the event
	Notified             int64            `json:"notified,omitempty"`
	NotifiedAndAvailable int64            `json:"notified_and_available,omitempty"`
}

// Observed holds realised counts (what the random draws gave), so tests can
// recompute rates without re-running the simulation.
type Observed struct {
	BirthsByMotherAge map[string]map[string]int64            `json:"births_by_mother_age"` // year -> 10-14 … 50+ -> births
	Births            map[string][2]int64                    `json:"births"`               // year -> male, female
	InfantDeaths      map[string]int64                       `json:"infant_deaths"`        // deaths under 1 by year of death
	NeonatalDeaths    map[string]int64                       `json:"neonatal_deaths"`
	UnderFiveDeaths   map[string]int64                       `json:"under_five_deaths"`
	Deaths            map[string][2]int64                    `json:"deaths"`          // year -> male, female
	DeathsByMonth     map[string]int64                       `json:"deaths_by_month"` // YYYY-MM of death -> deaths, the shocks' included
	DeathsByAge       map[string]map[string]map[string]int64 `json:"deaths_by_age"`   // year -> sex -> 0, 1-4, 5-9 … 85+
	IllDefined        int64                                  `json:"ill_defined_underlying"`
	Coded             int64                                  `json:"coded_underlying"`
}

// ageGroups5 are the labels of the 5-year fertility groups.
var ageGroups5 = []string{"15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49"}

// motherAgeLabel is the group of a mother's age, with the tails kept apart.
func motherAgeLabel(a int) string {
	switch {
	case a < 15:
		return "10-14"
	case a >= 50:
		return "50+"
	}
	return ageGroups5[(a-15)/5]
}

// popAgeGroups are the abridged groups of the population file: 0, 1-4,
// 5-9 … 80-84, 85+.
func popAgeGroup(a int) int {
	switch {
	case a == 0:
		return 0
	case a < 5:
		return 1
	case a >= 85:
		return 18
	}
	return a/5 + 1
}

func popAgeLabel(g int) string {
	switch g {
	case 0:
		return "0"
	case 1:
		return "1-4"
	case 18:
		return "85+"
	}
	lo := (g - 1) * 5
	return strconv.Itoa(lo) + "-" + strconv.Itoa(lo+4)
}

// writeJSON writes truth.json atomically.
func (t *Truth) writeJSON(path string) error {
	b, err := json.MarshalIndent(t, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// csvFile is a plain CSV written through a temp name and renamed on close.
type csvFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
}

func createCSV(path, header string) (*csvFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return nil, err
	}
	c := &csvFile{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16)}
	c.w.WriteString(header + "\n")
	return c, nil
}

func (c *csvFile) line(fields ...string) {
	for i, f := range fields {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if strings.ContainsAny(f, ",\"\n\r") {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		c.w.WriteString(f)
	}
	c.w.WriteByte('\n')
}

func (c *csvFile) close() error {
	if err := c.w.Flush(); err != nil {
		c.f.Close()
		return fmt.Errorf("write %s: %w", c.path, err)
	}
	if err := c.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", c.path, err)
	}
	return os.Rename(c.path+".tmp", c.path)
}

func (c *csvFile) abort() {
	c.f.Close()
	os.Remove(c.path + ".tmp")
}
