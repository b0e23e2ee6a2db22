package dashboards

import (
	"bytes"
	"html"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// framesRef is what framesHTML, glossaryHTML and navLinksHTML replaced in
// the page template, kept to hold them to its bytes.
const framesRef = `{{define "glossary_ref"}}<details class="legend glossary"><summary>{{t .Lang "flags_title"}}</summary><p>{{t .Lang "legend_flags"}}</p><ul>{{range .Flags}}<li data-flag="{{.Name}}">{{.Text}}</li>{{end}}</ul><p><a href="{{.Methods}}">{{t .Lang "methods_link"}}</a></p></details>{{end}}{{define "nav_ref"}}{{range .Nav}}<a href="{{.Href}}"{{if .Active}} aria-current="page"{{end}}>{{.Label}}</a>{{end}}{{end}}{{define "frames_ref"}}{{range .Frames}}
<section class="panel panel-{{.Kind}}" id="p-{{.ID}}">
  <div class="head"><h2>{{.Title}}{{if .Provisional}} <span class="badge">{{t $.Lang "provisional"}}</span>{{end}}</h2>{{if .Def}}{{template "def" (defArgs $.Lang .Title .Def)}}{{end}}</div>
  {{if .Empty}}<p class="empty">{{if .EmptyText}}{{.EmptyText}}{{else}}{{t $.Lang "no_data"}}{{end}}</p>{{else}}
  {{if .Cards}}<div class="cards">{{range .Cards}}<div class="card{{if .Suppressed}} suppressed{{end}}{{if .Provisional}} provisional{{end}}" data-key="{{.Key}}"><div class="card-head"><div class="label">{{.Label}}{{if .Provisional}} <span class="badge">{{t $.Lang "provisional"}}</span>{{end}}</div>{{if .Def}}{{template "def" (defArgs $.Lang .Label .Def)}}{{end}}</div><div class="value">{{.Value}}{{if .CI}} <span class="ci">{{.CI}}</span>{{end}}</div>{{if .Unit}}<div class="unit">{{.Unit}}</div>{{end}}{{if .Beside}}<div class="beside">{{.Beside}}</div>{{end}}{{if .Change}}<div class="change {{.ChangeClass}}">{{.Change}}{{if .ChangeWord}} <span class="word">({{.ChangeWord}})</span>{{end}}</div>{{end}}{{if .FlagList}}<div class="flags">{{range .FlagList}}<abbr title="{{.Text}}">{{.Name}}</abbr> {{end}}</div>{{end}}</div>{{end}}</div>{{end}}
  {{if .SortNames}}<div class="sort" role="group" data-for="c-{{.ID}}">{{range $i, $n := .SortNames}}<button type="button" data-sort="{{$n}}" aria-pressed="{{if eq $i 0}}true{{else}}false{{end}}">{{t $.Lang (print "sort_" $n)}}</button>{{end}}</div>{{end}}
  {{if .Option}}<div class="chart" id="c-{{.ID}}" role="img" aria-label="{{.Title}}" aria-describedby="s-{{.ID}}" data-kind="{{.Kind}}" data-rows="{{.Rows}}" {{.Option}} {{.Format}}{{if .Sorts}} {{.Sorts}}{{end}}{{if .Links}} {{.Links}}{{end}}></div>
  <p class="chart-summary" id="s-{{.ID}}">{{.Summary}}{{if or (eq .ID "compl_map") (eq .ID "surv_map")}} {{t $.Lang "map_keys"}}{{end}}</p>{{end}}
  {{end}}
  {{if .Note}}<p class="note">{{.Note}}</p>{{end}}
  {{if .States}}<p class="note states">{{.States}}</p>{{end}}
  {{if not .EmptyText}}<details{{if .Open}} open{{end}}>
    <summary>{{t $.Lang "table"}}</summary>
    <div class="scroll" tabindex="0" role="region" aria-label="{{.Title}} · {{t $.Lang "table"}}">{{.Table}}</div>
  </details>
  <div class="actions"><a class="csv" href="{{.CSV}}" download>{{t $.Lang "csv"}}</a>{{if and .Option (not .Empty)}}
  <button type="button" class="png" data-chart="c-{{.ID}}" data-file="{{.ID}}.png" aria-label="{{printf (t $.Lang "chart_png_of") .Title}}" hidden>{{t $.Lang "chart_png"}}</button>{{end}}</div>{{end}}
</section>
{{end}}{{end}}`

// TestFramesHTMLMatchesTemplate renders the panels of every page in both
// languages, for the nation, provinces and districts (a small one among
// them), several years and each sex, with and without a provisional year,
// by framesHTML and by the template it replaced: the same bytes; and
// each table by tableHTML and by tableHTMLRef.
func TestFramesHTMLMatchesTemplate(t *testing.T) {
	s := fixServer(t, "")
	ref, err := s.tmpl.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ref.Parse(framesRef); err != nil {
		t.Fatal(err)
	}
	runs, _ := s.opt.Runs()
	n := 0
	for _, d := range []*Data{s.data.Load(), provisionalData(t)} {
		years := []int{d.years[0], d.Year, d.years[len(d.years)-1]}
		for _, p := range pages {
			for _, lang := range Langs {
				for _, area := range []string{"KH", "01", "07", "12", "17", "0702", "1201", fixSmall} {
					for _, year := range years {
						for _, sex := range []string{"T", "F"} {
							v := view{d: d, f: Filter{Year: year, Area: area, Sex: sex}, lang: lang, scope: "KH", runs: runs}
							for _, l := range []linker{serverLinks{}, staticLinks{}} {
								frames := p.frames(v)
								for _, f := range frames {
									if got, want := tableHTML(f, v, l, p), tableHTMLRef(f, v, l, p); got != want {
										t.Fatalf("%s %s %s %d %s: table %s:\n got %s\nwant %s", p.ID, lang, area, year, sex, f.ID, got, want)
									}
								}
								pd := s.pageData(v, p, frames, l, &s.opt.Users[0])
								var want bytes.Buffer
								if err := ref.ExecuteTemplate(&want, "frames_ref", pd); err != nil {
									t.Fatal(err)
								}
								for name, got := range map[string]template.HTML{"glossary_ref": glossaryHTML(pd.Lang, pd.Flags, pd.Methods), "nav_ref": navLinksHTML(pd.Nav)} {
									var want bytes.Buffer
									if err := ref.ExecuteTemplate(&want, name, pd); err != nil {
										t.Fatal(err)
									}
									if string(got) != want.String() {
										t.Fatalf("%s %s %s: %s:\n got %s\nwant %s", p.ID, lang, area, name, got, want.String())
									}
								}
								if got := string(framesHTML(pd.Lang, pd.Frames)); got != want.String() {
									i := 0
									for i < len(got) && i < want.Len() && got[i] == want.String()[i] {
										i++
									}
									t.Fatalf("%s %s %s %d %s: differs at byte %d:\n got %.300s\nwant %.300s", p.ID, lang, area, year, sex, i, got[i:], want.String()[i:])
								}
								n++
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d pages alike", n)
}

// TestEscapers holds escText and escURL to html/template on strings that
// need escaping.
func TestEscapers(t *testing.T) {
	tm := template.Must(template.New("").Parse(`<p title="{{.}}">{{.}}</p><a href="{{.}}">x</a>`))
	for _, s := range []string{"", "plain", `a "quoted" 'single' & <tag> + plus`, "nul\x00byte", "ខ្មែរ · 79.5%", "bad \xff utf8",
		"/en/overview?area=07&sex=F&year=2015", "/csv/p/f.csv?lang=km&area=0702", "../../km/overview/07.html", "/methods#s-3 x",
		"javascript:alert(1)", "HTTPS://example.org/a b", "mailto:x@y", "100%25 and 100% and %zz", "a/b:c", "caf\u00e9 ü"} {
		var want bytes.Buffer
		if err := tm.Execute(&want, s); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString(`<p title="`)
		escText(&b, s)
		b.WriteString(`">`)
		escText(&b, s)
		b.WriteString(`</p><a href="`)
		escURL(&b, s)
		b.WriteString(`">x</a>`)
		if b.String() != want.String() {
			t.Errorf("%q:\n got %s\nwant %s", s, b.String(), want.String())
		}
	}
}

// TestQuery: query writes what url.Values' Encode writes.
func TestQuery(t *testing.T) {
	for _, f := range []Filter{{2015, "KH", "T"}, {2020, "0702", "F"}, {-1, "a b&c=d", "é+"}, {}} {
		want := url.Values{"year": {strconv.Itoa(f.Year)}, "area": {f.Area}, "sex": {f.Sex}}.Encode()
		if got := query(f); got != want {
			t.Errorf("%v: got %q, want %q", f, got, want)
		}
	}
}

// TestDataAttrAndNumbers: dataAttr escapes as html.EscapeString does;
// group and number write what they wrote before their fast paths.
func TestDataAttrAndNumbers(t *testing.T) {
	for _, v := range []string{"", `{"a":"<b>&'c'"}`, "ខ្មែរ \x00 \xff", `""`} {
		want := `data-x="` + html.EscapeString(v) + `"`
		if got := string(dataAttr("data-x", []byte(v))); got != want {
			t.Errorf("%q: got %s, want %s", v, got, want)
		}
	}
	slow := func(s string) string { // group as it was
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
	for _, s := range []string{"", "0", "-0", "1", "12", "123", "1234", "-123", "-1234", "123.45", "1234.5", "-999.9", "12345678.9", "NaN", "+Inf", "-Inf", ".5", "1e+21"} {
		if got, want := group(s), slow(s); got != want {
			t.Errorf("group(%q) = %q, want %q", s, got, want)
		}
	}
	for _, d := range []int{-1, 0, 1, 3} {
		u := unit{Scale: 1, Decimals: d}
		for _, v := range []float64{0, math.Copysign(0, -1), -0.0001, -0.04, -0.06, 0.04, -1, -1234.5, 1e-9, -1e-9} {
			s := strconv.FormatFloat(v, 'f', d, 64)
			if s == "-"+strconv.FormatFloat(0, 'f', d, 64) {
				s = s[1:]
			}
			if got, want := u.number(v), slow(s); got != want {
				t.Errorf("number(%v, %d decimals) = %q, want %q", v, d, got, want)
			}
		}
	}
}

// tableHTMLRef is tableHTML as it was, for TestFramesHTMLMatchesTemplate:
// tableHTML is a frame's data table: a row per category, a column per
// series, each cell with its interval and flags; area rows link to the
// same page for that area.
func tableHTMLRef(f *frame, v view, l linker, p page) template.HTML {
	var b strings.Builder
	esc := html.EscapeString
	_, static := l.(staticLinks) // a static copy has no district pages
	caption := f.Title
	if u := f.unit().label(v.lang); u != "" && f.Kind != "cards" && f.Kind != "list" {
		caption += " (" + u + ")" // the unit of every number below
	}
	b.WriteString(`<table id="t-` + esc(f.ID) + `"><caption>` + esc(caption) + `</caption><thead><tr><th scope="col">` + esc(f.XLabel) + `</th>`)
	for _, s := range f.Series {
		b.WriteString(`<th scope="col">` + esc(s) + "</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for x, label := range f.X {
		b.WriteString(`<tr><th scope="row">`)
		if f.AreaX && f.XKey[x] != v.f.Area && (!static || len(f.XKey[x]) <= 2) {
			nf := v.f
			nf.Area = f.XKey[x]
			b.WriteString(`<a href="` + esc(l.page(v.lang, p.ID, nf)) + `">` + esc(label) + "</a>")
		} else {
			b.WriteString(esc(label))
		}
		b.WriteString("</th>")
		u := f.unit()
		if f.Kind == "cards" {
			u = unitOf(cardUnits[indicatorKey(f.XKey[x])])
		}
		for s := range f.Series {
			c := f.Cells[s][x]
			switch {
			case c == nil:
				b.WriteString(`<td class="nodata">` + esc(v.t("state_no_data")) + "</td>")
			case c.Suppressed:
				b.WriteString(`<td class="suppressed">` + esc(c.displayIn(u, v.lang)) + "</td>")
			default:
				cls := ""
				if c.flagged("provisional") {
					cls = ` class="provisional"`
				}
				b.WriteString("<td" + cls + ">" + esc(c.displayIn(u, v.lang)))
				if c.Basis != "" && c.Basis != "registered" {
					b.WriteString(" <small>" + esc(v.t(c.Basis)) + "</small>")
				}
				for _, fl := range c.Flags {
					// each flag named in the page's language, with its meaning for a
					// pointer or a screen reader
					name := flagsText(v.lang, []string{fl})
					if t := flagText(v.lang, fl); t != "" {
						b.WriteString(` <small><abbr title="` + esc(t) + `">` + esc(name) + "</abbr></small>")
					} else {
						b.WriteString(" <small>" + esc(name) + "</small>")
					}
				}
				b.WriteString("</td>")
			}
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	return template.HTML(b.String())
}
