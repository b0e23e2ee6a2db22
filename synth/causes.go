package synth

// A plausible cause-of-death mix for a Cambodia-like population, by age
// group and sex, in ICD-10 underlying-cause codes. The weights are relative
// within an age group. They are illustrative, shaped on the leading causes
// reported for Cambodia (road traffic injury, drowning in children,
// tuberculosis, HIV, liver cancer and cirrhosis, stroke, ischaemic heart
// disease, diabetes, maternal causes), not estimates.

type causeWeight struct {
	code   string
	male   float64
	female float64
}

const (
	cgNeonatal = iota
	cgPostNeonatal
	cg1to4
	cg5to14
	cg15to29
	cg30to49
	cg50to69
	cg70plus
	causeGroups
)

var causeMix = [causeGroups][]causeWeight{
	cgNeonatal: {
		{"P07.3", 25, 25}, {"P21.9", 20, 20}, {"P36.9", 15, 15}, {"P22.0", 8, 8},
		{"Q24.9", 6, 6}, {"Q89.9", 3, 3}, {"A33", 3, 3}, {"P96.9", 5, 5}, {"R99", 5, 5},
	},
	cgPostNeonatal: {
		{"J18.9", 25, 25}, {"A09.0", 18, 18}, {"Q24.9", 8, 8}, {"A41.9", 10, 10}, {"E43", 6, 6},
		{"A90", 4, 4}, {"G03.9", 4, 4}, {"R95", 3, 3}, {"R99", 5, 5},
	},
	cg1to4: {
		{"J18.9", 18, 18}, {"A09.0", 12, 12}, {"A91", 10, 10}, {"W74", 15, 12}, {"E43", 4, 4},
		{"B54", 4, 4}, {"A41.9", 6, 6}, {"V89.2", 6, 5}, {"C95.9", 2, 2}, {"G40.9", 2, 2}, {"R99", 6, 6},
	},
	cg5to14: {
		{"W74", 18, 12}, {"V89.2", 15, 10}, {"A91", 8, 8}, {"J18.9", 8, 8}, {"C95.9", 5, 4}, {"B54", 4, 4},
		{"G40.9", 3, 3}, {"X20", 4, 3}, {"A16.9", 3, 3}, {"W87", 3, 1}, {"N18.9", 2, 2}, {"R99", 6, 6},
	},
	cg15to29: {
		{"V89.2", 30, 12}, {"X70", 8, 6}, {"X68", 4, 5}, {"X99", 4, 1}, {"W74", 6, 2}, {"A16.9", 6, 5},
		{"B24", 5, 4}, {"O72.1", 0, 5}, {"O15.0", 0, 3}, {"O85", 0, 1}, {"O03.9", 0, 1}, {"C22.0", 2, 1},
		{"I64", 1, 1}, {"W87", 3, 0.5}, {"K74.6", 1, 0.5}, {"N18.9", 2, 2}, {"A91", 1, 1}, {"G40.9", 2, 1},
		{"C95.9", 2, 2}, {"R99", 6, 6},
	},
	cg30to49: {
		{"V89.2", 15, 5}, {"A16.9", 10, 6}, {"B24", 8, 7}, {"C22.0", 8, 3}, {"K74.6", 8, 2}, {"I64", 6, 5},
		{"I21.9", 6, 2}, {"X70", 4, 2}, {"X68", 2, 2}, {"C53.9", 0, 5}, {"C50.9", 0, 4}, {"O72.1", 0, 2},
		{"O15.0", 0, 1}, {"E14.9", 3, 3}, {"N18.9", 3, 3}, {"J18.9", 3, 3}, {"C34.9", 3, 1}, {"I10", 2, 2},
		{"X99", 2, 0.5}, {"R99", 7, 7},
	},
	cg50to69: {
		{"I64", 16, 16}, {"I21.9", 12, 7}, {"C22.0", 9, 4}, {"C34.9", 6, 3}, {"K74.6", 6, 2}, {"A16.9", 7, 4},
		{"E14.9", 6, 8}, {"J44.9", 6, 3}, {"N18.9", 4, 4}, {"I10", 4, 5}, {"C53.9", 0, 5}, {"C50.9", 0, 4},
		{"C16.9", 2, 1}, {"C18.9", 2, 2}, {"J18.9", 3, 3}, {"V89.2", 4, 1}, {"R99", 7, 7},
	},
	cg70plus: {
		{"I64", 18, 20}, {"I21.9", 10, 8}, {"J44.9", 8, 4}, {"J18.9", 8, 8}, {"E14.9", 4, 6}, {"I10", 5, 7},
		{"A16.9", 5, 3}, {"C22.0", 4, 2}, {"C34.9", 4, 2}, {"N18.9", 3, 3}, {"C61", 3, 0}, {"I50.9", 3, 3},
		{"K74.6", 2, 1}, {"R54", 8, 10}, {"R99", 6, 6},
	},
}

// illDefinedFor is the vague code a lay informant's report ends up as.
func illDefinedFor(group int) string {
	if group == cg70plus {
		return "R54"
	}
	return "R99"
}

// Malformed and non-existent codes, as clerks mistype them.
var badICD = []string{"J18,9", "J189X", "18.9", "I6", "R9.9", "A0.9", "C98.1", "J18.7", "I64.9", "E15.9"}

// causeGroup maps an age at death (in days below one year, else years) to
// its group.
func causeGroup(ageYears int, ageDays int) int {
	switch {
	case ageYears == 0 && ageDays < 28:
		return cgNeonatal
	case ageYears == 0:
		return cgPostNeonatal
	case ageYears < 5:
		return cg1to4
	case ageYears < 15:
		return cg5to14
	case ageYears < 30:
		return cg15to29
	case ageYears < 50:
		return cg30to49
	case ageYears < 70:
		return cg50to69
	}
	return cg70plus
}

// causeTable is the mix as cumulative weights, by group and sex.
type causeTable struct {
	codes [causeGroups][]string
	cum   [causeGroups][2][]float64
}

func newCauseTable() *causeTable {
	var t causeTable
	for g, mix := range causeMix {
		var w [2][]float64
		for _, c := range mix {
			t.codes[g] = append(t.codes[g], c.code)
			w[0] = append(w[0], c.male)
			w[1] = append(w[1], c.female)
		}
		t.cum[g][0] = cumulative(w[0])
		t.cum[g][1] = cumulative(w[1])
	}
	return &t
}

// manner follows from the underlying cause's ICD-10 chapter XX block.
func manner(code string) string {
	if code == "" {
		return "unknown"
	}
	switch c := code[0]; {
	case c == 'V' || c == 'W' || (c == 'X' && code < "X60"):
		return "accident"
	case c == 'X' && code < "X85":
		return "suicide"
	case (c == 'X' && code >= "X85") || (c == 'Y' && code < "Y10"):
		return "homicide"
	}
	return "natural"
}
