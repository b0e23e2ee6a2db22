package dashboards

import (
	"bufio"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The record-linkage review queue: the pairs of records that linkage scored
// between its review bound and its match threshold wait for an analyst,
// who says whether they are the same person (or event). Decisions go to a
// JSONL file that the next ETL run reads (etl.LinkDecision); the warehouse
// only drops a decided pair at its next build, so the page reads the file
// too and hides the pairs decided since.

// ReviewPair is one pair waiting for an analyst (warehouse.ReviewPair, in
// dashboards' own vocabulary: dashboards does not import warehouse).
type ReviewPair struct {
	EventType string
	A, B      ReviewRecord
	Weight    float64 // log2 odds of a match
	Levels    string  // each field's comparison level, "child=dice≥0.9, dob=exact, ..."
}

// ReviewRecord is what an analyst sees of one record of a pair: no names,
// the lake holds none.
type ReviewRecord struct {
	EventID, RegNo, Date, Sex, RegistrationCommune, Residence, Provenance string
}

// ErrNoReviewQueue is what Options.Review returns (or wraps) when the
// warehouse has no review queue, being built by a version without one: the
// page then shows an empty queue and says why.
var ErrNoReviewQueue = errors.New("the warehouse has no review queue")

// reviewLimit is how many pairs the page lists.
const reviewLimit = 50

// reviewEvents are the event types linkage pairs.
var reviewEvents = []string{"birth", "death"}

// linkDecision is one line of the decisions file, field for field
// etl.LinkDecision.
type linkDecision struct {
	EventType string `json:"event_type"`
	A         string `json:"a"`
	B         string `json:"b"`
	Same      bool   `json:"same"`
	By        string `json:"by"`
	At        string `json:"at"`
}

// pairKey names a pair whichever way round it is given, as the warehouse's
// anti-join does (least, greatest).
func pairKey(event, a, b string) string {
	if b < a {
		a, b = b, a
	}
	return event + "\x00" + a + "\x00" + b
}

// decisions serialises the appends to the decisions file, and the check
// for an earlier decision that comes before each.
type decisionsFile struct{ mu sync.Mutex }

// read returns the decisions in the file by pair. A line that is not a
// decision is skipped and reported: the ETL stops at it, so an admin has to
// mend the file, but the queue stays usable meanwhile.
func (df *decisionsFile) read(path string) (map[string]linkDecision, []string, error) {
	out := map[string]linkDecision{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var bad []string
	br := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			var d linkDecision
			if jerr := json.Unmarshal(line, &d); jerr != nil || d.EventType == "" || d.A == "" || d.B == "" {
				bad = append(bad, fmt.Sprintf("line %d", n))
			} else {
				out[pairKey(d.EventType, d.A, d.B)] = d
			}
		}
		if err == io.EOF {
			return out, bad, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// appendLine appends one decision as one line with one write, and syncs it:
// the ETL reads the file whole, and a torn or lost line would be a decision
// lost or, worse, a file it refuses. A file whose last line was left without
// its newline (a crash mid-write) gets one first, in the same write.
func appendLine(path string, d linkDecision) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	line, err := json.Marshal(d)
	if err != nil {
		f.Close()
		return err
	}
	line = append(line, '\n')
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// validID: a record id as the lake writes them, at most 64 characters of
// [A-Za-z0-9.:_-].
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == ':' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// mayReview: analysts and above, national accounts only. The queue is
// record level and national; an account limited to an area is not shown
// other areas' records.
func (s *Server) mayReview(u *User) bool {
	return u != nil && u.analyst() && u.Area == "" && s.opt.Review != nil
}

type reviewView struct {
	Event   string
	Events  []link // the event types, each its queue
	Total   int    // pairs waiting, decided ones left out
	Summary string
	Note    string // why the queue is empty when it is not for want of pairs
	Pairs   []pairView
	CSRF    string // the session's token; "" for a bearer token
}

type pairView struct {
	A, B    []fieldView
	IDA     string
	IDB     string
	Weight  string
	Levels  string
	Ordinal int
}

type fieldView struct {
	Label, Value, Sub string
	Differs           bool
}

// reviewPage lists the pairs waiting for a decision on one event type, the
// most likely matches first, each with a form to decide it.
func (s *Server) reviewPage(lang string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ss := s.who(r)
		d := s.data.Load()
		switch {
		case s.opt.Review == nil:
			s.errorPage(w, r, lang, http.StatusNotFound, tr(lang, "err_not_found"), "")
			return
		case u == nil:
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case !u.analyst():
			s.errorPage(w, r, lang, http.StatusForbidden, tr(lang, "forbidden"), "")
			return
		case !s.mayReview(u):
			s.errorPage(w, r, lang, http.StatusForbidden, tr(lang, "review_area"), "")
			return
		case d == nil:
			s.errorPage(w, r, lang, http.StatusServiceUnavailable, tr(lang, "err_not_loaded"), "")
			return
		}
		event := r.URL.Query().Get("event")
		if event == "" {
			event = reviewEvents[0]
		}
		if !slices.Contains(reviewEvents, event) {
			s.errorPage(w, r, lang, http.StatusBadRequest, fmt.Sprintf(tr(lang, "err_bad_event"), strconv.Quote(event)), "/"+lang+"/review")
			return
		}
		decided, bad, err := s.decisions.read(s.opt.Decisions)
		if err != nil {
			s.opt.Log.Error("read link decisions", "file", s.opt.Decisions, "err", err)
			s.errorPage(w, r, lang, http.StatusInternalServerError, tr(lang, "err_internal"), "")
			return
		}
		if len(bad) > 0 {
			s.opt.Log.Warn("link decisions file has lines that are not decisions (the ETL will stop at them)", "file", s.opt.Decisions, "lines", strings.Join(bad, ", "))
		}
		n := 0
		for _, dd := range decided {
			if dd.EventType == event {
				n++
			}
		}
		// The decided pairs still in the queue were each among the first
		// reviewLimit undecided when decided here, so asking for n more
		// than shown finds them all, and the total can leave them out.
		pairs, total, err := s.opt.Review(r.Context(), event, reviewLimit+n)
		note := ""
		if errors.Is(err, ErrNoReviewQueue) {
			pairs, total, err, note = nil, 0, nil, tr(lang, "review_no_table")
		}
		if err != nil {
			s.opt.Log.Error("read review queue", "event", event, "err", err)
			s.errorPage(w, r, lang, http.StatusInternalServerError, tr(lang, "err_internal"), "")
			return
		}
		rv := &reviewView{Event: event, Note: note}
		if ss != nil {
			rv.CSRF = ss.csrf
		}
		for _, p := range pairs {
			if _, ok := decided[pairKey(event, p.A.EventID, p.B.EventID)]; ok {
				total--
				continue
			}
			if len(rv.Pairs) < reviewLimit {
				rv.Pairs = append(rv.Pairs, s.pairView(d, lang, p, len(rv.Pairs)+1))
			}
		}
		rv.Total = max(total, len(rv.Pairs))
		switch {
		case note != "":
		case rv.Total == 0:
			rv.Summary = tr(lang, "review_none")
		default:
			rv.Summary = fmt.Sprintf(tr(lang, "review_waiting"), rv.Total, len(rv.Pairs))
		}
		for _, e := range reviewEvents {
			rv.Events = append(rv.Events, link{tr(lang, e), "/" + lang + "/review?event=" + e, e == event})
		}
		v := view{d: d, f: Filter{Year: d.Year, Area: u.scope(), Sex: "T"}, lang: lang, scope: u.scope()}
		pd := s.pageData(v, page{ID: "review"}, nil, serverLinks{}, u)
		pd.Title, pd.Years, pd.Areas, pd.Sexes = tr(lang, "review"), nil, nil, nil
		pd.LangLinks = nil
		for _, l := range Langs {
			pd.LangLinks = append(pd.LangLinks, link{map[string]string{"en": "English", "km": "ខ្មែរ"}[l], "/" + l + "/review?event=" + event, l == lang})
		}
		pd.Review = rv
		s.render(w, r, http.StatusOK, "page", pd)
	}
}

// pairView lays out a pair's two records field by field, marking the
// fields where they differ.
func (s *Server) pairView(d *Data, lang string, p ReviewPair, ordinal int) pairView {
	commune := func(code string) (string, string) {
		// A commune's code begins with its district's: name the district,
		// the pages have no commune names.
		if len(code) >= 4 {
			if _, ok := d.names[code[:4]]; ok {
				return code, d.name(code[:4], lang) + ", " + d.name(code[:2], lang)
			}
		}
		return code, ""
	}
	label := func(prefix, v string) string {
		if _, ok := words[prefix+v]; ok && v != "" {
			return tr(lang, prefix+v)
		}
		return v
	}
	rec := func(r ReviewRecord) []fieldView {
		rc, rcSub := commune(r.RegistrationCommune)
		res, resSub := commune(r.Residence)
		return []fieldView{
			{Label: tr(lang, "record_id"), Value: r.EventID},
			{Label: tr(lang, "reg_no"), Value: r.RegNo},
			{Label: tr(lang, "event_date"), Value: r.Date},
			{Label: tr(lang, "sex"), Value: label("sex_", r.Sex)},
			{Label: tr(lang, "reg_commune"), Value: rc, Sub: rcSub},
			{Label: tr(lang, "res_commune"), Value: res, Sub: resSub},
			{Label: tr(lang, "provenance"), Value: label("", r.Provenance)},
		}
	}
	pv := pairView{A: rec(p.A), B: rec(p.B), IDA: p.A.EventID, IDB: p.B.EventID, Ordinal: ordinal,
		Weight: strconv.FormatFloat(p.Weight, 'f', 1, 64), Levels: p.Levels}
	for i := range pv.A {
		// the ids always differ; the rest is what the analyst compares
		if i > 0 && pv.A[i].Value != pv.B[i].Value {
			pv.A[i].Differs, pv.B[i].Differs = true, true
		}
		for _, f := range []*fieldView{&pv.A[i], &pv.B[i]} {
			if f.Value == "" {
				f.Value = "–"
			}
		}
	}
	return pv
}

// maxDecisionBody bounds a decision form: a few short fields.
const maxDecisionBody = 4 << 10

// decide records an analyst's decision on a pair: appended to the
// decisions file for the next ETL run, to the audit log and to the log,
// then back to the queue. A pair already decided the same way is not
// appended again (a double click); decided the other way, it is refused:
// which one stands is for an admin to settle in the file.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxDecisionBody)
	if err := r.ParseForm(); err != nil {
		code := http.StatusBadRequest
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			code = http.StatusRequestEntityTooLarge
		}
		http.Error(w, "the decision form is too large or malformed", code)
		return
	}
	u, ss := s.who(r)
	lang := r.PostFormValue("lang")
	if !slices.Contains(Langs, lang) {
		lang = s.lang(r)
	}
	switch {
	case s.opt.Review == nil || s.opt.Decisions == "":
		http.NotFound(w, r)
		return
	case u == nil:
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	// A session's form carries its token, and comes from this site; a
	// bearer token is no ambient credential, a browser never sends one
	// by itself.
	case s.origins.Check(r) != nil,
		ss != nil && subtle.ConstantTimeCompare([]byte(ss.csrf), []byte(r.PostFormValue("csrf"))) != 1:
		http.Error(w, "the decision form expired or came from another site; open the review page again", http.StatusForbidden)
		return
	case !u.analyst():
		http.Error(w, tr(lang, "forbidden"), http.StatusForbidden)
		return
	case !s.mayReview(u):
		http.Error(w, tr(lang, "review_area"), http.StatusForbidden)
		return
	}
	ev, a, b, same := r.PostFormValue("event_type"), r.PostFormValue("a"), r.PostFormValue("b"), r.PostFormValue("same")
	switch {
	case !slices.Contains(reviewEvents, ev):
		http.Error(w, fmt.Sprintf("event_type %q: birth or death", ev), http.StatusBadRequest)
		return
	case !validID(a) || !validID(b):
		http.Error(w, "a and b are record ids: 1 to 64 characters of A-Z a-z 0-9 . : _ -", http.StatusBadRequest)
		return
	case a == b:
		http.Error(w, "a and b are the same record", http.StatusBadRequest)
		return
	case same != "1" && same != "0":
		http.Error(w, "same is 1 (the same person or event) or 0 (different)", http.StatusBadRequest)
		return
	}
	d := linkDecision{EventType: ev, A: a, B: b, Same: same == "1", By: u.Name, At: time.Now().UTC().Format(time.RFC3339)}
	back := "/" + lang + "/review?event=" + ev

	s.decisions.mu.Lock()
	defer s.decisions.mu.Unlock()
	decided, _, err := s.decisions.read(s.opt.Decisions)
	if err != nil {
		s.opt.Log.Error("read link decisions", "file", s.opt.Decisions, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if prev, ok := decided[pairKey(ev, a, b)]; ok {
		if prev.Same == d.Same {
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		s.opt.Log.Warn("link decision refused: the pair was decided the other way", "user", u.Name, "event_type", ev, "a", a, "b", b, "by", prev.By, "at", prev.At)
		http.Error(w, fmt.Sprintf("%s decided this pair the other way at %s; ask an administrator to correct the decisions file", prev.By, prev.At), http.StatusConflict)
		return
	}
	// Logged before it is made: a decision that cannot be logged is refused.
	entry := auditEntry{user: u.Name, remote: r.RemoteAddr, decision: &d}
	if err := s.audit.write(s.opt.AuditLog, entry); err != nil {
		s.opt.Log.Error("audit log", "err", err)
		http.Error(w, "the decision could not be logged, so it is refused", http.StatusInternalServerError)
		return
	}
	if err := appendLine(s.opt.Decisions, d); err != nil {
		s.opt.Log.Error("write link decision", "file", s.opt.Decisions, "err", err)
		entry.refused = "the decisions file could not be written"
		if err := s.audit.write(s.opt.AuditLog, entry); err != nil {
			s.opt.Log.Error("audit log", "err", err)
		}
		http.Error(w, "the decision could not be saved (logged for the administrators)", http.StatusInternalServerError)
		return
	}
	s.opt.Log.Info("link decision", "user", u.Name, "event_type", ev, "a", a, "b", b, "same", d.Same)
	http.Redirect(w, r, back, http.StatusSeeOther)
}
