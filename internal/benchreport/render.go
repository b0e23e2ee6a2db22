package benchreport

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// The columns of the table, in both renderings.
var header = []string{"figure", "value", "ratio", "target", "result", "previous"}

// rows renders the figures as table cells.
func (r *Results) rows() [][]string {
	var out [][]string
	for _, f := range r.Figures {
		ratio := ""
		if f.Ratio != nil {
			peer := f.Peer
			if p := r.Figure(f.Peer); p != nil {
				peer = p.Label
			}
			ratio = fmt.Sprintf("%.2f× %s", *f.Ratio, peer)
		}
		label := f.Label
		if f.Note != "" {
			label += " (" + f.Note + ")"
		}
		out = append(out, []string{label, FormatValue(f.Value, f.Unit), ratio, f.targetText(), f.result(), f.previousText()})
	}
	return out
}

func (f *Figure) targetText() string {
	t := f.Target
	if t == nil {
		return ""
	}
	s := t.text(f.Unit)
	if t.Stretch != nil {
		s += " (stretch " + t.Stretch.text(f.Unit) + ")"
	}
	return s
}

func (t *Target) text(unit string) string {
	var parts []string
	if t.ValueMax > 0 {
		parts = append(parts, "≤ "+FormatValue(t.ValueMax, unit))
	}
	if t.RatioMax > 0 {
		parts = append(parts, "≤ "+trim(t.RatioMax)+"×")
	}
	if t.RatioMin > 0 {
		parts = append(parts, "≥ "+trim(t.RatioMin)+"×")
	}
	return strings.Join(parts, " and ")
}

func (f *Figure) result() string {
	switch {
	case f.Pass == nil:
		return ""
	case !*f.Pass:
		return "MISSED"
	case f.StretchPass != nil && *f.StretchPass:
		return "ok, stretch met"
	default:
		return "ok"
	}
}

func (f *Figure) previousText() string {
	p := f.prev
	if p == nil {
		return ""
	}
	s := FormatValue(p.Value, p.Unit)
	if p.Value != 0 {
		s += fmt.Sprintf(" (%+.1f%%)", 100*(f.Value-p.Value)/p.Value)
	}
	if p.Pass != nil && !*p.Pass {
		s += ", MISSED"
	}
	return s
}

// FormatValue writes a figure's value with its unit, to the precision that
// means something for it.
func FormatValue(v float64, unit string) string {
	switch unit {
	case Seconds:
		switch a := math.Abs(v); {
		case a < 10:
			return fmt.Sprintf("%.2f s", v)
		case a < 100:
			return fmt.Sprintf("%.1f s", v)
		default:
			return fmt.Sprintf("%.0f s", v)
		}
	case MiB:
		return fmt.Sprintf("%.0f MiB", v)
	case KiB:
		return fmt.Sprintf("%.0f KiB", v)
	case Millis:
		return fmt.Sprintf("%.1f ms", v)
	case Rows, RowsPerSec:
		return thousands(int64(math.Round(v))) + " " + unit
	case Share:
		return fmt.Sprintf("%.3f", v)
	case Events:
		return fmt.Sprintf("%.2f events", v)
	}
	return trim(v) + " " + unit
}

func trim(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// summary is the line under the table.
func (r *Results) summary() string {
	n, missed := r.Targets(), len(r.Missed())
	if missed == 0 {
		return fmt.Sprintf("%d of %d targets met.", n, n)
	}
	var names []string
	for _, f := range r.Missed() {
		names = append(names, f.Label)
	}
	return fmt.Sprintf("%d of %d targets MISSED: %s.", missed, n, strings.Join(names, "; "))
}

// Text renders the table for a terminal.
func (r *Results) Text() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	rows := append([][]string{header}, r.rows()...)
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	b.WriteString("\n" + r.summary() + "\n")
	if r.Previous != "" {
		b.WriteString("Previous column: " + r.Previous + ".\n")
	}
	return b.String()
}

// Markdown renders BENCHMARKS.md.
func (r *Results) Markdown() string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (`vitalstats bench`) on %s; the same figures, machine-readable, are in\n",
		r.Started.Format("2006-01-02 15:04 MST"))
	b.WriteString("`bench/results.json`. Targets are those of the design (section 6) and of the issues; a ratio is the\n")
	b.WriteString("figure's value divided by its peer's, measured in the same run. Peak RSS is the maximum resident set\n")
	b.WriteString("of the process that did the work (a child process per measured command).\n\n")

	b.WriteString("## Machine\n\n")
	m := r.Machine
	fmt.Fprintf(&b, "- CPU: %s, %d logical cores (%s)\n", orUnknown(m.CPU), m.Cores, m.Arch)
	fmt.Fprintf(&b, "- RAM: %.1f GiB\n", float64(m.MemBytes)/(1<<30))
	fmt.Fprintf(&b, "- OS: %s, %s\n", orUnknown(m.OS), orUnknown(m.Kernel))
	fmt.Fprintf(&b, "- Go: %s\n", m.Go)
	for _, s := range m.Software {
		fmt.Fprintf(&b, "- %s: %s\n", s.Name, s.Value)
	}
	fmt.Fprintf(&b, "- vitalstats: %s\n", r.Version)

	b.WriteString("\n## Run\n\n")
	fmt.Fprintf(&b, "- date: %s; whole run %s\n", r.Started.Format("2006-01-02"), FormatValue(r.Elapsed, Seconds))
	fmt.Fprintf(&b, "- scale: %s events\n", thousands(r.Scale))
	for _, s := range r.Setup {
		fmt.Fprintf(&b, "- %s: %s\n", s.Name, s.Value)
	}

	b.WriteString("\n## Figures\n\n")
	cells := func(row []string) string {
		for i, c := range row {
			row[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		return "| " + strings.Join(row, " | ") + " |\n"
	}
	b.WriteString(cells(append([]string(nil), header...)))
	b.WriteString("|---|---:|---|---|---|---|\n")
	for _, row := range r.rows() {
		b.WriteString(cells(row))
	}
	b.WriteString("\n" + r.summary() + "\n")
	if r.Previous != "" {
		b.WriteString("Previous column: " + r.Previous + ".\n")
	}

	if len(r.Steps) > 0 {
		b.WriteString("\n## How each step is measured\n\n")
		for _, s := range r.Steps {
			fmt.Fprintf(&b, "- **%s** (`%s`, %s): %s\n", s.Title, s.Name, FormatValue(s.Elapsed, Seconds), s.How)
		}
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
