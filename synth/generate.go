package synth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"vitalstats/internal/progress"
)

// recordsPerScale is a first guess of the source records one national
// population gives; the counting pass measures the real figure.
const recordsPerScale = 11e6

// Generate simulates the registry and writes it where opt says. The
// population is scaled so that about opt.Events source records come out: a
// counting pass at a small scale measures records per person first.
func Generate(ctx context.Context, opt Options) (*Truth, error) {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Events <= 0 {
		return nil, fmt.Errorf("gen: the number of events must be positive, not %d", opt.Events)
	}
	start := time.Now()
	w, err := newWorld(opt.Profile, opt.Reference)
	if err != nil {
		return nil, err
	}
	for _, pl := range w.shocks {
		switch {
		case !pl.active:
			log.Warn("mortality shock outside the simulated days (first_year to last_year, up to as_of): no effect", "shock", pl.name)
		case pl.clipped:
			log.Warn("mortality shock partly outside the simulated days (first_year to last_year, up to as_of): only the days inside count", "shock", pl.name)
		}
	}
	scale, err := calibrate(ctx, w, opt.Seed, opt.Events)
	if err != nil {
		return nil, err
	}
	log.Info("calibrated", "events", opt.Events, "population_scale", round6(scale), "elapsed", time.Since(start).Round(time.Millisecond))

	out := &outputs{}
	ok := false
	defer func() {
		if !ok {
			out.abort()
		}
	}()
	if opt.DSN != "" {
		if out.registry, err = NewRegistryWriter(ctx, opt.DSN, log); err != nil {
			return nil, err
		}
	}
	if opt.InboxDir != "" {
		if out.files, err = NewFileDrops(opt.InboxDir, opt.Seed, opt.Profile.Defects.File); err != nil {
			return nil, err
		}
	}
	var dir string
	if opt.Truth != "" {
		dir = filepath.Dir(opt.Truth)
		if out.defects, err = createCSV(filepath.Join(dir, "truth_defects.csv"), "table,id,kind,detail"); err != nil {
			return nil, err
		}
		if out.dups, err = createCSV(filepath.Join(dir, "truth_duplicates.csv"), "table,event_id,group,route,defects"); err != nil {
			return nil, err
		}
		if out.twins, err = createCSV(filepath.Join(dir, "truth_twins.csv"), "table,event_id,pair"); err != nil {
			return nil, err
		}
	}
	s := newSim(w, opt.Seed, scale, out)
	s.shocks = w.shocks
	bar := progress.New("gen", int64(len(w.years)*len(w.communes)), opt.Progress, log)
	err = s.run(ctx, bar.Add)
	bar.Finish()
	if err != nil {
		return nil, err
	}
	truth := s.acc.truth()
	truth.Generator.Seed = opt.Seed
	truth.Generator.EventsRequested = opt.Events
	truth.Generator.PopulationScale = round6(scale)
	truth.Generator.FirstYear, truth.Generator.LastYear = w.p.FirstYear, w.p.LastYear
	truth.Generator.AsOf = w.asOf.time().Format(time.DateOnly)
	truth.Files = map[string]string{}
	if out.registry != nil {
		err := out.registry.Close()
		rows := out.registry.Counts()
		out.registry = nil
		if err != nil {
			return nil, err
		}
		truth.Registry = rows
	}
	if out.files != nil {
		stats, err := out.files.Close()
		out.files = nil
		if err != nil {
			return nil, err
		}
		truth.FileDrops = &stats
		for kind, n := range stats.Defects {
			truth.Defects[kind] += n
		}
		if out.defects != nil {
			for _, kind := range sortedKeys(stats.Damaged) {
				for _, d := range stats.Damaged[kind] {
					out.defects.line(d.Table, d.ID, kind, d.File+":"+strconv.FormatInt(d.Line, 10))
				}
			}
		}
		truth.Files["inbox"] = opt.InboxDir
		if rel, err := filepath.Rel(filepath.Dir(opt.Truth), opt.InboxDir); err == nil && opt.Truth != "" {
			truth.Files["inbox"] = rel // relative to truth.json, so moving the folder keeps it right
		}
	}
	if opt.Truth != "" {
		err := out.defects.close()
		out.defects = nil
		if err != nil {
			return nil, err
		}
		truth.Files["defects"] = "truth_defects.csv"
		for _, c := range []*csvFile{out.dups, out.twins} {
			if err := c.close(); err != nil {
				return nil, err
			}
		}
		out.dups, out.twins = nil, nil
		truth.Files["duplicates"] = "truth_duplicates.csv"
		truth.Files["twins"] = "truth_twins.csv"
		truth.Files["population"] = "truth_population.csv"
		if err := s.acc.writePopulation(filepath.Join(dir, "truth_population.csv")); err != nil {
			return nil, err
		}
		truth.Files["excess"] = "truth_excess.csv"
		if err := s.acc.writeExcess(filepath.Join(dir, "truth_excess.csv")); err != nil {
			return nil, err
		}
		truth.Files["reference_mx"] = "truth_reference_mx.csv"
		truth.Files["reference_igme"] = "truth_reference_igme.csv"
		if err := s.acc.writeReference(filepath.Join(dir, "truth_reference_mx.csv"), filepath.Join(dir, "truth_reference_igme.csv"), truth); err != nil {
			return nil, err
		}
		if err := truth.writeJSON(opt.Truth); err != nil {
			return nil, err
		}
	}
	ok = true
	log.Info("generated", "records", s.records, "elapsed", time.Since(start).Round(time.Millisecond))
	return truth, nil
}

