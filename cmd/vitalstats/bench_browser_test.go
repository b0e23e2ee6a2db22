package main

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestMeasureFirstVisit: the bench's first visit counts the bytes a page
// and its script moved, sends the token, and waits for the page's
// charts-ready mark, at the emulated network's pace.
func TestMeasureFirstVisit(t *testing.T) {
	if _, err := os.Stat(benchChromium); err != nil {
		t.Skip("needs " + benchChromium + " (scripts/prereqs.sh --browser)")
	}
	script := make([]byte, 100<<10) // random: no compression shrinks it
	rand.Read(script)
	var unauthorized atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0k" {
			unauthorized.Add(1)
		}
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<!doctype html><html><body><script src="/big.js"></script>` +
				`<script src="/mark.js"></script></body></html>`))
		case "/big.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte("/*"))
			w.Write([]byte(hexOf(script)))
			w.Write([]byte("*/"))
		case "/mark.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(`performance.mark("charts-ready");`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(benchChromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()))
	defer cancel()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatal(err)
	}
	v, err := measureFirstVisit(browser, srv.URL+"/page", "t0k", netFast)
	if err != nil {
		t.Fatal(err)
	}
	// 200 KB of script (hex) at 200 KB/s, after three round trips of 150 ms
	if v.bytes < 200<<10 || v.bytes > 220<<10 {
		t.Errorf("first visit moved %.0f bytes, want about %d", v.bytes, 200<<10)
	}
	if s := v.ready.Seconds(); s < 1.0 || s > 5 {
		t.Errorf("charts ready after %.2f s; 200 KB at 200 KB/s takes 1 s and more", s)
	}
	t.Logf("first visit: %.0f bytes, charts ready after %v", v.bytes, v.ready)
	if n := unauthorized.Load(); n > 0 {
		t.Errorf("%d requests without the token", n)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
