package dashboards

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// framesHTML writes a page's panels, one per frame, as the page template
// wrote them with a range over the frames, in the same bytes: every page
// renders a few hundred of these values, and html/template calls each
// escaper through reflection, half of a page's time before. The escaping
// is html/template's for each place: text and quoted attributes (escText),
// links (escURL); the Option, Format, Sorts and Links attributes and the
// table are already escaped HTML. framehtml_test.go holds it to the
// template it replaced.
func framesHTML(lang string, frames []frameView) template.HTML {
	var b strings.Builder
	n := 0
	for i := range frames { // the large parts, and about 2 KB of markup a panel
		f := &frames[i]
		n += 2048 + len(f.Table) + len(f.Option) + len(f.Format) + len(f.Sorts) + len(f.Links)
	}
	b.Grow(n)
	t := func(key string) { escText(&b, tr(lang, key)) }
	for i := range frames {
		f := &frames[i]
		b.WriteString("\n<section class=\"panel panel-")
		escText(&b, f.Kind)
		b.WriteString(`" id="p-`)
		escText(&b, f.ID)
		b.WriteString("\">\n  <div class=\"head\"><h2>")
		escText(&b, f.Title)
		if f.Provisional {
			b.WriteString(` <span class="badge">`)
			t("provisional")
			b.WriteString("</span>")
		}
		b.WriteString("</h2>")
		if f.Def != nil {
			defHTML(&b, lang, f.Title, f.Def)
		}
		b.WriteString("</div>\n  ")
		if f.Empty {
			b.WriteString(`<p class="empty">`)
			if f.EmptyText != "" {
				escText(&b, f.EmptyText)
			} else {
				t("no_data")
			}
			b.WriteString("</p>")
		} else {
			b.WriteString("\n  ")
			if len(f.Cards) > 0 {
				b.WriteString(`<div class="cards">`)
				for j := range f.Cards {
					cardHTML(&b, lang, &f.Cards[j])
				}
				b.WriteString("</div>")
			}
			b.WriteString("\n  ")
			if len(f.SortNames) > 0 {
				b.WriteString(`<div class="sort" role="group" data-for="c-`)
				escText(&b, f.ID)
				b.WriteString(`">`)
				for j, n := range f.SortNames {
					b.WriteString(`<button type="button" data-sort="`)
					escText(&b, n)
					b.WriteString(`" aria-pressed="`)
					if j == 0 {
						b.WriteString("true")
					} else {
						b.WriteString("false")
					}
					b.WriteString(`">`)
					t("sort_" + n)
					b.WriteString("</button>")
				}
				b.WriteString("</div>")
			}
			b.WriteString("\n  ")
			if f.Option != "" {
				b.WriteString(`<div class="chart" id="c-`)
				escText(&b, f.ID)
				b.WriteString(`" role="img" aria-label="`)
				escText(&b, f.Title)
				b.WriteString(`" aria-describedby="s-`)
				escText(&b, f.ID)
				b.WriteString(`" data-kind="`)
				escText(&b, f.Kind)
				b.WriteString(`" data-rows="`)
				b.WriteString(strconv.Itoa(f.Rows))
				b.WriteString(`" `)
				b.WriteString(string(f.Option))
				b.WriteString(" ")
				b.WriteString(string(f.Format))
				if f.Sorts != "" {
					b.WriteString(" ")
					b.WriteString(string(f.Sorts))
				}
				if f.Links != "" {
					b.WriteString(" ")
					b.WriteString(string(f.Links))
				}
				b.WriteString("></div>\n  <p class=\"chart-summary\" id=\"s-")
				escText(&b, f.ID)
				b.WriteString(`">`)
				escText(&b, f.Summary)
				if f.ID == "compl_map" || f.ID == "surv_map" {
					b.WriteString(" ")
					t("map_keys")
				}
				b.WriteString("</p>")
			}
			b.WriteString("\n  ")
		}
		b.WriteString("\n  ")
		if f.Note != "" {
			b.WriteString(`<p class="note">`)
			escText(&b, f.Note)
			b.WriteString("</p>")
		}
		b.WriteString("\n  ")
		if f.States != "" {
			b.WriteString(`<p class="note states">`)
			escText(&b, f.States)
			b.WriteString("</p>")
		}
		b.WriteString("\n  ")
		if f.EmptyText != "" { // a frame that cannot exist here has no table to offer
			b.WriteString("\n</section>\n")
			continue
		}
		b.WriteString("<details")
		if f.Open {
			b.WriteString(" open")
		}
		b.WriteString(">\n    <summary>")
		t("table")
		b.WriteString("</summary>\n    <div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"")
		escText(&b, f.Title)
		b.WriteString(" · ")
		t("table")
		b.WriteString(`">`)
		b.WriteString(string(f.Table))
		b.WriteString("</div>\n  </details>\n  <div class=\"actions\"><a class=\"csv\" href=\"")
		escURL(&b, f.CSV)
		b.WriteString(`" download>`)
		t("csv")
		b.WriteString("</a>")
		if f.Option != "" && !f.Empty {
			b.WriteString("\n  <button type=\"button\" class=\"png\" data-chart=\"c-")
			escText(&b, f.ID)
			b.WriteString(`" data-file="`)
			escText(&b, f.ID)
			b.WriteString(`.png" aria-label="`)
			escText(&b, fmt.Sprintf(tr(lang, "chart_png_of"), f.Title))
			b.WriteString(`" hidden>`)
			t("chart_png")
			b.WriteString("</button>")
		}
		b.WriteString("</div>\n</section>\n")
	}
	return template.HTML(b.String())
}

// cardHTML writes one card of a cards panel.
func cardHTML(b *strings.Builder, lang string, c *cardView) {
	b.WriteString(`<div class="card`)
	if c.Suppressed {
		b.WriteString(" suppressed")
	}
	if c.Provisional {
		b.WriteString(" provisional")
	}
	b.WriteString(`" data-key="`)
	escText(b, c.Key)
	b.WriteString(`"><div class="card-head"><div class="label">`)
	escText(b, c.Label)
	if c.Provisional {
		b.WriteString(` <span class="badge">`)
		escText(b, tr(lang, "provisional"))
		b.WriteString("</span>")
	}
	b.WriteString("</div>")
	if c.Def != nil {
		defHTML(b, lang, c.Label, c.Def)
	}
	b.WriteString(`</div><div class="value">`)
	escText(b, c.Value)
	if c.CI != "" {
		b.WriteString(` <span class="ci">`)
		escText(b, c.CI)
		b.WriteString("</span>")
	}
	b.WriteString("</div>")
	if c.Unit != "" {
		b.WriteString(`<div class="unit">`)
		escText(b, c.Unit)
		b.WriteString("</div>")
	}
	if c.Beside != "" {
		b.WriteString(`<div class="beside">`)
		escText(b, c.Beside)
		b.WriteString("</div>")
	}
	if c.Change != "" {
		b.WriteString(`<div class="change `)
		escText(b, c.ChangeClass)
		b.WriteString(`">`)
		escText(b, c.Change)
		if c.ChangeWord != "" {
			b.WriteString(` <span class="word">(`)
			escText(b, c.ChangeWord)
			b.WriteString(")</span>")
		}
		b.WriteString("</div>")
	}
	if len(c.FlagList) > 0 {
		b.WriteString(`<div class="flags">`)
		for _, fl := range c.FlagList {
			b.WriteString(`<abbr title="`)
			escText(b, fl.Text)
			b.WriteString(`">`)
			escText(b, fl.Name)
			b.WriteString("</abbr> ")
		}
		b.WriteString("</div>")
	}
	b.WriteString("</div>")
}

// defHTML writes a definition's ⓘ, as the page template's "def" does.
func defHTML(b *strings.Builder, lang, title string, d *defView) {
	b.WriteString(`<details class="info"><summary aria-label="`)
	escText(b, tr(lang, "info"))
	if title != "" {
		b.WriteString(": ")
		escText(b, title)
	}
	b.WriteString(`" title="`)
	escText(b, tr(lang, "info"))
	b.WriteString(`"><span aria-hidden="true">i</span></summary><dl><dt>`)
	escText(b, tr(lang, "numerator"))
	b.WriteString("</dt><dd>")
	escText(b, d.Num)
	b.WriteString("</dd><dt>")
	escText(b, tr(lang, "denominator"))
	b.WriteString("</dt><dd>")
	escText(b, d.Den)
	b.WriteString("</dd><dt>")
	escText(b, tr(lang, "source"))
	b.WriteString("</dt><dd>")
	escText(b, d.Source)
	b.WriteString(`</dd></dl><a href="`)
	escURL(b, d.Href)
	b.WriteString(`">`)
	escText(b, tr(lang, "methods_link"))
	b.WriteString("</a></details>")
}

// escText escapes a string for HTML text or a quoted attribute as
// html/template does (its htmlEscaper and attrEscaper on a plain string).
func escText(b *strings.Builder, s string) {
	escapeWith(b, s, &templateEscapes)
}

// templateEscapes are html/template's replacements (htmlReplacementTable)
// by byte: it reads runes, but only these ASCII ones are replaced, and a
// multi-byte rune holds no ASCII byte.
var templateEscapes = [256]string{0: "\uFFFD", '"': "&#34;", '&': "&amp;", '\'': "&#39;", '+': "&#43;", '<': "&lt;", '>': "&gt;"}

// escURL writes a link in a quoted href as html/template does: a scheme
// other than http, https or mailto refused (#ZgotmplZ), the URL normalized
// (bytes outside RFC 3986's sets percent-encoded, valid escapes kept), then
// escaped for the attribute.
func escURL(b *strings.Builder, s string) {
	if !isSafeURL(s) {
		b.WriteString("#ZgotmplZ")
		return
	}
	var n strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			continue
		}
		if written == 0 && n.Len() == 0 {
			n.Grow(len(s) + 16)
		}
		n.WriteString(s[written:i])
		fmt.Fprintf(&n, "%%%02x", c)
		written = i + 1
	}
	if n.Len() == 0 {
		escText(b, s)
		return
	}
	n.WriteString(s[written:])
	escText(b, n.String())
}

