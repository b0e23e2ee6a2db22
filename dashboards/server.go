package dashboards

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

//go:embed assets templates
var embedded embed.FS

// Options configure a Server.
type Options struct {
	Users []User
	// PublicPage is a page anyone may open without signing in; "" for none.
	PublicPage string
	// SessionTTL is how long a sign-in lasts (12 hours when 0).
	SessionTTL time.Duration
	// InsecureCookies leaves the Secure attribute off the cookies, for a
	// server reached over plain HTTP on another host than localhost.
	InsecureCookies bool
	// PublicOrigin is the address browsers reach the server at
	// (scheme://host[:port]) when a reverse proxy in front passes on another
	// Host header: a sign-in form posted from it is then not taken for
	// another site's. "" when the Host header is what browsers use.
	PublicOrigin string
	// TrustedProxies are the reverse proxies (IP addresses or CIDR
	// prefixes) whose X-Forwarded-For header names the client, for the
	// sign-in limits and the logs. Without them every client behind a proxy
	// is the proxy, and shares its sign-in budget.
	TrustedProxies []string
	// CauseNamesKm are the site's Khmer names of the causes of death, by
	// WHO Mortality Tabulation List 1 item (ReadCauseNames reads them from
	// the file serve.cause_names_km names); a cause without one is shown in
	// English on the Khmer pages, marked. Nil: all in English, marked.
	CauseNamesKm map[string]string
	// GeoJSON holds the provinces' polygons, with province_code, name_en and
	// name_km properties (refdata's cambodia/geo file).
	GeoJSON []byte
	// DistrictGeoJSON, where the site has a boundary file of its districts
	// (serve.district_map), holds their polygons, with district_code,
	// name_km and name_en (or name_latin) properties: a province's
	// completeness page then maps its districts too. Nil: the province map
	// only.
	DistrictGeoJSON []byte
	// Runs reads the scheduled jobs' history for the ETL runs page.
	Runs func() ([]Run, error)
	// Downloads lists the published releases' files, which researchers and
	// admins may fetch from ReleasesDir; each download is appended to AuditLog.
	Downloads   func() ([]Download, error)
	ReleasesDir string
	AuditLog    string
	// Cut gives an account limited to an area (User.Area) the part of a
	// release's file that lies within that area: it returns how to write
	// that part, or false when the file cannot be cut to the area (national
	// tables, a district asking for a file by province), in which case the
	// account is neither shown the file nor given it. Without Cut such
	// accounts get no file at all. The listing calls it for every file, so
	// it decides without reading the file; the CutFile does the work.
	Cut func(d Download, area string) (CutFile, bool)
	// CacheBytes bounds the rendered pages kept in memory (64 MiB when 0;
	// negative: none, every request is rendered, for benchmarks).
	CacheBytes int64
	// Review reads record linkage's review queue: up to limit pairs of an
	// event type (birth, death) waiting for an analyst, the most likely
	// matches first, and how many wait in all; ErrNoReviewQueue when the
	// warehouse has none. Nil: no review page.
	Review func(ctx context.Context, event string, limit int) ([]ReviewPair, int, error)
	// Decisions is the file the review page appends analysts' decisions
	// to, one JSON object a line (etl.LinkDecision), for the next ETL run.
	Decisions string
	Log       *slog.Logger
}

// Server serves the dashboards. SetData swaps in a new warehouse's data.
type Server struct {
	opt       Options
	data      atomic.Pointer[Data]
	sessions  sessions
	audit     auditLog
	decisions decisionsFile
	origins   *http.CrossOriginProtection
	proxies   []netip.Prefix
	perClient *limiters // sign-in attempts per client address
	failures  *limiters // sign-in failures per account and client address
	hashSlots chan struct{}
	verify    func(hash, password string) bool // verifyPassword; tests watch it
	logKey    []byte                           // keys the hashes that stand for unknown names in the log
	assets    map[string]asset
	tmpl      *template.Template
	mux       *http.ServeMux
	cache     *pageCache
	dummyHash string
}

type asset struct {
	body, gz []byte
	br       []byte // brotli, when scripts/assets.sh precompressed it (name.br beside it)
	etag     string
	ctype    string
}

