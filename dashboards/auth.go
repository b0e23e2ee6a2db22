package dashboards

import (
	"container/list"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Roles, from the least to the most trusted. Viewers see the planners'
// pages; analysts, researchers and admins see data quality and ETL runs too
// (researchers' downloads arrive with the exports).
var Roles = []string{"viewer", "analyst", "researcher", "admin"}

// User is an account from the config. Password holds a hash made by
// HashPassword; Token the SHA-256 (hex) of a bearer token for scripts.
// Area, when set, limits every page, API answer and download to that
// province or district.
type User struct {
	Name     string
	Role     string
	Area     string
	Password string
	Token    string
}

// passwordIterations is PBKDF2-SHA256's work factor, OWASP's 2023 figure.
const passwordIterations = 600_000

// HashPassword returns the form User.Password holds:
// pbkdf2-sha256$iterations$salt$key, base64 without padding.
func HashPassword(password string) (string, error) {
	return hashPassword(password, passwordIterations)
}

func hashPassword(password string, iter int) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, iter, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", iter, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// checkHash validates a stored hash's form (for the config's checks).
func checkHash(h string) (iter int, salt, key []byte, err error) {
	parts := strings.Split(h, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return 0, nil, nil, fmt.Errorf("not a pbkdf2-sha256$iterations$salt$key hash (make one with vitalstats passwd)")
	}
	iter, err = strconv.Atoi(parts[1])
	if err != nil || iter < 1 {
		return 0, nil, nil, fmt.Errorf("bad iteration count %q", parts[1])
	}
	enc := base64.RawStdEncoding
	if salt, err = enc.DecodeString(parts[2]); err != nil {
		return 0, nil, nil, fmt.Errorf("bad salt: %w", err)
	}
	if key, err = enc.DecodeString(parts[3]); err != nil || len(key) == 0 {
		return 0, nil, nil, fmt.Errorf("bad key")
	}
	return iter, salt, key, nil
}

func verifyPassword(hash, password string) bool {
	iter, salt, key, err := checkHash(hash)
	if err != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(key))
	return err == nil && subtle.ConstantTimeCompare(got, key) == 1
}

// NewToken returns a random bearer token and the hash User.Token holds.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (u *User) analyst() bool { return u.Role != "viewer" && u.Role != "" }

// downloads reports whether the user may fetch the releases' files.
func (u *User) downloads() bool { return u.Role == "researcher" || u.Role == "admin" }

// scope is the area a user may see; "KH" is everywhere.
func (u *User) scope() string {
	if u.Area == "" {
		return "KH"
	}
	return u.Area
}

func randomID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessions are held in memory: a restart signs everyone out, which is
// acceptable for a ministry intranet server and keeps no secret on disk.
type sessions struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]*session
}

type session struct {
	user    *User
	csrf    string
	expires time.Time
}

func (s *sessions) create(u *User) (id string, ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for k, v := range s.m { // sweep expired sessions as new ones come
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	id = randomID()
	ss = &session{user: u, csrf: randomID(), expires: now.Add(s.ttl)}
	s.m[id] = ss
	return id, ss
}

func (s *sessions) get(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[id]
	if ss == nil || time.Now().After(ss.expires) {
		delete(s.m, id)
		return nil
	}
	return ss
}

func (s *sessions) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

const (
	sessionCookie = "vs_session"
	csrfCookie    = "vs_csrf"
)

// who is the user a request comes from: a bearer token, a session cookie,
// or nobody (nil).
func (s *Server) who(r *http.Request) (*User, *session) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		got := tokenHash(strings.TrimPrefix(h, "Bearer "))
		for i := range s.opt.Users {
			u := &s.opt.Users[i]
			if u.Token != "" && subtle.ConstantTimeCompare([]byte(u.Token), []byte(got)) == 1 {
				return u, nil
			}
		}
		return nil, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	ss := s.sessions.get(c.Value)
	if ss == nil {
		return nil, nil
	}
	return ss.user, ss
}

