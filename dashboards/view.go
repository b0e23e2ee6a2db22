package dashboards

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// linker writes the links of a page: to the server's routes, or to the
// files of a static copy.
type linker interface {
	page(lang, page string, f Filter) string
	csv(lang, page, frame string, f Filter) string
	assets() string // the assets folder, ending in /
	methods(lang string) string
}

type serverLinks struct{}

// query is a filter as url.Values' Encode writes it (keys in order),
// without its map and sort: a page has a link for each year, area and sex.
func query(f Filter) string {
	return "area=" + url.QueryEscape(f.Area) + "&sex=" + url.QueryEscape(f.Sex) + "&year=" + strconv.Itoa(f.Year)
}

func (serverLinks) page(lang, page string, f Filter) string {
	return "/" + lang + "/" + page + "?" + query(f)
}

func (serverLinks) csv(lang, page, frame string, f Filter) string {
	return "/csv/" + page + "/" + frame + ".csv?lang=" + lang + "&" + query(f)
}

func (serverLinks) assets() string { return "/assets/" }

func (serverLinks) methods(lang string) string { return "/" + lang + "/methods" }

// staticLinks lay a static copy out as lang/page/area.html, each page with
// its CSVs beside it: one year and both sexes, for offline distribution.
type staticLinks struct{}

func (staticLinks) page(lang, page string, f Filter) string {
	return "../../" + lang + "/" + page + "/" + f.Area + ".html"
}

func (staticLinks) csv(lang, page, frame string, f Filter) string {
	return f.Area + "-" + frame + ".csv"
}

func (staticLinks) assets() string { return "../../assets/" }

func (staticLinks) methods(lang string) string { return "../../" + lang + "/methods.html" }

type link struct {
	Label, Href string
	Active      bool
}

// choice is an option of a filter menu: Value is what the filter form
// submits (a year, area or sex code), or "" in a static copy, whose menu
// opens each option's page (Href) instead.
type choice struct {
	Label, Href, Value string
	Active             bool
}

type pageData struct {
	Lang, Title    string
	Nav, LangLinks []link
	Years, Areas   []choice
	Sexes          []choice
	Frames         []frameView
	User           string
	Static         bool
	Built          string
	Maps           bool
	DistrictMaps   bool // a map of districts: the page loads their boundaries too
	Assets         string
	// Releases, on the downloads page only: every release with its files.
	Releases []releaseView
	AreaNote string // the downloads of an account limited to an area
	// Review, on the review page only: the pairs waiting for a decision.
	Review *reviewView
	// Banner dates the data (as_of, a human date) and names the provisional
	// years; a static copy says its year. Flags explains every flag.
	Banner  []string
	Flags   []flagView
	Methods string
	// Crumbs lead from the nation to the area shown (the last one is it).
	Crumbs []link
	// FilterAction is where the filter form goes (the page itself); Sex
	// is carried along on pages without a sex menu.
	FilterAction, Sex string
	// Year is carried along on a page without a year menu (NoYear).
	Year string
	// Error, on an error page only: what went wrong, in the page's language.
	Error *errorView
}

type errorView struct {
	Status  int
	Message string
	Back    link // a way back: the page without the bad filter, or the overview
}

type releaseView struct {
	ID, Status, Created string
	Groups              []fileGroup // by kind: the annual report first
}

// fileGroup is one kind of a release's files on the downloads page.
type fileGroup struct {
	Kind, Title string
	Open        bool // shown unfolded: the report and the tables
	Files       []fileView
}

type fileView struct {
	Href, Name, Size, Desc string
}

