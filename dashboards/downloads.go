package dashboards

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Download is one file of a published release that researchers may fetch.
type Download struct {
	Release string
	Status  string // provisional or final
	Created time.Time
	Path    string // inside the release, slash-separated
	Bytes   int64
	SHA256  string // hex, as the release lists it; a file without one is not served
}

// CutFile writes the part of a file within an area (see Options.Cut).
type CutFile func(ctx context.Context, w io.Writer) error

// offer is a file as one account may have it: whole, or cut to its area.
type offer struct {
	Download
	cut CutFile // nil: the whole file
}

// offers are the files of list an account may fetch. An account limited to
// an area gets only what Options.Cut cuts to it: every other file holds
// other areas (or the nation, which is all of them).
func (s *Server) offers(u *User, list []Download) []offer {
	var out []offer
	for _, d := range list {
		if adminOnly(d) && u.Role != "admin" {
			continue
		}
		if u.Area == "" {
			out = append(out, offer{Download: d})
			continue
		}
		if s.opt.Cut == nil {
			continue
		}
		if cut, ok := s.opt.Cut(d, u.Area); ok && cut != nil {
			out = append(out, offer{Download: d, cut: cut})
		}
	}
	return out
}

// adminOnly says whether a file of a release is for admins alone: the WHO
// Mortality Database files are the site's submission to WHO, in a layout
// with no mark for a suppressed cell, so their small counts (perturbed, but
// shown) are not for researchers.
func adminOnly(d Download) bool { return strings.HasPrefix(d.Path, "who/") }

