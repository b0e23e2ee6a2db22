package main

import "context"

// runServe will serve the dashboards and downloads over HTTP and run the
// scheduled jobs.
func runServe(_ context.Context, e *env, args []string) error {
	fs := newFlags("serve")
	configFlag(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	return notYet("serve", 5)
}