type frameView struct {
	ID, Title, Kind, Note string
	// Option and Links are the chart's data attributes, JSON escaped here
	// once (html/template's escaper is slow on large values).
	Option, Links template.HTMLAttr
	CSV           string
	Summary       string        // the chart in a sentence, for screen readers and a glance
	Open          bool          // the table shown open (lists, cards, and the map's list of provinces)
	Table         template.HTML // built in Go: the template's escaper is slow on many cells
	Cards         []cardView
	Empty         bool
	EmptyText     string // what an empty frame says instead of "no data"
	Rows          int    // categories, for the chart's height
	// Format is the chart's number format (data-format), for app.js.
	Format template.HTMLAttr
	// Sorts, with a chart that may be reordered: the orders (data-sorts).
	Sorts       template.HTMLAttr
	SortNames   []string
	Def         *defView
	Provisional bool
	States      string // the chart's suppressed, no-data and zero cells, named
}

type cardView struct {
	Label, Value, Change, Flags string
	// CI is the interval, Unit the unit in words; ChangeClass says whether
	// the change is good news (good, bad, neutral), ChangeWord says it too.
	CI, Unit, ChangeClass, ChangeWord string
	Key                               string
	Def                               *defView
	Provisional                       bool
	// FlagList is the value's flags with their meaning, provisional left
	// to the badge.
	FlagList []flagView
	// Beside is the registered value of a rate whose registration is under
	// 70% complete, shown marked under the figure that stands for it.
	Beside     string
	Suppressed bool
}

type loginData struct {
	Lang, CSRF, Next string
	Failed           bool
	Assets           string
	LangLinks        []link // the sign-in form in each language
}

