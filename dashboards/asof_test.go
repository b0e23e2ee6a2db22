package dashboards

import (
	"strings"
	"testing"
)

// TestFooterSaysDataAsOf: every page's footer dates the numbers by the
// data's own date (build_info.as_of, 2021-06-30 in the fixture), in both
// languages, and keeps the build's time apart as the build's.
func TestFooterSaysDataAsOf(t *testing.T) {
	s := fixServer(t, "")
	for lang, want := range map[string]string{"en": "Data as of 2021-06-30 · warehouse built 2021-07-01 03:00:00 UTC", "km": "ទិន្នន័យគិតត្រឹម 2021-06-30 · "} {
		w := get(t, s, "admin", "/"+lang+"/overview")
		if w.Code != 200 {
			t.Fatalf("%s: %d", lang, w.Code)
		}
		body := w.Body.String()
		i := strings.Index(body, "<footer>")
		if i < 0 {
			t.Fatalf("%s: no footer", lang)
		}
		if footer := body[i:]; !strings.Contains(footer, want) {
			t.Errorf("%s footer %q, want %q", lang, footer[:min(len(footer), 200)], want)
		}
	}
}
