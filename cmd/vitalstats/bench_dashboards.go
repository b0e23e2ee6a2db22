package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"vitalstats/dashboards"
	"vitalstats/internal/benchreport"
)

// benchClients is the number of concurrent clients of DESIGN.md section 6.
const benchClients = 32

var stepDashboards = benchStep{
	name:  "dashboards",
	title: "dashboard pages under 32 concurrent clients on the national warehouse",
	how: "`vitalstats serve -no-jobs` in a child process loads the national warehouse; 32 clients in the bench process " +
		"(keep-alive, gzip, a bearer token) ask for every page in both languages for the nation, 4 provinces and 2 districts, " +
		"2 years and 2 sexes (392 URLs) in turn; each request's time runs from sending it to the last byte of the answer, " +
		"on loopback. Once with rendered pages kept until the next build (the default), after one warm-up pass over the URLs, " +
		"and once with -no-cache, every request rendered. A page's transfer is its HTML plus every asset it loads (ECharts, " +
		"the map, both Khmer font weights, CSS, script), gzipped as served, on a first visit with nothing cached. " +
		"A first visit in headless Chromium at a phone's 390x844: the overview in English and in Khmer, a new browser context each " +
		"(nothing cached), on networks DevTools emulates (200 KB/s with 150 ms latency; 50 KB/s with 400 ms): the bytes received " +
		"(compressed as the browser took them, headers included) and the time from the navigation's start until app.js has drawn " +
		"the charts and the fonts are in; the larger of the two pages.",
	run: func(ctx context.Context, b *bencher) error {
		l, err := b.nationalLake(ctx)
		if err != nil {
			return err
		}
		token, hash, err := dashboards.NewToken()
		if err != nil {
			return err
		}
		base, err := os.ReadFile(l.config)
		if err != nil {
			return err
		}
		cfg := filepath.Join(l.dir, "serve.toml")
		extra := fmt.Sprintf("\n[serve]\nlisten = \"127.0.0.1:0\"\n[[serve.users]]\nname = \"bench\"\nrole = \"analyst\"\ntoken = %q\n", hash)
		if err := os.WriteFile(cfg, append(base, extra...), 0o644); err != nil {
			return err
		}

		warm, err := b.loadDashboards(ctx, cfg, token, false)
		if err != nil {
			return err
		}
		cold, err := b.loadDashboards(ctx, cfg, token, true)
		if err != nil {
			return err
		}
		return b.res.Add(
			benchreport.Figure{Name: "dashboards.p95_ms", Label: "page p95, 32 clients, pages kept until the next build", Value: warm.p95, Unit: benchreport.Millis,
				Target: &benchreport.Target{ValueMax: 50}},
			benchreport.Figure{Name: "dashboards.p50_ms", Label: "page p50, 32 clients, pages kept", Value: warm.p50, Unit: benchreport.Millis},
			benchreport.Figure{Name: "dashboards.rps", Label: "pages per second, 32 clients, pages kept", Value: math.Round(warm.rps), Unit: "pages/s"},
			benchreport.Figure{Name: "dashboards.cold_p95_ms", Label: "page p95, 32 clients, every request rendered (-no-cache)", Value: cold.p95, Unit: benchreport.Millis,
				Target: &benchreport.Target{ValueMax: 50}},
			benchreport.Figure{Name: "dashboards.cold_p50_ms", Label: "page p50, 32 clients, every request rendered", Value: cold.p50, Unit: benchreport.Millis},
			benchreport.Figure{Name: "dashboards.page_kib", Label: "largest page transfer, first visit (" + warm.largest + ")", Value: warm.pageKiB, Unit: benchreport.KiB,
				Target: &benchreport.Target{ValueMax: 1536}},
			benchreport.Figure{Name: "dashboards.first_visit_kib", Label: "first visit in Chromium, bytes received (" + warm.firstPage + ")", Value: warm.firstKiB, Unit: benchreport.KiB,
				Target: &benchreport.Target{ValueMax: 250}},
			benchreport.Figure{Name: "dashboards.ready_s.fast", Label: "first visit, charts drawn, at 200 KB/s + 150 ms", Value: warm.ready["fast"], Unit: benchreport.Seconds,
				Target: &benchreport.Target{ValueMax: 2}},
			benchreport.Figure{Name: "dashboards.ready_s.slow", Label: "first visit, charts drawn, at 50 KB/s + 400 ms", Value: warm.ready["slow"], Unit: benchreport.Seconds,
				Target: &benchreport.Target{ValueMax: 5}},
			benchreport.Figure{Name: "dashboards.external", Label: "references outside the server in pages and scripts", Value: float64(warm.external), Unit: benchreport.Count,
				Target: &benchreport.Target{ValueMax: 0}},
			benchreport.Figure{Name: "dashboards.load_s", Label: "serve start-up: the warehouse's tables into memory", Value: warm.startup.Seconds(), Unit: benchreport.Seconds},
			benchreport.Figure{Name: "dashboards.rss", Label: "peak RSS of serve under load", Value: warm.rssMiB, Unit: benchreport.MiB},
		)
	},
}

