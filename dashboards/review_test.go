package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fixQueue is a review queue in memory: n birth pairs, weights falling
// from 20, and one death pair. It answers as warehouse.ReviewQueue does:
// up to limit pairs, the most likely first, and how many wait.
type fixQueue struct {
	pairs  []ReviewPair
	err    error
	limits []int // the limit of each call
}

func newFixQueue(births int) *fixQueue {
	q := &fixQueue{}
	for i := range births {
		q.pairs = append(q.pairs, ReviewPair{EventType: "birth", Weight: 20 - float64(i)*0.25,
			Levels: "child=dice≥0.9, dob=exact, mother=jw≥0.88",
			A: ReviewRecord{EventID: fmt.Sprintf("b:2020:%04d", 2*i), RegNo: fmt.Sprintf("R-%d", 2*i), Date: "2020-03-14", Sex: "F",
				RegistrationCommune: "070101", Residence: "070102", Provenance: "registry"},
			B: ReviewRecord{EventID: fmt.Sprintf("b:2020:%04d", 2*i+1), RegNo: fmt.Sprintf("R-%d", 2*i+1), Date: "2020-03-15", Sex: "F",
				RegistrationCommune: "070101", Residence: "", Provenance: "file"}})
	}
	q.pairs = append(q.pairs, ReviewPair{EventType: "death", Weight: 9.5, Levels: "deceased=dice≥0.9, dod=exact",
		A: ReviewRecord{EventID: "d:2019:0001", RegNo: "D-1", Date: "2019-11-02", Sex: "M", RegistrationCommune: "120101", Residence: "120101", Provenance: "file"},
		B: ReviewRecord{EventID: "d:2019:0002", RegNo: "D-2", Date: "2019-11-02", Sex: "M", RegistrationCommune: "120102", Residence: "120101", Provenance: "registry"}})
	return q
}

func (q *fixQueue) review(_ context.Context, event string, limit int) ([]ReviewPair, int, error) {
	q.limits = append(q.limits, limit)
	if q.err != nil {
		return nil, 0, q.err
	}
	var out []ReviewPair
	total := 0
	for _, p := range q.pairs {
		if p.EventType == event {
			total++
			if len(out) < limit {
				out = append(out, p)
			}
		}
	}
	return out, total, nil
}

type reviewEnv struct {
	s                *Server
	q                *fixQueue
	decisions, audit string
	log              *bytes.Buffer
}

