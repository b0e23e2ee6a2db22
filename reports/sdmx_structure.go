package reports

// The SDMX-ML 2.1 structure message of a release's SDMX-CSV files.

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"vitalstats"
)

// The namespaces of an SDMX-ML 2.1 structure message. encoding/xml writes
// the prefixed names of the struct tags as they are, so the root declares
// the prefixes.
const (
	nsMessage   = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
	nsStructure = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
	nsCommon    = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
)

type smlMessage struct {
	XMLName    xml.Name      `xml:"message:Structure"`
	NSMessage  string        `xml:"xmlns:message,attr"`
	NSStruct   string        `xml:"xmlns:structure,attr"`
	NSCommon   string        `xml:"xmlns:common,attr"`
	Header     smlHeader     `xml:"message:Header"`
	Structures smlStructures `xml:"message:Structures"`
}

type smlHeader struct {
	ID       string    `xml:"message:ID"`
	Test     bool      `xml:"message:Test"`
	Prepared string    `xml:"message:Prepared"`
	Sender   smlSender `xml:"message:Sender"`
}

type smlSender struct {
	ID string `xml:"id,attr"`
}

// The order of the elements is the schema's (StructuresType).
type smlStructures struct {
	Dataflows      []smlDataflow      `xml:"structure:Dataflows>structure:Dataflow"`
	Codelists      []smlCodelist      `xml:"structure:Codelists>structure:Codelist"`
	ConceptSchemes []smlConceptScheme `xml:"structure:Concepts>structure:ConceptScheme"`
	DataStructures []smlDSD           `xml:"structure:DataStructures>structure:DataStructure"`
}

type smlName struct {
	Lang string `xml:"xml:lang,attr"`
	Text string `xml:",chardata"`
}

// smlNames are an item's names in English and, when it has one, Khmer.
func smlNames(t [2]string) []smlName {
	out := []smlName{{"en", t[0]}}
	if t[1] != "" {
		out = append(out, smlName{"km", t[1]})
	}
	return out
}

type smlMaintainable struct {
	ID      string `xml:"id,attr"`
	Agency  string `xml:"agencyID,attr"`
	Version string `xml:"version,attr"`
}

// smlRef is a reference as the schemas have it: an unqualified Ref element.
type smlRef struct {
	XMLName       xml.Name `xml:"Ref"`
	Agency        string   `xml:"agencyID,attr,omitempty"`
	ParentID      string   `xml:"maintainableParentID,attr,omitempty"`
	ParentVersion string   `xml:"maintainableParentVersion,attr,omitempty"`
	ID            string   `xml:"id,attr"`
	Version       string   `xml:"version,attr,omitempty"`
}

type smlDataflow struct {
	smlMaintainable
	Names     []smlName `xml:"common:Name"`
	Structure smlRef    `xml:"structure:Structure>Ref"`
}

type smlCodelist struct {
	smlMaintainable
	Names []smlName `xml:"common:Name"`
	Codes []smlItem `xml:"structure:Code"`
}

type smlItem struct {
	ID    string    `xml:"id,attr"`
	Names []smlName `xml:"common:Name"`
}

type smlConceptScheme struct {
	smlMaintainable
	Names    []smlName `xml:"common:Name"`
	Concepts []smlItem `xml:"structure:Concept"`
}

type smlDSD struct {
	smlMaintainable
	Names      []smlName        `xml:"common:Name"`
	Dimensions []smlDimension   `xml:"structure:DataStructureComponents>structure:DimensionList>structure:Dimension"`
	Time       smlTimeDimension `xml:"structure:DataStructureComponents>structure:DimensionList>structure:TimeDimension"`
	Attributes []smlAttribute   `xml:"structure:DataStructureComponents>structure:AttributeList>structure:Attribute"`
	Measure    smlMeasure       `xml:"structure:DataStructureComponents>structure:MeasureList>structure:PrimaryMeasure"`
}

type smlDimension struct {
	ID       string  `xml:"id,attr"`
	Position int     `xml:"position,attr"`
	Concept  smlRef  `xml:"structure:ConceptIdentity>Ref"`
	Codelist *smlRef `xml:"structure:LocalRepresentation>structure:Enumeration>Ref"`
}

type smlTextFormat struct {
	TextType string `xml:"textType,attr"`
}

type smlTimeDimension struct {
	ID       string        `xml:"id,attr"`
	Position int           `xml:"position,attr"`
	Concept  smlRef        `xml:"structure:ConceptIdentity>Ref"`
	Format   smlTextFormat `xml:"structure:LocalRepresentation>structure:TextFormat"`
}

