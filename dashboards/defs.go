package dashboards

import (
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"vitalstats"
)

// A definition is what a card's or a chart's ⓘ says: what is counted
// (numerator), over what (denominator), from where (source), and the
// section of docs/methods.md that explains it. The texts are labels
// (def_<concept>_num, …) in both languages.
type definition struct {
	Concept string
	Source  string // a label key
	Anchor  string // the methods section's slug
}

var definitions = map[string]definition{
	"compl":       {"compl", "src_cr_ref", "4-completeness-completeness-int_completeness_best"},
	"compl_birth": {"compl_birth", "src_cr_ref", "reference-based-completeness-methods-reference_asfr-reference_rates"},
	"compl_death": {"compl_death", "src_cr_ref", "reference-based-completeness-methods-reference_asfr-reference_rates"},
	"ontime":      {"ontime", "src_cr", "timeliness--on-time-late-delayed"},
	"tfr":         {"tfr", "src_cr_pop", "6-fertility-fertility_asfr-fertility_rates-births_characteristics"},
	"asfr":        {"asfr", "src_cr_pop", "6-fertility-fertility_asfr-fertility_rates-births_characteristics"},
	"abr":         {"abr", "src_cr_pop", "6-fertility-fertility_asfr-fertility_rates-births_characteristics"},
	"imr":         {"imr", "src_cr_ref", "7-mortality-and-life-tables-mortality_rates-mortality_asdr-life_table-life_expectancy"},
	"u5mr":        {"u5mr", "src_cr_ref", "7-mortality-and-life-tables-mortality_rates-mortality_asdr-life_table-life_expectancy"},
	"child":       {"child", "src_cr_ref", "7-mortality-and-life-tables-mortality_rates-mortality_asdr-life_table-life_expectancy"},
	"e0":          {"e0", "src_cr_pop", "life-tables-life_table-life_expectancy"},
	"events":      {"events", "src_cr", "events_by_month--events-by-month-of-occurrence-and-of-registration"},
	"deaths_age":  {"deaths_age", "src_cr", "7-mortality-and-life-tables-mortality_rates-mortality_asdr-life_table-life_expectancy"},
	"cod_share":   {"cod_share", "src_cr", "9-cause-of-death"},
	"illdef":      {"illdef", "src_cr", "9-cause-of-death"},
	"missing":     {"missing", "src_cr", "dq_missing--unknown-or-missing-share-of-each-field"},
	"heaping":     {"heaping", "src_cr", "dq_age_heaping--whipple-and-myers"},
	"dups":        {"dups", "src_cr", "dq_duplicates-and-dq_duplicate_groups--probable-duplicates"},
	"identity":    {"identity", "src_cr", "13-record-linkage-counting-each-person-once-without-an-identity-code-identity_linkage-link_review"},
	"quarantine":  {"quarantine", "src_etl", "dq_quarantine--records-refused-by-the-etl"},
	"runs":        {"runs", "src_runs", "10-how-a-build-runs-and-what-it-checks"},
	"surv":        {"surv", "src_cr", "14-excess-mortality-expected-deaths-and-excess-package-excess-vitalstats-excess"},
	"pscore":      {"pscore", "src_cr", "14-excess-mortality-expected-deaths-and-excess-package-excess-vitalstats-excess"},
}

// conceptOf is the definition of a frame, or of a card by its key.
var conceptOf = map[string]string{
	// cards
	"birth_compl": "compl_birth", "death_compl": "compl_death", "birth_ontime": "ontime", "tfr": "tfr",
	"abr_15_19": "abr", "imr": "imr", "u5mr": "u5mr", "e0": "e0",
	// charts
	"events_month": "events", "compl_trend": "compl", "timely_trend": "ontime", "compl_map": "compl_birth",
	"compl_births": "compl_birth", "compl_deaths": "compl_death", "asfr": "asfr", "tfr_trend": "tfr", "tfr_areas": "tfr",
	"e0_trend": "e0", "child_trend": "child", "pyramid": "deaths_age", "leading": "cod_share", "leading_age": "cod_share",
	"illdef_age": "illdef", "illdef_areas": "illdef", "missing": "missing", "heaping": "heaping", "duplicates": "dups",
	"identity": "identity", "quarantine": "quarantine", "run_summary": "runs", "run_durations": "runs", "run_history": "runs",
	"surv_latest": "surv", "surv_month": "surv", "surv_week": "surv", "surv_map": "pscore",
}