// pageData lays out one page for the template.
func (s *Server) pageData(v view, p page, frames []*frame, l linker, u *User) pageData {
	_, static := l.(staticLinks)
	pd := pageData{Lang: v.lang, Title: v.t(p.ID), Static: static, Assets: l.assets()}
	if u != nil {
		pd.User = u.Name
	}
	for _, q := range pages {
		switch {
		case static && q.Analyst, !static && u == nil && q.ID != s.opt.PublicPage, u != nil && q.Analyst && !u.analyst():
			continue
		}
		pd.Nav = append(pd.Nav, link{v.t(q.ID), l.page(v.lang, q.ID, v.f), q.ID == p.ID})
	}
	if u != nil && u.downloads() && !static {
		pd.Nav = append(pd.Nav, link{v.t("downloads"), "/" + v.lang + "/downloads", p.ID == "downloads"})
	}
	if !static && s.mayReview(u) {
		pd.Nav = append(pd.Nav, link{v.t("review"), "/" + v.lang + "/review", p.ID == "review"})
	}
	for _, lang := range Langs {
		pd.LangLinks = append(pd.LangLinks, link{map[string]string{"en": "English", "km": "ខ្មែរ"}[lang], l.page(lang, p.ID, v.f), lang == v.lang})
	}
	if !static && !p.NoYear {
		for i := len(v.d.years) - 1; i >= 0; i-- {
			f := v.f
			f.Year = v.d.years[i]
			label := strconv.Itoa(f.Year)
			if v.d.provisional(f.Year) {
				label += " (" + v.t("provisional") + ")"
			}
			pd.Years = append(pd.Years, choice{label, l.page(v.lang, p.ID, f), strconv.Itoa(f.Year), f.Year == v.f.Year})
		}
	}
	if !static {
		if p.Sex {
			for _, sx := range []string{"T", "M", "F"} {
				f := v.f
				f.Sex = sx
				pd.Sexes = append(pd.Sexes, choice{v.t("sex_" + sx), l.page(v.lang, p.ID, f), sx, sx == v.f.Sex})
			}
		}
	}
	for _, a := range areaOptions(v.d, v.scope, v.f.Area, static) {
		f := v.f
		f.Area = a
		label := v.d.name(a, v.lang)
		if len(a) == 4 {
			label = "— " + label
		}
		ln := choice{label, l.page(v.lang, p.ID, f), a, a == v.f.Area}
		if static {
			ln.Value = "" // a static copy's menu opens each area's file
		}
		pd.Areas = append(pd.Areas, ln)
	}
	pd.Methods = l.methods(v.lang)
	pd.Flags = flagGlossary(v.lang)
	if b := v.d.Built; !b.AsOf.IsZero() {
		pd.Banner = append(pd.Banner, fmt.Sprintf(v.t("banner_as_of"), humanDate(b.AsOf, v.lang)))
	}
	var prov []string
	for _, y := range v.d.years {
		if v.d.provisional(y) {
			prov = append(prov, strconv.Itoa(y))
		}
	}
	if len(prov) > 0 {
		pd.Banner = append(pd.Banner, fmt.Sprintf(v.t("banner_prov"), strings.Join(prov, ", ")))
	}
	if static {
		pd.Banner = append(pd.Banner, fmt.Sprintf(v.t("banner_static"), v.f.Year))
	}
	if !static {
		pd.FilterAction, pd.Sex = "/"+v.lang+"/"+p.ID, v.f.Sex
		if p.NoYear {
			pd.Year = strconv.Itoa(v.f.Year)
		}
	}
	pd.Crumbs = crumbs(v, p, l)
	if b := v.d.Built; !b.BuiltAt.IsZero() {
		// The data's own date first: the build's time says nothing of what the numbers describe.
		pd.Built = fmt.Sprintf("%s %s · %s %s · %s %s · %s", v.t("as_of"), b.AsOf.Format(time.DateOnly),
			v.t("built"), b.BuiltAt.UTC().Format(time.DateTime+" UTC"), v.t("snapshot"),
			strings.Replace(b.Snapshot, "manifest entry", v.t("manifest_entry"), 1), b.CodeVersion)
	}
	for _, f := range frames {
		fv := frameView{ID: f.ID, Title: f.Title, Kind: f.Kind, Note: f.Note, Empty: f.empty(), EmptyText: f.EmptyText, CSV: l.csv(v.lang, p.ID, f.ID, v.f), Rows: len(f.X),
			Open: f.Kind == "list" || f.Kind == "cards" || f.Kind == "map"}
		if f.Kind == "map" {
			pd.Maps = true
			pd.DistrictMaps = pd.DistrictMaps || f.Map == "KHM-dist"
		}
		if opt, ok := chartOption(f, v.lang, v.f.Area); ok && !fv.Empty {
			fv.Option = dataAttr("data-option", opt)
			spec, _ := json.Marshal(formatSpec(f.unit(), v.lang))
			fv.Format = dataAttr("data-format", spec)
			fv.States = stateNote(f, v.lang)
			fv.Provisional = f.hasProvisional()
			if len(f.Sorts) > 1 {
				sorts, _ := json.Marshal(f.Sorts)
				fv.Sorts = dataAttr("data-sorts", sorts)
				fv.SortNames = []string{"value", "gap"}
			}
			fv.Summary = chartSummary(f, v.lang)
		}
		fv.Def = defFor(f.ID, v, l)
		if f.AreaX {
			links := map[string]string{}
			for i, code := range f.XKey {
				if code != v.f.Area && (!static || len(code) <= 2) { // a district opens too: its page shows its own values
					nf := v.f
					nf.Area = code
					links[f.X[i]] = l.page(v.lang, p.ID, nf)
				}
			}
			b, _ := json.Marshal(links)
			fv.Links = dataAttr("data-links", b)
		}
		fv.Table = tableHTML(f, v, l, p)
		if f.Kind == "cards" {
			fv.Cards = cards(f, v.lang)
			for i := range fv.Cards {
				fv.Cards[i].Def = defFor(indicatorKey(fv.Cards[i].Key), v, l)
			}
		}
		pd.Frames = append(pd.Frames, fv)
	}
	return pd
}

