package main

import "context"

// runCheck will run the data checks (sql/checks) on the current warehouse.
func runCheck(_ context.Context, e *env, args []string) error {
	fs := newFlags("check")
	configFlag(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	return notYet("check", 4)
}
