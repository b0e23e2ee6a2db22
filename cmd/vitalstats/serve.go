package main

import (
	"context"
	"time"

	"vitalstats/internal/jobs"
)

// runServe runs the scheduled jobs until interrupted. The dashboards and
// downloads join it with issues #5 and #6.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags("serve")
	configPath := configFlag(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	cfg, err := loadFor(e, "serve", *configPath)
	if err != nil {
		return err
	}
	backoff, _ := time.ParseDuration(cfg.Jobs.Backoff) // checked by loadConfig
	runner, err := cfg.jobRunner(e, jobs.Options{Retries: cfg.Jobs.Retries, Backoff: backoff})
	if err != nil {
		return err
	}
	etlJob, buildJob := cfg.etlJob(e, nil), cfg.buildJob(e, nil)
	etlJob.Then = &buildJob // the warehouse follows the lake
	if err := runner.Start(ctx, []jobs.Job{etlJob}); err != nil {
		return err
	}
	e.log.Info("serving scheduled jobs", "etl", cfg.ETL.Schedule, "then", buildJob.Name)
	<-ctx.Done()
	runner.Stop()
	return nil
}