// NewServer checks the options and prepares the assets.
func NewServer(opt Options) (*Server, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.SessionTTL == 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	if opt.CacheBytes == 0 {
		opt.CacheBytes = 64 << 20
	}
	if opt.PublicPage != "" {
		if p, ok := findPage(opt.PublicPage); !ok || p.Analyst {
			return nil, fmt.Errorf("public page %q is not one of the planners' pages (overview, completeness, fertility, mortality, causes)", opt.PublicPage)
		}
	}
	seen := map[string]bool{}
	for i, u := range opt.Users {
		switch {
		case u.Name == "":
			return nil, fmt.Errorf("user %d has no name", i+1)
		case seen[u.Name]:
			return nil, fmt.Errorf("user %q is listed twice", u.Name)
		case !slices.Contains(Roles, u.Role):
			return nil, fmt.Errorf("user %q: role %q is not one of %s", u.Name, u.Role, strings.Join(Roles, ", "))
		case u.Password == "" && u.Token == "":
			return nil, fmt.Errorf("user %q has neither a password hash nor a token hash", u.Name)
		case u.Area != "" && len(u.Area) != 2 && len(u.Area) != 4:
			return nil, fmt.Errorf("user %q: area %q is not a 2-digit province or 4-digit district code", u.Name, u.Area)
		}
		if u.Password != "" {
			if _, _, _, err := checkHash(u.Password); err != nil {
				return nil, fmt.Errorf("user %q: password: %w", u.Name, err)
			}
		}
		if u.Token != "" {
			if b, err := hex.DecodeString(u.Token); err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("user %q: token is not a SHA-256 in hex (make one with vitalstats passwd -token)", u.Name)
			}
		}
		seen[u.Name] = true
	}
	s := &Server{opt: opt, sessions: sessions{ttl: opt.SessionTTL, m: map[string]*session{}},
		cache:     newPageCache(opt.CacheBytes),
		origins:   http.NewCrossOriginProtection(),
		perClient: newLimiters(clientEvery, clientBurst, maxLimiterEntries),
		failures:  newLimiters(failureEvery, maxFailures, maxLimiterEntries),
		hashSlots: make(chan struct{}, hashSlotsFor(runtime.GOMAXPROCS(0))),
		verify:    verifyPassword,
		logKey:    []byte(randomID()),
	}
	var err error
	if opt.PublicOrigin != "" {
		if err := s.origins.AddTrustedOrigin(strings.TrimSuffix(opt.PublicOrigin, "/")); err != nil {
			return nil, fmt.Errorf("public origin: %w (want scheme://host[:port], e.g. https://stats.example.org)", err)
		}
	}
	if s.proxies, err = parseProxies(opt.TrustedProxies); err != nil {
		return nil, err
	}
	if s.dummyHash, err = hashPassword(randomID(), passwordIterations); err != nil {
		return nil, err
	}
	if s.tmpl, err = template.New("").Funcs(template.FuncMap{"t": tr, "options": options, "defArgs": defArgs, "frames": framesHTML,
		"glossary": glossaryHTML, "navLinks": navLinksHTML}).ParseFS(embedded, "templates/*.html"); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(opt.GeoJSON, opt.DistrictGeoJSON); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// SetData shows a new build of the warehouse from the next request on.
