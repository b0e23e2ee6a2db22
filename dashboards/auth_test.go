package dashboards

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// signIn posts the sign-in form from a client address, with a matching
// CSRF cookie and token; hdr adds headers (Origin, X-Forwarded-For...).
func signIn(s *Server, client, user, pass, next string, hdr ...string) *httptest.ResponseRecorder {
	v := url.Values{"csrf": {"tok"}, "user": {user}, "password": {pass}, "next": {next}}
	r := httptest.NewRequest("POST", "/login", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: "tok"})
	r.RemoteAddr = client
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			r.Host = hdr[i+1]
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// TestSafeNext: the redirect after sign-in is a path on this server and
// nothing else; the rest becomes "/".
func TestSafeNext(t *testing.T) {
	for _, p := range []string{"/en/fertility", "/en/overview?area=07&year=2018", "/login?next=%2Fen%2Foverview", "/",
		"/%2F%2Fevil.example"} { // an encoded slash is a character of a path: the browser stays here
		if got := safeNext(p); got != p {
			t.Errorf("safeNext(%q) = %q, want it kept", p, got)
		}
	}
	for _, p := range []string{"", "en/overview", "//evil.example", "//evil.example/en/overview", "/\\evil.example", "\\\\evil.example", "///evil.example", "/\\/evil.example",
		"/\t/evil.com", "/\n/evil.com", "/\r/evil.com", "/ /evil.com", "\t//evil.com", "/\x00/evil.com", "/\x7f/evil.com",
		"https://evil.example", "http:/evil.example", "javascript:alert(1)", "/é/evil.com",
		"/" + strings.Repeat("a", 3000)} {
		if got := safeNext(p); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", p, got)
		}
	}
	// The same through the form, both after a success and after a failure
	// (which sends the next page back to the form).
	s := fixServer(t, "")
	for i, next := range []string{"/\t/evil.com", "//evil.example", "/%09/evil.com\t"} {
		client := "192.0.2." + string(rune('1'+i)) + ":1000"
		if w := signIn(s, client, "viewer", "password-viewer", next); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
			t.Errorf("next %q: %d to %q, want a redirect to /", next, w.Code, w.Header().Get("Location"))
		}
		w := signIn(s, client, "viewer", "wrong", next)
		loc, err := url.Parse(w.Header().Get("Location"))
		if err != nil || loc.Query().Get("next") != "/" {
			t.Errorf("next %q after a failure: %q, want next=/", next, w.Header().Get("Location"))
		}
	}
}

// TestFailuresCountedAtomically: many wrong passwords at once from one
// client are each taken from the budget before the hash, so no more than
// maxFailures are checked, however many arrive together.
func TestFailuresCountedAtomically(t *testing.T) {
	users := fixUsers(t)
	for i := range users { // a slower hash widens the window a check-then-count leaves open
		users[i].Password, _ = hashPassword("password-"+users[i].Name, 20_000)
	}
	s, err := NewServer(Options{Users: users, GeoJSON: fixGeo(t), InsecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 64
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			codes[i] = signIn(s, "192.0.2.7:4000", "analyst", "wrong", "/").Code
		})
	}
	close(start)
	wg.Wait()
	checked := 0
	for _, c := range codes {
		switch c {
		case http.StatusSeeOther:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("a wrong password answered %d", c)
		}
	}
	if checked != maxFailures {
		t.Errorf("%d of %d concurrent wrong passwords were checked, want %d", checked, n, maxFailures)
	}
}

// TestLockoutNotAgainstUser: wrong passwords for an account from one
// client refuse that client, not the account's owner elsewhere; and an
// unknown name is treated as a known one (no account is revealed).
func TestLockoutNotAgainstUser(t *testing.T) {
	s := fixServer(t, "")
	for _, name := range []string{"analyst", "nobody-by-this-name"} {
		for i := range maxFailures {
			if w := signIn(s, "198.51.100.66:5000", name, "wrong", "/"); w.Code != http.StatusSeeOther {
				t.Fatalf("%s: wrong password %d: %d", name, i+1, w.Code)
			}
		}
		w := signIn(s, "198.51.100.66:5000", name, "wrong", "/")
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: attempt %d from the guessing client: %d (Retry-After %q), want 429 with Retry-After",
				name, maxFailures+1, w.Code, w.Header().Get("Retry-After"))
		}
	}
	// The right password, from the owner's own address.
	if w := signIn(s, "203.0.113.5:6000", "analyst", "password-analyst", "/en/quality"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/quality" {
		t.Errorf("the owner's sign-in after another client's failures: %d to %q", w.Code, w.Header().Get("Location"))
	}
	// A success clears the failures of its own client: a mistyped password
	// or two, then the right one, leave the next mistake a full budget.
	for range maxFailures - 1 {
		signIn(s, "203.0.113.9:6000", "viewer", "wrong", "/")
	}
	signIn(s, "203.0.113.9:6000", "viewer", "password-viewer", "/")
	for i := range maxFailures - 1 {
		if w := signIn(s, "203.0.113.9:6000", "viewer", "wrong", "/"); w.Code != http.StatusSeeOther {
			t.Errorf("failure %d after a success: %d", i+1, w.Code)
		}
	}
}

