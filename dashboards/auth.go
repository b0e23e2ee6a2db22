package dashboards

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
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

// sameOrigin refuses a form posted from another site, on top of the CSRF
// token: browsers send Origin with every POST.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	switch o {
	case "":
		return true
	case "null": // a browser keeping the origin to itself still says where the request comes from
		return r.Header.Get("Sec-Fetch-Site") == "same-origin"
	}
	o = strings.TrimPrefix(strings.TrimPrefix(o, "https://"), "http://")
	return o == r.Host
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	token := randomID()
	http.SetCookie(w, s.cookie(csrfCookie, token, true, 3600))
	s.render(w, r, http.StatusOK, "login", loginData{Lang: lang, CSRF: token, Next: safeNext(r.URL.Query().Get("next")),
		Failed: r.URL.Query().Get("failed") != "", Assets: serverLinks{}.assets()})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(csrfCookie)
	if err != nil || !sameOrigin(r) || r.PostFormValue("csrf") == "" ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		http.Error(w, "the form expired or came from another site; open the sign-in page again", http.StatusForbidden)
		return
	}
	name, pass := r.PostFormValue("user"), r.PostFormValue("password")
	if !s.attempts.allow(name) {
		s.opt.Log.Warn("sign-in refused: too many failures", "user", name, "remote", r.RemoteAddr)
		http.Error(w, "too many failed sign-ins for this account; try again in 15 minutes", http.StatusTooManyRequests)
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
	if ok := verifyPassword(hash, pass); !ok || user == nil {
		s.attempts.fail(name)
		s.opt.Log.Warn("sign-in refused", "user", name, "remote", r.RemoteAddr)
		http.Redirect(w, r, "/login?failed=1&next="+url.QueryEscape(safeNext(r.PostFormValue("next"))), http.StatusSeeOther)
		return
	}
	id, ss := s.sessions.create(user)
	http.SetCookie(w, s.cookie(sessionCookie, id, true, int(s.sessions.ttl.Seconds())))
	// The page script copies this token into the sign-out form.
	http.SetCookie(w, s.cookie(csrfCookie, ss.csrf, false, int(s.sessions.ttl.Seconds())))
	s.opt.Log.Info("signed in", "user", user.Name, "role", user.Role, "remote", r.RemoteAddr)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ss := s.sessions.get(c.Value)
	if ss == nil || !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(ss.csrf), []byte(r.PostFormValue("csrf"))) != 1 {
		http.Error(w, "the sign-out form is not valid", http.StatusForbidden)
		return
	}
	s.sessions.drop(c.Value)
	http.SetCookie(w, s.cookie(sessionCookie, "", true, -1))
	http.SetCookie(w, s.cookie(csrfCookie, "", false, -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// attempts limits password guessing: after maxFailures failed sign-ins of
// one name within lockout, that name is refused until they age out.
type attempts struct {
	mu sync.Mutex
	m  map[string][]time.Time
}

const (
	maxFailures = 5
	lockout     = 15 * time.Minute
)

func (a *attempts) recent(name string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range a.m[name] {
		if now.Sub(t) < lockout {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		delete(a.m, name)
	} else {
		a.m[name] = keep
	}
	return keep
}

func (a *attempts) allow(name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.recent(name, time.Now())) < maxFailures
}

func (a *attempts) fail(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string][]time.Time{}
	}
	a.m[name] = append(a.recent(name, time.Now()), time.Now())
}

// safeNext keeps a post-login redirect on this server.
func safeNext(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return "/"
	}
	return p
}
