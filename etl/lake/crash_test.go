package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// The crash test: a child process (this test binary, re-executed) commits
// batches and compactions in a loop, as the ETL would, resuming from
// State(); the parent kills it with SIGKILL, either at a random moment or at
// a named point of the commit protocol, then reopens the lake and checks
// that it holds exactly the rows of the committed batches.

const (
	envCrashDir   = "LAKE_CRASH_DIR"
	envCrashAt    = "LAKE_CRASH_AT"    // a hook point; empty: run until killed
	envCrashAfter = "LAKE_CRASH_AFTER" // die at this occurrence of the point
	envCrashSeed  = "LAKE_CRASH_SEED"
)

// crashRow carries its batch id and a sequence number over all batches.
type crashRow struct {
	Batch   string  `parquet:"batch"`
	Seq     int64   `parquet:"seq"`
	Payload string  `parquet:"payload"`
	D       Date    `parquet:"d,date"`
	Note    *string `parquet:"note"`
	Year    int32   `parquet:"occurrence_year"`
}

// crashState is the progress the child stores with each batch: the source
// is the sequence 0, 1, 2…, and next is the first number not yet loaded.
type crashState struct {
	Next    int64 `json:"next"`
	Batches int   `json:"batches"`
}

var crashTables = []string{"alpha", "beta"}

