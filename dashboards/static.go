package dashboards

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// ExportSite writes the planners' pages as static files into dir, for
// offline distribution: each language, page and area for the data's year and
// both sexes, with each chart's CSV and every asset, so that the copy opens
// from a USB stick with no server. Analysts' pages (data quality, ETL runs)
// are left out.
//
// scope is the area the copy is for, as User.Area limits an account: "" (or
// "KH") writes the nation and every province, as a national account is
// served them; a province or district code writes that area only, each page
// exactly as an account limited to it is served (the map and the rankings
// hold only its provinces), so that a copy for a province office holds no
// other area's numbers.
func (s *Server) ExportSite(dir, scope string) (files int, err error) {
	d := s.data.Load()
	if d == nil {
		return 0, fmt.Errorf("export site: no warehouse loaded")
	}
	areas := append([]string{"KH"}, d.provinces...)
	if scope == "" {
		scope = "KH"
	}
	if scope != "KH" {
		if _, ok := d.names[scope]; !ok {
			return 0, fmt.Errorf("export site: area %q is not a province or district code of the warehouse", scope)
		}
		areas = []string{scope}
	}
	write := func(rel string, b []byte) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		files++
		return os.WriteFile(p, b, 0o644)
	}
	for name, a := range s.assets {
		if err := write("assets/"+name, a.body); err != nil {
			return files, err
		}
	}
	for _, lang := range Langs {
		for _, p := range pages {
			if p.Analyst {
				continue
			}
			for _, area := range areas {
				v := view{d: d, f: Filter{Year: d.Year, Area: area, Sex: "T"}, lang: lang, scope: scope, causesKm: s.opt.CauseNamesKm, districtMap: s.opt.DistrictGeoJSON != nil}
				frames := p.frames(v)
				var buf bytes.Buffer
				if err := s.tmpl.ExecuteTemplate(&buf, "page", s.pageData(v, p, frames, staticLinks{}, nil)); err != nil {
					return files, err
				}
				base := lang + "/" + p.ID + "/"
				if err := write(base+area+".html", buf.Bytes()); err != nil {
					return files, err
				}
				for _, f := range frames {
					var cb bytes.Buffer
					if err := f.writeCSV(&cb); err != nil {
						return files, err
					}
					if err := write(base+staticLinks{}.csv(lang, p.ID, f.ID, v.f), cb.Bytes()); err != nil {
						return files, err
					}
				}
			}
		}
	}
	// The methods document, which each page's ⓘ links to.
	for _, lang := range Langs {
		var buf bytes.Buffer
		if err := s.tmpl.ExecuteTemplate(&buf, "methods", methodsData(lang, "../assets/", "overview/"+scope+".html")); err != nil {
			return files, err
		}
		if err := write(lang+"/methods.html", buf.Bytes()); err != nil {
			return files, err
		}
	}
	// The index opens the overview in the language last chosen (app.js keeps
	// it in localStorage), English the first time or without script.
	index := `<!doctype html><html lang="en"><meta charset="utf-8"><title>Vital statistics of Cambodia</title>` +
		`<script src="assets/app.js" defer></script><body data-index="overview/` + scope + `.html">` +
		`<p><a href="en/overview/` + scope + `.html">English</a> · <a href="km/overview/` + scope + `.html">ខ្មែរ</a></p></body></html>` + "\n"
	return files, write("index.html", []byte(index))
}
