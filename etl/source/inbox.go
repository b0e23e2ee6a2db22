package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// FormatsFile is the name of the inbox's description of its file formats.
const FormatsFile = "formats.json"

// The folders under the inbox where Take moves files.
const (
	DoneDir     = "done"
	RejectedDir = "rejected"
)

// FileFormat is one batch format of formats.json: how a contractor's files
// are written and which registry column each of their fields holds. The
// format's Name is also the folder under the inbox that holds its files.
type FileFormat struct {
	Name      string                 `json:"name"`
	Kind      string                 `json:"kind"` // csv or ndjson
	Extension string                 `json:"extension"`
	Header    bool                   `json:"header"`    // CSV: the first line names the fields
	Delimiter string                 `json:"delimiter"` // CSV: one character, "," when empty
	Null      string                 `json:"null"`      // how a missing value is written
	Tables    map[string]FormatTable `json:"tables"`    // registry table -> its fields
}

// FormatTable is one table's fields in a format, in file order.
type FormatTable struct {
	Event  string        `json:"event"`
	Fields []FormatField `json:"fields"`
}

// FormatField maps one file field (CSV header or NDJSON key) to a registry
// column. A column that is not in the Schema (a person's name) is dropped.
type FormatField struct {
	Field  string `json:"field"`
	Column string `json:"column"`
	Type   string `json:"type"`
}