func newReviewEnv(t *testing.T, births int) *reviewEnv {
	t.Helper()
	dir := t.TempDir()
	e := &reviewEnv{q: newFixQueue(births), decisions: filepath.Join(dir, "data", "link_decisions.jsonl"),
		audit: filepath.Join(dir, "audit", "downloads.jsonl"), log: &bytes.Buffer{}}
	users := fixUsers(t)
	h, _ := hashPassword("x", 1000)
	users = append(users, User{Name: "kampot-analyst", Role: "analyst", Area: "07", Password: h})
	s, err := NewServer(Options{Users: users, GeoJSON: fixGeo(t), InsecureCookies: true, AuditLog: e.audit,
		Review: e.q.review, Decisions: e.decisions, Log: slog.New(slog.NewJSONHandler(e.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.SetData(fixData(t))
	e.s = s
	return e
}

// post sends a decision form as user's session, with its CSRF token, or
// csrf instead when given ("-" for none); hdr adds headers.
func (e *reviewEnv) post(t *testing.T, user string, form url.Values, csrf string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var cookie *http.Cookie
	for i := range e.s.opt.Users {
		if u := &e.s.opt.Users[i]; u.Name == user {
			id, ss := e.s.sessions.create(u)
			cookie = &http.Cookie{Name: sessionCookie, Value: id}
			if csrf == "" {
				csrf = ss.csrf
			}
		}
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if csrf != "-" {
		f.Set("csrf", csrf)
	}
	r := httptest.NewRequest("POST", "/review", strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		r.AddCookie(cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.s.ServeHTTP(w, r)
	return w
}

func decision(ev, a, b, same string) url.Values {
	return url.Values{"event_type": {ev}, "a": {a}, "b": {b}, "same": {same}, "lang": {"en"}}
}

// lines reads a JSONL file's lines ("" when it does not exist).
func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// etlDecision is etl.LinkDecision, field for field: a decision line must
// decode into it with no field left over.
type etlDecision struct {
	EventType string `json:"event_type"`
	A         string `json:"a"`
	B         string `json:"b"`
	Same      bool   `json:"same"`
	By        string `json:"by"`
	At        string `json:"at"`
}

func TestReviewAccess(t *testing.T) {
	e := newReviewEnv(t, 3)
	if w := get(t, e.s, "", "/en/review?event=death"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next="+url.QueryEscape("/en/review?event=death") {
		t.Errorf("signed out: %d to %q, want the sign-in form", w.Code, w.Header().Get("Location"))
	}
	for _, u := range []string{"viewer", "kampot", "kampot-analyst"} {
		if w := get(t, e.s, u, "/en/review"); w.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", u, w.Code)
		}
	}
	for _, u := range []string{"analyst", "researcher", "admin"} {
		if w := get(t, e.s, u, "/km/review"); w.Code != http.StatusOK {
			t.Errorf("%s: %d, want 200", u, w.Code)
		}
	}
	if w := get(t, e.s, "analyst", "/en/review?event=marriage"); w.Code != http.StatusBadRequest {
		t.Errorf("event=marriage: %d, want 400", w.Code)
	}
	// The menu offers the page to those who may open it.
	for u, want := range map[string]bool{"viewer": false, "kampot-analyst": false, "analyst": true, "admin": true} {
		if got := strings.Contains(get(t, e.s, u, "/en/overview").Body.String(), `href="/en/review"`); got != want {
			t.Errorf("%s's menu has the review page: %v, want %v", u, got, want)
		}
	}
	// Without Options.Review there is no page.
	if w := get(t, fixServer(t, ""), "admin", "/en/review"); w.Code != http.StatusNotFound {
		t.Errorf("no Review: %d, want 404", w.Code)
	}
	if strings.Contains(get(t, fixServer(t, ""), "admin", "/en/overview").Body.String(), "/en/review") {
		t.Error("no Review, yet the menu links to it")
	}
}

func TestReviewList(t *testing.T) {
	e := newReviewEnv(t, 3)
	w := get(t, e.s, "analyst", "/en/review")
	body := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, body)
	}
	if !strings.Contains(body, "3 pairs wait for a decision") {
		t.Error("the page does not say 3 pairs wait")
	}
	// Every birth pair, the most likely first, with both records' fields
	// and a form for each; no death pair.
	last := -1
	for _, p := range e.q.pairs[:3] {
		i := strings.Index(body, `value="`+p.A.EventID+`"`)
		if i < 0 || i < last {
			t.Errorf("pair %s: at %d, after %d (want listed, in order of weight)", p.A.EventID, i, last)
		}
		last = i
		for _, s := range []string{p.B.EventID, p.A.RegNo, p.B.RegNo, fmt.Sprintf("%.1f", p.Weight)} {
			if !strings.Contains(body, s) {
				t.Errorf("pair %s: %q not shown", p.A.EventID, s)
			}
		}
	}
	for _, s := range []string{"2020-03-14", "070101", "District 0701", "Registry", "File drops", "Female", "child=dice≥0.9", "Same person/event", "Different", `name="csrf"`} {
		if !strings.Contains(body, s) {
			t.Errorf("the page does not show %q", s)
		}
	}
	if strings.Contains(body, "d:2019:0001") {
		t.Error("the birth queue lists a death pair")
	}
	if n := strings.Count(body, `action="/review"`); n != 3 {
		t.Errorf("%d decision forms, want 3", n)
	}
	if d := get(t, e.s, "analyst", "/en/review?event=death").Body.String(); !strings.Contains(d, "d:2019:0001") || !strings.Contains(d, "1 pairs wait") {
		t.Error("the death queue does not list its pair")
	}
	// Khmer: the labels are translated.
	km := get(t, e.s, "analyst", "/km/review").Body.String()
	for _, k := range []string{"review", "same_person", "different", "record_a", "reg_no", "weight"} {
		if !strings.Contains(km, words[k][1]) || strings.Contains(km, words[k][0]) {
			t.Errorf("km page: %q not in Khmer", k)
		}
	}
	// A warehouse with no queue yet: an empty list and a note, no error.
	e.q.err = fmt.Errorf("open: %w", ErrNoReviewQueue)
	if w := get(t, e.s, "analyst", "/en/review"); w.Code != 200 || !strings.Contains(w.Body.String(), words["review_no_table"][0]) || strings.Contains(w.Body.String(), `action="/review"`) {
		t.Errorf("no queue table: %d, want the page with the note", w.Code)
	}
	e.q.err = fmt.Errorf("disk on fire")
	if w := get(t, e.s, "analyst", "/en/review"); w.Code != http.StatusInternalServerError {
		t.Errorf("queue error: %d, want 500", w.Code)
	}
}

func TestReviewDecide(t *testing.T) {
	e := newReviewEnv(t, 3)
	top := e.q.pairs[0]
	start := time.Now().UTC().Add(-time.Second)
	w := e.post(t, "analyst", decision("birth", top.A.EventID, top.B.EventID, "1"), "")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/en/review?event=birth" {
		t.Fatalf("decision: %d to %q, want 303 to the queue\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	// Exactly one line, as the ETL reads it.
	got := lines(t, e.decisions)
	if len(got) != 1 {
		t.Fatalf("decisions file: %q, want one line", got)
	}
	dec := json.NewDecoder(strings.NewReader(got[0]))
	dec.DisallowUnknownFields()
	var d etlDecision
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("decision line %s: %v", got[0], err)
	}
	var keys map[string]any
	json.Unmarshal([]byte(got[0]), &keys)
	if len(keys) != 6 {
		t.Errorf("decision line %s: %d fields, want event_type, a, b, same, by, at", got[0], len(keys))
	}
	at, err := time.Parse(time.RFC3339, d.At)
	if err != nil || !strings.HasSuffix(d.At, "Z") || at.Before(start) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("at %q: want now, RFC3339 in UTC (%v)", d.At, err)
	}
	if want := (etlDecision{"birth", top.A.EventID, top.B.EventID, true, "analyst", d.At}); d != want {
		t.Errorf("decision %+v, want %+v", d, want)
	}
	if fi, err := os.Stat(e.decisions); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("decisions file mode: %v %v, want 0600", fi.Mode(), err)
	}
	// In the audit log and the log.
	audit := lines(t, e.audit)
	var a map[string]any
	if len(audit) != 1 || json.Unmarshal([]byte(audit[0]), &a) != nil || a["kind"] != "link_decision" || a["user"] != "analyst" ||
		a["event_type"] != "birth" || a["a"] != top.A.EventID || a["b"] != top.B.EventID || a["same"] != true {
		t.Errorf("audit log: %q", audit)
	}
	if !strings.Contains(e.log.String(), `"msg":"link decision"`) || !strings.Contains(e.log.String(), top.A.EventID) {
		t.Errorf("log: %s", e.log)
	}
	// The decided pair leaves the queue at once; the others stay.
	body := get(t, e.s, "analyst", "/en/review").Body.String()
	if strings.Contains(body, top.A.EventID) || !strings.Contains(body, e.q.pairs[1].A.EventID) || !strings.Contains(body, "2 pairs wait") {
		t.Error("after the decision the queue still lists the pair, or lost the others, or miscounts")
	}
	// A second decision, the pair given the other way round ("different").
	p := e.q.pairs[2]
	if w := e.post(t, "admin", decision("birth", p.B.EventID, p.A.EventID, "0"), ""); w.Code != http.StatusSeeOther {
		t.Fatalf("second decision: %d %s", w.Code, w.Body)
	}
	if got := lines(t, e.decisions); len(got) != 2 || !strings.Contains(got[1], `"same":false`) || !strings.Contains(got[1], `"by":"admin"`) {
		t.Errorf("decisions file: %q", got)
	}
	if strings.Contains(get(t, e.s, "analyst", "/en/review").Body.String(), p.A.EventID) {
		t.Error("a pair decided b,a is still listed")
	}
	// A double click appends nothing; the other way is refused.
	if w := e.post(t, "analyst", decision("birth", top.A.EventID, top.B.EventID, "1"), ""); w.Code != http.StatusSeeOther || len(lines(t, e.decisions)) != 2 {
		t.Errorf("the same decision again: %d, %d lines", w.Code, len(lines(t, e.decisions)))
	}
	if w := e.post(t, "admin", decision("birth", top.A.EventID, top.B.EventID, "0"), ""); w.Code != http.StatusConflict || len(lines(t, e.decisions)) != 2 {
		t.Errorf("the opposite decision: %d, %d lines; want 409 and nothing appended", w.Code, len(lines(t, e.decisions)))
	}
}

// TestReviewLimit: decided pairs do not take places in the list: with
// more pairs waiting than it shows, the page still shows reviewLimit.
func TestReviewLimit(t *testing.T) {
	e := newReviewEnv(t, reviewLimit+10)
	for _, p := range e.q.pairs[:5] {
		if w := e.post(t, "analyst", decision("birth", p.A.EventID, p.B.EventID, "0"), ""); w.Code != http.StatusSeeOther {
			t.Fatalf("decision: %d", w.Code)
		}
	}
	body := get(t, e.s, "analyst", "/en/review").Body.String()
	if n := strings.Count(body, `action="/review"`); n != reviewLimit {
		t.Errorf("%d pairs listed, want %d", n, reviewLimit)
	}
	if want := fmt.Sprintf("%d pairs wait", reviewLimit+5); !strings.Contains(body, want) {
		t.Errorf("the page does not say %q", want)
	}
	if !strings.Contains(body, e.q.pairs[reviewLimit+4].A.EventID) || strings.Contains(body, e.q.pairs[reviewLimit+5].A.EventID) {
		t.Error("the list is not the first undecided pairs")
	}
}

func TestReviewBadInput(t *testing.T) {
	e := newReviewEnv(t, 3)
	a, b := e.q.pairs[0].A.EventID, e.q.pairs[0].B.EventID
	for name, f := range map[string]url.Values{
		"event marriage":  decision("marriage", a, b, "1"),
		"no event":        decision("", a, b, "1"),
		"a == b":          decision("birth", a, a, "1"),
		"no b":            decision("birth", a, "", "1"),
		"a too long":      decision("birth", strings.Repeat("x", 65), b, "1"),
		"a with a slash":  decision("birth", "../../etc/passwd", b, "1"),
		"b with a space":  decision("birth", a, "b 1", "1"),
		"b with newline":  decision("birth", a, "b1\n{\"x\":1}", "1"),
		"same 2":          decision("birth", a, b, "2"),
		"same true":       decision("birth", a, b, "true"),
		"no same":         {"event_type": {"birth"}, "a": {a}, "b": {b}},
		"a non-ASCII":     decision("birth", "é", b, "1"),
		"quote in the id": decision("birth", `a"b`, b, "1"),
	} {
		if w := e.post(t, "analyst", f, ""); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, w.Code)
		}
	}
	if w := e.post(t, "analyst", decision("birth", strings.Repeat("x", 64), "a.b:c_d-E9", "1"), ""); w.Code != http.StatusSeeOther {
		t.Errorf("64-character id: %d, want it taken", w.Code)
	}
	if n := len(lines(t, e.decisions)); n != 1 {
		t.Errorf("%d lines in the decisions file, want 1 (the valid decision)", n)
	}
	big := decision("birth", a, b, "1")
	big.Set("pad", strings.Repeat("x", maxDecisionBody))
	if w := e.post(t, "analyst", big, ""); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a large form: %d, want 413", w.Code)
	}
}

