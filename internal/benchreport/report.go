// Package benchreport owns the benchmark's results: the figures a run
// measured with their targets and ratios, the description of the machine,
// results.json (for machines and for the next run to compare with) and
// BENCHMARKS.md (for people). It knows nothing about what is measured: the
// bench command of cmd/vitalstats runs the steps and adds their figures. It
// imports nothing of this module, and nothing but that command imports it.
package benchreport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"
)

// SchemaVersion is the layout of results.json; a reader refuses others.
const SchemaVersion = 1

// Units of the figures, as written in results.json and in the tables.
const (
	Seconds    = "s"
	MiB        = "MiB"
	Rows       = "rows"
	RowsPerSec = "rows/s"
	Count      = "count"
	Millis     = "ms"
	KiB        = "KiB"
	Share      = "share"
	Events     = "events"
)

// Results are what one benchmark run measured.
type Results struct {
	Schema   int       `json:"schema"`
	Started  time.Time `json:"started"`
	Elapsed  float64   `json:"elapsed_s"` // wall time of the whole run
	Version  string    `json:"vitalstats_version"`
	Scale    int64     `json:"scale"` // events of the national-scale dataset; runs are compared at equal scale only
	Machine  Machine   `json:"machine"`
	Setup    []Item    `json:"setup,omitempty"` // what the figures were measured on (datasets, options), in order
	Steps    []Step    `json:"steps,omitempty"`
	Figures  []Figure  `json:"figures"`
	Previous string    `json:"-"` // set by Compare: what the previous column holds, for the tables
}

// Item is one named line of a description.
type Item struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Step says how a group of figures was measured.
type Step struct {
	Name    string  `json:"name"`
	Title   string  `json:"title"`
	How     string  `json:"how"`
	Elapsed float64 `json:"elapsed_s"` // wall time of the step, set-up included
}

// Figure is one measured number. Ratio is Value divided by the value of the
// figure named Peer (the thing it is compared with in the same run); Pass
// says whether Target is met, and is null when there is no target.
type Figure struct {
	Name        string   `json:"name"` // stable identifier, e.g. "etl.registry.seconds"
	Label       string   `json:"label"`
	Value       float64  `json:"value"`
	Unit        string   `json:"unit"`
	Peer        string   `json:"peer,omitempty"`
	Ratio       *float64 `json:"ratio,omitempty"`
	Target      *Target  `json:"target,omitempty"`
	Pass        *bool    `json:"pass,omitempty"`
	StretchPass *bool    `json:"stretch_pass,omitempty"`
	Note        string   `json:"note,omitempty"`

	prev *Figure // the same figure in the previous run, set by Compare
}

// Target bounds a figure: its value, its ratio to its peer, or both. A zero
// bound is no bound (none of the targets is zero). Stretch is a tighter
// target, reported beside the target but not needed to pass.
type Target struct {
	ValueMax float64 `json:"value_max,omitempty"`
	RatioMax float64 `json:"ratio_max,omitempty"`
	RatioMin float64 `json:"ratio_min,omitempty"` // for baselines: theirs / ours at least this
	Stretch  *Target `json:"stretch,omitempty"`
}

// New starts the results of a run.
func New(started time.Time, version string, scale int64, m Machine) *Results {
	return &Results{Schema: SchemaVersion, Started: started.UTC(), Version: version, Scale: scale, Machine: m}
}

// Add appends figures. A name must be unique within a run.
func (r *Results) Add(fs ...Figure) error {
	for _, f := range fs {
		if f.Name == "" || f.Unit == "" {
			return fmt.Errorf("benchreport: figure %q has no name or no unit", f.Label)
		}
		if r.Figure(f.Name) != nil {
			return fmt.Errorf("benchreport: figure %s added twice", f.Name)
		}
		if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
			return fmt.Errorf("benchreport: figure %s is %v", f.Name, f.Value)
		}
		r.Figures = append(r.Figures, f)
	}
	return nil
}

// Figure returns the figure of that name, or nil.
func (r *Results) Figure(name string) *Figure {
	for i := range r.Figures {
		if r.Figures[i].Name == name {
			return &r.Figures[i]
		}
	}
	return nil
}

