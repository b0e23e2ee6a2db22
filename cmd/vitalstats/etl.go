package main

import "context"

// runETL will extract every source (registry, file drops, notifications)
// into the lake, incrementally; see DESIGN.md section 1.
func runETL(_ context.Context, e *env, args []string) error {
	fs := newFlags("etl")
	configFlag(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	return notYet("etl", 3)
}