// ReadFormats reads an inbox's formats.json.
func ReadFormats(inbox string) ([]FileFormat, error) {
	p := filepath.Join(inbox, FormatsFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Formats []FileFormat `json:"formats"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	seen := map[string]bool{}
	for _, f := range doc.Formats {
		if f.Name == "" || seen[f.Name] {
			return nil, fmt.Errorf("%s: format name %q is empty or given twice", p, f.Name)
		}
		seen[f.Name] = true
	}
	return doc.Formats, nil
}

// DropFile is one complete data file waiting in the inbox.
type DropFile struct {
	Name    string      // path relative to the inbox, slash-separated: "contractor_a_csv/birth_2021-03.csv"
	Path    string      // path on disk
	Size    int64       // bytes
	ModTime time.Time   // last modification, as the scan found it
	SHA256  string      // hex checksum of the content, by which a file is taken once
	Marker  string      // path of the file's completion marker (<name>.complete), if it has one
	Format  *FileFormat // nil when no format of formats.json claims the file
	Schema  *Schema     // the file's event type; nil with Format
	Problem string      // why Format is nil; ReadDrop refuses such a file
	// Reason is why the ETL refused the file; Take writes it beside a
	// rejected file. When empty, Take works the reason out again.
	Reason string
}

// MarkerSuffix ends the name of a completion marker: a contractor who
// writes "birth_2021-03.csv.complete" (empty, after closing the data file)
// says the file is whole, and it is taken at once.
const MarkerSuffix = ".complete"

// ScanOptions says when a file in the inbox is complete. A file with a
// completion marker is complete (unless it changed after the marker was
// written). Without one, a file is complete once its size and modification
// time have not changed for Settle: the scan looks twice, Settle apart, at
// files changed less than Settle ago. RequireMarker takes only files with a
// marker. A file that is not complete is left in the inbox for a later run.
type ScanOptions struct {
	Settle        time.Duration
	RequireMarker bool
	// Sleep waits between the two looks; nil waits on a timer (ended early
	// by ctx). Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Left is a file of the inbox that a scan did not list, and why.
type Left struct {
	Name string // relative to the inbox, slash-separated
	Why  string
}

// Scan is what ScanInbox found.
type Scan struct {
	Files   []DropFile // complete data files, sorted by name
	Waiting []Left     // files not yet complete (still being written, no marker yet): for a later run
	// Refused are entries never read: symbolic links (which could point
	// anywhere on the machine, and whose target can change under the run)
	// and other files that are not regular files (pipes, devices, sockets).
	Refused []Left
}

// ScanInbox lists the complete data files of an inbox, sorted by name, with
// their format, event type and checksum, and the files it leaves (see
// ScanOptions and Scan). It skips hidden files and *.tmp (a writer's
// temporary files), completion markers, formats.json and the done/ and
// rejected/ folders. A file no format claims is listed with its Problem, so
// that the ETL rejects it rather than leave it waiting forever.
func ScanInbox(ctx context.Context, dir string, opt ScanOptions) (Scan, error) {
	var scan Scan
	if _, err := os.Stat(dir); err != nil {
		return scan, fmt.Errorf("inbox: %w", err)
	}
	formats, ferr := ReadFormats(dir)
	if ferr != nil && !errors.Is(ferr, fs.ErrNotExist) {
		return scan, fmt.Errorf("inbox: %w", ferr)
	}
	var files []DropFile
	markers := map[string]string{} // data file name -> marker path
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		name := d.Name()
		if d.IsDir() {
			if strings.HasPrefix(name, ".") || rel == DoneDir || rel == RejectedDir {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || rel == FormatsFile {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			scan.Refused = append(scan.Refused, Left{rel, fmt.Sprintf("a symbolic link (to %s): links are not followed; put the file itself in the inbox", target)})
			return nil
		}
		if !d.Type().IsRegular() {
			scan.Refused = append(scan.Refused, Left{rel, fmt.Sprintf("not a regular file (%s); put the file itself in the inbox", d.Type())})
			return nil
		}
		if data, ok := strings.CutSuffix(rel, MarkerSuffix); ok {
			markers[data] = p
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, DropFile{Name: rel, Path: p, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return scan, fmt.Errorf("inbox %s: %w", dir, err)
	}
	if len(files) > 0 && ferr != nil {
		return scan, fmt.Errorf("inbox %s: %d files wait but there is no %s to say how to read them", dir, len(files), FormatsFile)
	}
	files, scan.Waiting, err = complete(ctx, files, markers, opt)
	if err != nil {
		return scan, err
	}
	for i := range files {
		f := &files[i]
		f.Format, f.Schema, f.Problem = classify(f.Name, formats)
		var n int64
		if f.SHA256, n, err = checksum(f.Path); err != nil {
			return scan, fmt.Errorf("inbox: %w", err)
		}
		// A file that changed while its checksum was computed is not done.
		if now, err := os.Lstat(f.Path); err != nil || n != f.Size || now.Size() != f.Size || !now.ModTime().Equal(f.ModTime) {
			scan.Waiting = append(scan.Waiting, Left{f.Name, "it changed while its checksum was computed: still being written"})
			f.Name = ""
		}
	}
	files = slices.DeleteFunc(files, func(f DropFile) bool { return f.Name == "" })
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	sort.Slice(scan.Waiting, func(i, j int) bool { return scan.Waiting[i].Name < scan.Waiting[j].Name })
	sort.Slice(scan.Refused, func(i, j int) bool { return scan.Refused[i].Name < scan.Refused[j].Name })
	scan.Files = files
	return scan, nil
}

// complete splits files into the complete ones and those left waiting.
func complete(ctx context.Context, files []DropFile, markers map[string]string, opt ScanOptions) (done []DropFile, waiting []Left, err error) {
	var young []DropFile // changed less than Settle ago: looked at again
	var wait time.Duration
	now := time.Now()
	for _, f := range files {
		if m, ok := markers[f.Name]; ok {
			mi, err := os.Stat(m)
			if err != nil {
				return nil, nil, fmt.Errorf("inbox: %w", err)
			}
			if f.ModTime.After(mi.ModTime()) {
				waiting = append(waiting, Left{f.Name, "it changed after its completion marker " + path.Base(f.Name) + MarkerSuffix + " was written: write the marker again once the file is whole"})
				continue
			}
			f.Marker = m
			done = append(done, f)
			continue
		}
		switch age := now.Sub(f.ModTime); {
		case opt.RequireMarker:
			waiting = append(waiting, Left{f.Name, "no completion marker " + path.Base(f.Name) + MarkerSuffix + " yet (etl requires one)"})
		case opt.Settle <= 0 || age >= opt.Settle:
			done = append(done, f)
		default:
			// age may be negative (a clock ahead): the wait is capped.
			young = append(young, f)
			wait = max(wait, min(opt.Settle-age, opt.Settle))
		}
	}
	if len(young) == 0 {
		return done, waiting, nil
	}
	sleep := opt.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	if err := sleep(ctx, wait); err != nil {
		return nil, nil, err
	}
	for _, f := range young {
		now, err := os.Lstat(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // moved away by its writer
		case err != nil:
			return nil, nil, fmt.Errorf("inbox: %w", err)
		case now.Size() != f.Size || !now.ModTime().Equal(f.ModTime) || !now.Mode().IsRegular():
			waiting = append(waiting, Left{f.Name, fmt.Sprintf("still being written: its size or time changed within %s (etl.inbox_settle)", opt.Settle)})
		default:
			done = append(done, f)
		}
	}
	return done, waiting, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// classify finds a file's format (by its folder and extension) and event
// type (by the name's prefix, as in "<event>_<batch><extension>").
func classify(rel string, formats []FileFormat) (*FileFormat, *Schema, string) {
	folder, base := path.Split(rel)
	folder = strings.TrimSuffix(folder, "/")
	var ff *FileFormat
	for i := range formats {
		if formats[i].Name == folder {
			ff = &formats[i]
		}
	}
	if ff == nil {
		return nil, nil, fmt.Sprintf("folder %q is not the name of a format in %s", folder, FormatsFile)
	}
	if ff.Kind != "csv" && ff.Kind != "ndjson" {
		return nil, nil, fmt.Sprintf("format %s is of kind %q; csv and ndjson can be read", ff.Name, ff.Kind)
	}
	if ff.Extension != "" && !strings.HasSuffix(base, ff.Extension) {
		return nil, nil, fmt.Sprintf("format %s files end in %s", ff.Name, ff.Extension)
	}
	var best *Schema
	for table, t := range ff.Tables {
		s := SchemaFor(table)
		if s == nil || s.Table != table {
			continue
		}
		ev := t.Event
		if ev == "" {
			ev = s.Event
		}
		if strings.HasPrefix(base, ev+"_") && (best == nil || len(ev) > len(best.Event)) {
			best = s
		}
	}
	if best == nil {
		return nil, nil, fmt.Sprintf("the name does not start with the event of a table of format %s (<event>_<batch>%s)", ff.Name, ff.Extension)
	}
	return ff, best, ""
}

func checksum(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("checksum %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Take moves a file out of the inbox, into <inbox>/done/ or
// <inbox>/rejected/ (to is "done" or "rejected"), under the same relative
// path, by a rename. A rejected file gets <name>.reason.txt beside it,
// written before the move: a crash between the two leaves the file in the
// inbox, where the next run finds it taken and moves it again. A different
// file already under the same name keeps its place: the newcomer's name
// gets its checksum.
func Take(inbox string, f DropFile, to string) error {
	if to != DoneDir && to != RejectedDir {
		return fmt.Errorf("take %s: destination %q is neither %s nor %s", f.Name, to, DoneDir, RejectedDir)
	}
	src := filepath.Join(inbox, filepath.FromSlash(f.Name))
	dst := filepath.Join(inbox, to, filepath.FromSlash(f.Name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("take %s: %w", f.Name, err)
	}
	if _, err := os.Lstat(dst); err == nil {
		if sum, _, err := checksum(dst); err != nil || sum != f.SHA256 {
			ext := path.Ext(dst)
			dst = strings.TrimSuffix(dst, ext) + "." + f.SHA256[:min(12, len(f.SHA256))] + ext
		}
	}
	if to == RejectedDir {
		reason := f.Reason
		if reason == "" {
			reason = whyUnreadable(f)
		}
		text := fmt.Sprintf("file: %s\nsha256: %s\nreason: %s\n", f.Name, f.SHA256, reason)
		if err := writeAtomic(dst+".reason.txt", []byte(text)); err != nil {
			return fmt.Errorf("take %s: %w", f.Name, err)
		}
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("take %s: %w", f.Name, err)
	}
	// The marker follows its file; one left behind by a crash here is
	// ignored (a marker without its file is no file).
	if f.Marker != "" {
		if err := os.Rename(f.Marker, dst+MarkerSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("take %s: its marker: %w", f.Name, err)
		}
	}
	return nil
}

// whyUnreadable works out again why a file was refused, for a caller that
// did not keep ReadDrop's error.
func whyUnreadable(f DropFile) string {
	_, err := ReadDrop(f, func(*Record) error { return errStop }, func(BadLine) error { return errStop })
	var u *UnreadableError
	if errors.As(err, &u) {
		return u.Reason
	}
	return "refused by the ETL"
}

var errStop = errors.New("stop")

func writeAtomic(p string, b []byte) error {
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
