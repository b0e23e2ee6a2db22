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
}

type serverLinks struct{}

func query(f Filter) string {
	return url.Values{"year": {strconv.Itoa(f.Year)}, "area": {f.Area}, "sex": {f.Sex}}.Encode()
}

func (serverLinks) page(lang, page string, f Filter) string {
	return "/" + lang + "/" + page + "?" + query(f)
}

func (serverLinks) csv(lang, page, frame string, f Filter) string {
	return "/csv/" + page + "/" + frame + ".csv?lang=" + lang + "&" + query(f)
}

func (serverLinks) assets() string { return "/assets/" }

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

type link struct {
	Label, Href string
	Active      bool
}

type pageData struct {
	Lang, Title    string
	Nav, LangLinks []link
	Years, Areas   []link
	Sexes          []link
	Frames         []frameView
	User           string
	Static         bool
	Built          string
	Maps           bool
	Assets         string
	// Releases, on the downloads page only: every release with its files.
	Releases []releaseView
	AreaNote string // the downloads of an account limited to an area
	// Review, on the review page only: the pairs waiting for a decision.
	Review *reviewView
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
	Table         template.HTML // built in Go: the template's escaper is slow on many cells
	Cards         []cardView
	Empty         bool
	Rows          int // categories, for the chart's height
}

type cardView struct {
	Label, Value, Change, Flags string
	// Beside is the registered value of a rate whose registration is under
	// 70% complete, shown marked under the figure that stands for it.
	Beside     string
	Suppressed bool
}

type loginData struct {
	Lang, CSRF, Next string
	Failed           bool
	Assets           string
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
	if !static {
		for i := len(v.d.years) - 1; i >= 0; i-- {
			f := v.f
			f.Year = v.d.years[i]
			label := strconv.Itoa(f.Year)
			if v.d.provisional(f.Year) {
				label += " (" + v.t("provisional") + ")"
			}
			pd.Years = append(pd.Years, link{label, l.page(v.lang, p.ID, f), f.Year == v.f.Year})
		}
		if p.Sex {
			for _, sx := range []string{"T", "M", "F"} {
				f := v.f
				f.Sex = sx
				pd.Sexes = append(pd.Sexes, link{v.t("sex_" + sx), l.page(v.lang, p.ID, f), sx == v.f.Sex})
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
		pd.Areas = append(pd.Areas, link{label, l.page(v.lang, p.ID, f), a == v.f.Area})
	}
	if b := v.d.Built; !b.BuiltAt.IsZero() {
		// The data's own date first: the build's time says nothing of what the numbers describe.
		pd.Built = fmt.Sprintf("%s %s · %s %s · %s %s · %s", v.t("as_of"), b.AsOf.Format(time.DateOnly),
			v.t("built"), b.BuiltAt.UTC().Format(time.DateTime+" UTC"), v.t("snapshot"), b.Snapshot, b.CodeVersion)
	}
	for _, f := range frames {
		fv := frameView{ID: f.ID, Title: f.Title, Kind: f.Kind, Note: f.Note, Empty: f.empty(), CSV: l.csv(v.lang, p.ID, f.ID, v.f), Rows: len(f.X)}
		if f.Kind == "map" {
			pd.Maps = true
		}
		if opt, ok := chartOption(f, v.lang); ok && !fv.Empty {
			fv.Option = dataAttr("data-option", opt)
		}
		if f.AreaX {
			links := map[string]string{}
			for i, code := range f.XKey {
				if len(v.d.childAreas(code)) > 0 {
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
	esc := html.EscapeString
	b.WriteString(`<table id="t-` + esc(f.ID) + `"><thead><tr><th>` + esc(f.XLabel) + `</th>`)
	for _, s := range f.Series {
		b.WriteString("<th>" + esc(s) + "</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for x, label := range f.X {
		b.WriteString("<tr><th>")
		if f.AreaX && len(v.d.childAreas(f.XKey[x])) > 0 {
			nf := v.f
			nf.Area = f.XKey[x]
			b.WriteString(`<a href="` + esc(l.page(v.lang, p.ID, nf)) + `">` + esc(label) + "</a>")
		} else {
			b.WriteString(esc(label))
		}
		b.WriteString("</th>")
		for s := range f.Series {
			c := f.Cells[s][x]
			switch {
			case c == nil:
				b.WriteString("<td></td>")
			case c.Suppressed:
				b.WriteString(`<td class="suppressed">` + esc(c.display(v.lang)) + "</td>")
			default:
				b.WriteString("<td>" + esc(c.display(v.lang)))
				if c.Basis != "" && c.Basis != "registered" {
					b.WriteString(" <small>" + esc(v.t(c.Basis)) + "</small>")
				}
				if len(c.Flags) > 0 {
					b.WriteString(" <small>" + esc(strings.Join(c.Flags, " ")) + "</small>")
				}
				b.WriteString("</td>")
			}
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	return template.HTML(b.String())
}

// options are a menu's choices, each the page it opens (built in Go: a
// menu of years or districts is long).
func options(links []link) template.HTML {
	var b strings.Builder
	for _, l := range links {
		b.WriteString(`<option value="` + html.EscapeString(l.Href) + `"`)
		if l.Active {
			b.WriteString(" selected")
		}
		b.WriteString(">" + html.EscapeString(l.Label) + "</option>")
	}
	return template.HTML(b.String())
}

// dataAttr is name="value" with value escaped for an HTML attribute.
func dataAttr(name string, value []byte) template.HTMLAttr {
	return template.HTMLAttr(name + `="` + html.EscapeString(string(value)) + `"`)
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
		cv := cardView{Label: label}
		if c != nil && c.Basis != "" && c.Basis != "registered" {
			cv.Label += " · " + tr(lang, c.Basis)
		}
		if reg := f.Beside[f.XKey[x]]; reg != "" {
			if r := f.Cells[0][slices.Index(f.XKey, reg)]; r != nil {
				cv.Beside = tr(lang, "registered_incomplete") + ": " + r.display(lang)
			}
		}
		if c == nil || !c.HasValue && !c.Suppressed {
			cv.Value = "–"
			out = append(out, cv)
			continue
		}
		cv.Value, cv.Flags, cv.Suppressed = c.display(lang), strings.Join(c.Flags, " "), c.Suppressed
		if len(f.Cells) > 1 {
			// a change from or to a provisional year is late registration, not
			// change; one between two bases is no change at all
			if p := f.Cells[1][x]; p != nil && p.HasValue && c.HasValue && !c.flagged("provisional") && !p.flagged("provisional") && p.Basis == c.Basis {
				d := c.Value - p.Value
				sign := "+"
				if d < 0 {
					sign = "−"
				}
				cv.Change = fmt.Sprintf("%s%s %s %s", sign, fmtNum(abs(d)), tr(lang, "change"), f.Series[1])
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