// defView is a definition as the template shows it.
type defView struct {
	Title, Num, Den, Source, Href string
}

// defFor is the definition of a frame id or card key, or nil.
func defFor(key string, v view, l linker) *defView {
	d, ok := definitions[conceptOf[key]]
	if !ok {
		return nil
	}
	src := v.t(d.Source)
	if d.Source == "src_cr_pop" || d.Source == "src_cr_ref" {
		if p := v.d.Built.Population; p != "" {
			src += " (" + p + ")"
		}
	}
	return &defView{Num: v.t("def_" + d.Concept + "_num"), Den: v.t("def_" + d.Concept + "_den"), Source: src,
		Href: l.methods(v.lang) + "#" + d.Anchor}
}

// The flags the marts carry, explained in plain words on every page
// (flag_<name>); a flag withheld_<reason> reads as withheld.
var flagNames = []string{"provisional", "window_open", "suppressed", "lt5", "lt20", "completeness_lt70", "completeness_lt90",
	"withheld", "level_from_reference", "no_reference", "reference_without_igme", "lag_not_estimated",
	"nowcast", "pooled_delay", "low_completeness"}

type flagView struct{ Name, Text string }

func flagGlossary(lang string) []flagView {
	out := make([]flagView, 0, len(flagNames)+1)
	for _, f := range flagNames {
		out = append(out, flagView{f, tr(lang, "flag_"+f)})
	}
	return append(out, flagView{tr(lang, "basis_name"), tr(lang, "flag_basis")})
}

// flagText explains one flag, for a table cell's title.
func flagText(lang, flag string) string {
	if strings.HasPrefix(flag, "withheld_") {
		flag = "withheld"
	}
	if _, ok := words["flag_"+flag]; ok {
		return tr(lang, "flag_"+flag)
	}
	return ""
}

// methodsPage is docs/methods.md as a page: each heading with an anchor
// (its slug, as definitions link to it), the rest preformatted. The
// document is in English; the Khmer page says so.
type methodsPage struct {
	Lang, Assets string
	Body         template.HTML
	Note         string
	Back         string
}

var headingRE = regexp.MustCompile(`^(#{1,6})\s+(.*)$`)

// slug is a heading's anchor: lower case letters, digits, _ and -, spaces as -.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// methodsHTML renders the methods document and returns its anchors.
func methodsHTML(doc string) (template.HTML, map[string]bool) {
	var b, pre strings.Builder
	anchors := map[string]bool{}
	flush := func() {
		if t := strings.Trim(pre.String(), "\n"); t != "" {
			b.WriteString(`<pre class="md">` + html.EscapeString(t) + "</pre>\n")
		}
		pre.Reset()
	}
	fence := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		m := headingRE.FindStringSubmatch(line)
		if fence || m == nil {
			pre.WriteString(line + "\n")
			continue
		}
		flush()
		id := slug(m[2])
		for n := 2; anchors[id]; n++ { // a repeated heading, as GitHub numbers it
			id = slug(m[2]) + "-" + strconv.Itoa(n)
		}
		anchors[id] = true
		lvl := strconv.Itoa(len(m[1]))
		b.WriteString("<h" + lvl + ` id="` + id + `"><a href="#` + id + `">` + html.EscapeString(m[2]) + "</a></h" + lvl + ">\n")
	}
	flush()
	return template.HTML(b.String()), anchors
}

var methodsBody, methodsAnchors = methodsHTML(vitalstats.MethodsDoc)

// methodsData is the methods page in a language.
func methodsData(lang, assets, back string) methodsPage {
	p := methodsPage{Lang: lang, Assets: assets, Body: methodsBody, Back: back}
	if lang != "en" {
		p.Note = tr(lang, "methods_english")
	}
	return p
}

// defArgs passes a definition to the template "def", with the title of
// what it defines (for its button's accessible name).
func defArgs(lang, title string, d *defView) map[string]any {
	return map[string]any{"Lang": lang, "Title": title, "Def": d}
}
