package reports

// Reading SDMX-CSV files back against their structure message, as an SDMX
// tool would: from the files alone, not from the code that wrote them.

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SDMXStructureFile is the structure message's name in a folder of SDMX-CSV files.
const SDMXStructureFile = "structure.xml"

// The structure message as read back: elements by local name, whatever
// their prefix.
type readRef struct {
	Agency   string `xml:"agencyID,attr"`
	ParentID string `xml:"maintainableParentID,attr"`
	ID       string `xml:"id,attr"`
	Version  string `xml:"version,attr"`
}

type readComponent struct {
	ID     string `xml:"id,attr"`
	Format struct {
		TextType string `xml:"textType,attr"`
	} `xml:"LocalRepresentation>TextFormat"`
	Status   string   `xml:"assignmentStatus,attr"`
	Concept  readRef  `xml:"ConceptIdentity>Ref"`
	Codelist *readRef `xml:"LocalRepresentation>Enumeration>Ref"`
}

type readDSD struct {
	ID         string          `xml:"id,attr"`
	Agency     string          `xml:"agencyID,attr"`
	Dimensions []readComponent `xml:"DataStructureComponents>DimensionList>Dimension"`
	Time       *readComponent  `xml:"DataStructureComponents>DimensionList>TimeDimension"`
	Attributes []readComponent `xml:"DataStructureComponents>AttributeList>Attribute"`
	Measure    *readComponent  `xml:"DataStructureComponents>MeasureList>PrimaryMeasure"`
}

type readStructure struct {
	Dataflows []struct {
		ID        string  `xml:"id,attr"`
		Agency    string  `xml:"agencyID,attr"`
		Version   string  `xml:"version,attr"`
		Structure readRef `xml:"Structure>Ref"`
	} `xml:"Structures>Dataflows>Dataflow"`
	Codelists []struct {
		ID     string `xml:"id,attr"`
		Agency string `xml:"agencyID,attr"`
		Codes  []struct {
			ID string `xml:"id,attr"`
		} `xml:"Code"`
	} `xml:"Structures>Codelists>Codelist"`
	Concepts []struct {
		ID string `xml:"id,attr"`
	} `xml:"Structures>Concepts>ConceptScheme>Concept"`
	DSDs []readDSD `xml:"Structures>DataStructures>DataStructure"`
}

// sdmxFlowRef is an SDMX-CSV DATAFLOW value: AGENCY:ID(VERSION).
var sdmxFlowRef = regexp.MustCompile(`^([A-Za-z0-9_@$\-]+):([A-Za-z0-9_@$\-]+)\(([0-9.]+)\)$`)

