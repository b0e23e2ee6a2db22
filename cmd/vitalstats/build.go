package main

import "context"

// runBuild will build a new warehouse file from the lake with the SQL models,
// run the checks, and swap it in atomically.
func runBuild(_ context.Context, e *env, args []string) error {
	fs := newFlags("build")
	configFlag(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	return notYet("build", 4)
}
