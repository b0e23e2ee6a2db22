package canon_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"vitalstats/etl/canon"
	"vitalstats/etl/source"
)

// No part of a name, in either script, survives validation: not in the row,
// not in a quarantine row, whatever is wrong with the record or the name.
func TestNamesNeverKept(t *testing.T) {
	v := newValidator(t, []byte("a site secret of 32 bytes......."))
	names := map[string]string{
		"child_name": "ឆន ដារា", "child_name_latin": "Chan Dara",
		"mother_name": "សុខ សុភា", "mother_name_latin": "Sok Sophea",
		"father_name": "ឆន វិសាល", "father_name_latin": "Chan Visal",
	}
	parts := []string{}
	for _, n := range names {
		parts = append(parts, strings.Fields(n)...)
	}
	for _, edits := range []map[string]string{
		{},
		{"date_of_birth": "<null>"},             // quarantined for another field
		{"mother_name_latin": "Sok\x00Sophea"},  // a NUL byte in a name
		{"father_name_latin": "Chan \xffVisal"}, // not UTF-8
		{"child_name": strings.Repeat("ដារា", 100)}, // too long to be a name
	} {
		e := map[string]string{}
		for k, v := range names {
			e[k] = v
		}
		for k, v := range edits {
			e[k] = v
		}
		res := v.Validate(record(source.Births, e))
		out, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(parts, "Sophea", "Visal", "ដារា") {
			if strings.Contains(string(out), p) || strings.Contains(string(out), jsonEscape(p)) {
				t.Errorf("%v: the result holds %q: %s", edits, p, out)
			}
		}
		if len(edits) > 0 && edits["date_of_birth"] == "" {
			// a broken name costs the name, not the record
			if res.Birth == nil || !slices.Contains(res.Birth.Flags, string(canon.FlagNameUnreadable)) {
				t.Errorf("%v: want the birth loaded and flagged name_unreadable: %+v", edits, res)
			}
		}
		if res.Birth != nil && len(edits) == 0 && (len(res.Birth.ChildNameBF) == 0 || len(res.Birth.MotherNameTok) == 0) {
			t.Errorf("%v: names not encoded: %+v", edits, res.Birth)
		}
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}
