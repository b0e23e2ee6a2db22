package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"vitalstats/excess"
)

// runExcess runs the Karlinsky–Kobak excess-mortality model (the excess
// package, issue 20) on a deaths file in the World Mortality Dataset's
// layout and writes one row per country: how an analyst compares Cambodia
// with its neighbours, outside the warehouse. It needs no config.
func runExcess(_ context.Context, e *env, args []string) error {
	fs := newFlags("excess")
	in := fs.String("in", "", "deaths `file` (CSV: country_name,year,time,time_unit,deaths; time_unit weekly, monthly or quarterly)")
	out := fs.String("out", "", "result `file` (CSV: country,excess_deaths,excess_deaths_sd,excess_pct_of_annual_baseline); - for standard output")
	year := fs.Int("year", 2020, "first `year` of excess; every period from it on gets an expected count")
	baseline := fs.String("baseline", "", "baseline `years` FROM-TO, inclusive (default every year before -year, with the dataset's year-0 rows)")
	start := fs.Int("start", 0, "first `period` of -year summed (default ISO week 10, March or Q1, as the paper)")
	extrapolate := fs.Bool("extrapolate", false, "project the trend to each later year (the paper used -year's baseline for 2021)")
	corrections := fs.String("corrections", "elife", "`set` of corrections after the fit: elife (4000 war deaths off Armenia and Azerbaijan, the August 2020 heatwave weeks 32-34 off five countries) or none")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return usageError{errors.New("excess: -in and -out are required")}
	}
	opt := excess.Options{Year: *year, Start: *start, Extrapolate: *extrapolate}
	if *baseline != "" {
		from, to, ok := strings.Cut(*baseline, "-")
		f, err1 := strconv.Atoi(from)
		t, err2 := strconv.Atoi(to)
		if !ok || err1 != nil || err2 != nil || f > t || t >= *year {
			return usageError{fmt.Errorf("excess: -baseline %q is not FROM-TO with FROM ≤ TO < -year %d (e.g. 2015-2019)", *baseline, *year)}
		}
		opt.BaselineFrom, opt.BaselineTo = f, t
	}
	if *corrections != "elife" && *corrections != "none" {
		return usageError{fmt.Errorf("excess: -corrections %q is not elife or none", *corrections)}
	}

	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	series, err := excess.ReadWMD(f, *in)
	f.Close()
	if err != nil {
		return err
	}
	rows := [][]string{{"country", "excess_deaths", "excess_deaths_sd", "excess_pct_of_annual_baseline"}}
	for _, s := range series {
		o := opt
		if *corrections == "elife" {
			o.Subtract, o.Exclude = excess.ELifeCorrection(s.Name)
		}
		r, err := excess.Estimate(s, o)
		if err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		rows = append(rows, []string{s.Name, num(r.Excess, 1), num(r.ExcessSD, 1), num(r.PctOfAnnualBaseline, 2)})
	}
	if err := writeCSV(*out, e, rows); err != nil {
		return err
	}
	if *out != "-" {
		fmt.Fprintf(e.stdout, "wrote the excess deaths of %d countries to %s\n", len(series), *out)
	}
	return nil
}

// num formats x, leaving the cell empty when it is not a number (the std
// of a series with a single baseline year).
func num(x float64, prec int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}

// writeCSV writes rows to path (or standard output for -) through a
// temporary file, so that a failed run leaves no half-written result.
func writeCSV(path string, e *env, rows [][]string) error {
	if path == "-" {
		w := csv.NewWriter(e.stdout)
		w.WriteAll(rows)
		return w.Error()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".excess-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	w := csv.NewWriter(tmp)
	w.WriteAll(rows)
	if err := errors.Join(w.Error(), tmp.Close()); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