type smlAttribute struct {
	ID       string  `xml:"id,attr"`
	Status   string  `xml:"assignmentStatus,attr"`
	Concept  smlRef  `xml:"structure:ConceptIdentity>Ref"`
	Codelist *smlRef `xml:"structure:LocalRepresentation>structure:Enumeration>Ref"`
	// the observation (OBS_VALUE) or the whole data set (None)
	Measure *smlRef   `xml:"structure:AttributeRelationship>structure:PrimaryMeasure>Ref"`
	None    *struct{} `xml:"structure:AttributeRelationship>structure:None"`
}

type smlMeasure struct {
	ID      string        `xml:"id,attr"`
	Concept smlRef        `xml:"structure:ConceptIdentity>Ref"`
	Format  smlTextFormat `xml:"structure:LocalRepresentation>structure:TextFormat"`
}

// sdmxConceptScheme is the ID of the release's concept scheme.
const sdmxConceptScheme = "CONCEPTS"

// crossDomain are the SDMX cross-domain concepts the structures use, with
// their names, and the cross-domain code lists of the attributes and FREQ
// (the codes the release uses, under the same IDs).
var (
	crossDomain = map[string]string{
		"FREQ": "Frequency", "REF_AREA": "Reference area", "SEX": "Sex", "AGE": "Age", "TIME_PERIOD": "Time period",
		"OBS_VALUE": "Observation value", "OBS_STATUS": "Observation status", "CONF_STATUS": "Confidentiality status",
		"UNIT_MEASURE": "Unit of measure", "UNIT_MULT": "Unit multiplier",
	}
	fixedCodelists = []struct {
		id, name string
		codes    [][2]string
	}{
		{"CL_FREQ", "Frequency", [][2]string{{"A", "Annual"}, {"M", "Monthly"}, {"W", "Weekly"}}},
		{"CL_OBS_STATUS", "Observation status", [][2]string{{"A", "Normal value"}, {"E", "Estimated value"}, {"P", "Provisional value"}}},
		{"CL_CONF_STATUS", "Confidentiality status", [][2]string{{"F", "Free (published)"},
			{"C", "Confidential statistical information (primary suppression: a count under the threshold)"},
			{"D", "Secondary confidentiality set by the sender, not for publication (complementary suppression)"}}},
		{"CL_UNIT_MEASURE", "Unit of measure", [][2]string{{"NUMBER", "Number (of registered events)"}, {"PERCENT", "Percent"}}},
		{"CL_UNIT_MULT", "Unit multiplier", [][2]string{{"0", "Units"}}},
	}
	// the attributes of every DSD: concept, code list, attached to the observation
	sdmxAttributes = []struct {
		concept, codelist string
		obs               bool
	}{{"OBS_STATUS", "CL_OBS_STATUS", true}, {"CONF_STATUS", "CL_CONF_STATUS", true},
		{"UNIT_MEASURE", "CL_UNIT_MEASURE", false}, {"UNIT_MULT", "CL_UNIT_MULT", false}}
)

// StructureHeader identifies a structure message: its ID (the release's)
// and when it was prepared (the release's time, so the file is the same
// whenever it is written).
type StructureHeader struct {
	ID       string
	Prepared time.Time
}

// WriteStructure writes the SDMX-ML 2.1 structure message of the SDMX-CSV
// files of tables: a dataflow and a DSD per tabulation (the tables of
// several years share them), the code lists of their dimensions (every
// category the mart's sidecar accepts and every one the tables hold, named
// by labels, "English / Khmer") and the cross-domain ones of FREQ and the
// attributes, and the concept scheme.
func (s SDMX) WriteStructure(w io.Writer, h StructureHeader, tables []*Published, labels func(string) string) error {
	b, err := s.newStructure(h, labels)
	if err != nil {
		return err
	}
	inds, err := indicators()
	if err != nil {
		return err
	}
	flows := map[string]bool{}
	for _, p := range tables {
		l, err := layoutOf(p.Tab)
		if err != nil {
			return err
		}
		if flows[l.flow] {
			continue
		}
		flows[l.flow] = true
		ind := inds[p.Tab.Mart]
		var dims []smlDimension
		for _, col := range l.columns {
			cats := append([]string{margin}, ind.Checks.Accepted[col]...)
			switch col {
			case p.Tab.Row:
				cats = append(cats, p.Rows...)
			case p.Tab.Col:
				cats = append(cats, p.Cols...)
			}
			if v, ok := p.Tab.Fixed[col]; ok {
				cats = append(cats, v)
			}
			// the other years' tables of the flow hold categories too
			for _, q := range tables {
				if q.Tab.ID == p.Tab.ID {
					switch col {
					case q.Tab.Row:
						cats = append(cats, q.Rows...)
					case q.Tab.Col:
						cats = append(cats, q.Cols...)
					}
				}
			}
			d, err := b.columnDimension(col, ind, cats)
			if err != nil {
				return fmt.Errorf("%s: %w", p.Tab.ID, err)
			}
			dims = append(dims, d)
		}
		b.addFlow(l.flow, p.Tab.Title, dims, "Integer", false)
	}
	return b.write(w)
}

