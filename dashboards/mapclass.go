package dashboards

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The map colours each province by a fixed class of its value, the same
// classes every year and in every scope, so that a colour means one thing
// across years and pages (a continuous scale stretched to each year's
// minimum and maximum gave one colour a different value every year). The
// breaks of each indicator are documented in docs/dashboards.md (section
// "The map").

// mapBreaks are the inner class breaks of each map frame, by frame id, in
// the frame's unit: n breaks make n+1 classes, the first open below, the
// last open above.
var mapBreaks = map[string][]float64{
	// registration completeness (a share): under 50%, 50-70, 70-80, 80-90, 90% and over
	"compl_map": {0.5, 0.7, 0.8, 0.9},
	// the same, by district (serve.district_map)
	"compl_map_districts": {0.5, 0.7, 0.8, 0.9},
	// the P-score of deaths (% above expected): below -10, -10 to 10 (about
	// as expected), 10-25, 25-50, 50 and over
	"surv_map": {-10, 10, 25, 50},
}

// mapPalettes are the maps whose classes are not mapPalette's, by frame id.
var mapPalettes = map[string][]string{
	// ColorBrewer's diverging RdYlBu: blue below expected, pale yellow about
	// as expected, orange to red above; readable by the common colour-vision
	// deficiencies, and the middle class apart from the grey of no data
	"surv_map": {"#91bfdb", "#ffffbf", "#fee090", "#fc8d59", "#d73027"},
}

// paletteOf is the class colours of a map frame.
func paletteOf(id string) []string {
	if p, ok := mapPalettes[id]; ok {
		return p
	}
	return mapPalette
}

// mapPalette is ColorBrewer's sequential YlGnBu with five classes, light
// (low) to dark (high): readable by the common colour-vision deficiencies
// and in greyscale print, unlike the red-green scale it replaces.
var mapPalette = []string{"#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"}

// noDataColor fills a province with no value (or a suppressed one).
const noDataColor = "#e6e6e6"

// selectColor outlines the selected province: orange, apart from every
// class colour.
const selectColor = "#d95f02"

// mapClass is the class index of a value under breaks.
func mapClass(breaks []float64, v float64) int {
	i := 0
	for i < len(breaks) && v >= breaks[i] {
		i++
	}
	return i
}

// fmtClassBound writes a break as the legend shows it: a share as a
// percentage, anything else as a number.
func fmtClassBound(unit string, v float64) string {
	switch unit {
	case "share":
		return fmt.Sprintf("%g%%", v*100)
	case "pscore":
		return fmt.Sprintf("%g%%", v)
	}
	return fmtNum(v)
}

// mapValueText is a value as the map's tooltip and labels give it:
// "83.9%" for a share.
func mapValueText(unit string, c *cell, lang string) string {
	switch {
	case c == nil || !c.HasValue && !c.Suppressed:
		return tr(lang, "no_value")
	case c.Suppressed:
		return tr(lang, "suppressed")
	case unit == "share":
		return fmt.Sprintf("%.1f%%", c.Value*100)
	case unit == "pscore": // signed, with its interval: +12.3% (+2.1 to +22.0)
		u := unitOf(unit)
		s := u.number(c.Value)
		if c.HasCI {
			s += " (" + u.number(c.Low) + " " + tr(lang, "to") + " " + u.number(c.High) + ")"
		}
		return s
	}
	return fmtNum(c.Value)
}

// mapLegend is the map's classes, drawn by app.js's "swatches" renderer
// (a custom series): one swatch per class with its label, the same
// whatever the data. It replaces ECharts' piecewise visualMap, 10 KB of
// the first visit's bytes, now that each item carries its class's colour
// (mapSeries); drawn on the canvas, the classes stay in a downloaded image.
func mapLegend(f *frame, lang string) map[string]any {
	breaks := mapBreaks[f.ID]
	pieces := make([]any, 0, len(breaks)+1)
	for i := 0; i <= len(breaks); i++ {
		pal := paletteOf(f.ID)
		p := map[string]any{"value": i, "color": pal[min(i, len(pal)-1)]}
		switch {
		case len(breaks) == 0:
			p["label"] = tr(lang, "all_values")
		case i == 0:
			p["lt"] = breaks[0]
			p["label"] = "< " + fmtClassBound(f.Unit, breaks[0])
		case i == len(breaks):
			p["gte"] = breaks[i-1]
			p["label"] = "≥ " + fmtClassBound(f.Unit, breaks[i-1])
		default:
			p["gte"], p["lt"] = breaks[i-1], breaks[i]
			p["label"] = fmtClassBound(f.Unit, breaks[i-1]) + "–" + fmtClassBound(f.Unit, breaks[i])
		}
		pieces = append(pieces, p)
	}
	// A province without a value is grey: the legend says what grey is,
	// when the map has one.
	if len(f.Series) > 0 && slices.ContainsFunc(f.Cells[0], func(c *cell) bool { return chartValue(c, false) == nil }) {
		pieces = append(pieces, map[string]any{"value": len(pieces), "color": noDataColor, "label": tr(lang, "no_value")})
	}
	return map[string]any{"type": "custom", "renderItem": "swatches", "coordinateSystem": "none",
		"data": pieces, "silent": true, "z": 10, "tooltip": map[string]any{"show": false}}
}

