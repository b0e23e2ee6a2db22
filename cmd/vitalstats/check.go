package main

import (
	"context"
	"fmt"

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
	w, err := warehouse.Open(cfg.Warehouse.Path, cfg.readOptions())
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
	return nil
}
