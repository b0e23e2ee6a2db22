package dashboards

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countHashes makes s count the passwords it hashes, and the most hashed
// at once.
func countHashes(s *Server) (total, peak *atomic.Int64) {
	total, peak = new(atomic.Int64), new(atomic.Int64)
	var now atomic.Int64
	verify := s.verify
	s.verify = func(hash, pass string) bool {
		total.Add(1)
		n := now.Add(1)
		defer now.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond) // long enough for others to overlap
		return verify(hash, pass)
	}
	return total, peak
}

// TestClientFlood: a flood of sign-ins from one address is refused after
// its burst without hashing, while another address signs in.
func TestClientFlood(t *testing.T) {
	s := fixServer(t, "")
	// Unknown names cost the full work factor: a cheap stand-in keeps the
	// flood shorter than the refill of one attempt (clientEvery).
	s.dummyHash, _ = hashPassword("x", 1000)
	total, _ := countHashes(s)
	refused := 0
	for i := range 2 * clientBurst {
		// a new name each time: the per-account budget never runs out
		if w := signIn(s, "192.0.2.99:1", fmt.Sprintf("user%d", i), "wrong", "/"); w.Code == http.StatusTooManyRequests {
			refused++
		}
	}
	if total.Load() > clientBurst || refused < clientBurst {
		t.Errorf("a flood of %d sign-ins from one address: %d hashed, %d refused; want at most %d hashed",
			2*clientBurst, total.Load(), refused, clientBurst)
	}
	if w := signIn(s, "192.0.2.100:1", "viewer", "password-viewer", "/en/overview"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/overview" {
		t.Errorf("another address during the flood: %d %q", w.Code, w.Header().Get("Location"))
	}
}

// TestHashingBounded: sign-ins from many addresses at once hash no more
// passwords at a time than there are hashing slots, so the pages keep the
// other cores.
func TestHashingBounded(t *testing.T) {
	s := fixServer(t, "")
	total, peak := countHashes(s)
	const n = 64
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Go(func() { codes[i] = signIn(s, fmt.Sprintf("198.51.100.%d:1", i+1), "analyst", "wrong", "/").Code })
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusSeeOther && c != http.StatusServiceUnavailable {
			t.Errorf("client %d: %d", i, c)
		}
	}
	if p := peak.Load(); p > int64(cap(s.hashSlots)) || total.Load() == 0 {
		t.Errorf("%d passwords hashed at once (%d in all), want at most %d", p, total.Load(), cap(s.hashSlots))
	}
	if hashSlotsFor(1) != 1 || hashSlotsFor(2) != 1 || hashSlotsFor(8) != 4 {
		t.Error("hashSlotsFor: not half the cores, at least one")
	}
}

// TestLimiterMemoryBounded: the limiters hold at most their bound of
// entries, however many addresses or names come, and let go of those idle
// long enough to be full again.
func TestLimiterMemoryBounded(t *testing.T) {
	l := newLimiters(time.Second, 3, 100)
	now := time.Now()
	for i := range 10_000 {
		l.take(fmt.Sprintf("10.0.%d.%d\x00name", i/256, i%256), now)
	}
	if n := l.len(); n != 100 {
		t.Errorf("%d entries after 10,000 keys, want the bound, 100", n)
	}
	// the most recent stay: the last key is still out of its burst after 3 more
	last := fmt.Sprintf("10.0.%d.%d\x00name", 9999/256, 9999%256)
	l.take(last, now)
	l.take(last, now)
	if ok, wait, first := l.take(last, now); ok || wait <= 0 || !first {
		t.Errorf("the 4th attempt of a key with a burst of 3: ok %v, wait %v, first refusal %v", ok, wait, first)
	}
	if _, _, first := l.take(last, now); first {
		t.Error("a second refusal in a row is reported as the first (logged twice)")
	}
	l.take("late", now.Add(4*time.Second)) // everyone else is full again by then
	if n := l.len(); n != 1 {
		t.Errorf("%d entries after every other one went idle, want 1", n)
	}
	l.forget("late")
	if n := l.len(); n != 0 {
		t.Errorf("%d entries after forget, want 0", n)
	}
}

