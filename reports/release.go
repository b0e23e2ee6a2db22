package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Release statuses. A provisional release may be followed by others; a
// final one is the figure of record and never changes.
const (
	Provisional = "provisional"
	Final       = "final"
)

// Release describes one export run: what it was made from and what it
// holds. It is written as release.json in the release's folder.
type Release struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Status  string    `json:"status"`
	// What the numbers come from.
	LakeSnapshot string `json:"lake_snapshot"`
	// AsOf is the date the registry data describe (YYYY-MM-DD), never the
	// build's or the release's time; AsOfSource says how it was found
	// ("data": the latest registration in the lake; "config": set by the site).
	AsOf         string    `json:"as_of"`
	AsOfSource   string    `json:"as_of_source"`
	BuiltAt      time.Time `json:"warehouse_built_at"`
	CodeVersion  string    `json:"code_version"`
	Denominators string    `json:"denominators"` // the population source
	// Previous is the release this one revises ("" for the first); Note says why.
	Previous string        `json:"previous,omitempty"`
	Note     string        `json:"note,omitempty"`
	Files    []ReleaseFile `json:"files"`
}

// ReleaseFile is one file of a release, with its checksum so that a copy
// can be verified.
type ReleaseFile struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// logName is the revision log at the root of the releases folder: one JSON
// line per release, in order, never rewritten.
const logName = "releases.jsonl"

// Releases lists the releases of a folder from its revision log, oldest first.
func Releases(root string) ([]Release, error) {
	b, err := os.ReadFile(filepath.Join(root, logName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Release
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var r Release
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", filepath.Join(root, logName), i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Publish makes a release in root: write fills a new folder with the
// release's files; Publish then checksums them, writes release.json, moves
// the folder in place under r.ID in one rename, and appends the release to
// the revision log. A failed write leaves nothing behind. An existing ID is
// refused, so a final release is never changed: a correction is a new
// release whose Previous names it. The files of a final release are made
// read-only.
func Publish(root string, r Release, write func(dir string) error) (Release, error) {
	if r.ID == "" || strings.ContainsAny(r.ID, `/\.`) {
		return r, fmt.Errorf("release id %q: letters, digits, '-' and '_' only", r.ID)
	}
	if r.Status != Provisional && r.Status != Final {
		return r, fmt.Errorf("release %s: status %q is neither %s nor %s", r.ID, r.Status, Provisional, Final)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return r, err
	}
	dest := filepath.Join(root, r.ID)
	if _, err := os.Stat(dest); err == nil {
		return r, fmt.Errorf("release %s exists already; releases never change (make a new one)", r.ID)
	}
	prev, err := Releases(root)
	if err != nil {
		return r, err
	}
	if len(prev) > 0 {
		r.Previous = prev[len(prev)-1].ID
	}
	tmp, err := os.MkdirTemp(root, unfinishedPrefix+r.ID+"-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp) // nothing left after a rename; everything after a failure
	if err := write(tmp); err != nil {
		return r, fmt.Errorf("release %s: %w", r.ID, err)
	}
	r.Files = nil
	err = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := fileSum(p)
		if err != nil {
			return err
		}
		f.Path, _ = filepath.Rel(tmp, p)
		f.Path = filepath.ToSlash(f.Path)
		r.Files = append(r.Files, f)
		return nil
	})
	if err != nil {
		return r, err
	}
	slices.SortFunc(r.Files, func(a, b ReleaseFile) int { return strings.Compare(a.Path, b.Path) })
	meta, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return r, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "release.json"), append(meta, '\n'), 0o644); err != nil {
		return r, err
	}
	if r.Status == Final {
		if err := readOnly(tmp); err != nil {
			return r, err
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		return r, err
	}
	line, _ := json.Marshal(r)
	lf, err := os.OpenFile(filepath.Join(root, logName), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return r, err
	}
	if _, err := lf.Write(append(line, '\n')); err != nil {
		lf.Close()
		return r, err
	}
	return r, lf.Close()
}

// unfinishedPrefix starts the name of the folder Publish fills before it
// renames it into place.
const unfinishedPrefix = ".new-"

// RemoveUnfinished removes what killed exports left in root: the folders
// Publish was filling when its process died (a failed Publish removes its
// own). The caller must hold the lock every export takes (the run lock), so
// that no folder removed is one still being filled. It returns the folders
// removed.
func RemoveUnfinished(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), unfinishedPrefix) {
			continue
		}
		p := filepath.Join(root, e.Name())
		// A final release's files are read-only; their folder is not, so
		// RemoveAll can unlink them.
		if err := os.RemoveAll(p); err != nil {
			return removed, fmt.Errorf("remove the unfinished release %s: %w", p, err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}

// Verify checks a release's files against its release.json: every file
// listed is there with its checksum, and nothing else.
func Verify(dir string) (Release, error) {
	var r Release
	b, err := os.ReadFile(filepath.Join(dir, "release.json"))
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", filepath.Join(dir, "release.json"), err)
	}
	want := map[string]ReleaseFile{}
	for _, f := range r.Files {
		want[f.Path] = f
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "release.json" {
			return nil
		}
		w, ok := want[rel]
		if !ok {
			return fmt.Errorf("release %s: %s is not listed in release.json", r.ID, rel)
		}
		got, err := fileSum(p)
		if err != nil {
			return err
		}
		if got.SHA256 != w.SHA256 || got.Bytes != w.Bytes {
			return fmt.Errorf("release %s: %s has changed since it was published", r.ID, rel)
		}
		delete(want, rel)
		return nil
	})
	if err != nil {
		return r, err
	}
	for p := range want {
		return r, fmt.Errorf("release %s: %s is missing", r.ID, p)
	}
	return r, nil
}

func fileSum(p string) (ReleaseFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return ReleaseFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return ReleaseFile{}, err
	}
	return ReleaseFile{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func readOnly(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chmod(p, 0o444)
	})
}
