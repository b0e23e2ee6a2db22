package canon_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"vitalstats/etl/canon"
)

// TestDocsListEveryCode keeps docs/quarantine.md and the constants in step:
// the reason table lists exactly canon.Reasons and the flag table exactly
// canon.Flags, in order.
func TestDocsListEveryCode(t *testing.T) {
	b, err := os.ReadFile("../../docs/quarantine.md")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			section = strings.TrimLeft(line, "# ")
			continue
		}
		if code, ok := strings.CutPrefix(line, "| `"); ok {
			if i := strings.Index(code, "` |"); i > 0 {
				tables[section] = append(tables[section], code[:i])
			}
		}
	}
	var reasons []string
	for _, r := range canon.Reasons {
		reasons = append(reasons, string(r))
	}
	if got := tables["Reason codes"]; !slices.Equal(got, reasons) {
		t.Errorf("docs reason table %v, constants %v", got, reasons)
	}
	if got := tables["Flags"]; !slices.Equal(got, canon.Flags) {
		t.Errorf("docs flag table %v, constants %v", got, canon.Flags)
	}
}