// mapColor is the fill of a value's class.
func mapColor(f *frame, v float64) string {
	pal := paletteOf(f.ID)
	return pal[min(mapClass(mapBreaks[f.ID], v), len(pal)-1)]
}

// mapSeries is the map's one series: an item per province with its value,
// its class colour and the text the tooltip shows; the selected area's
// province outlined; every province labelled with its name.
func mapSeries(f *frame, lang, sel string) map[string]any {
	data := make([]map[string]any, 0, len(f.X))
	if len(f.Series) > 0 {
		for x, c := range f.Cells[0] {
			it := map[string]any{"name": f.X[x], "code": f.XKey[x], "text": f.X[x] + ": " + mapValueText(f.Unit, c, lang)}
			if v := chartValue(c, false); v != nil {
				it["value"] = v
				it["itemStyle"] = map[string]any{"areaColor": mapColor(f, v.(float64))}
			} else {
				it["value"] = nil
				it["itemStyle"] = map[string]any{"areaColor": noDataColor}
			}
			if sel != "" && sel != "KH" && strings.HasPrefix(sel, f.XKey[x]) {
				st, _ := it["itemStyle"].(map[string]any)
				if st == nil {
					st = map[string]any{}
				}
				st["borderColor"], st["borderWidth"] = selectColor, 3
				it["itemStyle"] = st
				it["label"] = map[string]any{"fontWeight": "bold"}
				it["selectedArea"] = true
			}
			data = append(data, it)
		}
	}
	name := ""
	if len(f.Series) > 0 {
		name = f.Series[0]
	}
	mapName := "KHM-" + lang
	if f.Map != "" {
		mapName = f.Map + "-" + lang + f.MapPart
	}
	return map[string]any{
		"type": "map", "name": name, "map": mapName, "data": data,
		"showLegendSymbol": false, "selectedMode": false,
		// the map fills its panel (ECharts keeps the country's proportions)
		"layoutCenter": []string{"50%", "50%"}, "layoutSize": "100%",
		"itemStyle": map[string]any{"borderColor": "#ffffff", "borderWidth": 1},
		"label": map[string]any{"show": true, "fontSize": chartFontSize(lang) - 1, "color": "#1d2733",
			"textBorderColor": "#ffffff", "textBorderWidth": 2},
		"emphasis": map[string]any{"label": map[string]any{"show": true}, "itemStyle": map[string]any{"areaColor": "#fdb863"}},
	}
}

// districtMapScript registers the districts with ECharts under
// KHM-dist-<lang>, each named in that language and carrying its code;
// app.js registers each province's districts from it as
// KHM-dist-<lang>-<province> when a page maps them.
func districtMapScript(geo []byte, lang string) ([]byte, error) {
	var fc struct {
		Features []struct {
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(geo, &fc); err != nil {
		return nil, fmt.Errorf("dashboards: district map: %w", err)
	}
	if len(fc.Features) == 0 {
		return nil, errors.New("dashboards: the district map has no features")
	}
	type feature struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
		Geometry   any               `json:"geometry"`
	}
	out := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection"}
	seen := map[string]bool{}
	for i, f := range fc.Features {
		code, _ := f.Properties["district_code"].(string)
		name, _ := f.Properties["name_"+lang].(string)
		if name == "" && lang == "en" {
			name, _ = f.Properties["name_latin"].(string)
		}
		if len(code) != 4 || strings.Trim(code, "0123456789") != "" {
			return nil, fmt.Errorf("dashboards: district map: feature %d has district_code %q, want 4 digits", i, code)
		}
		if name == "" {
			return nil, fmt.Errorf("dashboards: district map: district %s has no name_%s", code, lang)
		}
		if seen[code] {
			return nil, fmt.Errorf("dashboards: district map: district %s has two features", code)
		}
		seen[code] = true
		var g any
		if err := json.Unmarshal(f.Geometry, &g); err != nil {
			return nil, fmt.Errorf("dashboards: district map: district %s: %w", code, err)
		}
		out.Features = append(out.Features, feature{Type: "Feature", Properties: map[string]string{"name": name, "code": code}, Geometry: round(g)})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("echarts.registerMap(%q, %s);\n", "KHM-dist-"+lang, b)), nil
}
