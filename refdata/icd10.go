package refdata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// ICD10Code is one 3- or 4-character ICD-10 code (WHO edition, 2010-era DIMDI metadata) with its
// mortality tabulation list 1 item.
type ICD10Code struct {
	Code     string // no dot, e.g. "A000"
	Dotted   string // "A00.0"
	Level    int    // 3 or 4 characters
	Terminal bool   // a code used for coding (no subcodes below it)
	Chapter  string // "01" … "22"
	Block    string // first code of its block, e.g. "A00"
	Asterisk bool   // asterisk (manifestation) code: never an underlying cause
	List1    string // mortality list 1 item, e.g. "1-002"; "UNDEF" for chapter XIX and asterisk codes; "" where the source has none
}

// List1Item is one item of the WHO ICD-10 Mortality Tabulation List 1 (WHO MDB list 101).
type List1Item struct {
	MDBCode string // WHO Mortality Database cause code, "1000" (all causes) … "1103"
	Item    string // "1-001" … "1-103"; "" for all causes
	Parent  string // parent item, "" for chapters
	Leaf    bool
	Title   string
	Ranges  string      // ICD-10 ranges as published, e.g. "A90-A94, A96-A99"
	Codes   []CodeRange // Ranges parsed
	Note    string
}

// SexLimitedCode is an ICD-10 code limited to one sex (ICD-10 Volume 2, 2019).
type SexLimitedCode struct {
	Code   string // no dot
	Dotted string
	Sex    string // "male" or "female": the sex the code is allowed for
}

// UnlikelyCause is an ICD-10 code or range that is unlikely to cause death (ICD-10 Volume 2, 2019).
type UnlikelyCause struct {
	CodeOrRange string // as published; may be a union like "F50.1,F50.3-F50.9"
	Title       string
	Codes       []CodeRange
}

// IllDefinedRange is one code or range of an ill-defined cause definition.
type IllDefinedRange struct {
	Definition string // "who_list1_item_1_094" (R00-R99) or "codedit_ill_defined_rule"
	Source     string
	Entry      string // as published, e.g. "I50 (all 4-char subcodes)"
	Range      CodeRange
}

// CodeRange is an inclusive range of ICD-10 codes without dots. To bounds by prefix: the
// range R00-R64 holds R64.9, and A09-A09 holds A09 and all its subcodes.
type CodeRange struct {
	From string
	To   string
}

// Contains reports whether the code (dotted or not) falls in the range. In SQL the same rule is
// code >= code_from and left(code, length(code_to)) <= code_to.
func (r CodeRange) Contains(code string) bool {
	c := strings.ReplaceAll(code, ".", "")
	if c < r.From {
		return false
	}
	if len(c) > len(r.To) {
		c = c[:len(r.To)]
	}
	return c <= r.To
}

var icd10Code = regexp.MustCompile(`^[A-Z][0-9]{2}(\.?[0-9])?$`)

// ParseCodeRanges parses a published list of ICD-10 codes and ranges such as
// "A21-A32, A38, C96-C97" or "F50.1,F50.3-F50.9"; empty items (a trailing comma) are skipped.
func ParseCodeRanges(s string) ([]CodeRange, error) {
	var out []CodeRange
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		from, to, isRange := strings.Cut(part, "-")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !isRange {
			to = from
		}
		if !icd10Code.MatchString(from) || !icd10Code.MatchString(to) {
			return nil, fmt.Errorf("%q is not an ICD-10 code or range", part)
		}
		r := CodeRange{From: strings.ReplaceAll(from, ".", ""), To: strings.ReplaceAll(to, ".", "")}
		if r.From > r.To {
			return nil, fmt.Errorf("range %q runs backwards", part)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q holds no ICD-10 code", s)
	}
	return out, nil
}

var (
	icd10Columns = []string{"code", "code_dotted", "code_with_marks", "level", "place", "node_type", "chapter", "block_start",
		"asterisk_code", "mortality_list1", "mortality_list2", "mortality_list3", "mortality_list4", "morbidity_list"}
	list1Columns         = []string{"who_mdb_list101_code", "list1_item", "parent_list1_item", "is_leaf", "title", "icd10_ranges", "note"}
	sexLimitedColumns    = []string{"code", "allowed_sex"}
	unlikelyCauseColumns = []string{"code_or_range", "title"}
)

// LoadICD10 loads the embedded ICD-10 code list.
func LoadICD10() ([]ICD10Code, error) { return Source{}.LoadICD10() }