// smlBuilder assembles a structure message: the cross-domain code lists,
// the dimensions' code lists as their codes are added, the DSDs and
// dataflows, and the concept scheme of every concept they use.
type smlBuilder struct {
	m            smlMessage
	agency       string
	labels       func(string) string
	concepts     []string
	conceptNames map[string][2]string
	codelists    map[string]int       // a dimension's code list -> its index in m.Structures.Codelists
	categoryOf   map[[2]string]string // (code list, code) -> the category it came from
}

func (s SDMX) newStructure(h StructureHeader, labels func(string) string) (*smlBuilder, error) {
	agency := s.agency()
	if err := CheckSDMXAgency(agency); err != nil {
		return nil, err
	}
	b := &smlBuilder{agency: agency, labels: labels, concepts: []string{"FREQ"}, conceptNames: map[string][2]string{},
		codelists: map[string]int{}, categoryOf: map[[2]string]string{}}
	b.m = smlMessage{NSMessage: nsMessage, NSStruct: nsStructure, NSCommon: nsCommon,
		Header: smlHeader{ID: plainCode(h.ID), Prepared: h.Prepared.UTC().Format(time.RFC3339), Sender: smlSender{ID: agency}}}
	if b.m.Header.ID == "" {
		b.m.Header.ID = "STRUCTURE"
	}
	for _, c := range fixedCodelists {
		cl := smlCodelist{smlMaintainable: smlMaintainable{c.id, agency, sdmxVersion}, Names: smlNames([2]string{c.name, ""})}
		for _, code := range c.codes {
			cl.Codes = append(cl.Codes, smlItem{code[0], smlNames([2]string{code[1], ""})})
		}
		b.m.Structures.Codelists = append(b.m.Structures.Codelists, cl)
	}
	return b, nil
}

func (b *smlBuilder) conceptRef(id string) smlRef {
	return smlRef{Agency: b.agency, ParentID: sdmxConceptScheme, ParentVersion: sdmxVersion, ID: id}
}

func (b *smlBuilder) listRef(id string) *smlRef {
	return &smlRef{Agency: b.agency, ID: id, Version: sdmxVersion}
}

// addItem adds a code to a code list (created, named names, when new):
// two categories may share a code only when they mean the same, a margin
// (total, all, T) or the unknown (unknown, U, 99).
func (b *smlBuilder) addItem(list string, names [2]string, code, cat string, name func() [2]string) error {
	st := &b.m.Structures
	i, ok := b.codelists[list]
	if !ok {
		i = len(st.Codelists)
		b.codelists[list] = i
		st.Codelists = append(st.Codelists, smlCodelist{smlMaintainable: smlMaintainable{list, b.agency, sdmxVersion}, Names: smlNames(names)})
	}
	prev, seen := b.categoryOf[[2]string{list, code}]
	if seen {
		if prev != cat && code != "_T" && code != "_U" && code != "KH" {
			return fmt.Errorf("%s: categories %q and %q both give code %s", list, prev, cat, code)
		}
		return nil
	}
	b.categoryOf[[2]string{list, code}] = cat
	st.Codelists[i].Codes = append(st.Codelists[i].Codes, smlItem{code, smlNames(name())})
	return nil
}

// columnDimension is the dimension of a mart's category column, its code
// list holding the codes of cats; its concept is named by the sidecar's
// label of the column unless it is a cross-domain one.
func (b *smlBuilder) columnDimension(col string, ind *vitalstats.Indicator, cats []string) (smlDimension, error) {
	dim := sdmxColumns[col]
	b.concept(dim.Concept, func() [2]string {
		if t, ok := ind.Labels[col]; ok {
			return [2]string{t.En, t.Km}
		}
		return split(b.labels(col))
	})
	for _, c := range cats {
		code, err := sdmxCode(dim.kind, c)
		if err != nil {
			return smlDimension{}, fmt.Errorf("%s: %w", col, err)
		}
		if err := b.addItem(dim.Codelist, sdmxCodelists[dim.Codelist], code, c, func() [2]string { return codeName(dim.kind, c, code, b.labels) }); err != nil {
			return smlDimension{}, err
		}
	}
	return smlDimension{ID: dim.Concept, Concept: b.conceptRef(dim.Concept), Codelist: b.listRef(dim.Codelist)}, nil
}

