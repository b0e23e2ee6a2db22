package dashboards

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// A unit says how a frame's values read: a share drawn as a percentage, a
// rate per 1,000, years, children per woman, a count. The pages format in
// Go what they render; the charts get the same spec (formatSpec) and
// app.js formats tooltips and axes with it.
type unit struct {
	Key      string  // share, per1000lb, per1000w, cpw, years, count, index, seconds
	Scale    float64 // the factor from the stored value to the shown one (100 for a share)
	Decimals int
	Suffix   string // written right after the number: "%" for a share
	Signed   bool   // a positive number has its + (a P-score: above or below expected)
}

var units = map[string]unit{
	"share":     {"share", 100, 1, "%", false},
	"per1000lb": {"per1000lb", 1, 1, "", false},
	"per1000w":  {"per1000w", 1, 1, "", false},
	"cpw":       {"cpw", 1, 2, "", false},
	"years":     {"years", 1, 1, "", false},
	"count":     {"count", 1, 0, "", false},
	"index":     {"index", 1, 0, "", false},
	"seconds":   {"seconds", 1, 0, "", false},
	// mortality surveillance (surveillance.go): counts of deaths, and the
	// P-score, 100 × (observed − expected) / expected, stored as a percentage
	"deaths": {"deaths", 1, 0, "", false},
	"pscore": {Key: "pscore", Scale: 1, Decimals: 1, Suffix: "%", Signed: true},
}

// unitOf is a unit by key; an unknown or empty key reads as a plain number.
func unitOf(key string) unit {
	if u, ok := units[key]; ok {
		return u
	}
	return unit{Scale: 1, Decimals: 2}
}

// label is the unit in words, for an axis name, a card or a tooltip ("" for
// a share, whose % says it).
func (u unit) label(lang string) string {
	switch u.Key {
	case "", "share":
		return ""
	}
	return tr(lang, "unit_"+u.Key)
}

// axisName is the name of a chart's value axis.
func (u unit) axisName(lang string) string {
	if u.Key == "share" {
		return "%"
	}
	return u.label(lang)
}

// number writes v in the unit, grouped by thousands, without the unit's words.
func (u unit) number(v float64) string {
	s := strconv.FormatFloat(v*u.Scale, 'f', u.Decimals, 64)
	if len(s) > 1 && s[0] == '-' && strings.Trim(s[1:], "0.") == "" {
		s = s[1:] // no "-0.0"
	}
	if u.Signed && !strings.HasPrefix(s, "-") && strings.Trim(s, "0.") != "" {
		return "+" + group(s) + u.Suffix
	}
	return group(s) + u.Suffix
}

// interval writes v with its interval: 79.5% (77.4–81.5).
func (u unit) interval(c *cell) string {
	s := u.number(c.Value)
	if c.HasCI {
		s += " (" + strings.TrimSuffix(u.number(c.Low), u.Suffix) + "–" + strings.TrimSuffix(u.number(c.High), u.Suffix) + ")"
	}
	return s
}

// group puts a comma between thousands of a formatted number's integer part.
func group(s string) string {
	digits := strings.TrimPrefix(s, "-")
	if i := strings.IndexByte(digits, '.'); i <= 3 && (i >= 0 || len(digits) <= 3) {
		return s // no thousands: most numbers on a page
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// change writes the change from p to c: an arrow, the size in percentage
// points (shares) or in the unit, and a class saying whether it is good
// news for an indicator whose better direction is dir (+1 up, -1 down, 0
// neither).
func (u unit) change(d float64, dir int, lang string) (text, class string) {
	arrow := "▲"
	if d < 0 {
		arrow = "▼"
	}
	size := strconv.FormatFloat(math.Abs(d)*u.Scale, 'f', u.Decimals, 64)
	if size == strconv.FormatFloat(0, 'f', u.Decimals, 64) {
		return "= " + tr(lang, "no_change"), "neutral"
	}
	text = arrow + " " + group(size)
	switch u.Key {
	case "share":
		text += " " + tr(lang, "unit_pp")
	case "count", "index", "seconds", "deaths":
	default:
		text += " " + u.label(lang)
	}
	class = "neutral"
	switch {
	case dir > 0 && d > 0, dir < 0 && d < 0:
		class = "good"
	case dir != 0:
		class = "bad"
	}
	return text, class
}

// formatSpec is what app.js needs to format a chart's numbers as the page
// does, in the page's language.
func formatSpec(u unit, lang string) map[string]any {
	return map[string]any{
		"unit": u.Key, "scale": u.Scale, "decimals": u.Decimals, "suffix": u.Suffix, "label": u.label(lang),
		"suppressed": tr(lang, "state_suppressed"), "noData": tr(lang, "state_no_data"),
		"provisional": tr(lang, "provisional"), "ci": tr(lang, "ci"),
	}
}

// The units and directions of the key indicators, by card key (e0_M and
// e0_F read as e0; a registered value beside its headline as the headline).
var cardUnits = map[string]string{"birth_compl": "share", "death_compl": "share", "birth_ontime": "share",
	"tfr": "cpw", "abr_15_19": "per1000w", "imr": "per1000lb", "u5mr": "per1000lb", "e0": "years"}

// cardDirs: which way is better. A fall in the TFR is neither.
var cardDirs = map[string]int{"birth_compl": 1, "death_compl": 1, "birth_ontime": 1, "abr_15_19": -1, "imr": -1, "u5mr": -1, "e0": 1}

// indicatorKey is the indicator of a card key.
func indicatorKey(key string) string {
	key = strings.TrimSuffix(key, "_registered")
	if strings.HasPrefix(key, "e0_") {
		return "e0"
	}
	return key
}

// frameUnits are the units of the charts, by frame id.
var frameUnits = map[string]string{
	"events_month": "count", "compl_trend": "share", "timely_trend": "share", "compl_map": "share",
	"compl_births": "share", "compl_deaths": "share", "asfr": "per1000w", "tfr_trend": "cpw", "tfr_areas": "cpw",
	"e0_trend": "years", "child_trend": "per1000lb", "pyramid": "count", "leading": "share", "illdef_age": "share",
	"illdef_areas": "share", "missing": "share", "heaping": "index", "duplicates": "share", "identity": "share",
	"quarantine": "share", "run_durations": "seconds",
}

// unitOfFrame is a frame's unit: its own, or its id's.
func (f *frame) unit() unit {
	if f.Unit != "" {
		return unitOf(f.Unit)
	}
	return unitOf(frameUnits[f.ID])
}

// humanDate writes a date as people write it: 30 June 2021, ថ្ងៃទី 30 ខែមិថុនា ឆ្នាំ 2021.
func humanDate(t time.Time, lang string) string {
	if lang == "km" {
		return "ថ្ងៃទី " + strconv.Itoa(t.Day()) + " ខែ" + khmerMonths[t.Month()-1] + " ឆ្នាំ " + strconv.Itoa(t.Year())
	}
	return t.Format("2 January 2006")
}

var khmerMonths = []string{"មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"}