// LoadICD10 loads the ICD-10 code list with its tabulation list references, in file order.
func (s Source) LoadICD10() ([]ICD10Code, error) {
	var out []ICD10Code
	seen := map[string]bool{}
	err := s.readCSV(FileICD10Codes, icd10Columns, func(f *csvFile) error {
		c := ICD10Code{
			Code:     f.str("code"),
			Dotted:   f.str("code_dotted"),
			Level:    f.int("level"),
			Terminal: f.oneOf("place", "T", "N") == "T",
			Chapter:  f.code("chapter", 2, ""),
			Block:    f.str("block_start"),
			Asterisk: f.bool("asterisk_code"),
			List1:    f.str("mortality_list1"),
		}
		f.oneOf("node_type", "X", "S")
		if !icd10Code.MatchString(c.Dotted) || strings.ReplaceAll(c.Dotted, ".", "") != c.Code {
			f.errorf("code_dotted", "%q is not the dotted form of code %q", c.Dotted, c.Code)
		}
		if len(c.Code) != c.Level {
			f.errorf("level", "%d is not the length of code %q", c.Level, c.Code)
		}
		if seen[c.Code] {
			f.errorf("code", "duplicate code %s", c.Code)
		}
		seen[c.Code] = true
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoadWHOList1 loads the embedded Mortality Tabulation List 1.
func LoadWHOList1() ([]List1Item, error) { return Source{}.LoadWHOList1() }

// LoadWHOList1 loads the Mortality Tabulation List 1 with its ICD-10 ranges parsed.
func (s Source) LoadWHOList1() ([]List1Item, error) {
	var out []List1Item
	err := s.readCSV(FileWHOList1, list1Columns, func(f *csvFile) error {
		it := List1Item{
			MDBCode: f.nonEmpty("who_mdb_list101_code"),
			Item:    f.str("list1_item"),
			Parent:  f.str("parent_list1_item"),
			Leaf:    f.bool("is_leaf"),
			Title:   f.nonEmpty("title"),
			Ranges:  f.str("icd10_ranges"),
			Note:    f.str("note"),
		}
		if it.Item != "" { // the all-causes row has neither item nor ranges
			codes, err := ParseCodeRanges(it.Ranges)
			if err != nil {
				f.errorf("icd10_ranges", "%v", err)
			}
			it.Codes = codes
		}
		out = append(out, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoadSexLimited loads the embedded list of sex-limited codes.
func LoadSexLimited() ([]SexLimitedCode, error) { return Source{}.LoadSexLimited() }

// LoadSexLimited loads the ICD-10 codes limited to one sex.
func (s Source) LoadSexLimited() ([]SexLimitedCode, error) {
	var out []SexLimitedCode
	err := s.readCSV(FileSexLimited, sexLimitedColumns, func(f *csvFile) error {
		c := SexLimitedCode{Dotted: f.str("code"), Sex: f.oneOf("allowed_sex", "male", "female")}
		if !icd10Code.MatchString(c.Dotted) {
			f.errorf("code", "%q is not an ICD-10 code", c.Dotted)
		}
		c.Code = strings.ReplaceAll(c.Dotted, ".", "")
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoadUnlikelyCauses loads the embedded list of conditions unlikely to cause death.
func LoadUnlikelyCauses() ([]UnlikelyCause, error) { return Source{}.LoadUnlikelyCauses() }

// LoadUnlikelyCauses loads the conditions unlikely to cause death, with their ranges parsed.
func (s Source) LoadUnlikelyCauses() ([]UnlikelyCause, error) {
	var out []UnlikelyCause
	err := s.readCSV(FileUnlikelyUCOD, unlikelyCauseColumns, func(f *csvFile) error {
		u := UnlikelyCause{CodeOrRange: f.str("code_or_range"), Title: f.nonEmpty("title")}
		codes, err := ParseCodeRanges(u.CodeOrRange)
		if err != nil {
			f.errorf("code_or_range", "%v", err)
		}
		u.Codes = codes
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// illDefinedFile is the shape of cod_ill_defined_codes.json; unknown keys are refused.
type illDefinedFile struct {
	ID          string `json:"id"`
	Definitions struct {
		List1 struct {
			Source string `json:"source"`
			Codes  string `json:"codes"`
		} `json:"who_list1_item_1_094"`
		CoDEdit struct {
			Source string   `json:"source"`
			Codes  []string `json:"codes"`
			Caveat string   `json:"caveat"`
		} `json:"codedit_ill_defined_rule"`
	} `json:"definitions"`
	TestCases []IllDefinedCase `json:"test_cases_codedit_rule"`
	Note      string           `json:"note"`
}

// IllDefinedCase is a worked example of the CoDEdit ill-defined rule shipped with the definitions.
type IllDefinedCase struct {
	Code       string `json:"code"`
	IllDefined bool   `json:"ill_defined"`
	Why        string `json:"why,omitempty"`
}

// annotation is a trailing remark such as " (all 4-char subcodes)" after a code.
var annotation = regexp.MustCompile(`\s*\(.*\)\s*$`)

// LoadIllDefined loads the embedded ill-defined cause definitions.
func LoadIllDefined() ([]IllDefinedRange, []IllDefinedCase, error) { return Source{}.LoadIllDefined() }

// LoadIllDefined loads both ill-defined cause definitions (WHO list 1 item 1-094, R00-R99, and the
// CoDEdit rule), one row per code or range, plus the file's worked examples of the CoDEdit rule.
func (s Source) LoadIllDefined() ([]IllDefinedRange, []IllDefinedCase, error) {
	b, err := s.ReadFile(FileIllDefined)
	if err != nil {
		return nil, nil, err
	}
	name := s.Describe(FileIllDefined)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc illDefinedFile
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("refdata: %s: %w", name, err)
	}
	var out []IllDefinedRange
	add := func(def, src, entry string) error {
		codes, err := ParseCodeRanges(annotation.ReplaceAllString(entry, ""))
		if err != nil {
			return fmt.Errorf("refdata: %s: definitions.%s: %w", name, def, err)
		}
		for _, c := range codes {
			out = append(out, IllDefinedRange{Definition: def, Source: src, Entry: entry, Range: c})
		}
		return nil
	}
	l1 := doc.Definitions.List1
	for _, e := range strings.Split(l1.Codes, ",") {
		if err := add("who_list1_item_1_094", l1.Source, strings.TrimSpace(e)); err != nil {
			return nil, nil, err
		}
	}
	cd := doc.Definitions.CoDEdit
	for _, e := range cd.Codes {
		if err := add("codedit_ill_defined_rule", cd.Source, e); err != nil {
			return nil, nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("refdata: %s: no ill-defined codes", name)
	}
	return out, doc.TestCases, nil
}