func (s *Server) SetData(d *Data) {
	s.data.Store(d)
	s.cache.clear()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Everything comes from this server: the browser refuses anything else.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer browsers send Origin: null on forms.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /assets/{path...}", s.serveAsset)
	m.HandleFunc("GET /downloads/{$}", s.downloads)
	m.HandleFunc("GET /downloads/{release}/{path...}", s.downloads)
	m.HandleFunc("GET /login", s.loginForm)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("POST /logout", s.logout)
	m.HandleFunc("POST /review", s.decide)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.data.Load() == nil {
			http.Error(w, "no warehouse loaded", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		u, _ := s.who(r)
		if u == nil && s.opt.PublicPage == "" {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		target := "overview"
		if u == nil {
			target = s.opt.PublicPage
		}
		http.Redirect(w, r, "/"+s.lang(r)+"/"+target, http.StatusSeeOther)
	})
	for _, lang := range Langs {
		m.HandleFunc("GET /"+lang+"/downloads", s.downloadsPage(lang))
		m.HandleFunc("GET /"+lang+"/review", s.reviewPage(lang))
		// The methods document holds no data: anyone may read it, as the
		// static copy's reader does.
		m.HandleFunc("GET /"+lang+"/methods", func(w http.ResponseWriter, r *http.Request) {
			s.render(w, r, http.StatusOK, "methods", methodsData(lang, "/assets/", "/"+lang+"/overview"))
		})
		m.HandleFunc("GET /"+lang+"/{page}", func(w http.ResponseWriter, r *http.Request) {
			s.serveData(w, r, "html", lang, r.PathValue("page"), "")
		})
	}
	m.HandleFunc("GET /api/{page}", func(w http.ResponseWriter, r *http.Request) {
		s.serveData(w, r, "json", s.lang(r), r.PathValue("page"), "")
	})
	m.HandleFunc("GET /csv/{page}/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.serveData(w, r, "csv", s.lang(r), r.PathValue("page"), strings.TrimSuffix(r.PathValue("file"), ".csv"))
	})
	// Anything else: an error page in the page frame, not a bare line.
	m.HandleFunc("/", s.notFound)
	s.mux = m
}

// lang is the language a request asks for: ?lang=, else the cookie the
// last page set, else English.
func (s *Server) lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); slices.Contains(Langs, l) {
		return l
	}
	if c, err := r.Cookie("vs_lang"); err == nil && slices.Contains(Langs, c.Value) {
		return c.Value
	}
	return Langs[0]
}

// serveData answers a page, its JSON or one of its CSVs, after checking who
// asks and what they may see.
func (s *Server) serveData(w http.ResponseWriter, r *http.Request, kind, lang, pageID, frameID string) {
	// fail answers a browser with an error page in its language, a script
	// with a line of text.
	fail := func(status int, msg, back string) {
		if kind == "html" {
			s.errorPage(w, r, lang, status, msg, back)
			return
		}
		http.Error(w, msg, status)
	}
	if !slices.Contains(Langs, lang) {
		lang = Langs[0]
		fail(http.StatusNotFound, tr(lang, "err_not_found"), "")
		return
	}
	d := s.data.Load()
	if d == nil {
		fail(http.StatusServiceUnavailable, tr(lang, "err_not_loaded"), "")
		return
	}
	p, ok := findPage(pageID)
	if !ok {
		fail(http.StatusNotFound, tr(lang, "err_not_found"), "")
		return
	}
	u, _ := s.who(r)
	public := u == nil && s.opt.PublicPage == p.ID
	switch {
	case u == nil && !public:
		if kind == "html" {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		} else {
			http.Error(w, "sign in first", http.StatusUnauthorized)
		}
		return
	case u != nil && p.Analyst && !u.analyst():
		fail(http.StatusForbidden, tr(lang, "forbidden"), "")
		return
	}
	scope := "KH"
	viewer := "public"
	if u != nil {
		scope, viewer = u.scope(), u.Name
	}
	f, status, err := parseFilter(d, r.URL.Query(), scope)
	if err != nil {
		// the way back is the same page without the filter it could not show
		fail(status, message(lang, err), "/"+lang+"/"+p.ID)
		return
	}
	if kind == "html" {
		http.SetCookie(w, &http.Cookie{Name: "vs_lang", Value: lang, Path: "/", MaxAge: 365 * 86400,
			SameSite: http.SameSiteLaxMode, Secure: !s.opt.InsecureCookies})
	}
	// A CSV starts with a byte-order mark, for spreadsheet programs;
	// ?bom=0 leaves it out, for programs that read it as data.
	bom := true
	if kind == "csv" {
		switch r.URL.Query().Get("bom") {
		case "", "1":
		case "0":
			bom = false
		default:
			fail(http.StatusBadRequest, "bom: 0 (no byte-order mark) or 1 (the default)", "")
			return
		}
	}
	key := strings.Join([]string{kind, lang, p.ID, frameID, strconv.Itoa(f.Year), f.Area, f.Sex, scope, viewer, strconv.FormatBool(bom)}, "|")
	if p.ID == "runs" {
		key = "" // the history changes between builds
	}
	if e, ok := s.cache.get(key); ok {
		if e.disposition != "" {
			w.Header().Set("Content-Disposition", e.disposition)
		}
		writeBody(w, r, e.ctype, e.gz, e.etag)
		return
	}
	v := view{d: d, f: f, lang: lang, scope: scope, causesKm: s.opt.CauseNamesKm, districtMap: s.opt.DistrictGeoJSON != nil}
	if p.ID == "runs" && s.opt.Runs != nil {
		if v.runs, err = s.opt.Runs(); err != nil {
			s.opt.Log.Error("read job history", "err", err)
		}
	}
	frames := p.frames(v)
	// the page is written into a pooled buffer: put keeps only its gzip
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer renderBuffers.Put(buf)
	var ctype, disposition string
	switch kind {
	case "html":
		ctype = "text/html; charset=utf-8"
		err = s.tmpl.ExecuteTemplate(buf, "page", s.pageData(v, p, frames, serverLinks{}, u))
	case "json":
		ctype = "application/json"
		err = writeJSON(buf, v, p, frames)
	case "csv":
		ctype = "text/csv; charset=utf-8"
		i := slices.IndexFunc(frames, func(fr *frame) bool { return fr.ID == frameID })
		if i < 0 {
			fail(http.StatusNotFound, tr(lang, "err_not_found"), "")
			return
		}
		disposition = fmt.Sprintf(`attachment; filename="%s-%s-%d.csv"`, frameID, f.Area, f.Year)
		if err = frames[i].writeCSV(buf); err == nil && !bom {
			buf.Next(len(csvBOM))
		}
	}
	if err != nil {
		s.opt.Log.Error("render", "page", p.ID, "kind", kind, "err", err)
		fail(http.StatusInternalServerError, tr(lang, "err_internal"), "")
		return
	}
	e := s.cache.put(key, ctype, disposition, buf.Bytes())
	if disposition != "" {
		w.Header().Set("Content-Disposition", disposition)
	}
	writeBody(w, r, ctype, e.gz, e.etag)
}

