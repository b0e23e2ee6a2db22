package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// lakeManifest is the folder every lake holds from its first open
// (etl/lake): a lake folder without it is no lake.
const lakeManifest = "_manifest"

// expectLake fails when the configured lake does not exist, unless the run
// may start one (etl -init, or gen for the demo): a run from the wrong
// folder, or with a mistyped path, would otherwise start a second lake and
// move the file drops into it, where the real lake never sees them.
func (c *Config) expectLake() error {
	_, err := os.Stat(filepath.Join(c.ETL.Lake, lakeManifest))
	switch {
	case err == nil || c.initLake:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no lake at %s (etl.lake of %s): vitalstats etl -init starts a new one; if there is one, the config does not point at it", c.ETL.Lake, c.path)
	default:
		return fmt.Errorf("the lake %s (etl.lake of %s): %w", c.ETL.Lake, c.path, err)
	}
}
