package main

import "context"

// runExport will write the NIS exports, researcher extracts and a release.
func runExport(_ context.Context, e *env, args []string) error {
	fs := newFlags("export")
	configFlag(fs)
	fs.Bool("final", false, "write a final release (numbered, never overwritten) instead of a draft")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	return notYet("export", 6)
}