// parseFilter reads year, area and sex from a query, defaulting to the
// data's year, the viewer's scope and both sexes. An area outside the scope
// is refused, not silently replaced.
func parseFilter(d *Data, q url.Values, scope string) (Filter, int, error) {
	f := Filter{Year: d.Year, Area: scope, Sex: "T"}
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || !slices.Contains(d.years, n) {
			return f, http.StatusBadRequest, &filterError{"err_bad_year", []any{strconv.Quote(y), d.years[0], d.years[len(d.years)-1]}}
		}
		f.Year = n
	}
	if a := q.Get("area"); a != "" {
		if _, ok := d.names[a]; !ok {
			return f, http.StatusBadRequest, &filterError{"err_bad_area", []any{strconv.Quote(a)}}
		}
		if !within(a, scope) {
			return f, http.StatusForbidden, &filterError{"err_outside", []any{a}}
		}
		f.Area = a
	}
	if sx := q.Get("sex"); sx != "" {
		if sx != "T" && sx != "M" && sx != "F" {
			return f, http.StatusBadRequest, &filterError{"err_bad_sex", []any{strconv.Quote(sx)}}
		}
		f.Sex = sx
	}
	return f, 0, nil
}

func writeJSON(w io.Writer, v view, p page, frames []*frame) error {
	type jcell struct {
		X          string   `json:"x"`
		Code       string   `json:"code"`
		Series     string   `json:"series"`
		Value      *float64 `json:"value"`
		CILow      *float64 `json:"ci_low,omitempty"`
		CIHigh     *float64 `json:"ci_high,omitempty"`
		Numerator  *float64 `json:"numerator,omitempty"`
		Den        *float64 `json:"denominator,omitempty"`
		Flags      []string `json:"flags,omitempty"`
		Basis      string   `json:"basis,omitempty"`
		Suppressed bool     `json:"suppressed,omitempty"`
		Text       string   `json:"text,omitempty"`
	}
	type jframe struct {
		ID    string  `json:"id"`
		Title string  `json:"title"`
		Cells []jcell `json:"cells"`
	}
	out := struct {
		Page   string   `json:"page"`
		Filter Filter   `json:"filter"`
		Frames []jframe `json:"frames"`
	}{Page: p.ID, Filter: v.f}
	opt := func(x float64, ok bool) *float64 {
		if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return &x
	}
	for _, f := range frames {
		jf := jframe{ID: f.ID, Title: f.Title, Cells: []jcell{}}
		for s, name := range f.Series {
			for x, c := range f.Cells[s] {
				if c == nil {
					continue
				}
				jf.Cells = append(jf.Cells, jcell{X: f.X[x], Code: f.XKey[x], Series: name, Value: opt(c.Value, c.HasValue),
					CILow: opt(c.Low, c.HasCI), CIHigh: opt(c.High, c.HasCI), Numerator: opt(c.Num, c.HasNum),
					Den: opt(c.Den, c.HasDen), Flags: c.Flags, Basis: c.Basis, Suppressed: c.Suppressed, Text: c.Text})
			}
		}
		out.Frames = append(out.Frames, jf)
	}
	return json.NewEncoder(w).Encode(out)
}