func TestReviewForgedPost(t *testing.T) {
	e := newReviewEnv(t, 3)
	f := decision("birth", e.q.pairs[0].A.EventID, e.q.pairs[0].B.EventID, "1")
	for _, c := range []struct {
		name, user, csrf string
		hdr              []string
		code             int
	}{
		{"cross-origin", "analyst", "", []string{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"cross-origin, Origin only", "analyst", "", []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"same-site, other origin", "analyst", "", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"forged token", "analyst", "forged", nil, http.StatusForbidden},
		{"no token", "analyst", "-", nil, http.StatusForbidden},
		{"viewer", "viewer", "", nil, http.StatusForbidden},
		{"area-limited analyst", "kampot-analyst", "", nil, http.StatusForbidden},
		{"signed out", "", "-", nil, http.StatusUnauthorized},
	} {
		if w := e.post(t, c.user, f, c.csrf, c.hdr...); w.Code != c.code {
			t.Errorf("%s: %d, want %d", c.name, w.Code, c.code)
		}
	}
	if got := lines(t, e.decisions); got != nil {
		t.Errorf("refused forms wrote %q", got)
	}
	// The same form from this site is taken.
	if w := e.post(t, "analyst", f, "", "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin"); w.Code != http.StatusSeeOther {
		t.Errorf("same-origin: %d, want 303", w.Code)
	}
}

// TestReviewDecisionsFile: a decisions file whose last line lost its
// newline (a crash mid-write) gets one before the next decision, so both
// stay lines; a line that is not a decision does not stop the page.
func TestReviewDecisionsFile(t *testing.T) {
	e := newReviewEnv(t, 3)
	os.MkdirAll(filepath.Dir(e.decisions), 0o755)
	p := e.q.pairs[1]
	os.WriteFile(e.decisions, []byte("not json\n"+`{"event_type":"birth","a":"`+p.A.EventID+`","b":"`+p.B.EventID+`","same":true,"by":"x","at":"2024-01-01T00:00:00Z"}`), 0o600)
	if body := get(t, e.s, "analyst", "/en/review").Body.String(); strings.Contains(body, p.A.EventID) || !strings.Contains(body, "2 pairs wait") {
		t.Error("a pair decided in the file is listed")
	}
	if !strings.Contains(e.log.String(), "line 1") {
		t.Errorf("the bad line is not reported: %s", e.log)
	}
	top := e.q.pairs[0]
	if w := e.post(t, "analyst", decision("birth", top.A.EventID, top.B.EventID, "1"), ""); w.Code != http.StatusSeeOther {
		t.Fatalf("decision: %d", w.Code)
	}
	got := lines(t, e.decisions)
	if len(got) != 3 || !regexp.MustCompile(`^\{"event_type":"birth","a":"`+top.A.EventID+`",`).MatchString(got[2]) || !json.Valid([]byte(got[1])) {
		t.Errorf("decisions file: %q", got)
	}
}
