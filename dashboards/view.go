package dashboards

import (
	"encoding/json"
	"fmt"
	"net/url"
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
}

type frameView struct {
	ID, Title, Kind, Note string
	Option, Links         string // JSON for the page script
	CSV                   string
	Head                  []string
	Rows                  []rowView
	Cards                 []cardView
	Empty                 bool
}

type rowView struct {
	X, Href string
	Cells   []cellView
}

type cellView struct {
	Text, Flags string
	Suppressed  bool
}

type cardView struct {
	Label, Value, Change, Flags string
	Suppressed                  bool
}

type loginData struct {
	Lang, CSRF, Next string
	Failed           bool
	Asset            func() string
}

func (s *Server) assetPath() string { return "/assets/" }

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
	for _, lang := range Langs {
		pd.LangLinks = append(pd.LangLinks, link{map[string]string{"en": "English", "km": "ខ្មែរ"}[lang], l.page(lang, p.ID, v.f), lang == v.lang})
	}
	if !static {
		for i := len(v.d.years) - 1; i >= 0; i-- {
			f := v.f
			f.Year = v.d.years[i]
			pd.Years = append(pd.Years, link{strconv.Itoa(f.Year), l.page(v.lang, p.ID, f), f.Year == v.f.Year})
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
		pd.Built = fmt.Sprintf("%s %s · %s %s · %s %s · %s", v.t("built"), b.BuiltAt.UTC().Format(time.DateTime+" UTC"),
			v.t("extracted"), b.AsOf.Format(time.DateOnly), v.t("snapshot"), b.Snapshot, b.CodeVersion)
	}
	for _, f := range frames {
		fv := frameView{ID: f.ID, Title: f.Title, Kind: f.Kind, Note: f.Note, Empty: f.empty(), CSV: l.csv(v.lang, p.ID, f.ID, v.f)}
		if f.Kind == "map" {
			pd.Maps = true
		}
		if opt, ok := chartOption(f, v.lang); ok && !fv.Empty {
			fv.Option = string(opt)
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
			fv.Links = string(b)
		}
		fv.Head = append([]string{f.XLabel}, f.Series...)
		for x := range f.X {
			row := rowView{X: f.X[x]}
			if f.AreaX && len(v.d.childAreas(f.XKey[x])) > 0 {
				nf := v.f
				nf.Area = f.XKey[x]
				row.Href = l.page(v.lang, p.ID, nf)
			}
			for s := range f.Series {
				c := f.Cells[s][x]
				cv := cellView{}
				if c != nil {
					cv = cellView{Text: c.display(v.lang), Flags: strings.Join(c.Flags, " "), Suppressed: c.Suppressed}
				}
				row.Cells = append(row.Cells, cv)
			}
			fv.Rows = append(fv.Rows, row)
		}
		if f.Kind == "cards" {
			fv.Cards = cards(f, v.lang)
		}
		pd.Frames = append(pd.Frames, fv)
	}
	return pd
}

// cards show each indicator's value in the first series (the year) with
// its change since the second (the year before).
func cards(f *frame, lang string) []cardView {
	var out []cardView
	for x, label := range f.X {
		c := f.Cells[0][x]
		cv := cardView{Label: label}
		if c == nil {
			cv.Value = "–"
			out = append(out, cv)
			continue
		}
		cv.Value, cv.Flags, cv.Suppressed = c.display(lang), strings.Join(c.Flags, " "), c.Suppressed
		if len(f.Cells) > 1 {
			if p := f.Cells[1][x]; p != nil && p.HasValue && c.HasValue {
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