func (s *Server) cookie(name, value string, httpOnly bool, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: httpOnly, Secure: !s.opt.InsecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge}
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	token := randomID()
	http.SetCookie(w, s.cookie(csrfCookie, token, true, 3600))
	next := safeNext(r.URL.Query().Get("next"))
	if !slices.Contains(Langs, r.URL.Query().Get("lang")) {
		// without a choice, the form speaks the language of the page it leads to
		for _, l := range Langs {
			if strings.HasPrefix(next, "/"+l+"/") {
				lang = l
			}
		}
	}
	if l := r.URL.Query().Get("lang"); slices.Contains(Langs, l) {
		// the language chosen on the sign-in form is the pages' language too
		http.SetCookie(w, &http.Cookie{Name: "vs_lang", Value: l, Path: "/", MaxAge: 365 * 86400,
			SameSite: http.SameSiteLaxMode, Secure: !s.opt.InsecureCookies})
	}
	ld := loginData{Lang: lang, CSRF: token, Next: next, Failed: r.URL.Query().Get("failed") != "", Assets: serverLinks{}.assets()}
	for _, l := range Langs {
		q := url.Values{"lang": {l}, "next": {next}}
		ld.LangLinks = append(ld.LangLinks, link{Label: map[string]string{"en": "English", "km": "ខ្មែរ"}[l], Href: "/login?" + q.Encode(), Active: l == lang})
	}
	s.render(w, r, http.StatusOK, "login", ld)
}

// loginLang is the language of a posted sign-in form (its lang field), else
// the request's.
func (s *Server) loginLang(r *http.Request) string {
	if l := r.PostFormValue("lang"); slices.Contains(Langs, l) {
		return l
	}
	return s.lang(r)
}

// Bounds of a sign-in form, checked before anything costs: a name or a
// password beyond them is no account's (names in the config are short), and
// would only fill memory and logs.
const (
	maxLoginBody     = 16 << 10
	maxNameBytes     = 128
	maxPasswordBytes = 1024
)

// Sign-in limits. Each attempt is taken from its budgets before the password
// is hashed, so concurrent attempts cannot all pass a check made before the
// hash and counted after it.
//   - per client address: floods from one place are refused without hashing;
//   - per account and client address: failures (5, then one per 3 minutes,
//     as many as the old 5 per 15 minutes) slow guessing at an account from
//     one place, and a success there clears them. They are not counted per
//     account alone: a guesser elsewhere cannot lock the account's owner out.
//
// Distributed guessing is bounded by the hashing itself: hashSlots hashes at
// a time, server-wide.
const (
	clientEvery       = 2 * time.Second
	clientBurst       = 30
	failureEvery      = 3 * time.Minute
	maxFailures       = 5
	maxLimiterEntries = 10_000
	// hashWait is how long an attempt waits for a hashing slot before it is
	// told to come back: a flood must not queue up minutes of work.
	hashWait = 5 * time.Second
)

// hashSlotsFor is how many passwords are hashed at once: half the cores, so
// that a flood of sign-ins leaves the pages the other half.
func hashSlotsFor(procs int) int { return max(1, procs/2) }

