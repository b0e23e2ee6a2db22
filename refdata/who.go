package refdata

import "fmt"

// StandardPopGroup is one age group of the WHO world standard population 2000-2025
// (Ahmad et al. 2001, GPE Discussion Paper 31).
type StandardPopGroup struct {
	AgeGroup string // "0-4" … "95-99", "100+"
	AgeStart int
	AgeEnd   int // last age of the group; -1 for the open group 100+
	Weight   int // weight per 100,000 as published; the 21 weights sum to 100,035 because of rounding
}

var standardPopColumns = []string{"age_group", "age_start", "age_end", "weight_per_100000"}

// LoadWHOStandardPopulation loads the embedded WHO world standard population.
func LoadWHOStandardPopulation() ([]StandardPopGroup, error) {
	return Source{}.LoadWHOStandardPopulation()
}

// LoadWHOStandardPopulation loads the WHO world standard population and checks that its age
// groups are contiguous from 0 and end in one open group.
func (s Source) LoadWHOStandardPopulation() ([]StandardPopGroup, error) {
	var out []StandardPopGroup
	next := 0
	open := false
	err := s.readCSV(FileWHOStandardPop, standardPopColumns, func(f *csvFile) error {
		g := StandardPopGroup{AgeGroup: f.nonEmpty("age_group"), AgeStart: f.int("age_start"), AgeEnd: -1, Weight: f.int("weight_per_100000")}
		if f.str("age_end") != "" {
			g.AgeEnd = f.int("age_end")
		}
		switch {
		case open:
			f.errorf("age_group", "%q follows the open age group", g.AgeGroup)
		case g.AgeStart != next:
			f.errorf("age_start", "%d leaves a gap or overlap: the previous group ends at %d", g.AgeStart, next-1)
		case g.AgeEnd != -1 && g.AgeEnd < g.AgeStart:
			f.errorf("age_end", "%d is below age_start %d", g.AgeEnd, g.AgeStart)
		case g.Weight <= 0:
			f.errorf("weight_per_100000", "%d is not a positive weight", g.Weight)
		}
		next, open = g.AgeEnd+1, g.AgeEnd == -1
		out = append(out, g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !open {
		return nil, fmt.Errorf("refdata: %s: the last age group must be open (empty age_end)", s.Describe(FileWHOStandardPop))
	}
	return out, nil
}