// calibrate finds the population scale that yields about events records.
func calibrate(ctx context.Context, w *world, seed uint64, events int64) (float64, error) {
	s1 := min(float64(events)/recordsPerScale, 0.02)
	s := newSim(w, seed^0xca1b, s1, nil)
	if err := s.checkScale(); err != nil {
		return 0, err
	}
	if err := s.run(ctx, nil); err != nil {
		return 0, err
	}
	if s.records == 0 {
		return 0, errors.New("gen: the counting pass produced no records; ask for more events")
	}
	return s1 * float64(events) / float64(s.records), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (o *outputs) abort() {
	if o.registry != nil {
		o.registry.Abort()
	}
	if o.files != nil {
		o.files.Abort()
	}
	for _, c := range []*csvFile{o.defects, o.dups, o.twins} {
		if c != nil {
			c.abort()
		}
	}
}

// writePopulation writes the simulated mid-year population by district,
// sex and abridged age group: the denominators behind truth.json.
func (a *accum) writePopulation(path string) error {
	f, err := createCSV(path, "year,province_code,district_code,sex,age_group,population")
	if err != nil {
		return err
	}
	for y := range a.n {
		ys := strconv.Itoa(a.first + y)
		for d, code := range a.w.districts {
			for sx, sex := range []string{"M", "F"} {
				for g := range 19 {
					f.line(ys, code[:2], code, sex, popAgeLabel(g), strconv.FormatInt(a.popDist[y][d][sx][g], 10))
				}
			}
		}
	}
	return f.close()
}

// writeReference writes the simulated world's own mortality as site files of
// the warehouse's reference data: death rates by year, sex and abridged age
// group in the columns of WPP's file (one calendar year a row: period_end =
// period_start), and IMR and U5MR in the columns of UN IGME's. A site
// override with them tests the warehouse's methods on a reference that is
// right, which WPP and IGME are not for the synthetic country.
func (a *accum) writeReference(mxPath, igmePath string, t *Truth) error {
	f, err := createCSV(mxPath, "period_start,period_end,sex,age_start,age_end,mx")
	if err != nil {
		return err
	}
	for y := range a.n {
		ys := strconv.Itoa(a.first + y)
		for sx, sex := range []string{"M", "F"} {
			// Age 0: the infant probability of the year's births as a rate, with
			// the simulation's own mean age at death of infants.
			q0 := a.q0Risk[y][sx] / float64(max(a.births[y][sx], 1))
			f.line(ys, ys, sex, "0", "0", strconv.FormatFloat(q0/(1-(1-a.w.a0)*q0), 'g', 10, 64))
			for g := 1; g < 19; g++ {
				lo, hi := 1, 4
				if g > 1 {
					lo, hi = 5*(g-1), 5*(g-1)+4
				}
				end := strconv.Itoa(hi)
				if g == 18 {
					hi, end = maxAge, ""
				}
				var d, e float64
				for age := lo; age <= hi; age++ {
					d += a.expDeaths[y][sx][age]
					e += a.exposure[y][sx][age]
				}
				f.line(ys, ys, sex, strconv.Itoa(lo), end, strconv.FormatFloat(d/e, 'g', 10, 64))
			}
		}
	}
	if err := f.close(); err != nil {
		return err
	}
	g, err := createCSV(igmePath, "year,indicator,sex,value,lower,upper,source_note")
	if err != nil {
		return err
	}
	for y := range a.n {
		ys := strconv.Itoa(a.first + y)
		g.line(ys, "imr", "T", strconv.FormatFloat(t.IMR[ys], 'g', 10, 64), "", "", "synthetic truth (vitalstats gen)")
		g.line(ys, "u5mr", "T", strconv.FormatFloat(t.U5MR[ys], 'g', 10, 64), "", "", "synthetic truth (vitalstats gen)")
	}
	return g.close()
}
