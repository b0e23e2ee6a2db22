package dashboards

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// get asks the server as a user (by a session made directly) or as nobody.
func get(t *testing.T, s *Server, user, target string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	if user != "" {
		for i := range s.opt.Users {
			if s.opt.Users[i].Name == user {
				id, _ := s.sessions.create(&s.opt.Users[i])
				r.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
			}
		}
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func TestPagesRender(t *testing.T) {
	s := fixServer(t, "")
	for _, lang := range Langs {
		for _, p := range pages {
			w := get(t, s, "admin", "/"+lang+"/"+p.ID)
			if w.Code != 200 {
				t.Fatalf("%s/%s: %d %s", lang, p.ID, w.Code, w.Body)
			}
			body := w.Body.String()
			for k := range words {
				if lang == "km" && strings.Contains(body, ">"+k+"<") {
					t.Errorf("%s/%s shows the untranslated key %q", lang, p.ID, k)
				}
			}
			if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
				t.Errorf("%s/%s links outside the server", lang, p.ID)
			}
		}
	}
}

func TestUnauthenticatedRefused(t *testing.T) {
	s := fixServer(t, "")
	for _, target := range []string{"/en/overview", "/km/completeness", "/api/overview", "/csv/overview/kpi.csv", "/"} {
		w := get(t, s, "", target)
		switch {
		case strings.HasPrefix(target, "/api") || strings.HasPrefix(target, "/csv"):
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", target, w.Code)
			}
		case w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login"):
			t.Errorf("%s: %d to %q, want a redirect to /login", target, w.Code, w.Header().Get("Location"))
		}
	}
	// a bad token is nobody
	r := httptest.NewRequest("GET", "/api/overview", nil)
	r.Header.Set("Authorization", "Bearer nope")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("bad token: %d", w.Code)
	}
	// the public page and nothing else
	s = fixServer(t, "overview")
	if w := get(t, s, "", "/en/overview"); w.Code != 200 {
		t.Errorf("public page: %d", w.Code)
	}
	if w := get(t, s, "", "/en/fertility"); w.Code != http.StatusSeeOther {
		t.Errorf("non-public page without sign-in: %d", w.Code)
	}
}

func TestRoles(t *testing.T) {
	s := fixServer(t, "")
	for _, c := range []struct {
		user, page string
		code       int
	}{{"viewer", "overview", 200}, {"viewer", "quality", 403}, {"viewer", "runs", 403},
		{"analyst", "quality", 200}, {"researcher", "runs", 200}, {"admin", "runs", 200}} {
		if w := get(t, s, c.user, "/en/"+c.page); w.Code != c.code {
			t.Errorf("%s on %s: %d, want %d", c.user, c.page, w.Code, c.code)
		}
	}
}

// TestScopedViewer: a viewer limited to Kampot sees no other area, through
// pages, the API or CSV downloads.
func TestScopedViewer(t *testing.T) {
	s := fixServer(t, "")
	d := s.data.Load()
	for _, p := range pages {
		if p.Analyst {
			continue
		}
		for _, target := range []string{"/en/" + p.ID, "/km/" + p.ID, "/api/" + p.ID, "/en/" + p.ID + "?area=0701"} {
			w := get(t, s, "kampot", target)
			if w.Code != 200 {
				t.Fatalf("%s: %d %s", target, w.Code, w.Body)
			}
			body := w.Body.String()
			for _, code := range d.provinces {
				if code == "07" {
					continue
				}
				for _, lang := range Langs {
					if name := d.name(code, lang); strings.Contains(body, name) {
						t.Errorf("%s shows %s (%s)", target, name, code)
					}
				}
				if strings.Contains(body, `"code":"`+code+`"`) {
					t.Errorf("%s holds data of area %s", target, code)
				}
			}
			if strings.Contains(body, d.name("KH", "en")) && strings.HasPrefix(target, "/api") {
				t.Errorf("%s shows national figures", target)
			}
		}
		// Every CSV of the page holds Kampot's rows only.
		var api struct {
			Frames []struct{ ID string } `json:"frames"`
		}
		json.Unmarshal(get(t, s, "kampot", "/api/"+p.ID).Body.Bytes(), &api)
		for _, f := range api.Frames {
			w := get(t, s, "kampot", "/csv/"+p.ID+"/"+f.ID+".csv")
			if w.Code != 200 {
				t.Fatalf("csv %s: %d", f.ID, w.Code)
			}
			recs, err := csv.NewReader(w.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs[1:] {
				if code := r[1]; (len(code) == 2 || len(code) == 4) && code != "07" && !strings.HasPrefix(code, "07") && isArea(d, code) {
					t.Errorf("csv %s/%s has a row of %s", p.ID, f.ID, code)
				}
			}
		}
	}
	for _, target := range []string{"/en/overview?area=12", "/api/completeness?area=KH", "/csv/overview/kpi.csv?area=0801", "/en/fertility?area=1201"} {
		if w := get(t, s, "kampot", target); w.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", target, w.Code)
		}
	}
}