// render writes an HTML page of the templates (sign-in, downloads), uncached.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.opt.Log.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeBody sends a gzipped body, or unzips it for the rare client that
// does not take gzip.
func writeBody(w http.ResponseWriter, r *http.Request, ctype string, gz []byte, etag string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("ETag", etag)
	h.Add("Vary", "Accept-Encoding")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private, no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && match == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(gz)))
		w.Write(gz)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	io.Copy(w, zr)
}

// gzipWriters are reused: a new one allocates about a megabyte, more than
// the rest of a page's rendering. klauspost/compress's gzip (already in the
// module graph, through Parquet) writes the same format as the standard
// library's, a little smaller, in about two thirds of the time at
// BestSpeed: every page rendered is gzipped.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

// gzipKept compresses the answers the cache keeps until the next build:
// compressed once and sent many times, they are worth the best compression
// (a Khmer overview's HTML 16 KB at BestSpeed, 12 KB at best: a fifth of a
// second of a first visit on a 50 KB/s phone).
var gzipKept = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	return zw
}}

// renderBuffers hold pages being rendered and gzipped: a page is tens of
// kilobytes, grown from nothing a dozen times over without them.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func gzipBytes(b []byte, writers *sync.Pool) []byte {
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	zw := writers.Get().(*gzip.Writer)
	zw.Reset(buf)
	zw.Write(b)
	zw.Close()
	writers.Put(zw)
	out := bytes.Clone(buf.Bytes()) // the cache keeps it: no more than it needs
	renderBuffers.Put(buf)
	return out
}

func etagOf(b []byte) string {
	h := sha256.Sum256(b)
	return `"` + hex.EncodeToString(h[:12]) + `"`
}

// pageCache keeps rendered answers, gzipped, until the next build: the
// warehouse does not change in between, and a page costs milliseconds to
// render but microseconds to send.
type pageCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	ll    *list.List
	items map[string]*list.Element
}

type cached struct {
	key, ctype, etag string
	disposition      string // Content-Disposition, for a CSV
	gz               []byte
}

func newPageCache(max int64) *pageCache {
	return &pageCache{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *pageCache) get(key string) (*cached, bool) {
	if key == "" || c.max < 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*cached), true
	}
	return nil, false
}

