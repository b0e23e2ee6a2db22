package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"vitalstats"
	"vitalstats/dashboards"
	"vitalstats/internal/jobs"
	"vitalstats/refdata"
	"vitalstats/reports"
	"vitalstats/warehouse"
)

// runServe serves the dashboards and runs the scheduled jobs until
// interrupted; with -export-site it writes the pages as static files instead.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags("serve")
	configPath := configFlag(fs)
	exportSite := fs.String("export-site", "", "write the planners' pages as static files into this folder, then exit")
	siteArea := fs.String("area", "", "with -export-site: write only this province or district, as an account limited to it sees it (default: the nation and every province)")
	noJobs := fs.Bool("no-jobs", false, "serve the dashboards without running the scheduled jobs")
	noCache := fs.Bool("no-cache", false, "render every request instead of keeping rendered pages until the next build (for benchmarks)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *siteArea != "" && *exportSite == "" {
		return fmt.Errorf("serve: -area is for -export-site only (the served pages take each account's area from the config)")
	}
	cfg, err := loadFor(e, "serve", *configPath)
	if err != nil {
		return err
	}
	// The address first: a busy port fails at once, before the marts are
	// loaded and before a catch-up job starts.
	var ln net.Listener
	if *exportSite == "" {
		if ln, err = net.Listen("tcp", cfg.Serve.Listen); err != nil {
			return fmt.Errorf("serve: serve.listen %s: %w", cfg.Serve.Listen, err)
		}
		defer ln.Close()
	}
	srv, err := cfg.dashboardServer(e, *noCache)
	if err != nil {
		return err
	}
	if err := cfg.loadDashboards(ctx, e, srv); err != nil {
		if *exportSite != "" {
			return err
		}
		// Serve anyway: the pages say the warehouse is not there yet, and the next build fills them.
		// A warehouse another program holds open for writing is there: say so plainly.
		var locked *warehouse.LockedError
		if errors.As(err, &locked) {
			e.log.Error("the warehouse cannot be read: "+err.Error()+"; the pages stay empty until it is closed and the dashboards reload (next build, or restart serve)", "warehouse", locked.Path)
		} else {
			e.log.Warn("no warehouse to show yet", "err", err)
		}
	}
	if *exportSite != "" {
		n, err := srv.ExportSite(*exportSite, *siteArea)
		if err != nil {
			return fmt.Errorf("serve -export-site %s: %w", *exportSite, err)
		}
		fmt.Fprintf(e.stdout, "wrote %d files into %s; open %s\n", n, *exportSite, filepath.Join(*exportSite, "index.html"))
		return nil
	}

	var runner *jobs.Runner
	if !*noJobs {
		backoff, _ := time.ParseDuration(cfg.Jobs.Backoff) // checked by loadConfig
		if runner, err = cfg.jobRunner(e, jobs.Options{Retries: cfg.Jobs.Retries, Backoff: backoff}); err != nil {
			return err
		}
		if err := runner.Start(ctx, cfg.scheduledJobs(e, srv)); err != nil {
			return err
		}
		e.log.Info("scheduled jobs", "etl", cfg.ETL.Schedule, "then", "build", "export", cfg.Export.Schedule)
	}

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	scheme := "http"
	if cfg.Serve.TLSCert != "" {
		scheme = "https"
	}
	// Tests and scripts read the address from this line (the port may be 0).
	fmt.Fprintf(e.stdout, "serving %s://%s/\n", scheme, ln.Addr())
	errc := make(chan error, 1)
	go func() {
		if cfg.Serve.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.Serve.TLSCert, cfg.Serve.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = hs.Shutdown(sctx)
	}
	if runner != nil {
		runner.Stop()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// scheduledJobs are serve's jobs: the ETL, followed by a build only when it
// succeeds (a failed run, a missing source among them, leaves the warehouse
// as it was), the pages reloading after a build; and the export.
func (c *Config) scheduledJobs(e *env, srv *dashboards.Server) []jobs.Job {
	etlJob, buildJob := c.etlJob(e, nil), c.buildJob(e, nil)
	build := buildJob.Run
	buildJob.Run = func(ctx context.Context) (any, error) {
		sum, err := build(ctx)
		if err == nil { // the pages follow the warehouse
			if lerr := c.loadDashboards(ctx, e, srv); lerr != nil {
				e.log.Error("reload dashboards", "err", lerr)
			}
		}
		return sum, err
	}
	etlJob.Then = &buildJob // the warehouse follows the lake
	// The monthly export holds the run lock too: it never overlaps the ETL.
	return []jobs.Job{etlJob, c.exportJob(e, false, "scheduled", 0, nil)}
}

// dashboardServer makes the dashboards' server from the config.
func (c *Config) dashboardServer(e *env, noCache bool) (*dashboards.Server, error) {
	geo, err := c.referenceSource().ReadFile(refdata.FileProvinceMap)
	if err != nil {
		return nil, err
	}
	users := make([]dashboards.User, len(c.Serve.Users))
	for i, u := range c.Serve.Users {
		users[i] = dashboards.User{Name: u.Name, Role: u.Role, Area: u.Area, Password: u.Password, Token: u.Token}
	}
	provinces, err := c.referenceSource().ReadFile(refdata.FileProvinces)
	if err != nil {
		return nil, err
	}
	labels, err := provinceLabels(provinces)
	if err != nil {
		return nil, err
	}
	// The site's own files for the dashboards: Khmer names of the causes
	// of death, and the districts' boundaries.
	var causesKm map[string]string
	if c.Serve.CauseNamesKm != "" {
		f, err := os.Open(c.Serve.CauseNamesKm)
		if err != nil {
			return nil, fmt.Errorf("serve.cause_names_km: %w", err)
		}
		causesKm, err = dashboards.ReadCauseNames(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("serve.cause_names_km: %s: %w", c.Serve.CauseNamesKm, err)
		}
	}
	var districts []byte
	if c.Serve.DistrictMap != "" {
		if districts, err = os.ReadFile(c.Serve.DistrictMap); err != nil {
			return nil, fmt.Errorf("serve.district_map: %w", err)
		}
	}
	history := filepath.Join(c.DataDir, "jobs", "runs.jsonl")
	var cacheBytes int64
	if noCache {
		cacheBytes = -1
	}
	srv, err := dashboards.NewServer(dashboards.Options{
		Users: users, PublicPage: c.Serve.PublicPage, SessionTTL: time.Duration(c.Serve.SessionHours) * time.Hour,
		InsecureCookies: c.Serve.InsecureCookies, PublicOrigin: c.Serve.PublicOrigin, TrustedProxies: c.Serve.TrustedProxies,
		GeoJSON: geo, DistrictGeoJSON: districts, CauseNamesKm: causesKm, Log: e.log.With("job", "serve"), CacheBytes: cacheBytes,
		ReleasesDir: c.Export.Releases, AuditLog: filepath.Join(c.DataDir, "audit", "downloads.jsonl"),
		Downloads: func() ([]dashboards.Download, error) {
			rels, err := reports.Releases(c.Export.Releases)
			var out []dashboards.Download
			for _, r := range rels {
				for _, f := range r.Files {
					out = append(out, dashboards.Download{Release: r.ID, Status: r.Status, Created: r.Created, Path: f.Path, Bytes: f.Bytes, SHA256: f.SHA256})
				}
			}
			return out, err
		},
		Cut:       releaseCut(c.Export.Releases, labels),
		Review:    c.reviewQueue,
		Decisions: c.ETL.LinkDecisions,
		Runs: func() ([]dashboards.Run, error) {
			runs, err := jobs.ReadHistory(history)
			out := make([]dashboards.Run, len(runs))
			for i, r := range runs {
				out[i] = dashboards.Run{Job: r.Job, Started: r.Started, Finished: r.Finished, Attempt: r.Attempt,
					Outcome: r.Outcome, Error: r.Error}
			}
			return out, err
		},
	})
	if err != nil {
		return nil, fmt.Errorf("config %s: serve: %w", c.path, err)
	}
	return srv, nil
}

// reviewQueue reads record linkage's review queue for the review page. The
// warehouse is opened for each request, read only: the page is for a few
// analysts, and a build swaps a new warehouse in by renaming it, which a
// handle kept open would not see. A warehouse built before the queue
// existed has no link_review table: the page shows an empty queue then.
func (c *Config) reviewQueue(ctx context.Context, event string, limit int) ([]dashboards.ReviewPair, int, error) {
	w, err := warehouse.Open(c.Warehouse.Path, c.readOptions())
	if err != nil {
		return nil, 0, err
	}
	defer w.Close()
	var n int
	if err := w.DB.QueryRowContext(ctx, "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = 'link_review'").Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", c.Warehouse.Path, err)
	}
	if n == 0 {
		return nil, 0, dashboards.ErrNoReviewQueue
	}
	pairs, total, err := warehouse.ReviewQueue(ctx, w.DB, event, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", c.Warehouse.Path, err)
	}
	rec := func(r warehouse.ReviewRecord) dashboards.ReviewRecord {
		return dashboards.ReviewRecord{EventID: r.EventID, RegNo: r.RegNo, Date: r.Date, Sex: r.Sex,
			RegistrationCommune: r.RegistrationCommune, Residence: r.Residence, Provenance: r.Provenance}
	}
	out := make([]dashboards.ReviewPair, len(pairs))
	for i, p := range pairs {
		out[i] = dashboards.ReviewPair{EventType: p.EventType, A: rec(p.A), B: rec(p.B), Weight: p.Weight, Levels: p.Levels}
	}
	return out, total, nil
}

// loadDashboards reads what the pages show from the warehouse into memory.
func (c *Config) loadDashboards(ctx context.Context, e *env, srv *dashboards.Server) error {
	start := time.Now()
	w, err := c.openWarehouse()
	if err != nil {
		return err
	}
	defer w.Close()
	var tables []*vitalstats.Table
	rows := 0
	for _, n := range dashboards.Needs() {
		t, err := warehouse.ReadSlice(ctx, w.DB, n)
		if n.Optional && errors.Is(err, warehouse.ErrNoTable) {
			// an older warehouse: its page says the table is missing
			e.log.Warn("dashboards: an optional table is missing; its page says so", "table", n.Table, "err", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.Warehouse.Path, err)
		}
		rows += len(t.Rows)
		tables = append(tables, t)
	}
	d, err := dashboards.NewData(tables)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Warehouse.Path, err)
	}
	srv.SetData(d)
	e.log.Info("dashboards loaded", "warehouse", c.Warehouse.Path, "rows", rows, "year", d.Year,
		"elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}