func isArea(d *Data, code string) bool { _, ok := d.names[code]; return ok }

// TestSuppressed: the small district's counts (3 events) show as suppressed
// in the page, the API and the CSV, and its value appears nowhere.
func TestSuppressed(t *testing.T) {
	s := fixServer(t, "")
	q := "?area=" + fixSmall + "&year=2018"
	page := get(t, s, "admin", "/en/fertility"+q).Body.String()
	if !strings.Contains(page, `class="suppressed"`) {
		t.Error("page: no suppressed cell")
	}
	var api struct {
		Frames []struct {
			ID    string `json:"id"`
			Cells []struct {
				Value      *float64 `json:"value"`
				Numerator  *float64 `json:"numerator"`
				Suppressed bool     `json:"suppressed"`
			} `json:"cells"`
		} `json:"frames"`
	}
	if err := json.Unmarshal(get(t, s, "admin", "/api/fertility"+q).Body.Bytes(), &api); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range api.Frames {
		for _, c := range f.Cells {
			if !c.Suppressed || c.Value != nil || c.Numerator != nil {
				t.Errorf("%s: a cell of %s is not suppressed: %+v", f.ID, fixSmall, c)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no cells for the small district")
	}
	body, _ := io.ReadAll(get(t, s, "admin", "/csv/fertility/tfr_trend.csv"+q).Body)
	if !strings.Contains(string(body), "suppressed") {
		t.Errorf("csv: no suppressed cell:\n%s", body)
	}
}

// TestCSVMatchesChart: each CSV row is the value the chart's option draws.
func TestCSVMatchesChart(t *testing.T) {
	s := fixServer(t, "")
	v := view{d: s.data.Load(), f: Filter{Year: 2018, Area: "KH", Sex: "T"}, lang: "en", scope: "KH"}
	for _, f := range completenessPage(v) {
		w := get(t, s, "admin", "/csv/completeness/"+f.ID+".csv?year=2018")
		recs, err := csv.NewReader(w.Body).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s: %v %d rows", f.ID, err, len(recs))
		}
		if f.ID == "compl_map" && len(recs)-1 != 25 {
			t.Errorf("map csv: %d provinces", len(recs)-1)
		}
		for _, r := range recs[1:] {
			k := map[string]float64{"registered": 0.5, "registered within the legal limit": 0.4}[r[2]]
			if f.ID == "compl_deaths" {
				k -= 0.2
			}
			want := fixValue(r[1], 2018, k)
			if got, err := strconv.ParseFloat(r[3], 64); err != nil || math.Abs(got-want) > 1e-12 {
				t.Errorf("%s %s %s: %s, want %v", f.ID, r[1], r[2], r[3], want)
			}
		}
	}
}

func TestLoginLogout(t *testing.T) {
	s := fixServer(t, "")
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	form := func(cookieToken, csrf, user, pass, origin string) *http.Response {
		v := url.Values{"csrf": {csrf}, "user": {user}, "password": {pass}, "next": {"/en/fertility"}}
		r, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if cookieToken != "" {
			r.AddCookie(&http.Cookie{Name: csrfCookie, Value: cookieToken})
		}
		res, err := c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if r := form("", "x", "viewer", "password-viewer", ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF cookie: %d", r.StatusCode)
	}
	if r := form("abc", "abd", "viewer", "password-viewer", ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("CSRF mismatch: %d", r.StatusCode)
	}
	if r := form("abc", "abc", "viewer", "password-viewer", "http://evil.example"); r.StatusCode != http.StatusForbidden {
		t.Errorf("other origin: %d", r.StatusCode)
	}
	if r := form("abc", "abc", "viewer", "wrong", ""); !strings.Contains(r.Header.Get("Location"), "failed") {
		t.Errorf("wrong password: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	// Five wrong passwords lock the name, not the others.
	for i := 0; i < 5; i++ {
		form("abc", "abc", "analyst", "wrong", "")
	}
	if r := form("abc", "abc", "analyst", "password-analyst", ""); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sign-in after 5 failures: %d", r.StatusCode)
	}
	r := form("abc", "abc", "viewer", "password-viewer", ts.URL)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/en/fertility" {
		t.Fatalf("sign-in: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	var session, token string
	for _, ck := range r.Cookies() {
		switch ck.Name {
		case sessionCookie:
			session = ck.Value
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie: %+v", ck)
			}
		case csrfCookie:
			token = ck.Value
		}
	}
	page, _ := http.NewRequest("GET", ts.URL+"/en/fertility", nil)
	page.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	if res, err := c.Do(page); err != nil || res.StatusCode != 200 {
		t.Fatalf("page after sign-in: %v %v", err, res.StatusCode)
	}
	out := func(csrf string) int {
		r, _ := http.NewRequest("POST", ts.URL+"/logout", strings.NewReader("csrf="+url.QueryEscape(csrf)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
		res, err := c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if code := out("forged"); code != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: %d", code)
	}
	if code := out(token); code != http.StatusSeeOther {
		t.Errorf("sign-out: %d", code)
	}
	if res, _ := c.Do(page); res.StatusCode != http.StatusSeeOther {
		t.Errorf("page after sign-out: %d", res.StatusCode)
	}
}

func TestBearerToken(t *testing.T) {
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(Options{Users: []User{{Name: "script", Role: "analyst", Token: hash}}, GeoJSON: fixGeo(t)})
	if err != nil {
		t.Fatal(err)
	}
	s.SetData(fixData(t))
	r := httptest.NewRequest("GET", "/api/quality", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Errorf("token: %d", w.Code)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := hashPassword("correct horse", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !verifyPassword(h, "correct horse") || verifyPassword(h, "correct horsf") || verifyPassword("garbage", "x") {
		t.Error("verifyPassword")
	}
	for _, bad := range []User{{Name: "a", Role: "boss", Password: h}, {Name: "a", Role: "viewer"}, {Name: "a", Role: "viewer", Password: "plain"},
		{Name: "a", Role: "viewer", Password: h, Area: "7"}, {Name: "a", Role: "viewer", Token: "abc"}} {
		if _, err := NewServer(Options{Users: []User{bad}, GeoJSON: fixGeo(t)}); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestStaticSite: a static copy holds what the server gives an account of the
// copy's area, no more: every CSV is byte for byte the one served to it for
// the same page, area and language, and a copy for a province or a district
// holds that area only.
func TestStaticSite(t *testing.T) {
	s := fixServer(t, "")
	d := s.data.Load()
	for _, c := range []struct {
		scope, user string
		areas       []string
	}{{"", "viewer", append([]string{"KH"}, d.provinces...)}, {"07", "kampot", []string{"07"}}, {fixSmall, "small", []string{fixSmall}}} {
		dir := t.TempDir()
		n, err := s.ExportSite(dir, c.scope)
		if err != nil {
			t.Fatal(err)
		}
		if n < 2*5*len(c.areas) {
			t.Errorf("scope %q: %d files", c.scope, n)
		}
		areas, csvs := map[string]bool{}, 0
		for _, lang := range Langs {
			for _, p := range pages {
				files, _ := os.ReadDir(filepath.Join(dir, lang, p.ID))
				if p.Analyst && len(files) > 0 {
					t.Errorf("scope %q: the analysts' page %s is in the copy", c.scope, p.ID)
				}
				for _, f := range files {
					name := f.Name()
					if area, ok := strings.CutSuffix(name, ".html"); ok {
						areas[area] = true
						continue
					}
					area, frame, _ := strings.Cut(strings.TrimSuffix(name, ".csv"), "-")
					b, err := os.ReadFile(filepath.Join(dir, lang, p.ID, name))
					if err != nil {
						t.Fatal(err)
					}
					w := get(t, s, c.user, "/csv/"+p.ID+"/"+frame+".csv?lang="+lang+"&area="+area)
					if w.Code != 200 || w.Body.String() != string(b) {
						t.Errorf("scope %q: %s/%s/%s differs from what %s is served (%d):\n%s\nserved:\n%s", c.scope, lang, p.ID, name, c.user, w.Code, b, w.Body)
					}
					csvs++
				}
			}
		}
		if got := slices.Sorted(maps.Keys(areas)); !slices.Equal(got, slices.Sorted(slices.Values(c.areas))) || csvs == 0 {
			t.Errorf("scope %q: pages of %v (%d CSVs), want %v", c.scope, got, csvs, c.areas)
		}
	}
	if _, err := s.ExportSite(t.TempDir(), "7"); err == nil {
		t.Error("a static copy for area 7 was written")
	}
}

// TestEveryLabelTranslated: each literal label key the code asks for is in
// words, with both an English and a Khmer text.
func TestEveryLabelTranslated(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	tmpl, _ := filepath.Glob("templates/*.html")
	key := regexp.MustCompile(`(?:\bv\.t\(|\btr\([a-z.]+, |\bt \.Lang |\bt \$\.Lang )"([a-z0-9_]*[a-z0-9])"`)
	n := 0
	for _, f := range append(files, tmpl...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			n++
			if w, ok := words[m[1]]; !ok || w[0] == "" || w[1] == "" {
				t.Errorf("%s: label %q has no English or Khmer text", f, m[1])
			}
		}
	}
	if n < 40 {
		t.Errorf("found only %d label keys: the pattern is out of date", n)
	}
}

// TestWithheldLifeTables: a withheld life table (NULL values, flag withheld)
// is shown by no chart or card: the e0 trend has no point for it, and the
// overview has no e0 card for it, while the tables beside it show.
func TestWithheldLifeTables(t *testing.T) {
	s := fixServer(t, "")
	v := view{d: s.data.Load(), f: Filter{Year: 2017, Area: "KH", Sex: "T"}, lang: "en", scope: "KH"}
	has := func(f *frame, series, x string) bool {
		for si, name := range f.Series {
			for xi, key := range f.XKey {
				if name == series && key == x && f.Cells[si][xi] != nil {
					return true
				}
			}
		}
		return false
	}
	e0 := mortalityPage(v)[0]
	for _, c := range []struct {
		series, year string
		want         bool
	}{
		{"Male, adjusted (GGB-SEG)", "2016", false}, {"Male, adjusted (GGB-SEG)", "2015", true}, {"Female, adjusted (GGB-SEG)", "2016", true},
		{"Female, registered", "2017", false}, {"Female, registered", "2016", true}, {"Male, registered", "2017", true},
	} {
		if got := has(e0, c.series, c.year); got != c.want {
			t.Errorf("e0 trend %s %s shown: %v, want %v", c.series, c.year, got, c.want)
		}
	}
	kpi := overview(v)[0]
	for _, c := range []struct {
		year, key string
		want      bool
	}{{"2017", "e0_F", false}, {"2016", "e0_F", true}, {"2017", "e0_M", true}} {
		if got := has(kpi, c.year, c.key); got != c.want {
			t.Errorf("overview card %s %s shown: %v, want %v", c.key, c.year, got, c.want)
		}
	}
	api := get(t, s, "admin", "/api/mortality?year=2017").Body.String()
	if strings.Contains(api, "withheld") {
		t.Error("the mortality API shows a withheld row")
	}
}
