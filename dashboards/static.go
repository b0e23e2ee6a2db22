package dashboards

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// ExportSite writes the planners' pages as static files into dir, for
// offline distribution: each language, page and area (the nation and every
// province) for the data's year and both sexes, with each chart's CSV and
// every asset, so that the copy opens from a USB stick with no server.
// Analysts' pages (data quality, ETL runs) are left out.
func (s *Server) ExportSite(dir string) (files int, err error) {
	d := s.data.Load()
	if d == nil {
		return 0, fmt.Errorf("export site: no warehouse loaded")
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
	areas := append([]string{"KH"}, d.provinces...)
	for _, lang := range Langs {
		for _, p := range pages {
			if p.Analyst {
				continue
			}
			for _, area := range areas {
				v := view{d: d, f: Filter{Year: d.Year, Area: area, Sex: "T"}, lang: lang, scope: "KH"}
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
	// The index opens the overview in the language last chosen (app.js keeps
	// it in localStorage), English the first time or without script.
	index := `<!doctype html><html lang="en"><meta charset="utf-8"><title>Vital statistics of Cambodia</title>` +
		`<script src="assets/app.js" defer></script><body data-index="overview/KH.html">` +
		`<p><a href="en/overview/KH.html">English</a> · <a href="km/overview/KH.html">ខ្មែរ</a></p></body></html>` + "\n"
	return files, write("index.html", []byte(index))
}
