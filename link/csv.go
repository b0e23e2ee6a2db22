package link

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RunCSV is vitalstats link: it reads the config's CSV input (one file to
// deduplicate, or left and right to link), encodes name columns with a
// NameCoder (the ETL's code path; under key_hex, else a random key for
// this run), runs Dedupe, writes outDir/pairs.csv and outDir/clusters.csv,
// and prints the params and a summary to w.
func RunCSV(ctx context.Context, cfg *Config, outDir string, w io.Writer) (*Result, error) {
	if err := cfg.Compile(); err != nil {
		return nil, err
	}
	if cfg.IDColumn == "" {
		return nil, errors.New("link: the config names no id column (id = \"...\")")
	}
	var key []byte
	if cfg.KeyHex != "" {
		k, err := hex.DecodeString(cfg.KeyHex)
		if err != nil || len(k) < 16 {
			return nil, errors.New("link: key_hex must be at least 16 bytes in hex")
		}
		key = k
	} else {
		key = make([]byte, 32)
		rand.Read(key)
	}
	coder := NewNameCoder(key)
	t, err := NewTable(cfg, 0)
	if err != nil {
		return nil, err
	}
	var inputs []string
	switch {
	case cfg.Input != "" && cfg.Left == "" && cfg.Right == "":
		inputs = []string{cfg.Input}
	case cfg.Input == "" && cfg.Left != "" && cfg.Right != "":
		inputs = []string{cfg.Left, cfg.Right}
		t.Link = true
	default:
		return nil, errors.New("link: give either input (deduplicate one file) or left and right (link two)")
	}
	var badDates int
	for src, path := range inputs {
		n, err := readCSV(cfg, coder, t, path, uint8(src))
		if err != nil {
			return nil, err
		}
		badDates += n
	}
	res, err := Dedupe(ctx, t, Prior{})
	if err != nil {
		return nil, fmt.Errorf("link: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("link: %w", err)
	}
	if err := writePairs(cfg, filepath.Join(outDir, "pairs.csv"), res, t.Link); err != nil {
		return nil, err
	}
	if err := writeClusters(filepath.Join(outDir, "clusters.csv"), res); err != nil {
		return nil, err
	}
	WriteParams(w, res.Params)
	fmt.Fprintf(w, "\n%s\n", res)
	if badDates > 0 {
		fmt.Fprintf(w, "%d dates were not yyyymmdd and count as missing\n", badDates)
	}
	return res, nil
}

// readCSV adds one file's records; it returns the number of unreadable
// dates.
func readCSV(cfg *Config, coder *NameCoder, t *Table, path string, src uint8) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("link: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	d, size := utf8.DecodeRuneInString(cfg.Delimiter)
	if size != len(cfg.Delimiter) {
		return 0, fmt.Errorf("link: delimiter %q is not one character", cfg.Delimiter)
	}
	r.Comma, r.TrimLeadingSpace, r.ReuseRecord = d, cfg.TrimSpace, true
	head, err := r.Read()
	if err != nil {
		return 0, fmt.Errorf("link: %s: the header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	need := func(name string) (int, error) {
		i, ok := col[name]
		if !ok {
			return 0, fmt.Errorf("link: %s has no column %q (it has %s)", path, name, strings.Join(head, ", "))
		}
		return i, nil
	}
	idCol, err := need(cfg.IDColumn)
	if err != nil {
		return 0, err
	}
	type nameCols struct{ km, lt []int }
	names := make([]nameCols, len(cfg.Fields))
	cols := make([]int, len(cfg.Fields))
	for i, fd := range cfg.Fields {
		if fd.Kind == KindName {
			if len(fd.Khmer)+len(fd.Latin) == 0 {
				return 0, fmt.Errorf("link: name field %s names no khmer or latin column", fd.Name)
			}
			for _, c := range fd.Khmer {
				k, err := need(c)
				if err != nil {
					return 0, err
				}
				names[i].km = append(names[i].km, k)
			}
			for _, c := range fd.Latin {
				k, err := need(c)
				if err != nil {
					return 0, err
				}
				names[i].lt = append(names[i].lt, k)
			}
			continue
		}
		if fd.Column == "" {
			return 0, fmt.Errorf("link: field %s names no column", fd.Name)
		}
		if cols[i], err = need(fd.Column); err != nil {
			return 0, err
		}
	}
	rec := Record{Source: src, Names: make([]NameCode, cfg.nNames), Dates: make([]int32, cfg.nDates), Values: make([]string, cfg.nValues)}
	join := func(row []string, idx []int) string {
		var parts []string
		for _, k := range idx {
			if v := strings.TrimSpace(row[k]); v != "" {
				parts = append(parts, v)
			}
		}
		return strings.Join(parts, " ")
	}
	bad := 0
	for line := 2; ; line++ {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("link: %s: %w", path, err)
		}
		rec.ID = strings.TrimSpace(row[idCol])
		if rec.ID == "" {
			return 0, fmt.Errorf("link: %s line %d: no id", path, line)
		}
		for i, fd := range cfg.Fields {
			k := cfg.kindIdx[i]
			switch fd.Kind {
			case KindName:
				rec.Names[k] = coder.Encode(join(row, names[i].km), join(row, names[i].lt))
			case KindDate:
				v, ok := parseDate(row[cols[i]])
				if !ok {
					bad++
				}
				rec.Dates[k] = v
			default:
				rec.Values[k] = strings.TrimSpace(row[cols[i]])
			}
		}
		if err := t.Add(rec); err != nil {
			return 0, fmt.Errorf("link: %s line %d: %w", path, line, err)
		}
	}
	return bad, nil
}

// parseDate reads yyyymmdd or yyyy-mm-dd (any separators); empty is
// missing and fine, anything else is missing and not ok.
func parseDate(s string) (int32, bool) {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return 0, strings.TrimSpace(s) == ""
	}
	if b.Len() != 8 {
		return 0, false
	}
	v, _ := strconv.Atoi(b.String())
	if v < 1000_01_01 {
		return 0, false
	}
	return int32(v), true
}

