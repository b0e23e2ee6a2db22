package reports

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFiles(files map[string]string) func(string) error {
	return func(dir string) error {
		for name, body := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestPublishAndRevise(t *testing.T) {
	root := t.TempDir()
	base := Release{Created: time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC), LakeSnapshot: "manifest entry 3",
		CodeVersion: "abc", Denominators: "nis-2024.csv"}

	first := base
	first.ID, first.Status = "r1", Provisional
	got, err := Publish(root, first, writeFiles(map[string]string{"who/deaths.csv": "a,b\n1,2\n", "x.csv": "x\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 2 || got.Files[0].Path != "who/deaths.csv" || got.Previous != "" {
		t.Fatalf("release: %+v", got)
	}
	if _, err := Verify(filepath.Join(root, "r1")); err != nil {
		t.Fatal(err)
	}

	final := base
	final.ID, final.Status, final.Note = "r2", Final, "final figures for 2025"
	if got, err = Publish(root, final, writeFiles(map[string]string{"x.csv": "y\n"})); err != nil {
		t.Fatal(err)
	}
	if got.Previous != "r1" {
		t.Errorf("r2 revises %q, want r1", got.Previous)
	}
	// A final release cannot be written again, nor its files changed unseen.
	if _, err := Publish(root, final, writeFiles(nil)); err == nil || !strings.Contains(err.Error(), "never change") {
		t.Errorf("publishing r2 again: %v", err)
	}
	st, err := os.Stat(filepath.Join(root, "r2", "x.csv"))
	if err != nil || st.Mode().Perm()&0o222 != 0 {
		t.Errorf("a final release's file is writable: %v %v", st.Mode(), err)
	}
	os.Chmod(filepath.Join(root, "r2", "x.csv"), 0o644)
	os.WriteFile(filepath.Join(root, "r2", "x.csv"), []byte("z\n"), 0o644)
	if _, err := Verify(filepath.Join(root, "r2")); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("a changed file passes Verify: %v", err)
	}

	// The revision log lists both, in order.
	log, err := Releases(root)
	if err != nil || len(log) != 2 || log[0].ID != "r1" || log[1].ID != "r2" || log[1].Status != Final {
		t.Errorf("log: %+v %v", log, err)
	}

	// A failed export leaves nothing: no folder, no log line.
	bad := base
	bad.ID, bad.Status = "r3", Provisional
	if _, err := Publish(root, bad, func(string) error { return errors.New("disk full") }); err == nil {
		t.Error("a failed write published")
	}
	if _, err := os.Stat(filepath.Join(root, "r3")); err == nil {
		t.Error("a failed release left its folder")
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".new-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if log, _ := Releases(root); len(log) != 2 {
		t.Errorf("log after a failure: %d releases", len(log))
	}
	for _, id := range []string{"", "../x", "a.b"} {
		r := base
		r.ID, r.Status = id, Provisional
		if _, err := Publish(root, r, writeFiles(nil)); err == nil {
			t.Errorf("id %q accepted", id)
		}
	}
}

// What a killed export left (the folder Publish was filling) goes; the
// releases and anything else stay.
func TestRemoveUnfinished(t *testing.T) {
	root := t.TempDir()
	r, err := Publish(root, Release{ID: "20240101T000000Z", Status: Final}, func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "a.csv"), []byte("a\n"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	killed := filepath.Join(root, unfinishedPrefix+"20240201T000000Z-12345")
	if err := os.MkdirAll(filepath.Join(killed, "research"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(killed, "research", "part.parquet"), []byte("x"), 0o444); err != nil {
		t.Fatal(err)
	}
	removed, err := RemoveUnfinished(root)
	if err != nil || len(removed) != 1 || removed[0] != killed {
		t.Fatalf("removed %v, %v", removed, err)
	}
	if _, err := os.Stat(killed); err == nil {
		t.Error("the unfinished release is still there")
	}
	if _, err := Verify(filepath.Join(root, r.ID)); err != nil {
		t.Errorf("the published release: %v", err)
	}
	if removed, err := RemoveUnfinished(filepath.Join(root, "none")); err != nil || len(removed) != 0 {
		t.Errorf("a folder with no releases yet: %v %v", removed, err)
	}
}
