package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// benchChromium is the headless browser the dashboards step measures a
// first visit with (scripts/prereqs.sh --browser installs Debian's).
const benchChromium = "/usr/bin/chromium"

// netCond is a network a first visit is measured on, emulated by the
// browser (DevTools' throttling: a bandwidth shared by every request and a
// latency added to each).
type netCond struct {
	name      string
	bytesPerS float64
	latency   time.Duration
}

// The networks of the issue: a good 3G phone and a poor one.
var (
	netFast = netCond{"fast", 200 * 1024, 150 * time.Millisecond}
	netSlow = netCond{"slow", 50 * 1024, 400 * time.Millisecond}
)

// firstVisit is what one cold visit of a page moved and how long it took.
type firstVisit struct {
	bytes float64       // every response, compressed as sent, headers included
	ready time.Duration // from the navigation's start to app.js's "charts-ready" mark
}

// measureFirstVisit opens a page in a new browser context of the browser in
// ctx (nothing cached, no cookies), on the network cond, with the bearer
// token on every request, and waits until app.js has drawn its charts.
func measureFirstVisit(ctx context.Context, url, token string, cond netCond) (firstVisit, error) {
	var out firstVisit
	var mu sync.Mutex
	inflight, last := 0, time.Now() // requests under way, and when one last began or ended
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext(),
		chromedp.WithListener(func(ev any) {
			mu.Lock()
			defer mu.Unlock()
			switch ev := ev.(type) {
			case *network.EventRequestWillBeSent:
				inflight++
				last = time.Now()
			case *network.EventLoadingFinished:
				out.bytes += ev.EncodedDataLength
				inflight--
				last = time.Now()
			case *network.EventLoadingFailed:
				inflight--
				last = time.Now()
			}
		}))
	defer cancel()
	setup := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
			return err
		}
		if token != "" {
			if _, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Authorization": "Bearer " + token}}); err != nil {
				return err
			}
		}
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{ // an empty pattern: every request
				Latency:            float64(cond.latency.Milliseconds()),
				DownloadThroughput: cond.bytesPerS,
				UploadThroughput:   cond.bytesPerS,
			}}})
		return err
	})
	tctx, tcancel := context.WithTimeout(tab, 2*time.Minute)
	defer tcancel()
	if _, err := chromedp.Run(tctx, setup); err != nil {
		return out, fmt.Errorf("browser: %w", err)
	}
	if _, err := chromedp.Run(tctx, chromedp.Navigate(url)); err != nil {
		return out, fmt.Errorf("browser: open %s: %w", url, err)
	}
	// app.js marks the moment it has drawn the charts (performance.mark);
	// the load event may come before (a Khmer page waits for its font) or
	// after it (fonts of text below the charts).
	ms, err := chromedp.Run(tctx, chromedp.Evaluate[float64](`new Promise((done, fail) => {
		const until = Date.now() + 60000;
		const poll = () => {
			const m = performance.getEntriesByName("charts-ready");
			if (m.length) return document.fonts.ready.then(() => done(m[0].startTime));
			if (Date.now() > until) return fail(new Error("no charts-ready mark after a minute"));
			setTimeout(poll, 20);
		};
		poll();
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		return out, fmt.Errorf("browser: %s: %w", url, err)
	}
	out.ready = time.Duration(ms * float64(time.Millisecond))
	// The visit's bytes include what comes after the charts (the fonts
	// app.js applies then): counted once the network has been quiet for a
	// second.
	for {
		mu.Lock()
		quiet := inflight <= 0 && time.Since(last) > time.Second
		mu.Unlock()
		if quiet {
			break
		}
		select {
		case <-tctx.Done():
			return out, fmt.Errorf("browser: %s: the network never went quiet: %w", url, tctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return out, nil
}

// browserFirstVisits measures the overview in each language on each network
// and returns the largest transfer and the slowest charts-ready time of
// each network, with the page each came from.
func browserFirstVisits(ctx context.Context, baseURL, token string, paths []string) (kib float64, kibPage string, ready map[string]float64, err error) {
	if _, err := os.Stat(benchChromium); err != nil {
		return 0, "", nil, fmt.Errorf("the dashboards' first-visit figures need %s: run scripts/prereqs.sh --browser", benchChromium)
	}
	alloc, cancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(benchChromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.WindowSize(390, 844))
	defer cancel()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		return 0, "", nil, fmt.Errorf("start %s: %w", benchChromium, err)
	}
	ready = map[string]float64{}
	for _, cond := range []netCond{netFast, netSlow} {
		for _, p := range paths {
			v, err := measureFirstVisit(browser, baseURL+p, token, cond)
			if err != nil {
				return 0, "", nil, err
			}
			if k := v.bytes / 1024; k > kib {
				kib, kibPage = math.Round(k), p
			}
			ready[cond.name] = math.Max(ready[cond.name], math.Round(v.ready.Seconds()*100)/100)
		}
	}
	return kib, kibPage, ready, nil
}
