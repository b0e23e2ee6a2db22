package pgserver

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func query(t *testing.T, dsn, sql string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func execSQL(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestStartStopRestart: data written before a stop is there after a restart
// on the same directory, and a killed server recovers.
func TestStartStopRestart(t *testing.T) {
	s := NewForTest(t)
	if got := query(t, s.DSN(), "select 40 + 2"); got != 42 {
		t.Fatalf("select 40 + 2 = %d", got)
	}
	if db := query(t, s.DSN(), "select count(*) from pg_database where datname = current_database() and datname = 'registry'"); db != 1 {
		t.Fatalf("connected database is not registry")
	}
	execSQL(t, s.DSN(), "create table kept (x int); insert into kept select generate_series(1, 1000)")
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second stop: %v", err)
	}

	// A second Start on the same directory, as `make demo` does; durable this
	// time, since a throwaway server may lose its last commits to a kill.
	ctx := context.Background()
	s2, err := Start(ctx, s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got := query(t, s2.DSN(), "select count(*) from kept"); got != 1000 {
		t.Fatalf("after restart: %d rows, want 1000", got)
	}
	execSQL(t, s2.DSN(), "insert into kept values (1001)")
	if err := s2.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got := query(t, s2.DSN(), "select count(*) from kept"); got != 1001 {
		t.Fatalf("after kill and restart: %d rows, want 1001", got)
	}
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(s2.LogPath()); err != nil || fi.Size() == 0 {
		t.Fatalf("server log %s missing or empty: %v", s2.LogPath(), err)
	}
}

func TestNonEmptyDirRefused(t *testing.T) {
	dir, err := os.MkdirTemp("", "vitalstats-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	if err := os.MkdirAll(dir+"/data", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/data/notes.txt", []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(context.Background(), dir); err == nil {
		t.Fatal("Start on a non-empty, non-cluster directory succeeded")
	}
}

// TestPrivate: the server asks every client for the password, which only
// the owner of the directory can read: a connection without it, or with a
// wrong one, is refused on TCP; the folders are owner-only; pg_hba.conf
// trusts nobody. Run as root, another OS user (nobody) tries psql over TCP
// and over the unix socket, as the attacker did.
func TestPrivate(t *testing.T) {
	s := NewForTest(t)
	for path, want := range map[string]os.FileMode{s.Dir(): 0o700, s.SocketDir(): 0o700, s.PassFile(): 0o600, s.LogPath(): 0o600} {
		if path == "" {
			t.Fatal("no socket folder: the test directory's path is too long for a unix socket")
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Error(err)
			continue
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
	hba, err := os.ReadFile(filepath.Join(s.Dir(), "data", "pg_hba.conf"))
	if err != nil {
		t.Fatal(err)
	}
	rules := 0
	for _, line := range strings.Split(string(hba), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		rules++
		if method := f[len(f)-1]; method != "scram-sha-256" {
			t.Errorf("pg_hba.conf: %q does not ask for a SCRAM password", line)
		}
	}
	if rules == 0 {
		t.Error("pg_hba.conf has no rule")
	}

	// Our own password file must not lend a password to the refused tries.
	t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))
	bare := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/registry?sslmode=disable", s.Port())
	for _, dsn := range []string{bare, bare + "&password=postgres", bare + "&password="} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		conn, err := pgx.Connect(ctx, dsn)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			t.Errorf("%s: connected without the password", dsn)
		}
	}
	if got := query(t, s.DSN(), "select 1"); got != 1 {
		t.Fatalf("with the DSN (passfile): select 1 = %d", got)
	}
	if strings.Contains(s.DSN(), readPassword(t, s)) {
		t.Errorf("the DSN %s holds the password itself", s.DSN())
	}

	if os.Geteuid() != 0 {
		return // as another user, everything above is what the attacker faces
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Log("no psql: the other-user check is left out")
		return
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("user nobody: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	asNobody := func(args ...string) (string, error) {
		cmd := exec.Command(psql, args...)
		cmd.Dir = "/"
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LC_ALL=C"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// psql itself works for nobody, so the refusals below are the server's.
	if out, err := asNobody("--version"); err != nil {
		t.Fatalf("psql --version as nobody: %v\n%s", err, out)
	}
	for _, conn := range []string{
		bare,    // TCP, no password
		s.DSN(), // TCP, naming a password file nobody cannot read
		fmt.Sprintf("host=%s port=%d user=postgres dbname=registry", s.SocketDir(), s.Port()), // the unix socket
	} {
		out, err := asNobody("-w", "-X", "-At", "-c", "select 'connected'", conn)
		if err == nil || strings.Contains(out, "connected\n") {
			t.Errorf("user nobody connected with %q:\n%s", conn, out)
		} else if !strings.Contains(out, "password") && !strings.Contains(out, "Permission denied") {
			t.Errorf("user nobody with %q: refused for another reason than a password or a permission:\n%s", conn, out)
		}
	}
}

func readPassword(t *testing.T, s *Server) string {
	t.Helper()
	b, err := os.ReadFile(s.PassFile())
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(strings.TrimSpace(string(b)), ":")
	if len(f) != 5 || len(f[4]) < 32 {
		t.Fatalf("%s: not one line *:*:*:postgres:PASSWORD", s.PassFile())
	}
	return f[4]
}

// TestTrustClusterClosed: a cluster an older pgserver made (trust, no
// password file) gets a password at its next start, and keeps its data.
func TestTrustClusterClosed(t *testing.T) {
	s := NewForTest(t)
	execSQL(t, s.DSN(), "create table kept (x int); insert into kept values (1), (2)")
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	old := readPassword(t, s)
	if err := os.Remove(s.PassFile()); err != nil {
		t.Fatal(err)
	}
	hba := filepath.Join(s.Dir(), "data", "pg_hba.conf")
	if err := os.WriteFile(hba, []byte("local all all trust\nhost all all 127.0.0.1/32 trust\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pw := readPassword(t, s); pw == old {
		t.Fatal("the password was not made anew")
	}
	// The new password is the server's: the DSN connects with it.
	if got := query(t, s.DSN(), "select count(*) from kept"); got != 2 {
		t.Fatalf("kept: %d rows, want 2", got)
	}
	t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/registry?sslmode=disable", s.Port())); err == nil {
		conn.Close(ctx)
		t.Fatal("the former trust cluster still lets a client in without a password")
	}
}

// watchdogChildEnv names the directory in which the child process of
// TestServerStopsWithItsProcess starts a server.
const watchdogChildEnv = "PGSERVER_WATCHDOG_CHILD_DIR"

// TestWatchdogChild is the child of TestServerStopsWithItsProcess: it
// starts a server, says the postmaster's pid, and waits to be killed.
func TestWatchdogChild(t *testing.T) {
	dir := os.Getenv(watchdogChildEnv)
	if dir == "" {
		t.Skip("the child process of TestServerStopsWithItsProcess")
	}
	s, err := StartWith(context.Background(), dir, Options{Throwaway: true})
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(1)
	}
	pid, err := s.PostmasterPID()
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("postmaster %d\n", pid)
	time.Sleep(10 * time.Minute)
}

// TestServerStopsWithItsProcess: a process that started a server and is
// killed with SIGKILL (no deferred stop runs) leaves no server behind.
func TestServerStopsWithItsProcess(t *testing.T) {
	dir, err := os.MkdirTemp("", "vitalstats-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	child := exec.Command(os.Args[0], "-test.run=^TestWatchdogChild$", "-test.count=1")
	child.Env = append(os.Environ(), watchdogChildEnv+"="+dir)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	pid := 0
	sc := bufio.NewScanner(out)
	for pid == 0 && sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "postmaster "); ok {
			pid, _ = strconv.Atoi(v)
		} else if strings.HasPrefix(line, "error ") {
			t.Fatalf("child: %s", line)
		}
	}
	if pid == 0 {
		child.Process.Kill()
		child.Wait()
		t.Fatal("the child said no postmaster pid")
	}
	// Whatever happens below, no server outlives the test.
	t.Cleanup(func() {
		if s, err := StartWith(context.Background(), dir, Options{Throwaway: true}); err == nil {
			s.Stop()
		}
	})
	if !alive(pid) {
		t.Fatalf("postmaster %d is not running while its process lives", pid)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d still runs 20 s after the process that started it was killed", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
		t.Error("postmaster.pid is left: the server did not shut down cleanly")
	}
}

// alive reports whether process pid runs (a zombie, which a container's
// init may never reap, has ended).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

// TestPrivateAncestorsOpenedForTraversal: run as root, a cluster below
// folders private to root (what vitalstats's umask 077 makes, such as the
// data directory and the bench's cache) starts; those folders are opened
// to group postgres for traversal only, and the top folder, which is not
// private, is left as it was.
func TestPrivateAncestorsOpenedForTraversal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to user postgres")
	}
	top, err := os.MkdirTemp("", "vitalstats-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	if err := os.Chmod(top, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(top, "data")
	cache := filepath.Join(data, "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{data, cache} {
		os.Chmod(d, 0o700)
	}
	s, err := StartWith(context.Background(), filepath.Join(cache, "pg"), Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	if got := query(t, s.DSN(), "select 1"); got != 1 {
		t.Fatalf("select 1 = %d", got)
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]os.FileMode{top: 0o755, data: 0o710, cache: 0o710} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", d, got, want)
		}
		if want == 0o710 {
			if gid := fi.Sys().(*syscall.Stat_t).Gid; strconv.Itoa(int(gid)) != pg.Gid {
				t.Errorf("%s: group %d, want postgres (%s)", d, gid, pg.Gid)
			}
		}
	}
}
