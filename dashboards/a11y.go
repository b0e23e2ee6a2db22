package dashboards

import (
	"fmt"
	"strings"
)

// crumbs lead from the nation to the area a page shows: Cambodia, its
// province, its district, each a link to the same page for that area but
// the last (the page itself). A district's page so has a way back up; an
// account limited to an area starts at its own area.
func crumbs(v view, p page, l linker) []link {
	if p.ID == "runs" || p.ID == "downloads" || p.ID == "review" {
		return nil
	}
	_, static := l.(staticLinks)
	national := v.scope == "" || v.scope == "KH"
	var chain []string
	for _, a := range []string{"KH", prefix(v.f.Area, 2), prefix(v.f.Area, 4)} {
		switch {
		case a == "" || len(chain) > 0 && chain[len(chain)-1] == a:
		case !national && (a == "KH" || len(a) < len(v.scope)):
			// an account limited to an area does not see the areas above it
		default:
			chain = append(chain, a)
		}
	}
	out := make([]link, 0, len(chain))
	for _, a := range chain {
		f := v.f
		f.Area = a
		href := l.page(v.lang, p.ID, f)
		if static && len(a) > 2 {
			href = ""
		}
		out = append(out, link{Label: v.d.name(a, v.lang), Href: href, Active: a == v.f.Area})
	}
	return out
}

func prefix(s string, n int) string {
	if len(s) < n {
		return ""
	}
	return s[:n]
}

// shareFrames are the frames whose values are shares (0-1), which the
// summaries give as percentages.
var shareFrames = map[string]bool{
	"compl_trend": true, "timely_trend": true, "compl_births": true, "compl_deaths": true, "compl_map": true,
	"leading": true, "illdef_age": true, "illdef_areas": true, "missing": true, "duplicates": true, "identity": true, "quarantine": true,
}

// chartSummary is a chart in a sentence or two: the highest and lowest
// categories of a ranking or a map, the first and last points of each line
// (four at most). The chart's element carries it for screen readers
// (role="img", aria-describedby), and the page shows it under the chart.
func chartSummary(f *frame, lang string) string {
	if f.Summary != "" {
		return f.Summary
	}
	unit := f.Unit
	if unit == "" && shareFrames[f.ID] {
		unit = "share"
	}
	val := func(c *cell) string { return mapValueText(unit, c, lang) }
	switch f.Kind {
	case "map", "hbar", "bar", "pyramid":
		var parts []string
		for s, name := range f.Series {
			hi, lo := -1, -1
			for x, c := range f.Cells[s] {
				if c == nil || !c.HasValue || c.Suppressed {
					continue
				}
				if hi < 0 || c.Value > f.Cells[s][hi].Value {
					hi = x
				}
				if lo < 0 || c.Value < f.Cells[s][lo].Value {
					lo = x
				}
			}
			if hi < 0 {
				continue
			}
			txt := fmt.Sprintf(tr(lang, "summary_range"), f.X[hi]+" "+val(f.Cells[s][hi]), f.X[lo]+" "+val(f.Cells[s][lo]))
			if len(f.Series) > 1 {
				txt = name + ": " + txt
			}
			parts = append(parts, txt)
			if len(parts) == 2 { // the first two series say enough
				break
			}
		}
		if len(parts) == 0 {
			return tr(lang, "summary_none")
		}
		return strings.Join(parts, " ")
	case "line":
		var parts []string
		for s, name := range f.Series {
			first, last := -1, -1
			for x, c := range f.Cells[s] {
				if c == nil || !c.HasValue || c.Suppressed {
					continue
				}
				if first < 0 {
					first = x
				}
				last = x
			}
			switch {
			case first < 0:
				continue
			case first == last:
				parts = append(parts, fmt.Sprintf(tr(lang, "summary_one"), name, val(f.Cells[s][first])+" ("+f.X[first]+")"))
			default:
				parts = append(parts, fmt.Sprintf(tr(lang, "summary_line"), name, val(f.Cells[s][first]), f.X[first], val(f.Cells[s][last]), f.X[last]))
			}
			if len(parts) == 4 {
				break
			}
		}
		if len(parts) == 0 {
			return tr(lang, "summary_none")
		}
		return strings.Join(parts, " ")
	}
	return ""
}