// concept adds a concept to the scheme, named by name unless it is a
// cross-domain one.
func (b *smlBuilder) concept(id string, name func() [2]string) {
	if !slices.Contains(b.concepts, id) {
		b.concepts = append(b.concepts, id)
	}
	if _, ok := b.conceptNames[id]; !ok && crossDomain[id] == "" {
		b.conceptNames[id] = name()
	}
}

// addFlow adds a dataflow and its DSD: FREQ, dims, TIME_PERIOD; the
// primary measure OBS_VALUE of textType format; the attributes of every
// DSD, UNIT_MEASURE and UNIT_MULT attached to the observation when
// unitPerObs (a flow whose measures differ in unit), else to the data set.
func (b *smlBuilder) addFlow(flow string, title [2]string, dims []smlDimension, format string, unitPerObs bool) {
	dsd := smlDSD{smlMaintainable: smlMaintainable{"DSD_" + flow, b.agency, sdmxVersion}, Names: smlNames(title)}
	dsd.Dimensions = append(dsd.Dimensions, smlDimension{ID: "FREQ", Position: 1, Concept: b.conceptRef("FREQ"), Codelist: b.listRef("CL_FREQ")})
	for _, d := range dims {
		d.Position = len(dsd.Dimensions) + 1
		dsd.Dimensions = append(dsd.Dimensions, d)
	}
	dsd.Time = smlTimeDimension{ID: "TIME_PERIOD", Position: len(dsd.Dimensions) + 1, Concept: b.conceptRef("TIME_PERIOD"),
		Format: smlTextFormat{"ObservationalTimePeriod"}}
	for _, a := range sdmxAttributes {
		attr := smlAttribute{ID: a.concept, Status: "Mandatory", Concept: b.conceptRef(a.concept), Codelist: b.listRef(a.codelist)}
		if a.obs || unitPerObs {
			attr.Measure = &smlRef{ID: "OBS_VALUE"}
		} else {
			attr.None = &struct{}{}
		}
		dsd.Attributes = append(dsd.Attributes, attr)
	}
	dsd.Measure = smlMeasure{ID: "OBS_VALUE", Concept: b.conceptRef("OBS_VALUE"), Format: smlTextFormat{format}}
	st := &b.m.Structures
	st.DataStructures = append(st.DataStructures, dsd)
	st.Dataflows = append(st.Dataflows, smlDataflow{smlMaintainable: smlMaintainable{flow, b.agency, sdmxVersion},
		Names: smlNames(title), Structure: smlRef{Agency: b.agency, ID: dsd.ID, Version: sdmxVersion}})
}

// write adds the concept scheme and writes the message.
func (b *smlBuilder) write(w io.Writer) error {
	st := &b.m.Structures
	if len(st.DataStructures) == 0 {
		return fmt.Errorf("SDMX structure: no table")
	}
	scheme := smlConceptScheme{smlMaintainable: smlMaintainable{sdmxConceptScheme, b.agency, sdmxVersion},
		Names: smlNames([2]string{"Concepts of the vital statistics tables", "គោលគំនិតនៃតារាងស្ថិតិអត្រានុកូលដ្ឋាន"})}
	for _, c := range append(b.concepts, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT") {
		name := b.conceptNames[c]
		if n := crossDomain[c]; n != "" {
			name = [2]string{n, ""}
		}
		scheme.Concepts = append(scheme.Concepts, smlItem{c, smlNames(name)})
	}
	st.ConceptSchemes = []smlConceptScheme{scheme}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(b.m); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// split parts a label "English / Khmer" (Labels' form) into its languages.
func split(label string) [2]string {
	en, km, _ := strings.Cut(label, " / ")
	return [2]string{en, km}
}

// codeName names a category's code: its label when Labels has one, else
// words for an age band, else the category.
func codeName(k codeKind, cat, code string, labels func(string) string) [2]string {
	switch {
	case cat == margin && k == kindSex:
		cat = "T"
	case cat == margin && k == kindArea:
		cat = "KH"
	case cat == margin:
		cat = "total"
	}
	if l := labels(cat); l != cat {
		return split(l)
	}
	if m := ageBack.FindStringSubmatch(code); m != nil && (k == kindYears || k == kindDays || k == kindWeeks) {
		unit := map[string]string{"Y": "years", "D": "days", "W": "weeks"}[m[1]]
		switch {
		case m[2] == "LT":
			return [2]string{"Under " + m[3] + " " + unit, ""}
		case m[2] == "GE":
			return [2]string{m[3] + " " + unit + " and over", ""}
		case m[4] != "":
			return [2]string{m[3] + "-" + m[4] + " " + unit, ""}
		}
		return [2]string{m[3] + " " + unit, ""}
	}
	return [2]string{cat, ""}
}