type dashLoad struct {
	p50, p95, rps float64
	pageKiB       float64
	largest       string
	external      int
	startup       time.Duration
	rssMiB        float64
	requests      int
	// a first visit in Chromium (the cached run only)
	firstKiB  float64
	firstPage string
	ready     map[string]float64 // network -> seconds until the charts are drawn
}

// loadDashboards starts serve on the config, measures it and stops it.
func (b *bencher) loadDashboards(ctx context.Context, cfg, token string, noCache bool) (dashLoad, error) {
	var out dashLoad
	exe, err := selfExecutable()
	if err != nil {
		return out, err
	}
	args := []string{"serve", "-config", cfg, "-no-jobs"}
	name := "serve"
	if noCache {
		args = append(args, "-no-cache")
		name = "serve-no-cache"
	}
	errFile, err := os.Create(filepath.Join(b.runDir, "logs", name+".err"))
	if err != nil {
		return out, err
	}
	defer errFile.Close()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Args[0] = "vitalstats"
	cmd.Stderr = errFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return out, err
	}
	b.log.Info("bench child", "name", name, "args", strings.Join(args, " "))
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return out, err
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cmd.Process.Signal(os.Interrupt)
		return cmd.Wait()
	}
	defer stop()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return out, fmt.Errorf("%s did not start (see %s): %w", name, errFile.Name(), err)
	}
	go io.Copy(io.Discard, stdout)
	out.startup = time.Since(start)
	baseURL := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "serving "), "/")
	if !strings.HasPrefix(baseURL, "http") {
		return out, fmt.Errorf("%s printed %q", name, line)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients, DisableCompression: true}, Timeout: time.Minute}
	fetch := func(path string) (int, []byte, time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", baseURL+path, nil)
		if err != nil {
			return 0, nil, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Encoding", "gzip")
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, 0, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, body, time.Since(t0), err
	}

	var urls []string
	for _, p := range []string{"overview", "completeness", "fertility", "mortality", "causes", "surveillance", "quality", "runs"} {
		for _, lang := range dashboards.Langs {
			for _, area := range []string{"KH", "01", "07", "12", "17", "0702", "1201"} {
				for _, q := range []string{"", "&year=2015&sex=F"} {
					urls = append(urls, "/"+lang+"/"+p+"?area="+area+q)
				}
			}
		}
	}
	if !noCache {
		if out.pageKiB, out.largest, out.external, err = pageWeights(fetch); err != nil {
			return out, err
		}
		if out.firstKiB, out.firstPage, out.ready, err = browserFirstVisits(ctx, baseURL, token, []string{"/en/overview", "/km/overview"}); err != nil {
			return out, err
		}
		b.log.Info("bench first visit", "kib", out.firstKiB, "page", out.firstPage, "ready_fast_s", out.ready["fast"], "ready_slow_s", out.ready["slow"])
		for _, u := range urls { // warm-up: each URL rendered once
			if code, _, _, err := fetch(u); err != nil || code != 200 {
				return out, fmt.Errorf("%s: %d %v", u, code, err)
			}
		}
	}
	total := 4000
	if noCache {
		total = 1000
	}
	var mu sync.Mutex
	var lat []float64
	var firstErr error
	var wg sync.WaitGroup
	next := 0
	t0 := time.Now()
	for c := 0; c < benchClients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= total {
					return
				}
				code, _, d, err := fetch(urls[(i*7)%len(urls)])
				mu.Lock()
				if err == nil && code != 200 {
					err = fmt.Errorf("status %d", code)
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, float64(d.Microseconds())/1000)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	if firstErr != nil {
		return out, fmt.Errorf("%s under load: %w", name, firstErr)
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return math.Round(lat[int(math.Ceil(p*float64(len(lat))))-1]*100) / 100 }
	out.p50, out.p95, out.rps, out.requests = q(0.50), q(0.95), float64(len(lat))/el.Seconds(), len(lat)
	if err := stop(); err != nil && !strings.Contains(err.Error(), "interrupt") {
		return out, fmt.Errorf("%s: %w", name, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		out.rssMiB = float64(int64(ru.Maxrss)<<10) / (1 << 20)
	}
	b.log.Info("bench child done", "name", name, "requests", out.requests, "p50_ms", out.p50, "p95_ms", out.p95,
		"pages_per_s", int(out.rps), "max_rss_mib", int(out.rssMiB))
	return out, nil
}

var (
	assetRef = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)
	cssURL   = regexp.MustCompile(`url\(([^)]+)\)`)
	external = regexp.MustCompile(`(?:src|href|action)="(?:https?:)?//|url\((?:https?:)?//|import\s*\(\s*["']https?:`)
)