// tableHTML is a frame's data table: a row per category, a column per
// series, each cell with its interval and flags; area rows link to the
// same page for that area.
func tableHTML(f *frame, v view, l linker, p page) template.HTML {
	var b strings.Builder
	b.Grow(256 + 48*len(f.X)*(1+len(f.Series)))
	w := b.WriteString
	esc := func(s string) { escapeHTML(&b, s) }
	_, static := l.(staticLinks) // a static copy has no district pages
	caption := f.Title
	if u := f.unit().label(v.lang); u != "" && f.Kind != "cards" && f.Kind != "list" {
		caption += " (" + u + ")" // the unit of every number below
	}
	w(`<table id="t-`)
	esc(f.ID)
	w(`"><caption>`)
	esc(caption)
	w(`</caption><thead><tr><th scope="col">`)
	esc(f.XLabel)
	w(`</th>`)
	for _, s := range f.Series {
		w(`<th scope="col">`)
		esc(s)
		w("</th>")
	}
	w("</tr></thead><tbody>")
	for x, label := range f.X {
		w(`<tr><th scope="row">`)
		if f.AreaX && f.XKey[x] != v.f.Area && (!static || len(f.XKey[x]) <= 2) {
			nf := v.f
			nf.Area = f.XKey[x]
			w(`<a href="`)
			esc(l.page(v.lang, p.ID, nf))
			w(`">`)
			esc(label)
			w("</a>")
		} else {
			esc(label)
		}
		w("</th>")
		u := f.unit()
		if f.Kind == "cards" {
			u = unitOf(cardUnits[indicatorKey(f.XKey[x])])
		}
		for s := range f.Series {
			c := f.Cells[s][x]
			switch {
			case c == nil:
				w(`<td class="nodata">`)
				esc(v.t("state_no_data"))
				w("</td>")
			case c.Suppressed:
				w(`<td class="suppressed">`)
				esc(c.displayIn(u, v.lang))
				w("</td>")
			default:
				if c.flagged("provisional") {
					w(`<td class="provisional">`)
				} else {
					w("<td>")
				}
				esc(c.displayIn(u, v.lang))
				if c.Basis != "" && c.Basis != "registered" {
					w(" <small>")
					esc(v.t(c.Basis))
					w("</small>")
				}
				for _, fl := range c.Flags {
					// each flag named in the page's language, with its meaning for a
					// pointer or a screen reader
					name := flagsText(v.lang, []string{fl})
					if t := flagText(v.lang, fl); t != "" {
						w(` <small><abbr title="`)
						esc(t)
						w(`">`)
						esc(name)
						w("</abbr></small>")
					} else {
						w(" <small>")
						esc(name)
						w("</small>")
					}
				}
				w("</td>")
			}
		}
		w("</tr>")
	}
	w("</tbody></table>")
	return template.HTML(b.String())
}

// escapeHTML writes s as html.EscapeString returns it, without a copy
// when nothing needs escaping (most of a table's cells).
func escapeHTML(b *strings.Builder, s string) {
	escapeWith(b, s, &htmlEscapes)
}

// htmlEscapes are html.EscapeString's replacements, by byte.
var htmlEscapes = [256]string{'&': "&amp;", '\'': "&#39;", '<': "&lt;", '>': "&gt;", '"': "&#34;"}

// escapeWith writes s with each byte that table names replaced.
func escapeWith(b *strings.Builder, s string, table *[256]string) {
	written := 0
	for i := 0; i < len(s); i++ {
		if repl := table[s[i]]; repl != "" {
			b.WriteString(s[written:i])
			b.WriteString(repl)
			written = i + 1
		}
	}
	b.WriteString(s[written:])
}

// options are a menu's choices, each the page it opens (built in Go: a
// menu of years or districts is long).
func options(links []choice) template.HTML {
	var b strings.Builder
	for _, l := range links {
		val := l.Value
		if val == "" {
			val = l.Href
		}
		b.WriteString(`<option value="` + html.EscapeString(val) + `"`)
		if l.Active {
			b.WriteString(" selected")
		}
		b.WriteString(">" + html.EscapeString(l.Label) + "</option>")
	}
	return template.HTML(b.String())
}

