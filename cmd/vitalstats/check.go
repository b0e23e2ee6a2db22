package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"vitalstats/warehouse"
)

// runCheck runs the data checks (each indicator's checks and sql/checks) on
// the current warehouse, read-only.
func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags("check")
	configPath := configFlag(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	cfg, err := loadFor(e, "check", *configPath)
	if err != nil {
		return err
	}
	w, err := cfg.openWarehouse()
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer w.Close()
	n, buildOnly, err := warehouse.Check(ctx, w.DB)
	if err != nil {
		return fmt.Errorf("check %s: %w", cfg.Warehouse.Path, err)
	}
	fmt.Fprintf(e.stdout, "%s: %d checks passed", cfg.Warehouse.Path, n)
	if buildOnly > 0 {
		fmt.Fprintf(e.stdout, " (%d more read the build's intermediate tables: they passed when it was built)", buildOnly)
	}
	fmt.Fprintln(e.stdout)
	c, err := warehouse.Compare(ctx, w.DB, cfg.guard())
	if err != nil {
		return fmt.Errorf("check %s: plausibility against the previous build: %w", cfg.Warehouse.Path, err)
	}
	return printComparison(e.stdout, cfg, c)
}

// openWarehouse opens the configured warehouse for reading, saying in plain
// words why it cannot be.
func (c *Config) openWarehouse() (*warehouse.Warehouse, error) {
	w, err := warehouse.Open(c.Warehouse.Path, c.readOptions())
	var nf *warehouse.NotFoundError
	var locked *warehouse.LockedError
	switch {
	case errors.As(err, &nf):
		return nil, fmt.Errorf("the warehouse was not found at %s, the warehouse.path of %s (vitalstats build makes it; or the config points elsewhere)", nf.Path, c.path)
	case errors.As(err, &locked):
		// Wrapped, so that serve can tell this case from a missing file.
		return nil, fmt.Errorf("the warehouse is locked: %w", locked)
	}
	return w, err
}

// printComparison reports the warehouse's counts against the previous
// build's; beyond the limits, it fails unless the build accepted them.
func printComparison(w io.Writer, cfg *Config, c warehouse.Comparison) error {
	if c.Previous == "" {
		fmt.Fprintln(w, "plausibility: the first build, nothing to compare with")
		return nil
	}
	fmt.Fprintf(w, "plausibility against the previous build (%s): %d cells (event type and year) compared", c.Previous, c.Cells)
	if len(c.Findings) == 0 {
		fmt.Fprintf(w, ", none fell more than %.0f%% (cells of %d or more events), no total fell more than %.0f%% or rose more than %.0f%%\n",
			100*cfg.Warehouse.MaxFall, cfg.Warehouse.MaxFallMinEvents, 100*cfg.Warehouse.MaxFall, 100*cfg.Warehouse.MaxRise)
		return nil
	}
	fmt.Fprintf(w, ", %d beyond the limits:\n", len(c.Findings))
	for _, f := range c.Findings {
		fmt.Fprintf(w, "  %s\n", f)
	}
	if c.Accepted {
		fmt.Fprintln(w, "  accepted when it was built (-accept-changes)")
		return nil
	}
	return fmt.Errorf("check %s: %s", cfg.Warehouse.Path, &warehouse.PlausibilityError{Guard: cfg.guard(), Previous: c.Previous, Findings: c.Findings})
}