// pageWeights fetches each page as a first visit would (English and
// Khmer, the nation): its HTML and every asset it loads, counting the bytes
// as transferred, and the references to anywhere but this server.
func pageWeights(fetch func(string) (int, []byte, time.Duration, error)) (maxKiB float64, largest string, ext int, err error) {
	seen := map[string]int{} // asset -> gzipped bytes
	get := func(p string) ([]byte, int, error) {
		code, body, _, err := fetch(p)
		if err == nil && code != 200 {
			err = fmt.Errorf("%s: status %d", p, code)
		}
		return body, len(body), err
	}
	gunzip := func(b []byte) string {
		s, err := gunzipString(b)
		if err != nil {
			return string(b)
		}
		return s
	}
	for _, p := range []string{"overview", "completeness", "fertility", "mortality", "causes", "surveillance", "quality", "runs"} {
		for _, lang := range dashboards.Langs {
			page := "/" + lang + "/" + p
			body, n, err := get(page)
			if err != nil {
				return 0, "", 0, err
			}
			html := gunzip(body)
			ext += len(external.FindAllString(html, -1))
			total := n
			for _, m := range assetRef.FindAllStringSubmatch(html, -1) {
				a := m[1]
				if _, ok := seen[a]; !ok {
					ab, an, err := get(a)
					if err != nil {
						return 0, "", 0, err
					}
					seen[a] = an
					text := gunzip(ab)
					if strings.HasSuffix(a, ".js") || strings.HasSuffix(a, ".css") {
						ext += len(external.FindAllString(text, -1))
					}
					if strings.HasSuffix(a, ".css") { // its fonts
						for _, u := range cssURL.FindAllStringSubmatch(text, -1) {
							f := filepath.Dir(a) + "/" + strings.Trim(u[1], `"'`)
							_, fn, err := get(f)
							if err != nil {
								return 0, "", 0, err
							}
							seen[a] += fn
						}
					}
				}
				total += seen[a]
			}
			if kib := float64(total) / 1024; kib > maxKiB {
				maxKiB, largest = math.Round(kib), page
			}
		}
	}
	return maxKiB, largest, ext, nil
}

func gunzipString(b []byte) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	out, err := io.ReadAll(zr)
	return string(out), err
}