// dataAttr is name="value" with value escaped for an HTML attribute.
func dataAttr(name string, value []byte) template.HTMLAttr {
	// html.EscapeString's five characters, written in one pass: a chart's
	// option is kilobytes of JSON, a quote every few bytes.
	var b strings.Builder
	b.Grow(len(name) + 3 + len(value)*3/2)
	b.WriteString(name)
	b.WriteString(`="`)
	written := 0
	for i, c := range value {
		if repl := htmlEscapes[c]; repl != "" {
			b.Write(value[written:i])
			b.WriteString(repl)
			written = i + 1
		}
	}
	b.Write(value[written:])
	b.WriteByte('"')
	return template.HTMLAttr(b.String())
}

// cards show each indicator's value in the first series (the year) with
// its change since the second (the year before).
func cards(f *frame, lang string) []cardView {
	var out []cardView
	shownBeside := map[string]bool{}
	for _, k := range f.Beside {
		shownBeside[k] = true
	}
	for x, label := range f.X {
		if shownBeside[f.XKey[x]] {
			continue
		}
		c := f.Cells[0][x]
		u := unitOf(cardUnits[indicatorKey(f.XKey[x])])
		cv := cardView{Label: label, Key: f.XKey[x], Unit: u.label(lang)}
		if c != nil && c.Basis != "" && c.Basis != "registered" {
			cv.Label += " · " + tr(lang, c.Basis)
		}
		if reg := f.Beside[f.XKey[x]]; reg != "" {
			if r := f.Cells[0][slices.Index(f.XKey, reg)]; r != nil {
				cv.Beside = tr(lang, "registered_incomplete") + ": " + r.displayIn(u, lang)
			}
		}
		if c == nil || !c.HasValue && !c.Suppressed {
			cv.Value = "–"
			out = append(out, cv)
			continue
		}
		cv.Flags, cv.Suppressed, cv.Provisional = strings.Join(c.Flags, " "), c.Suppressed, c.flagged("provisional")
		for _, fl := range c.Flags {
			if fl != "provisional" {
				cv.FlagList = append(cv.FlagList, flagView{flagsText(lang, []string{fl}), flagText(lang, fl)})
			}
		}
		if c.HasValue {
			cv.Value = u.number(c.Value)
			if c.HasCI {
				cv.CI = "(" + strings.TrimSuffix(u.number(c.Low), u.Suffix) + "–" + strings.TrimSuffix(u.number(c.High), u.Suffix) + ")"
			}
		} else {
			cv.Value = c.displayIn(u, lang)
		}
		if len(f.Cells) > 1 {
			// a change from or to a provisional year is late registration, not
			// change; one between two bases is no change at all
			if p := f.Cells[1][x]; p != nil && p.HasValue && c.HasValue && !c.flagged("provisional") && !p.flagged("provisional") && p.Basis == c.Basis {
				text, class := u.change(c.Value-p.Value, cardDirs[indicatorKey(f.XKey[x])], lang)
				cv.Change = text + " " + tr(lang, "since") + " " + f.Series[1]
				cv.ChangeClass = class
				if class != "neutral" {
					cv.ChangeWord = tr(lang, "change_"+class)
				}
			}
		}
		out = append(out, cv)
	}
	return out
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// areaOptions are the areas the area menu offers: those in scope, with the
// districts of the province being looked at (a static copy stops at
// provinces).
func areaOptions(d *Data, scope, area string, static bool) []string {
	if scope != "KH" && scope != "" {
		out := []string{scope}
		if len(scope) == 2 && !static {
			out = append(out, d.districts[scope]...)
		}
		return out
	}
	out := []string{"KH"}
	for _, p := range d.provinces {
		out = append(out, p)
		if !static && len(area) >= 2 && area[:2] == p {
			out = append(out, d.districts[p]...)
		}
	}
	return out
}