func writePairs(cfg *Config, path string, res *Result, linking bool) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("link: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("link: %w", cerr)
		}
	}()
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	head := []string{"id_a", "id_b", "weight", "decision"}
	if linking {
		head[0], head[1] = "left_id", "right_id"
	}
	if cfg.Levels {
		for _, fd := range cfg.Fields {
			head = append(head, fd.Name)
		}
	}
	w.Write(head)
	names := make([][]string, len(cfg.Fields))
	for f := range cfg.Fields {
		names[f] = cfg.LevelNames(f)
	}
	for _, p := range res.Pairs {
		row := []string{p.A, p.B, strconv.FormatFloat(p.Weight, 'f', 3, 64), p.Decision}
		if cfg.Levels {
			for f := range cfg.Fields {
				row = append(row, names[f][levelOf(p.Levels, f)])
			}
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("link: %s: %w", path, err)
	}
	return bw.Flush()
}

func writeClusters(path string, res *Result) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("link: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("link: %w", cerr)
		}
	}()
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	w.Write([]string{"id", "cluster"})
	for _, a := range res.Clusters {
		w.Write([]string{a.ID, a.Cluster})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("link: %s: %w", path, err)
	}
	return bw.Flush()
}

// WriteParams prints the params as a table: field, level, m, u, weight.
func WriteParams(w io.Writer, p *Params) {
	fmt.Fprintf(w, "λ (share of matches among candidate pairs) = %.4f, prior weight %.2f\n", p.Lambda, p.PriorWeight())
	fmt.Fprintf(w, "%-16s %-12s %9s %9s %8s\n", "field", "level", "m", "u", "weight")
	for _, f := range p.Fields {
		if f.Kind == KindID {
			fmt.Fprintf(w, "%-16s %-12s %9s %9s %8s\n", f.Name, "equal", "-", "-", "forced")
			continue
		}
		for _, l := range f.Levels {
			fmt.Fprintf(w, "%-16s %-12s %9.5f %9.5f %8.2f\n", f.Name, l.Name, l.M, l.U, l.Weight())
		}
	}
}
