package main

import "context"

// runBench will run the benchmark of DESIGN.md section 6 on generated data.
func runBench(_ context.Context, e *env, args []string) error {
	fs := newFlags("bench")
	fs.Int64("scale", 16_000_000, "number of synthetic `events` to benchmark on")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	return notYet("bench", 7)
}