func crashPartition(seq int64) (string, int) {
	return crashTables[seq%3/2], 2000 + int(seq/7%4)
}

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("run by TestCrashKill9")
	}
	at := os.Getenv(envCrashAt)
	after, _ := strconv.Atoi(os.Getenv(envCrashAfter))
	seed, _ := strconv.ParseUint(os.Getenv(envCrashSeed), 10, 64)
	seen := 0
	crashHook = func(point string) {
		if point == at {
			if seen++; seen == after {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	l, err := Open(dir, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	var st crashState
	if s := l.State(); s != nil {
		if err := json.Unmarshal(s, &st); err != nil {
			t.Fatal(err)
		}
	}
	note := "n"
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		id := fmt.Sprintf("b%05d", st.Batches)
		b, err := l.Begin(id)
		if err != nil {
			t.Fatal(err)
		}
		size := int64(200 + rng.IntN(3000))
		for seq := st.Next; seq < st.Next+size; seq++ {
			table, year := crashPartition(seq)
			w, err := Writer[crashRow](b, table, year)
			if err != nil {
				t.Fatal(err)
			}
			r := crashRow{Batch: id, Seq: seq, Payload: fmt.Sprintf("row %d of %s", seq, id), D: Date(seq % 40000), Year: int32(year)}
			if seq%5 == 0 {
				r.Note = &note
			}
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		next := crashState{Next: st.Next + size, Batches: st.Batches + 1}
		state, _ := json.Marshal(next)
		if _, err := b.Commit(state, map[string]int64{"rows": size}); err != nil {
			t.Fatal(err)
		}
		st = next
		if st.Batches%3 == 0 {
			table, year := crashPartition(rng.Int64N(1000))
			if err := l.Compact(table, fmt.Sprintf("%s=%d", YearKey, year)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("not killed within a minute")
}

func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process 30 times")
	}
	dir := t.TempDir()
	// Every point of the commit protocol, for batches and compactions.
	var schedule []string
	for _, kind := range []string{KindBatch, KindCompaction} {
		for _, p := range []string{"begun", "files-synced", "renamed-one", "renamed", "manifest-written", "manifest-renamed", "committed"} {
			schedule = append(schedule, kind+"/"+p)
		}
	}
	schedule = append(schedule, "compaction/written", "compaction/removed-one")
	for len(schedule) < 30 {
		schedule = append(schedule, "") // a random moment
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	rng.Shuffle(len(schedule), func(i, j int) { schedule[i], schedule[j] = schedule[j], schedule[i] })

	var last crashState
	advanced := 0
	for i, point := range schedule {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		after := 1 + rng.IntN(3)
		cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashAt+"="+point,
			envCrashAfter+"="+strconv.Itoa(after), envCrashSeed+"="+strconv.Itoa(i))
		out := &limitedBuffer{max: 1 << 16}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if point == "" {
			time.Sleep(time.Duration(20+rng.IntN(600)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
		} else {
			timer := time.AfterFunc(45*time.Second, func() { cmd.Process.Kill() })
			defer timer.Stop()
		}
		err := cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d (%q): the child ended with %v, not SIGKILL:\n%s", i, point, err, out.buf)
		}
		st := verifyCrashLake(t, dir)
		if st.Batches < last.Batches {
			t.Fatalf("kill %d: state went back from %+v to %+v", i, last, st)
		}
		if st.Batches > last.Batches {
			advanced++
		}
		t.Logf("kill %2d at %-30q (occurrence %d): %d batches, %d rows committed", i, point, after, st.Batches, st.Next)
		last = st
	}
	if advanced < len(schedule)/2 {
		t.Errorf("only %d of %d runs committed anything: the kills came too early to test much", advanced, len(schedule))
	}
}

// verifyCrashLake reopens the lake and checks it holds rows 0..next-1 of
// State() exactly once, each in the batch that committed it.
func verifyCrashLake(t *testing.T, dir string) crashState {
	t.Helper()
	l, err := Open(dir, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var st crashState
	if s := l.State(); s != nil {
		if err := json.Unmarshal(s, &st); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 && string(entries[len(entries)-1].State) != string(l.State()) {
		t.Fatalf("State() %s is not the last entry's %s", l.State(), entries[len(entries)-1].State)
	}
	// Each batch entry owns the range of sequence numbers between the
	// previous batch's state and its own.
	type span struct{ from, to int64 }
	spans := map[string]span{}
	var prev int64
	nbatches := 0
	for _, e := range entries {
		if e.Kind != KindBatch {
			continue
		}
		var s crashState
		if err := json.Unmarshal(e.State, &s); err != nil {
			t.Fatal(err)
		}
		spans[e.Batch] = span{prev, s.Next}
		prev = s.Next
		nbatches++
	}
	if nbatches != st.Batches || prev != st.Next {
		t.Fatalf("%d batch entries up to %d, state says %+v", nbatches, prev, st)
	}

	seen := make([]bool, st.Next)
	perBatch := map[string]int64{}
	for _, table := range crashTables {
		files, err := l.Files(table)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rows := readRows[crashRow](t, f)
			for _, r := range rows {
				sp, ok := spans[r.Batch]
				switch {
				case !ok:
					t.Fatalf("%s: row %d of batch %s, which is not committed", f, r.Seq, r.Batch)
				case r.Seq < sp.from || r.Seq >= sp.to:
					t.Fatalf("%s: row %d in batch %s, which loaded [%d, %d)", f, r.Seq, r.Batch, sp.from, sp.to)
				case seen[r.Seq]:
					t.Fatalf("%s: row %d twice", f, r.Seq)
				}
				if tb, y := crashPartition(r.Seq); tb != table || filepath.Base(filepath.Dir(f)) != fmt.Sprintf("%s=%d", YearKey, y) {
					t.Fatalf("%s: row %d in the wrong partition", f, r.Seq)
				}
				if r.Payload != fmt.Sprintf("row %d of %s", r.Seq, r.Batch) || r.D != Date(r.Seq%40000) || (r.Note != nil) != (r.Seq%5 == 0) {
					t.Fatalf("%s: row %d damaged: %+v", f, r.Seq, r)
				}
				seen[r.Seq] = true
				perBatch[r.Batch]++
			}
		}
	}
	if missing := slices.Index(seen, false); missing >= 0 {
		t.Fatalf("row %d lost (state %+v)", missing, st)
	}
	for b, sp := range spans {
		if perBatch[b] != sp.to-sp.from {
			t.Fatalf("batch %s: %d rows, want %d", b, perBatch[b], sp.to-sp.from)
		}
	}
	// Nothing but the lake's own files is left on disk.
	if got, want := lakeFiles(t, dir), expectedFiles(t, l); !slices.Equal(got, want) {
		t.Fatalf("after recovery the disk holds\n%v\nwant\n%v", got, want)
	}
	if des, _ := os.ReadDir(filepath.Join(dir, stagingDir)); len(des) != 0 {
		t.Fatalf("staging not empty after Open")
	}
	return st
}

// limitedBuffer keeps the start of a child's output for error messages.
type limitedBuffer struct {
	buf []byte
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
