package dashboards

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
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
	case u.Role != "researcher" && u.Role != "admin":
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