// Finish computes every figure's ratio to its peer and whether its targets
// are met. It fails on a peer that is not among the figures, or a ratio
// target without a peer: those are mistakes of the caller.
func (r *Results) Finish(elapsed time.Duration) error {
	r.Elapsed = round(elapsed.Seconds(), 3)
	var errs []error
	for i := range r.Figures {
		f := &r.Figures[i]
		f.Ratio, f.Pass, f.StretchPass = nil, nil, nil
		if f.Peer != "" {
			p := r.Figure(f.Peer)
			switch {
			case p == nil:
				errs = append(errs, fmt.Errorf("benchreport: figure %s: peer %s is not measured", f.Name, f.Peer))
				continue
			case p.Value > 0:
				v := round(f.Value/p.Value, 4)
				f.Ratio = &v
			}
		}
		if f.Target == nil {
			continue
		}
		if (f.Target.RatioMax > 0 || f.Target.RatioMin > 0) && f.Peer == "" {
			errs = append(errs, fmt.Errorf("benchreport: figure %s has a ratio target and no peer", f.Name))
			continue
		}
		ok := f.Target.met(f.Value, f.Ratio)
		f.Pass = &ok
		if f.Target.Stretch != nil {
			s := f.Target.Stretch.met(f.Value, f.Ratio)
			f.StretchPass = &s
		}
	}
	return errors.Join(errs...)
}

// met reports whether value and ratio are within t; a ratio that could not
// be computed (a peer of zero) meets no ratio bound.
func (t *Target) met(value float64, ratio *float64) bool {
	if t.ValueMax > 0 && value > t.ValueMax {
		return false
	}
	if t.RatioMax > 0 && (ratio == nil || *ratio > t.RatioMax) {
		return false
	}
	if t.RatioMin > 0 && (ratio == nil || *ratio < t.RatioMin) {
		return false
	}
	return true
}

// Missed lists the figures whose target is missed.
func (r *Results) Missed() []Figure {
	var out []Figure
	for _, f := range r.Figures {
		if f.Pass != nil && !*f.Pass {
			out = append(out, f)
		}
	}
	return out
}

// Targets counts the figures that have a target.
func (r *Results) Targets() int {
	n := 0
	for _, f := range r.Figures {
		if f.Pass != nil {
			n++
		}
	}
	return n
}

// Load reads a results.json; a missing file gives nil and no error (a first
// run has nothing to compare with).
func Load(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("benchreport: %w", err)
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("benchreport: %s: %w", path, err)
	}
	if r.Schema != SchemaVersion {
		return nil, fmt.Errorf("benchreport: %s has schema %d, this vitalstats reads %d", path, r.Schema, SchemaVersion)
	}
	return &r, nil
}

// Compare attaches the previous run's figures to this run's, by name, for
// the tables' previous column. Runs at another scale are not compared: their
// figures measure other amounts of work.
func (r *Results) Compare(prev *Results) {
	for i := range r.Figures {
		r.Figures[i].prev = nil
	}
	switch {
	case prev == nil:
		r.Previous = ""
		return
	case prev.Scale != r.Scale:
		r.Previous = fmt.Sprintf("empty, the previous run (%s) was at another scale (%s events)",
			prev.Started.Format("2006-01-02"), thousands(prev.Scale))
		return
	}
	r.Previous = fmt.Sprintf("the run of %s (vitalstats %s)", prev.Started.Format("2006-01-02 15:04 MST"), prev.Version)
	for i := range r.Figures {
		if p := prev.Figure(r.Figures[i].Name); p != nil && p.Unit == r.Figures[i].Unit {
			r.Figures[i].prev = p
		}
	}
}

// Write writes results.json to jsonPath and the Markdown report to mdPath,
// each through a temporary file renamed into place, so a killed run leaves
// the previous files whole.
func (r *Results) Write(jsonPath, mdPath string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("benchreport: %w", err)
	}
	if err := writeAtomic(jsonPath, append(b, '\n')); err != nil {
		return err
	}
	return writeAtomic(mdPath, []byte(r.Markdown()))
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("benchreport: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("benchreport: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("benchreport: %w", err)
	}
	return nil
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