// checkPassword hashes under a slot of s.hashSlots; an error when none came
// free in time.
func (s *Server) checkPassword(r *http.Request, hash, pass string) (bool, error) {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case s.hashSlots <- struct{}{}:
	case <-t.C:
		return false, errors.New("no hashing slot came free")
	case <-r.Context().Done():
		return false, r.Context().Err()
	}
	defer func() { <-s.hashSlots }()
	return s.verify(hash, pass), nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		code := http.StatusBadRequest
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			code = http.StatusRequestEntityTooLarge
		}
		s.errorPage(w, r, s.lang(r), code, tr(s.lang(r), "err_login_malformed"), "/login?lang="+s.lang(r))
		return
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || s.origins.Check(r) != nil || r.PostFormValue("csrf") == "" ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		lang := s.loginLang(r)
		s.errorPage(w, r, lang, http.StatusForbidden, tr(lang, "err_login_form"), "/login?lang="+lang)
		return
	}
	lang := s.loginLang(r)
	name, pass := r.PostFormValue("user"), r.PostFormValue("password")
	if len(name) > maxNameBytes || len(pass) > maxPasswordBytes {
		s.errorPage(w, r, lang, http.StatusBadRequest, tr(lang, "err_login_size"), "/login?lang="+lang)
		return
	}
	client := s.client(r)
	ck := limitKey(client)
	now := time.Now()
	if ok, wait, first := s.perClient.take(ck, now); !ok {
		if first {
			s.opt.Log.Warn("sign-in refused: too many sign-ins from this address", "client", client)
		}
		s.tooMany(w, r, lang, wait)
		return
	}
	acct := ck + "\x00" + name
	if ok, wait, first := s.failures.take(acct, now); !ok {
		if first {
			s.opt.Log.Warn("sign-in refused: too many failures for this account from this address", "user", s.logName(name), "client", client)
		}
		s.tooMany(w, r, lang, wait)
		return
	}
	var user *User
	for i := range s.opt.Users {
		if s.opt.Users[i].Name == name && s.opt.Users[i].Password != "" {
			user = &s.opt.Users[i]
		}
	}
	// An unknown name costs the same as a wrong password.
	hash := s.dummyHash
	if user != nil {
		hash = user.Password
	}
	ok, err := s.checkPassword(r, hash, pass)
	if err != nil {
		w.Header().Set("Retry-After", "5")
		s.errorPage(w, r, lang, http.StatusServiceUnavailable, tr(lang, "err_login_busy"), "/login?lang="+lang)
		return
	}
	if !ok || user == nil {
		s.opt.Log.Warn("sign-in refused", "user", s.logName(name), "client", client)
		http.Redirect(w, r, "/login?failed=1&lang="+lang+"&next="+url.QueryEscape(safeNext(r.PostFormValue("next"))), http.StatusSeeOther)
		return
	}
	s.failures.forget(acct)
	id, ss := s.sessions.create(user)
	http.SetCookie(w, s.cookie(sessionCookie, id, true, int(s.sessions.ttl.Seconds())))
	// The page script copies this token into the sign-out form.
	http.SetCookie(w, s.cookie(csrfCookie, ss.csrf, false, int(s.sessions.ttl.Seconds())))
	s.opt.Log.Info("signed in", "user", user.Name, "role", user.Role, "client", client)
	http.Redirect(w, r, inLang(safeNext(r.PostFormValue("next")), lang), http.StatusSeeOther)
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, lang string, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(wait, time.Second).Seconds()))))
	s.errorPage(w, r, lang, http.StatusTooManyRequests, tr(lang, "err_too_many"), "/login?lang="+lang)
}