// isSafeURL is html/template's: a relative URL, or http, https or mailto.
func isSafeURL(s string) bool {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") {
		if !strings.EqualFold(protocol, "http") && !strings.EqualFold(protocol, "https") && !strings.EqualFold(protocol, "mailto") {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// glossaryHTML is the page's explanation of every flag, as the template
// wrote it with a range: the same on every page of a language.
func glossaryHTML(lang string, flags []flagView, methods string) template.HTML {
	var b strings.Builder
	b.WriteString(`<details class="legend glossary"><summary>`)
	escText(&b, tr(lang, "flags_title"))
	b.WriteString("</summary><p>")
	escText(&b, tr(lang, "legend_flags"))
	b.WriteString("</p><ul>")
	for _, f := range flags {
		b.WriteString(`<li data-flag="`)
		escText(&b, f.Name)
		b.WriteString(`">`)
		escText(&b, f.Text)
		b.WriteString("</li>")
	}
	b.WriteString(`</ul><p><a href="`)
	escURL(&b, methods)
	b.WriteString(`">`)
	escText(&b, tr(lang, "methods_link"))
	b.WriteString("</a></p></details>")
	return template.HTML(b.String())
}

// navLinksHTML is the menu of pages, as the template wrote it with a range.
func navLinksHTML(links []link) template.HTML {
	var b strings.Builder
	for _, l := range links {
		b.WriteString(`<a href="`)
		escURL(&b, l.Href)
		b.WriteString(`"`)
		if l.Active {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteString(">")
		escText(&b, l.Label)
		b.WriteString("</a>")
	}
	return template.HTML(b.String())
}
