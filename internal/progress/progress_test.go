package progress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the ticker goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNotATerminalWritesLogLines(t *testing.T) {
	var term, logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))

	b := New("births", 1000, &term, log)
	b.Add(400)
	b.Add(600)
	b.Finish()
	b.Finish() // a second Finish must not log again

	if term.String() != "" {
		t.Fatalf("a non-terminal writer got bar output %q", term.String())
	}
	lines := decodeLines(t, logs.String())
	if len(lines) != 1 {
		t.Fatalf("want exactly one final log line (interval not reached), got %d: %s", len(lines), logs.String())
	}
	last := lines[0]
	if last["msg"] != "progress done" || last["label"] != "births" {
		t.Errorf("final line = %v", last)
	}
	if last["done"] != float64(1000) || last["total"] != float64(1000) || last["percent"] != float64(100) {
		t.Errorf("final counts = done %v total %v percent %v", last["done"], last["total"], last["percent"])
	}
}

func TestLogLinesAreRateLimited(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))

	b := start("deaths", 100, nil, log, 20*time.Millisecond)
	b.Add(10)
	time.Sleep(150 * time.Millisecond)
	b.Finish()

	lines := decodeLines(t, logs.String())
	// About 7 ticks in 150 ms at 20 ms: many Adds do not mean many lines,
	// and the sleep means at least one periodic line before the final one.
	if len(lines) < 2 || len(lines) > 10 {
		t.Fatalf("want 2..10 lines, got %d:\n%s", len(lines), logs.String())
	}
	first := lines[0]
	if first["msg"] != "progress" || first["done"] != float64(10) || first["percent"] != float64(10) {
		t.Errorf("periodic line = %v", first)
	}
	if _, ok := first["eta"]; !ok {
		t.Errorf("periodic line has no eta: %v", first)
	}
	if lines[len(lines)-1]["msg"] != "progress done" {
		t.Errorf("last line = %v", lines[len(lines)-1])
	}
}

func TestTerminalRedrawsOneLine(t *testing.T) {
	var term syncBuffer
	b := start("gen", 50, &term, nil, 10*time.Millisecond)
	b.Add(25)
	time.Sleep(100 * time.Millisecond)
	b.Add(25)
	b.Finish()

	out := term.String()
	if !strings.HasPrefix(out, "\r") || !strings.HasSuffix(out, "\n") {
		t.Fatalf("want \\r-redrawn line ending in a newline, got %q", out)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("want a single line on the terminal, got %q", out)
	}
	draws := strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:]
	if len(draws) < 2 {
		t.Fatalf("want at least one periodic drawing and the final one, got %q", out)
	}
	final := draws[len(draws)-1]
	if !strings.Contains(final, "gen [########################] 50/50 100.0%") {
		t.Errorf("final drawing = %q", final)
	}
	if !strings.Contains(draws[0], "25/50  50.0%") {
		t.Errorf("first drawing = %q", draws[0])
	}
}

func TestLineFormat(t *testing.T) {
	for _, tc := range []struct {
		s    snapshot
		want string
	}{
		{
			snapshot{label: "births", done: 1_250_000, total: 3_000_000, elapsed: 5 * time.Second, rate: 250_000},
			"births [##########--------------] 1.2M/3.0M  41.7%  250.0k/s  ETA 0:07",
		},
		{
			snapshot{label: "x", done: 0, total: 10, elapsed: 0, rate: 0},
			"x [------------------------] 0/10   0.0%  0/s  0:00",
		},
		{ // unknown total: count, rate and elapsed time
			snapshot{label: "rows", done: 4200, total: 0, elapsed: 3723 * time.Second, rate: 1.128},
			"rows 4.2k  1/s  1:02:03",
		},
		{ // overshoot: the bar stays full, the percent says the truth
			snapshot{label: "y", done: 12, total: 10, elapsed: time.Second, rate: 12},
			"y [########################] 12/10 120.0%  12/s  ETA 0:00",
		},
	} {
		if got := tc.s.line(); got != tc.want {
			t.Errorf("line()\n got %q\nwant %q", got, tc.want)
		}
	}
}

func TestAddIsGoroutineSafe(t *testing.T) {
	b := New("n", 8000, nil, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				b.Add(1)
			}
		}()
	}
	wg.Wait()
	b.Finish()
	if b.Done() != 8000 {
		t.Fatalf("Done() = %d, want 8000", b.Done())
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) || IsTerminal(&bytes.Buffer{}) || IsTerminal(nil) {
		t.Fatal("a regular file, a buffer and nil are not terminals")
	}
	var nilFile *os.File
	if IsTerminal(nilFile) {
		t.Fatal("a nil *os.File is not a terminal")
	}
}

func decodeLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}