// sdmxPeriod are the TIME_PERIOD forms of each FREQ.
// (W: the SDMX 2.1 reporting week, ISO 8601's 2024-W05).
var sdmxPeriod = map[string]*regexp.Regexp{"A": regexp.MustCompile(`^[0-9]{4}$`), "M": regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`),
	"W": regexp.MustCompile(`^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$`)}

// SDMXCheck is what CheckSDMXDir read.
type SDMXCheck struct {
	Files, Observations, Dataflows, Codelists, Suppressed int
}

// CheckSDMXDir reads the structure message of dir and every SDMX-CSV file
// beside it, and checks each file against its dataflow's DSD: every ID
// matches the SDMX pattern and every concept is in the concept scheme; the
// columns are DATAFLOW, the dimensions in the DSD's order, TIME_PERIOD,
// OBS_VALUE and the attributes; every dimension value is in its code list
// (TIME_PERIOD in the form of the row's FREQ), every mandatory attribute is
// present and coded; no key repeats; OBS_VALUE is a whole number, empty
// exactly when CONF_STATUS says the cell is confidential (C or D).
func CheckSDMXDir(dir string) (SDMXCheck, error) {
	var out SDMXCheck
	f, err := os.Open(filepath.Join(dir, SDMXStructureFile))
	if err != nil {
		return out, err
	}
	defer f.Close()
	var s readStructure
	if err := xml.NewDecoder(f).Decode(&s); err != nil {
		return out, fmt.Errorf("%s: %w", SDMXStructureFile, err)
	}
	out.Dataflows, out.Codelists = len(s.Dataflows), len(s.Codelists)
	bad := func(format string, a ...any) (SDMXCheck, error) {
		return out, fmt.Errorf("%s: "+format, append([]any{SDMXStructureFile}, a...)...)
	}
	codes := map[string]map[string]bool{} // code list ID -> codes
	for _, cl := range s.Codelists {
		if !sdmxID.MatchString(cl.ID) {
			return bad("code list ID %q", cl.ID)
		}
		codes[cl.ID] = map[string]bool{}
		for _, c := range cl.Codes {
			if !sdmxID.MatchString(c.ID) {
				return bad("code list %s: code %q is not an SDMX ID", cl.ID, c.ID)
			}
			codes[cl.ID][c.ID] = true
		}
	}
	concepts := map[string]bool{}
	for _, c := range s.Concepts {
		concepts[c.ID] = true
	}
	dsds := map[string]int{}
	for i, d := range s.DSDs {
		dsds[d.Agency+":"+d.ID] = i
		if d.Time == nil || d.Measure == nil {
			return bad("DSD %s has no time dimension or no primary measure", d.ID)
		}
		for _, c := range slices.Concat(d.Dimensions, []readComponent{*d.Time, *d.Measure}, d.Attributes) {
			if !concepts[c.Concept.ID] || c.ID != c.Concept.ID {
				return bad("DSD %s: component %q of concept %q, not in the concept scheme", d.ID, c.ID, c.Concept.ID)
			}
			if c.Codelist != nil && codes[c.Codelist.ID] == nil {
				return bad("DSD %s: %s: code list %s is not in the message", d.ID, c.ID, c.Codelist.ID)
			}
		}
	}
	flows := map[string]int{} // AGENCY:ID(VERSION) -> DSD
	for _, fl := range s.Dataflows {
		i, ok := dsds[fl.Structure.Agency+":"+fl.Structure.ID]
		if !ok || !sdmxID.MatchString(fl.ID) {
			return bad("dataflow %q: DSD %s:%s is not in the message", fl.ID, fl.Structure.Agency, fl.Structure.ID)
		}
		flows[fl.Agency+":"+fl.ID+"("+fl.Version+")"] = i
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		return out, err
	}
	if len(files) == 0 {
		return out, fmt.Errorf("%s: no SDMX-CSV file", dir)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return out, err
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
		if err != nil {
			return out, fmt.Errorf("%s: %w", filepath.Base(name), err)
		}
		n, sup, err := checkSDMXCSV(recs, flows, s.DSDs, codes)
		if err != nil {
			return out, fmt.Errorf("%s: %w", filepath.Base(name), err)
		}
		out.Files++
		out.Observations += n
		out.Suppressed += sup
	}
	return out, nil
}

func checkSDMXCSV(recs [][]string, flows map[string]int, dsds []readDSD, codes map[string]map[string]bool) (obs, suppressed int, err error) {
	if len(recs) < 2 {
		return 0, 0, fmt.Errorf("no observation")
	}
	i, ok := flows[recs[1][0]]
	if !ok {
		return 0, 0, fmt.Errorf("DATAFLOW %q is no dataflow of the structure message", recs[1][0])
	}
	d := dsds[i]
	want := []string{"DATAFLOW"}
	for _, c := range d.Dimensions {
		want = append(want, c.ID)
	}
	want = append(want, d.Time.ID, d.Measure.ID)
	for _, c := range d.Attributes {
		want = append(want, c.ID)
	}
	if !slices.Equal(recs[0], want) {
		return 0, 0, fmt.Errorf("columns %v, the DSD %s has %v", recs[0], d.ID, want)
	}
	col := func(id string) int { return slices.Index(want, id) }
	freq, tp, value, conf := col("FREQ"), col(d.Time.ID), col(d.Measure.ID), col("CONF_STATUS")
	if freq < 0 || conf < 0 {
		return 0, 0, fmt.Errorf("DSD %s has no FREQ or no CONF_STATUS", d.ID)
	}
	keys := map[string]bool{}
	for n, r := range recs[1:] {
		line := n + 2
		if len(r) != len(want) || r[0] != recs[1][0] {
			return 0, 0, fmt.Errorf("line %d: %v: not a row of %s", line, r, recs[1][0])
		}
		for j, c := range d.Dimensions {
			if c.Codelist == nil || !codes[c.Codelist.ID][r[j+1]] {
				return 0, 0, fmt.Errorf("line %d: %s %q is not in its code list", line, c.ID, r[j+1])
			}
		}
		if p := sdmxPeriod[r[freq]]; p == nil || !p.MatchString(r[tp]) {
			return 0, 0, fmt.Errorf("line %d: TIME_PERIOD %q is not a period of FREQ %s", line, r[tp], r[freq])
		}
		for j, c := range d.Attributes {
			v := r[len(d.Dimensions)+3+j]
			if c.Status == "Mandatory" && v == "" {
				return 0, 0, fmt.Errorf("line %d: mandatory attribute %s is empty", line, c.ID)
			}
			if v != "" && c.Codelist != nil && !codes[c.Codelist.ID][v] {
				return 0, 0, fmt.Errorf("line %d: %s %q is not in its code list", line, c.ID, v)
			}
		}
		key := strings.Join(r[1:value], ",")
		if keys[key] {
			return 0, 0, fmt.Errorf("line %d: the key %s repeats", line, key)
		}
		keys[key] = true
		confidential := r[conf] == "C" || r[conf] == "D"
		if confidential {
			suppressed++
		}
		if (r[value] == "") != confidential || r[value] != "" && !valueOK(d.Measure.Format.TextType, r[value]) {
			return 0, 0, fmt.Errorf("line %d: OBS_VALUE %q (%s) with CONF_STATUS %s", line, r[value], d.Measure.Format.TextType, r[conf])
		}
		obs++
	}
	return obs, suppressed, nil
}

// sdmxDecimal is an xs:decimal as the release writes it (no exponent).
var sdmxDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// valueOK says whether an OBS_VALUE is of its measure's text type: a count
// (Integer) is a whole number, not negative; a Decimal (an estimate, an
// excess that may be negative) any finite decimal number.
func valueOK(textType, v string) bool {
	switch textType {
	case "Decimal":
		return sdmxDecimal.MatchString(v)
	default:
		n, err := strconv.ParseInt(v, 10, 64)
		return err == nil && n >= 0
	}
}