// TestOriginBehindProxy: behind a reverse proxy that passes on its own Host,
// a form from the public origin is taken, one from elsewhere is not; without
// the setting the public origin is refused.
func TestOriginBehindProxy(t *testing.T) {
	opt := Options{Users: fixUsers(t), GeoJSON: fixGeo(t), PublicOrigin: "https://stats.example.org/", TrustedProxies: []string{"10.0.0.1", "fd00::/64"}}
	s, err := NewServer(opt)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := NewServer(Options{Users: fixUsers(t), GeoJSON: fixGeo(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s       *Server
		headers []string
		code    int
	}{
		{s, []string{"Host", "127.0.0.1:8080", "Origin", "https://stats.example.org"}, http.StatusSeeOther},
		{s, []string{"Host", "127.0.0.1:8080", "Origin", "https://stats.example.org", "Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{s, []string{"Host", "127.0.0.1:8080", "Origin", "https://evil.example"}, http.StatusForbidden},
		{s, []string{"Host", "127.0.0.1:8080", "Origin", "http://stats.example.org"}, http.StatusForbidden},
		{s, []string{"Host", "127.0.0.1:8080", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{s, []string{"Host", "127.0.0.1:8080", "Origin", "https://stats.example.org.evil.example"}, http.StatusForbidden},
		{s, []string{"Host", "127.0.0.1:8080", "Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{s, []string{"Host", "stats.example.org", "Origin", "https://stats.example.org"}, http.StatusSeeOther},
		{plain, []string{"Host", "127.0.0.1:8080", "Origin", "https://stats.example.org"}, http.StatusForbidden},
		{plain, []string{"Host", "stats.example.org", "Origin", "https://stats.example.org"}, http.StatusSeeOther},
	} {
		if w := signIn(c.s, "10.0.0.1:1", "viewer", "password-viewer", "/", c.headers...); w.Code != c.code {
			t.Errorf("%v (public origin set: %v): %d, want %d", c.headers, c.s == s, w.Code, c.code)
		}
	}
	for _, bad := range []Options{{PublicOrigin: "stats.example.org"}, {PublicOrigin: "https://stats.example.org/dashboards"},
		{TrustedProxies: []string{"proxy.local"}}, {TrustedProxies: []string{"10.0.0.0/33"}}} {
		bad.GeoJSON = fixGeo(t)
		if _, err := NewServer(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}

	// The client is the peer, or behind a trusted proxy the nearest
	// untrusted address it forwards for; a header from anyone else is ignored.
	for _, c := range []struct{ remote, xff, want string }{
		{"10.0.0.1:4000", "198.51.100.7", "198.51.100.7"},
		{"10.0.0.1:4000", "6.6.6.6, 198.51.100.7", "198.51.100.7"}, // the client wrote the first
		{"10.0.0.1:4000", "198.51.100.7, 10.0.0.1", "198.51.100.7"},
		{"10.0.0.1:4000", "", "10.0.0.1"},
		{"10.0.0.1:4000", "garbage, 10.0.0.1", "10.0.0.1"},
		{"[fd00::5]:4000", "2001:db8::1", "2001:db8::1"},
		{"[::ffff:10.0.0.1]:4000", "198.51.100.8", "198.51.100.8"},
		{"203.0.113.9:4000", "198.51.100.7", "203.0.113.9"},
	} {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.client(r); got != netip.MustParseAddr(c.want) {
			t.Errorf("from %s forwarding for %q: client %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if limitKey(netip.MustParseAddr("2001:db8::1")) != limitKey(netip.MustParseAddr("2001:db8::ffff:1")) ||
		limitKey(netip.MustParseAddr("198.51.100.1")) == limitKey(netip.MustParseAddr("198.51.100.2")) {
		t.Error("limitKey: an IPv6 /64 is one client, each IPv4 address another")
	}

	// Behind the proxy, the limits apply to each client it forwards for.
	for range maxFailures + 1 {
		signIn(s, "10.0.0.1:1", "analyst", "wrong", "/", "X-Forwarded-For", "198.51.100.7")
	}
	if w := signIn(s, "10.0.0.1:1", "analyst", "password-analyst", "/", "X-Forwarded-For", "198.51.100.7"); w.Code != http.StatusTooManyRequests {
		t.Errorf("the guessing client behind the proxy: %d, want 429", w.Code)
	}
	if w := signIn(s, "10.0.0.1:1", "analyst", "password-analyst", "/", "X-Forwarded-For", "198.51.100.8"); w.Code != http.StatusSeeOther {
		t.Errorf("another client behind the same proxy: %d, want 303", w.Code)
	}
}