// downloads serves the releases' files to researchers and admins, and logs
// every download. A file is found by looking the request up in the list
// of published files: no path is ever built from request text. An account
// limited to an area lists and fetches only files cut to its area; asking
// for another is refused, and the refusal logged.
func (s *Server) downloads(w http.ResponseWriter, r *http.Request) {
	u, _ := s.who(r)
	lang := s.lang(r)
	switch {
	case u == nil:
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	case !u.downloads():
		http.Error(w, tr(lang, "forbidden"), http.StatusForbidden)
		return
	case s.opt.Downloads == nil:
		http.NotFound(w, r)
		return
	}
	list, err := s.opt.Downloads()
	if err != nil {
		s.opt.Log.Error("list releases", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	release, path := r.PathValue("release"), r.PathValue("path")
	if release == "" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		type item struct {
			Release string    `json:"release"`
			Status  string    `json:"status"`
			Created time.Time `json:"created"`
			Path    string    `json:"path"`
			Bytes   *int64    `json:"bytes,omitempty"` // a cut file's size is known once cut
			Area    string    `json:"area,omitempty"`  // the file is cut to this area
			URL     string    `json:"url"`
		}
		out := []item{}
		for _, o := range s.offers(u, list) {
			it := item{Release: o.Release, Status: o.Status, Created: o.Created, Path: o.Path, URL: "/downloads/" + o.Release + "/" + o.Path}
			if o.cut != nil {
				it.Area = u.Area
			} else {
				it.Bytes = &o.Bytes
			}
			out = append(out, it)
		}
		json.NewEncoder(w).Encode(out)
		return
	}
	i := slices.IndexFunc(list, func(d Download) bool { return d.Release == release && d.Path == path })
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	d := list[i]
	// The release's CSV files start with a byte-order mark, for spreadsheet
	// programs; ?bom=0 sends them without it, for programs that read it as
	// data.
	bom := true
	switch r.URL.Query().Get("bom") {
	case "", "1":
	case "0":
		bom = !strings.HasSuffix(strings.ToLower(d.Path), ".csv")
	default:
		http.Error(w, "bom: 0 (no byte-order mark) or 1 (the default)", http.StatusBadRequest)
		return
	}
	entry := auditEntry{user: u.Name, remote: r.RemoteAddr, d: d, area: u.Area}
	if adminOnly(d) && u.Role != "admin" {
		entry.refused = "for admins only"
		if err := s.audit.write(s.opt.AuditLog, entry); err != nil {
			s.opt.Log.Error("audit log", "err", err)
		}
		http.Error(w, d.Path+": the WHO files are the site's submission to WHO, for admins only", http.StatusForbidden)
		return
	}
	var cut CutFile
	if u.Area != "" && s.opt.Cut != nil {
		cut, _ = s.opt.Cut(d, u.Area)
	}
	if u.Area == "" || cut != nil {
		// The file is the release's, whole or before it is cut: a cut
		// file cannot match the release's checksum, its source must.
		f, err := s.openRelease(d)
		if err != nil {
			s.opt.Log.Error("download refused: the file is not the release's", "release", d.Release, "path", d.Path, "err", err)
			entry.refused = "the file does not match the release"
			if err := s.audit.write(s.opt.AuditLog, entry); err != nil {
				s.opt.Log.Error("audit log", "err", err)
			}
			http.Error(w, d.Path+": the file on the server does not match the release (logged for the administrators)", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		if u.Area == "" {
			entry.bytes = d.Bytes
			if !bom {
				n, err := skipBOM(f)
				if err != nil {
					s.opt.Log.Error("download", "release", d.Release, "path", d.Path, "err", err)
					http.Error(w, "internal error", http.StatusInternalServerError)
					return
				}
				entry.bytes -= n
			}
			s.send(w, f, entry, filepath.Base(d.Path))
			return
		}
		f.Close()
	}
	if cut == nil {
		entry.refused = "not cut to the account's area"
		if err := s.audit.write(s.opt.AuditLog, entry); err != nil {
			s.opt.Log.Error("audit log", "err", err)
		}
		http.Error(w, fmt.Sprintf("%s: this account is limited to area %s, and this file holds other areas; "+
			"it may fetch only the files listed at /downloads/, cut to its area", d.Path, u.Area), http.StatusForbidden)
		return
	}
	// The part is cut into a scratch file first: its size goes into the
	// audit log and the response, and a failed cut sends nothing.
	tmp, err := os.CreateTemp("", "vitalstats-cut-*")
	if err != nil {
		s.opt.Log.Error("cut download", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := cut(r.Context(), tmp); err != nil {
		s.opt.Log.Error("cut download", "release", d.Release, "path", d.Path, "area", u.Area, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if entry.bytes, err = tmp.Seek(0, io.SeekCurrent); err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err == nil && !bom {
		var n int64
		n, err = skipBOM(tmp)
		entry.bytes -= n
	}
	if err != nil {
		s.opt.Log.Error("cut download", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	ext := filepath.Ext(d.Path)
	s.send(w, tmp, entry, strings.TrimSuffix(filepath.Base(d.Path), ext)+"_area"+u.Area+ext)
}

// openRelease opens a release's file as the release lists it: inside the
// releases folder (os.Root), through no symbolic link (one planted in a
// release folder could stand for any file the server may read), a regular
// file of the listed size and SHA-256. It is read once to check it, and
// left at its start.
func (s *Server) openRelease(d Download) (*os.File, error) {
	if d.SHA256 == "" {
		return nil, errors.New("the release lists no checksum for it")
	}
	root, err := os.OpenRoot(s.opt.ReleasesDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	name := d.Release + "/" + d.Path
	var last fs.FileInfo
	parts := strings.Split(name, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		if last, err = root.Lstat(p); err != nil {
			return nil, err
		}
		if last.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link", p)
		}
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case !os.SameFile(fi, last): // swapped for a link since it was looked at
		err = errors.New("the file changed while it was opened")
	case !fi.Mode().IsRegular():
		err = errors.New("not a regular file")
	case fi.Size() != d.Bytes:
		err = fmt.Errorf("%d bytes, the release lists %d", fi.Size(), d.Bytes)
	}
	if err == nil {
		h := sha256.New()
		if _, err = io.Copy(h, io.LimitReader(f, d.Bytes)); err == nil {
			if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, d.SHA256) {
				err = fmt.Errorf("SHA-256 %s, the release lists %s", got, d.SHA256)
			} else {
				_, err = f.Seek(0, io.SeekStart)
			}
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// skipBOM reads past a UTF-8 byte-order mark at f's position, if there is
// one, and returns how many bytes it skipped (3 or 0).
func skipBOM(f io.ReadSeeker) (int64, error) {
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	var b [3]byte
	n, err := io.ReadFull(f, b[:])
	if n == 3 && string(b[:]) == "\ufeff" {
		return 3, nil
	}
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	_, err = f.Seek(start, io.SeekStart)
	return 0, err
}

// send logs a download, then sends it; a download that cannot be logged is
// refused.
func (s *Server) send(w http.ResponseWriter, body io.Reader, e auditEntry, name string) {
	if err := s.audit.write(s.opt.AuditLog, e); err != nil {
		s.opt.Log.Error("audit log", "err", err)
		http.Error(w, "the download could not be logged, so it is refused", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(e.bytes, 10))
	w.Header().Set("Cache-Control", "no-store")
	io.Copy(w, body)
}

// downloadsPage lists the releases and their files, newest first, for the
// users who may fetch them.
func (s *Server) downloadsPage(lang string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := s.who(r)
		d := s.data.Load()
		switch {
		case u == nil:
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case !u.downloads():
			http.Error(w, tr(lang, "forbidden"), http.StatusForbidden)
			return
		case d == nil || s.opt.Downloads == nil:
			http.Error(w, "no releases", http.StatusServiceUnavailable)
			return
		}
		list, err := s.opt.Downloads()
		if err != nil {
			s.opt.Log.Error("list releases", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		v := view{d: d, f: Filter{Year: d.Year, Area: u.scope(), Sex: "T"}, lang: lang, scope: u.scope()}
		pd := s.pageData(v, page{ID: "downloads"}, nil, serverLinks{}, u)
		pd.Title, pd.Years, pd.Areas, pd.Sexes = tr(lang, "downloads"), nil, nil, nil
		for _, o := range s.offers(u, list) {
			if n := len(pd.Releases); n == 0 || pd.Releases[n-1].ID != o.Release {
				pd.Releases = append(pd.Releases, releaseView{ID: o.Release, Status: o.Status, Created: o.Created.UTC().Format("2006-01-02 15:04 UTC")})
			}
			rv := &pd.Releases[len(pd.Releases)-1]
			sz := size(o.Bytes)
			if o.cut != nil {
				sz = tr(lang, "cut_to") + " " + u.Area
			}
			kind, desc := describeFile(o.Path, lang)
			g := slices.IndexFunc(rv.Groups, func(g fileGroup) bool { return g.Kind == kind })
			if g < 0 {
				rv.Groups = append(rv.Groups, fileGroup{Kind: kind, Title: tr(lang, "dl_group_"+kind), Open: kind == "report" || kind == "tables"})
				g = len(rv.Groups) - 1
			}
			rv.Groups[g].Files = append(rv.Groups[g].Files, fileView{Href: "/downloads/" + o.Release + "/" + o.Path,
				Name: o.Path, Size: sz, Desc: desc})
		}
		for i := range pd.Releases {
			slices.SortStableFunc(pd.Releases[i].Groups, func(a, b fileGroup) int {
				return slices.Index(fileKinds, a.Kind) - slices.Index(fileKinds, b.Kind)
			})
		}
		if u.Area != "" {
			pd.AreaNote = fmt.Sprintf(tr(lang, "downloads_area"), u.Area)
		}
		slices.Reverse(pd.Releases)
		s.render(w, r, http.StatusOK, "page", pd)
	}
}

// fileKinds are the groups of the downloads page, in the order shown: a
// planner wants the annual report, a researcher the extracts after it.
var fileKinds = []string{"report", "tables", "extracts", "aggregates", "release", "who"}

// describeFile says which group a release's file belongs to and what it
// holds, in one line, from its path (the layout vitalstats export writes:
// tables/, surveillance/, research/<event>/, research/aggregates/, who/).
func describeFile(p, lang string) (kind, desc string) {
	dir, base := path.Split(p)
	stem := strings.TrimSuffix(base, path.Ext(base))
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(base), "."))
	// the year a file is for: its name's last part, when it is one
	year := ""
	if i := strings.LastIndexByte(stem, '_'); i >= 0 {
		if _, err := strconv.Atoi(stem[i+1:]); err == nil && len(stem)-i-1 == 4 {
			year, stem = stem[i+1:], stem[:i]
		}
	}
	format := map[string]string{"csv": "CSV", "xlsx": "Excel", "parquet": "Parquet", "json": "JSON", "md": "Markdown", "txt": "text"}[ext]
	if format == "" {
		format = ext
	}
	if strings.HasPrefix(dir, "tables/sdmx/") || strings.HasPrefix(dir, "research/aggregates/sdmx/") || strings.HasPrefix(dir, "surveillance/sdmx/") {
		format = "SDMX-CSV"
	}
	// what a table or an aggregate counts: its own words where there are
	// some, else its name
	what := func() string {
		if _, ok := words["dl_t_"+stem]; ok {
			return tr(lang, "dl_t_"+stem)
		}
		return strings.ReplaceAll(stem, "_", " ")
	}
	event := path.Base(strings.TrimSuffix(dir, "/"))
	switch {
	case strings.HasPrefix(stem, "annual_report"):
		return "report", fmt.Sprintf(tr(lang, "dl_report"), year, format)
	case base == "structure.xml" && strings.HasSuffix(dir, "/sdmx/"):
		kind := "tables"
		if strings.HasPrefix(dir, "research/aggregates/") {
			kind = "aggregates"
		}
		return kind, tr(lang, "dl_sdmx_structure")
	case strings.HasPrefix(dir, "surveillance/"):
		return "tables", fmt.Sprintf(tr(lang, "dl_surveillance"), format)
	case strings.HasPrefix(dir, "tables/"):
		return "tables", fmt.Sprintf(tr(lang, "dl_table"), what(), year, format)
	case strings.HasPrefix(dir, "research/aggregates/"):
		return "aggregates", fmt.Sprintf(tr(lang, "dl_table"), what(), year, format)
	case strings.HasPrefix(dir, "research/") && stem == "codebook":
		return "extracts", fmt.Sprintf(tr(lang, "dl_codebook"), tr(lang, "dl_e_"+event), format)
	case strings.HasPrefix(dir, "research/") && year != "":
		return "extracts", fmt.Sprintf(tr(lang, "dl_extract"), tr(lang, "dl_e_"+event), year, format)
	case strings.HasPrefix(p, "research/"):
		return "extracts", fmt.Sprintf(tr(lang, "dl_research_readme"), format)
	case strings.HasPrefix(p, "who/"):
		return "who", fmt.Sprintf(tr(lang, "dl_who"), format)
	case p == "README.md":
		return "release", tr(lang, "dl_readme")
	case p == "release.json":
		return "release", tr(lang, "dl_manifest")
	case stem == "provisional_years":
		return "release", tr(lang, "dl_provisional")
	}
	return "release", format
}

func size(b int64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", b)
}

// auditLog appends one JSON line per download: who, what, when, from where,
// and for an account limited to an area, the area the file was cut to or
// why it was refused. It takes the review page's decisions on linked
// records too, marked "kind": "link_decision" (a line without a kind is a
// download).
type auditLog struct{ mu sync.Mutex }

type auditEntry struct {
	user, remote string
	d            Download
	area         string        // "" for a national account
	bytes        int64         // what was sent
	refused      string        // why nothing was sent; "" when it was
	decision     *linkDecision // a decision on a pair of records, not a download
}

func (a *auditLog) write(path string, e auditEntry) error {
	if path == "" {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	m := map[string]any{"time": time.Now().UTC(), "user": e.user, "remote": e.remote}
	if d := e.decision; d != nil {
		m["kind"], m["event_type"], m["a"], m["b"], m["same"] = "link_decision", d.EventType, d.A, d.B, d.Same
	} else {
		m["release"], m["file"] = e.d.Release, e.d.Path
	}
	if e.area != "" {
		m["area"] = e.area
	}
	if e.refused != "" {
		m["refused"] = e.refused
	} else if e.decision == nil {
		m["bytes"] = e.bytes
	}
	line, _ := json.Marshal(m)
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
