package main

import (
	"context"
	"errors"
	"fmt"

	"vitalstats/link"
)

// runLink deduplicates one CSV of person records, or links two, with the
// link package's engine (issue 17): the config is a link config (see
// link/testdata/febrl/febrl1.toml), not the site's.
func runLink(ctx context.Context, e *env, args []string) error {
	fs := newFlags("link")
	configPath := fs.String("config", "", "the link config `file` (fields, comparisons, blocking, thresholds, CSV input); see link/testdata/febrl/febrl1.toml")
	out := fs.String("out", "", "the `folder` for pairs.csv and clusters.csv (made if missing)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *configPath == "" || *out == "" {
		return usageError{errors.New("link: -config and -out are required")}
	}
	cfg, err := link.LoadConfig(*configPath)
	if err != nil {
		return err
	}
	res, err := link.RunCSV(ctx, cfg, *out, e.stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d pairs and %d cluster assignments to %s\n", len(res.Pairs), len(res.Clusters), *out)
	return nil
}