// logName is how the log names the user of a failed sign-in: a configured
// account by its name; anything else by a short keyed hash, which tells
// repeated names apart without writing them (a password typed into the
// name field, or megabytes of junk).
func (s *Server) logName(name string) string {
	for i := range s.opt.Users {
		if s.opt.Users[i].Name == name {
			return name
		}
	}
	m := hmac.New(sha256.New, s.logKey)
	m.Write([]byte(name))
	return fmt.Sprintf("unknown:%x", m.Sum(nil)[:4])
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ss := s.sessions.get(c.Value)
	if ss == nil || s.origins.Check(r) != nil || subtle.ConstantTimeCompare([]byte(ss.csrf), []byte(r.PostFormValue("csrf"))) != 1 {
		s.errorPage(w, r, s.lang(r), http.StatusForbidden, tr(s.lang(r), "err_logout"), "")
		return
	}
	s.sessions.drop(c.Value)
	http.SetCookie(w, s.cookie(sessionCookie, "", true, -1))
	http.SetCookie(w, s.cookie(csrfCookie, "", false, -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// limiters hold one token bucket per key (a client address, or an account
// at an address), at most max of them: an entry idle long enough for its
// bucket to be full again is dropped, being the same as a new one, and past
// max the least recently used goes.
type limiters struct {
	mu    sync.Mutex
	every time.Duration
	burst int
	max   int
	ll    *list.List // of *limiterEntry, most recently used first
	m     map[string]*list.Element
}

type limiterEntry struct {
	key    string
	lim    *rate.Limiter
	used   time.Time
	logged bool // a refusal was logged since the last attempt allowed
}

func newLimiters(every time.Duration, burst, max int) *limiters {
	return &limiters{every: every, burst: burst, max: max, ll: list.New(), m: map[string]*list.Element{}}
}

// take uses one attempt of key's budget at now. When none is left it says
// how long until the next, and whether this is the first refusal since the
// last attempt allowed (the one worth logging).
func (l *limiters) take(key string, now time.Time) (ok bool, wait time.Duration, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	refill := l.every * time.Duration(l.burst)
	for b := l.ll.Back(); b != nil && now.Sub(b.Value.(*limiterEntry).used) > refill; b = l.ll.Back() {
		l.remove(b)
	}
	el, found := l.m[key]
	if !found {
		if l.ll.Len() >= l.max {
			l.remove(l.ll.Back())
		}
		el = l.ll.PushFront(&limiterEntry{key: key, lim: rate.NewLimiter(rate.Every(l.every), l.burst)})
		l.m[key] = el
	}
	l.ll.MoveToFront(el)
	e := el.Value.(*limiterEntry)
	e.used = now
	if e.lim.AllowN(now, 1) {
		e.logged = false
		return true, 0, false
	}
	wait = time.Duration((1 - e.lim.TokensAt(now)) * float64(l.every))
	first = !e.logged
	e.logged = true
	return false, wait, first
}

// forget clears key's record (a success).
func (l *limiters) forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.m[key]; ok {
		l.remove(el)
	}
}

func (l *limiters) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ll.Len()
}

func (l *limiters) remove(el *list.Element) {
	l.ll.Remove(el)
	delete(l.m, el.Value.(*limiterEntry).key)
}

// client is the address a request comes from: the peer, or, when the peer
// is a trusted reverse proxy, the nearest address in X-Forwarded-For that is
// not one (the ones before it could be made up by the client).
func (s *Server) client(r *http.Request) netip.Addr {
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		a = ap.Addr()
	} else if p, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		a = p
	}
	a = a.Unmap()
	if !s.trustedProxy(a) {
		return a
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		p, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = p.Unmap(); !s.trustedProxy(a) {
			break
		}
	}
	return a
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// limitKey is what a client's limits are kept under: its IPv4 address, or
// its IPv6 /64 (one host usually has a whole /64 to pick addresses from).
func limitKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// parseProxies reads Options.TrustedProxies: addresses or CIDR prefixes.
func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an IP address or a CIDR prefix", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// safeNext keeps a post-login redirect on this server: a path-absolute URL
// (one "/", then no "/" or "\", which browsers read as a host to go to) of
// printable ASCII, as the server's own redirects write it. Tabs, newlines
// and spaces are refused, not kept: browsers strip them before reading the
// URL, and "/\t/host" is "//host" to Chromium.
// inLang is a page's address in lang: the language chosen on the sign-in
// form wins over the one of the page that sent the browser there.
func inLang(next, lang string) string {
	for _, l := range Langs {
		if l != lang && strings.HasPrefix(next, "/"+l+"/") {
			return "/" + lang + next[len(l)+1:]
		}
	}
	return next
}

func safeNext(p string) string {
	if len(p) > 2048 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	return p
}
