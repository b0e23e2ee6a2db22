package warehouse

import (
	"fmt"
	"math"
	"testing"
)

// TestExtractUtility: a quasi-identifier is kept by the records whose last
// step comes before the first step that removes it; suppression removes
// every one; a step that removes an unknown column is refused.
func TestExtractUtility(t *testing.T) {
	qis := []string{"year", "month", "district", "age"}
	steps := []extractStep{
		{Name: "m", Removes: []string{"month"}},
		{Name: "d", Removes: []string{"district", "age"}},
		suppressedStep,
	}
	u, err := extractUtility(qis, steps, map[string]int64{"none": 5, "m": 3, "d": 1, "suppressed": 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(u.Records, u.AllDetails, u.Kept); got != "10 5 [{month 5 0.5} {district 8 0.8} {age 8 0.8}]" {
		t.Errorf("utility %s", got)
	}
	if s, m := u.Share(), u.MeanKept(); s != 0.5 || math.Abs(m-0.7) > 1e-12 {
		t.Errorf("share %v, mean kept %v; want 0.5, 0.7", s, m)
	}
	if _, err := extractUtility(qis, []extractStep{{Name: "x", Removes: []string{"commune"}}}, nil); err == nil {
		t.Error("a step removing a column that is no quasi-identifier was accepted")
	}
	if _, err := extractUtility(qis, steps, map[string]int64{"other": 1}); err == nil {
		t.Error("records of a step the spec does not name were accepted")
	}
	if u, _ := extractUtility(qis, steps, nil); u.Share() != 0 || u.MeanKept() != 0 || u.Kept[0].Share != 0 {
		t.Errorf("an empty extract: %+v", u)
	}
}