func (c *pageCache) put(key, ctype, disposition string, body []byte) *cached {
	if key == "" || c.max < 0 {
		return &cached{key: key, ctype: ctype, disposition: disposition, etag: etagOf(body), gz: gzipBytes(body, &gzipWriters)}
	}
	e := &cached{key: key, ctype: ctype, disposition: disposition, etag: etagOf(body), gz: gzipBytes(body, &gzipKept)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.items[key]; ok {
		c.size -= int64(len(old.Value.(*cached).gz))
		c.ll.Remove(old)
	}
	c.items[key] = c.ll.PushFront(e)
	c.size += int64(len(e.gz))
	for c.size > c.max && c.ll.Len() > 1 {
		last := c.ll.Back()
		c.ll.Remove(last)
		old := last.Value.(*cached)
		delete(c.items, old.key)
		c.size -= int64(len(old.gz))
	}
	return e
}

func (c *pageCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	c.items = map[string]*list.Element{}
	c.size = 0
}

// loadAssets reads the embedded assets and makes the map scripts, one per
// language, from the GeoJSON.
func loadAssets(geo, districts []byte) (map[string]asset, error) {
	out := map[string]asset{}
	add := func(name string, body []byte) {
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[name] = asset{body: body, gz: gzipAsset(body), etag: etagOf(body), ctype: ct}
	}
	err := fs.WalkDir(embedded, "assets", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		add(strings.TrimPrefix(p, "assets/"), b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// name.br is name precompressed with brotli at build time (Go's library
	// has no brotli writer): served in its place to browsers that take br,
	// a sixth smaller than gzip for ECharts.
	for name, a := range out {
		base, ok := strings.CutSuffix(name, ".br")
		if !ok {
			continue
		}
		delete(out, name)
		if b, ok := out[base]; ok {
			b.br = a.body
			out[base] = b
		}
	}
	for _, need := range []string{"vendor/echarts.min.js", "vendor/fonts.css", "app.js", "app.css"} {
		if _, ok := out[need]; !ok {
			return nil, fmt.Errorf("dashboards: asset %s is not in the binary (run make assets, then rebuild)", need)
		}
	}
	for _, lang := range Langs {
		js, err := mapScript(geo, lang)
		if err != nil {
			return nil, err
		}
		add("map/KHM-"+lang+".js", js)
		if districts != nil {
			js, err := districtMapScript(districts, lang)
			if err != nil {
				return nil, err
			}
			add("map/KHM-dist-"+lang+".js", js)
		}
	}
	return out, nil
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[r.PathValue("path")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if a.br != nil && acceptsBrotli(r) && r.Header.Get("If-None-Match") != a.etag {
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("ETag", a.etag)
		h.Add("Vary", "Accept-Encoding")
		h.Set("Content-Encoding", "br")
		h.Set("Content-Length", strconv.Itoa(len(a.br)))
		w.Write(a.br)
		return
	}
	writeBody(w, r, a.ctype, a.gz, a.etag)
}

// acceptsBrotli reports whether a request's Accept-Encoding lists br
// (without q=0).
func acceptsBrotli(r *http.Request) bool {
	for _, e := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(e), ";")
		if strings.TrimSpace(name) != "br" {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

// gzipAsset compresses an asset once, at start-up, as small as gzip makes
// it: pages are gzipped per request at BestSpeed, but an asset is made once
// and ECharts is most of a first visit's bytes.
func gzipAsset(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// mapScript registers the provinces with ECharts under KHM-<lang>, each
// named in that language (the names the map's data items use), with
// coordinates rounded to about 10 m.
func mapScript(geo []byte, lang string) ([]byte, error) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string          `json:"type"`
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(geo, &fc); err != nil {
		return nil, fmt.Errorf("dashboards: province map: %w", err)
	}
	if len(fc.Features) == 0 {
		return nil, errors.New("dashboards: the province map has no features")
	}
	type feature struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
		Geometry   any               `json:"geometry"`
	}
	out := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection"}
	for _, f := range fc.Features {
		code, _ := f.Properties["province_code"].(string)
		name, _ := f.Properties["name_"+lang].(string)
		if code == "" || name == "" {
			return nil, fmt.Errorf("dashboards: a province polygon has no province_code or name_%s", lang)
		}
		var g any
		if err := json.Unmarshal(f.Geometry, &g); err != nil {
			return nil, err
		}
		out.Features = append(out.Features, feature{Type: "Feature", Properties: map[string]string{"name": name, "code": code}, Geometry: round(g)})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("echarts.registerMap(%q, %s);\n", "KHM-"+lang, b)), nil
}

func round(v any) any {
	switch x := v.(type) {
	case float64:
		return math.Round(x*1e4) / 1e4
	case []any:
		for i := range x {
			x[i] = round(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = round(x[k])
		}
	}
	return v
}