// TestLongNames: a long user name is refused before it costs a hash or a
// byte of memory or log: 40 sign-ins with 6 MB names once took 500 MB of
// RSS and 251 MB of log. Unknown names are logged by a short hash, never
// in full (a password typed into the name field would be written down).
func TestLongNames(t *testing.T) {
	var logBuf bytes.Buffer
	s, err := NewServer(Options{Users: fixUsers(t), GeoJSON: fixGeo(t), InsecureCookies: true,
		Log: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("x", 6<<20)
	for i := range 3 {
		if w := signIn(s, "192.0.2.50:1", huge, "wrong", "/"); w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("6 MB name %d: %d, want 413", i, w.Code)
		}
	}
	if w := signIn(s, "192.0.2.50:1", strings.Repeat("n", maxNameBytes+1), "wrong", "/"); w.Code != http.StatusBadRequest {
		t.Errorf("a name of %d bytes: %d, want 400", maxNameBytes+1, w.Code)
	}
	const typo = "correct-horse-battery-staple"
	signIn(s, "192.0.2.51:1", typo, "x", "/")
	signIn(s, "192.0.2.51:1", "analyst", "wrong", "/")
	log := logBuf.String()
	if len(log) > 4096 {
		t.Errorf("the log grew by %d bytes for 6 refused sign-ins", len(log))
	}
	if strings.Contains(log, typo) || strings.Contains(log, "xxxxxxxx") {
		t.Errorf("the log holds the name of a failed sign-in:\n%.500s", log)
	}
	if !strings.Contains(log, "user=analyst") || !strings.Contains(log, "unknown:") {
		t.Errorf("the log does not say which account failed (analyst) or that a name is unknown:\n%s", log)
	}
}

// TestSessionExpired: a session past its time is refused, and forgotten.
func TestSessionExpired(t *testing.T) {
	s := fixServer(t, "")
	id, ss := s.sessions.create(&s.opt.Users[0])
	page := func() int {
		r := httptest.NewRequest("GET", "/en/overview", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	if c := page(); c != 200 {
		t.Fatalf("a fresh session: %d", c)
	}
	s.sessions.mu.Lock()
	ss.expires = time.Now().Add(-time.Second)
	s.sessions.mu.Unlock()
	if c := page(); c != http.StatusSeeOther {
		t.Errorf("an expired session: %d, want a redirect to sign in", c)
	}
	s.sessions.mu.Lock()
	_, kept := s.sessions.m[id]
	s.sessions.mu.Unlock()
	if kept {
		t.Error("an expired session is still held")
	}
}

// TestCSVCachedDisposition: a CSV answered from the page cache is a download
// with its name, as the first answer was.
func TestCSVCachedDisposition(t *testing.T) {
	s := fixServer(t, "")
	var first string
	for i := range 3 {
		w := get(t, s, "admin", "/csv/overview/kpi.csv?year=2018")
		d := w.Header().Get("Content-Disposition")
		if w.Code != 200 || !strings.HasPrefix(d, "attachment; filename=") || !strings.Contains(d, "kpi-KH-2018.csv") {
			t.Errorf("answer %d: %d, Content-Disposition %q", i+1, w.Code, d)
		}
		if i == 0 {
			first = d
		} else if d != first {
			t.Errorf("answer %d: Content-Disposition %q, the first said %q", i+1, d, first)
		}
	}
	if w := get(t, s, "admin", "/en/overview"); w.Header().Get("Content-Disposition") != "" {
		t.Error("a page is served as a download")
	}
}
