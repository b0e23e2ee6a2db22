package dashboards

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
}

// downloads serves the releases' files to researchers and admins, and logs
// every download. A file is found by looking the request up in the list
// of published files: no path is ever built from request text.
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
			Bytes   int64     `json:"bytes"`
			URL     string    `json:"url"`
		}
		out := []item{}
		for _, d := range list {
			out = append(out, item{d.Release, d.Status, d.Created, d.Path, d.Bytes, "/downloads/" + d.Release + "/" + d.Path})
		}
		json.NewEncoder(w).Encode(out)
		return
	}
	for _, d := range list {
		if d.Release != release || d.Path != path {
			continue
		}
		f, err := os.Open(filepath.Join(s.opt.ReleasesDir, d.Release, filepath.FromSlash(d.Path)))
		if err != nil {
			s.opt.Log.Error("open download", "release", d.Release, "path", d.Path, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		if err := s.audit.write(s.opt.AuditLog, u.Name, r.RemoteAddr, d); err != nil {
			s.opt.Log.Error("audit log", "err", err)
			http.Error(w, "the download could not be logged, so it is refused", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Disposition", `attachment; filename="`+filepath.Base(d.Path)+`"`)
		w.Header().Set("Content-Length", strconv.FormatInt(d.Bytes, 10))
		w.Header().Set("Cache-Control", "no-store")
		io.Copy(w, f)
		return
	}
	http.NotFound(w, r)
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
		for _, dl := range list {
			if n := len(pd.Releases); n == 0 || pd.Releases[n-1].ID != dl.Release {
				pd.Releases = append(pd.Releases, releaseView{ID: dl.Release, Status: dl.Status, Created: dl.Created.UTC().Format("2006-01-02 15:04 UTC")})
			}
			rv := &pd.Releases[len(pd.Releases)-1]
			rv.Files = append(rv.Files, link{Label: fmt.Sprintf("%s (%s)", dl.Path, size(dl.Bytes)), Href: "/downloads/" + dl.Release + "/" + dl.Path})
		}
		slices.Reverse(pd.Releases)
		s.render(w, r, http.StatusOK, "page", pd)
	}
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

// auditLog appends one JSON line per download: who, what, when, from where.
type auditLog struct{ mu sync.Mutex }

func (a *auditLog) write(path, user, remote string, d Download) error {
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
	line, _ := json.Marshal(map[string]any{"time": time.Now().UTC(), "user": user, "remote": remote,
		"release": d.Release, "file": d.Path, "bytes": d.Bytes})
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
