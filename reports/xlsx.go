package reports

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Sheet is one worksheet of a workbook: its name (31 characters at most,
// as spreadsheet programs require) and its rows. A cell is a string, a
// number (int, int64 or float64), or nil for an empty cell. HeaderRows rows
// at the top are set in bold and stay in view when scrolling.
type Sheet struct {
	Name       string
	HeaderRows int
	Rows       [][]any
}

// WriteXLSX writes sheets as an Office Open XML workbook (.xlsx): the few
// parts a spreadsheet program needs, written directly, so the binary
// carries no spreadsheet library. Text is stored inline, in UTF-8, so
// Khmer headers need nothing more.
func WriteXLSX(w io.Writer, sheets []Sheet) error {
	if len(sheets) == 0 {
		return fmt.Errorf("xlsx: no sheets")
	}
	seen := map[string]bool{}
	for _, s := range sheets {
		switch {
		case s.Name == "" || len([]rune(s.Name)) > 31 || strings.ContainsAny(s.Name, `[]:*?/\`):
			return fmt.Errorf("xlsx: sheet name %q: 1 to 31 characters, none of []:*?/\\", s.Name)
		case seen[strings.ToLower(s.Name)]:
			return fmt.Errorf("xlsx: sheet name %q twice", s.Name)
		}
		seen[strings.ToLower(s.Name)] = true
	}
	z := zip.NewWriter(w)
	part := func(name, body string) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, body)
		return err
	}
	const (
		xmlHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
		mainNS  = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
		relNS   = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
		pkgRel  = `http://schemas.openxmlformats.org/package/2006/relationships`
		ctNS    = `http://schemas.openxmlformats.org/package/2006/content-types`
	)
	var ct, wb, wbRels strings.Builder
	ct.WriteString(xmlHead + `<Types xmlns="` + ctNS + `"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	wb.WriteString(xmlHead + `<workbook xmlns="` + mainNS + `" xmlns:r="` + relNS + `"><sheets>`)
	wbRels.WriteString(xmlHead + `<Relationships xmlns="` + pkgRel + `">`)
	for i, s := range sheets {
		n := strconv.Itoa(i + 1)
		ct.WriteString(`<Override PartName="/xl/worksheets/sheet` + n + `.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
		wb.WriteString(`<sheet name="` + xmlEscape(s.Name) + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
		wbRels.WriteString(`<Relationship Id="rId` + n + `" Type="` + relNS + `/worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
	}
	ct.WriteString(`</Types>`)
	wb.WriteString(`</sheets></workbook>`)
	wbRels.WriteString(`<Relationship Id="rId` + strconv.Itoa(len(sheets)+1) + `" Type="` + relNS + `/styles" Target="styles.xml"/></Relationships>`)
	parts := [][2]string{
		{"[Content_Types].xml", ct.String()},
		{"_rels/.rels", xmlHead + `<Relationships xmlns="` + pkgRel + `"><Relationship Id="rId1" Type="` + relNS + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", wb.String()},
		{"xl/_rels/workbook.xml.rels", wbRels.String()},
		// Style 0 is the default; style 1 is bold, for headers.
		{"xl/styles.xml", xmlHead + `<styleSheet xmlns="` + mainNS + `"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>` +
			`<font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>` +
			`<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders>` +
			`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
			`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
			`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>`},
	}
	for _, p := range parts {
		if err := part(p[0], p[1]); err != nil {
			return err
		}
	}
	for i, s := range sheets {
		body, err := sheetXML(s)
		if err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", s.Name, err)
		}
		if err := part("xl/worksheets/sheet"+strconv.Itoa(i+1)+".xml", xmlHead+body); err != nil {
			return err
		}
	}
	return z.Close()
}

func sheetXML(s Sheet) (string, error) {
	var b strings.Builder
	b.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	if s.HeaderRows > 0 {
		fmt.Fprintf(&b, `<sheetViews><sheetView workbookViewId="0"><pane ySplit="%d" topLeftCell="A%d" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`,
			s.HeaderRows, s.HeaderRows+1)
	}
	b.WriteString(`<sheetData>`)
	for r, row := range s.Rows {
		fmt.Fprintf(&b, `<row r="%d">`, r+1)
		style := ""
		if r < s.HeaderRows {
			style = ` s="1"`
		}
		for c, v := range row {
			ref := column(c) + strconv.Itoa(r+1)
			switch x := v.(type) {
			case nil:
			case string:
				b.WriteString(`<c r="` + ref + `" t="inlineStr"` + style + `><is><t xml:space="preserve">` + xmlEscape(x) + `</t></is></c>`)
			case int:
				b.WriteString(`<c r="` + ref + `"` + style + `><v>` + strconv.Itoa(x) + `</v></c>`)
			case int64:
				b.WriteString(`<c r="` + ref + `"` + style + `><v>` + strconv.FormatInt(x, 10) + `</v></c>`)
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return "", fmt.Errorf("cell %s: %v is not a number a spreadsheet holds", ref, x)
				}
				b.WriteString(`<c r="` + ref + `"` + style + `><v>` + strconv.FormatFloat(x, 'g', -1, 64) + `</v></c>`)
			default:
				return "", fmt.Errorf("cell %s: a %T", ref, v)
			}
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.String(), nil
}

// column is a spreadsheet column's letters: 0 is A, 26 is AA.
func column(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			// control characters are not allowed in XML 1.0: dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
