// Package pgserver owns a local PostgreSQL 15 server run from Debian's
// binaries: the throwaway registry that tests, `vitalstats gen` and `make demo`
// write into. It initialises a cluster in a directory, starts it on a free
// port of 127.0.0.1, and stops it. It knows nothing about the registry's
// tables and must not import the pipeline or synth.
//
// The registry holds names and identity numbers, so the server is private:
//   - every connection, TCP or unix socket, authenticates with a password
//     (SCRAM-SHA-256); pg_hba.conf is rewritten at every start and never
//     trusts anyone. The password is random, made once per cluster, and kept
//     in DIR/pgpass (mode 0600, the libpq password-file format), which DSN
//     names (passfile=...), so that pgx and psql find it and nobody else;
//   - the directory, the unix socket's folder and the log are owner-only;
//   - the server does not outlive the process that started it: a watchdog
//     (a small shell process reading a pipe that only this process holds
//     open) sends the postmaster SIGINT, a fast shutdown, when the pipe
//     closes, which the kernel does when this process ends in any way,
//     SIGKILL included.
package pgserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Database is the database Start creates and DSN points at.
const Database = "registry"

// superuser is the cluster's superuser role (initdb -U), whatever the OS user.
const superuser = "postgres"

// debianBinDir is where Debian's postgresql-15 package installs the server.
const debianBinDir = "/usr/lib/postgresql/15/bin"

// Options tune a server. The zero value is a durable server.
type Options struct {
	// Throwaway turns off fsync, synchronous_commit and full_page_writes: a
	// crash of the machine may then corrupt the cluster, which only a test
	// server whose directory is deleted afterwards can accept.
	Throwaway bool
	// Log receives one line per start and stop; nil discards.
	Log *slog.Logger
}

// Server is a running (or stopped) PostgreSQL cluster in a directory.
// Layout of the directory (0700): data/ (PGDATA), run/ (the unix socket,
// 0700), postgres.log (the server log), pgpass (the superuser's password).
type Server struct {
	dir      string
	dataDir  string
	sockDir  string
	logPath  string
	passPath string
	binDir   string
	port     int
	opts     Options
	log      *slog.Logger
	cred     *syscall.Credential // set when we run as root and must drop to user postgres
	stopped  bool
	watchdog *exec.Cmd // stops the postmaster if this process dies; nil when stopped
	watchW   *os.File  // the pipe's write end: closed by the kernel when we die
}

// Start initialises dir as a cluster if it holds none yet, starts postgres on
// a free TCP port of 127.0.0.1, waits until it accepts connections, and
// creates database registry if it does not exist.
func Start(ctx context.Context, dir string) (*Server, error) {
	return StartWith(ctx, dir, Options{})
}

// StartWith is Start with options.
func StartWith(ctx context.Context, dir string, opts Options) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pgserver: directory %s: %w", dir, err)
	}
	s := &Server{
		dir:      abs,
		dataDir:  filepath.Join(abs, "data"),
		sockDir:  filepath.Join(abs, "run"),
		logPath:  filepath.Join(abs, "postgres.log"),
		passPath: filepath.Join(abs, "pgpass"),
		opts:     opts,
		log:      opts.Log,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("pgdata", s.dataDir)
	if s.binDir, err = findBinDir(); err != nil {
		return nil, err
	}
	if err := s.prepareDir(); err != nil {
		return nil, err
	}
	if err := s.initdb(ctx); err != nil {
		return nil, err
	}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	if err := s.createDatabase(ctx); err != nil {
		_ = s.Kill()
		return nil, err
	}
	return s, nil
}

// findBinDir finds initdb, pg_ctl and postgres: Debian's versioned directory
// first (pg_config may belong to a client-only package of another version).
func findBinDir() (string, error) {
	candidates := []string{debianBinDir}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	for _, d := range candidates {
		ok := true
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(d, b)); err != nil {
				ok = false
				break
			}
		}
		if ok {
			return d, nil
		}
	}
	return "", fmt.Errorf("pgserver: PostgreSQL 15 server binaries (initdb, pg_ctl, postgres) not found in %s; install the Debian package postgresql-15 (apt-get install postgresql-15)", strings.Join(candidates, " or "))
}

// prepareDir creates the directory owner-only and, when we are root, hands
// it to user postgres: PostgreSQL refuses to run as root.
func (s *Server) prepareDir() error {
	for _, d := range []string{s.dir, s.sockDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("pgserver: create %s: %w", d, err)
		}
		// A directory made by an older version (0755) is closed too.
		if err := os.Chmod(d, 0o700); err != nil {
			return fmt.Errorf("pgserver: chmod %s: %w", d, err)
		}
	}
	if _, err := os.Stat(s.logPath); err == nil {
		if err := os.Chmod(s.logPath, 0o600); err != nil {
			return fmt.Errorf("pgserver: chmod %s: %w", s.logPath, err)
		}
	}
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("pgserver: running as root, and PostgreSQL refuses to run as root, but there is no user postgres to run it as (the Debian package postgresql-15 creates it): %w", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("pgserver: user postgres has non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if err := s.openAncestors(uint32(gid)); err != nil {
		return err
	}
	if err := checkReachable(s.dir, uint32(uid), uint32(gid)); err != nil {
		return err
	}
	// Hand over everything not yet owned by postgres (a directory reused
	// from a run as another user, or files root created in it).
	return filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("pgserver: walk %s: %w", path, err)
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("pgserver: stat %s: %w", path, err)
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid == uint32(uid) && st.Gid == uint32(gid) {
			return nil
		}
		if err := os.Lchown(path, uid, gid); err != nil {
			return fmt.Errorf("pgserver: chown %s to postgres: %w", path, err)
		}
		return nil
	})
}

// openAncestors lets group postgres traverse the folders above the cluster
// that are private to root (owned by root, no group or other bits: what
// vitalstats creates under its umask 077, such as the data directory):
// group postgres and mode 0710, which lets user postgres reach the cluster
// but neither list nor read anything in them. It walks up from the
// cluster's parent and stops at the first folder that is not private to
// root, and never changes the home folder or "/": checkReachable then
// judges the rest, as before.
func (s *Server) openAncestors(gid uint32) error {
	home, _ := os.UserHomeDir()
	for p := filepath.Dir(s.dir); p != filepath.Dir(p) && p != home; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pgserver: stat %s: %w", p, err)
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || st.Uid != uint32(os.Geteuid()) || info.Mode().Perm()&0o077 != 0 {
			return nil
		}
		if err := os.Chown(p, -1, int(gid)); err != nil {
			return fmt.Errorf("pgserver: let group postgres reach %s: %w", p, err)
		}
		if err := os.Chmod(p, info.Mode().Perm()|0o010); err != nil {
			return fmt.Errorf("pgserver: let group postgres reach %s: %w", p, err)
		}
		s.log.Info("let group postgres traverse a private folder above the cluster (mode 0710)", "folder", p)
	}
	return nil
}

// checkReachable fails clearly when user postgres cannot traverse an
// ancestor of dir (t.TempDir under a 0700 directory, or /root).
func checkReachable(dir string, uid, gid uint32) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pgserver: stat %s: %w", p, err)
		}
		mode := info.Mode().Perm()
		ok := mode&0o001 != 0
		if st, isUnix := info.Sys().(*syscall.Stat_t); isUnix {
			ok = ok || (st.Uid == uid && mode&0o100 != 0) || (st.Gid == gid && mode&0o010 != 0)
		}
		if !ok {
			return fmt.Errorf("pgserver: user postgres cannot reach %s: its ancestor %s has mode %v; choose a directory postgres can traverse (for example under /tmp)", dir, p, mode)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// command builds a command that runs as user postgres when we are root.
func (s *Server) command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, bin), args...)
	cmd.Dir = s.dir // the server binaries complain when they cannot enter the working directory
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
		cmd.Env = append(cmd.Env, "HOME="+s.dir, "USER=postgres", "LOGNAME=postgres")
	}
	return cmd
}

func (s *Server) run(ctx context.Context, bin string, args ...string) error {
	cmd := s.command(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if tail := s.logTail(); tail != "" {
			msg += "\n--- " + s.logPath + " (tail) ---\n" + tail
		}
		return fmt.Errorf("pgserver: %s %s: %w\n%s", bin, strings.Join(args, " "), err, msg)
	}
	return nil
}

// logTail returns the end of the server log, for error messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return strings.TrimSpace(string(b))
}

func (s *Server) initdb(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(s.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	if entries, err := os.ReadDir(s.dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("pgserver: %s is neither empty nor a PostgreSQL cluster (no PG_VERSION)", s.dataDir)
	}
	pw, err := s.password()
	if err != nil {
		return err
	}
	// initdb reads the superuser's password from a file of its own, removed
	// at once; pgpass (another format) is what clients read.
	pwFile := filepath.Join(s.dir, "initdb-pwfile")
	if err := s.writeFile(pwFile, pw+"\n"); err != nil {
		return err
	}
	defer os.Remove(pwFile)
	args := []string{"-D", s.dataDir, "-U", superuser, "--auth=scram-sha-256", "--pwfile=" + pwFile, "-E", "UTF8", "--no-locale"}
	if s.opts.Throwaway {
		args = append(args, "--no-sync")
	}
	t0 := time.Now()
	if err := s.run(ctx, "initdb", args...); err != nil {
		return err
	}
	// Our settings live in a file we rewrite at every start (the port
	// changes); the generated postgresql.conf only includes it.
	f, err := os.OpenFile(filepath.Join(s.dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgserver: open postgresql.conf: %w", err)
	}
	_, err = f.WriteString("\n# vitalstats pgserver: per-start settings\ninclude_if_exists = 'vitalstats.conf'\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgserver: append to postgresql.conf: %w", err)
	}
	s.log.Info("initdb", "elapsed", time.Since(t0).Round(time.Millisecond))
	return nil
}

// password returns the superuser's password, kept in pgpass; it makes a
// random one, and the file, when there is none.
func (s *Server) password() (string, error) {
	b, err := os.ReadFile(s.passPath)
	if err == nil {
		// One line "*:*:*:postgres:PASSWORD" (the password is hex: no ':' or '\\').
		line, _, _ := strings.Cut(string(b), "\n")
		if f := strings.Split(line, ":"); len(f) == 5 && f[3] == superuser && len(f[4]) >= 32 {
			return f[4], nil
		}
		return "", fmt.Errorf("pgserver: %s is not the password file pgserver writes (one line *:*:*:%s:PASSWORD); remove it to make a new password", s.passPath, superuser)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("pgserver: read %s: %w", s.passPath, err)
	}
	var r [32]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("pgserver: a random password: %w", err)
	}
	pw := hex.EncodeToString(r[:])
	if err := s.writeFile(s.passPath, fmt.Sprintf("*:*:*:%s:%s\n", superuser, pw)); err != nil {
		return "", err
	}
	return pw, nil
}

// writeFile writes a file readable by its owner only, owned by user
// postgres when we are root (the server must read the files we write in
// its data directory).
func (s *Server) writeFile(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return fmt.Errorf("pgserver: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // the file may have been there
		return fmt.Errorf("pgserver: write %s: %w", path, err)
	}
	if s.cred != nil {
		if err := os.Chown(tmp, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fmt.Errorf("pgserver: chown %s to postgres: %w", path, err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pgserver: write %s: %w", path, err)
	}
	return nil
}

// hbaConf is the whole of pg_hba.conf: a password for every connection.
// It is rewritten at every start, so a cluster made by an older pgserver
// (initdb --auth=trust) is closed too.
const hbaConf = `# Written by vitalstats pgserver at every start: edits are lost.
# Every connection authenticates with the superuser's password (SCRAM-SHA-256);
# pgserver keeps it in the file pgpass next to the data directory.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 scram-sha-256
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
`

// secure makes sure the cluster has a password and pg_hba.conf asks for it.
// A cluster without pgpass (made by an older pgserver, with trust) gets a
// new password, set in single-user mode: the server is not running, and no
// connection is needed.
func (s *Server) secure(ctx context.Context) error {
	_, err := os.Stat(s.passPath)
	missing := errors.Is(err, fs.ErrNotExist)
	pw, err := s.password()
	if err != nil {
		return err
	}
	if missing {
		cmd := s.command(ctx, "postgres", "--single", "-D", s.dataDir, superuser)
		cmd.Stdin = strings.NewReader(fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'\n", superuser, pw))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			os.Remove(s.passPath) // the next start tries again
			return fmt.Errorf("pgserver: set the superuser's password (postgres --single): %w\n%s", err, strings.TrimSpace(out.String()))
		}
		s.log.Info("set a password on a cluster that had none", "pgpass", s.passPath)
	}
	return s.writeFile(filepath.Join(s.dataDir, "pg_hba.conf"), hbaConf)
}

// writeConf writes the settings of this start.
func (s *Server) writeConf() error {
	sock := s.sockDir
	// A unix socket path is limited to 107 bytes; beyond that we serve TCP only.
	if len(sock)+len("/.s.PGSQL.65535.lock") > 100 {
		sock = ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "listen_addresses = '127.0.0.1'\nport = %d\n", s.port)
	fmt.Fprintf(&b, "unix_socket_directories = '%s'\n", strings.ReplaceAll(sock, "'", "''"))
	// Small footprint: the machine is shared. wal_level minimal lets COPY into
	// a table created in the same transaction skip the WAL (bulk loads).
	b.WriteString("max_connections = 40\nshared_buffers = 128MB\nwork_mem = 16MB\nmaintenance_work_mem = 256MB\n")
	b.WriteString("wal_level = minimal\nmax_wal_senders = 0\nmax_wal_size = 4GB\ncheckpoint_timeout = 30min\n")
	b.WriteString("timezone = 'UTC'\nlog_timezone = 'UTC'\nlogging_collector = off\n")
	if s.opts.Throwaway {
		b.WriteString("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
	}
	b.WriteString("unix_socket_permissions = 0700\npassword_encryption = 'scram-sha-256'\n")
	return s.writeFile(filepath.Join(s.dataDir, "vitalstats.conf"), b.String())
}

func (s *Server) running(ctx context.Context) bool {
	// pg_ctl status exits 0 when a postmaster runs on the data directory.
	return s.command(ctx, "pg_ctl", "status", "-D", s.dataDir).Run() == nil
}

func (s *Server) start(ctx context.Context) error {
	if s.running(ctx) {
		// A server left behind by a process that died without stopping it
		// holds the directory; its port is unknown, so restart it.
		s.log.Warn("stopping a server left running on the directory")
		if err := s.run(ctx, "pg_ctl", "stop", "-D", s.dataDir, "-m", "fast", "-w", "-t", "60"); err != nil {
			return err
		}
	}
	if err := s.secure(ctx); err != nil {
		return err
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if s.port, err = freePort(); err != nil {
			return err
		}
		if err = s.writeConf(); err != nil {
			return err
		}
		t0 := time.Now()
		err = s.run(ctx, "pg_ctl", "start", "-D", s.dataDir, "-l", s.logPath, "-w", "-t", "120")
		if err == nil {
			s.stopped = false
			if werr := s.watch(); werr != nil {
				_ = s.stop("immediate")
				return werr
			}
			s.log.Info("postgres started", "port", s.port, "elapsed", time.Since(t0).Round(time.Millisecond))
			return nil
		}
		// Another process may have taken the port between our probe and the
		// bind; only that failure is worth another attempt.
		if !strings.Contains(err.Error(), "could not bind") && !strings.Contains(err.Error(), "could not create any TCP/IP sockets") {
			return err
		}
	}
	return err
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgserver: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) createDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.dsn("postgres"))
	if err != nil {
		return fmt.Errorf("pgserver: connect to %s: %w", s.dsn("postgres"), err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "select exists (select 1 from pg_database where datname = $1)", Database).Scan(&exists); err != nil {
		return fmt.Errorf("pgserver: look up database %s: %w", Database, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "create database "+pgx.Identifier{Database}.Sanitize()); err != nil {
		return fmt.Errorf("pgserver: create database %s: %w", Database, err)
	}
	return nil
}

// dsn names the password file rather than holding the password, so that
// the connection string may be logged and printed.
func (s *Server) dsn(db string) string {
	pf := strings.ReplaceAll(url.QueryEscape(s.passPath), "%2F", "/") // a slash needs no escape in a query
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable&passfile=%s", superuser, s.port, db, pf)
}

// DSN is the connection string of database registry; the password is in the
// file its passfile parameter names.
func (s *Server) DSN() string { return s.dsn(Database) }

// Port is the TCP port the server listens on (127.0.0.1).
func (s *Server) Port() int { return s.port }

// Dir is the server's directory; LogPath its log file.
func (s *Server) Dir() string { return s.dir }

// SocketDir is the folder of the server's unix socket (0700), "" when its
// path is too long for a socket and the server listens on TCP only.
func (s *Server) SocketDir() string {
	if len(s.sockDir)+len("/.s.PGSQL.65535.lock") > 100 {
		return ""
	}
	return s.sockDir
}

// PassFile is the file holding the superuser's password (libpq's format).
func (s *Server) PassFile() string { return s.passPath }

// LogPath is the server's log file, inside Dir.
func (s *Server) LogPath() string { return s.logPath }

// Stop shuts the server down cleanly (pg_ctl stop -m fast); the data stays
// in the directory for the next Start. Stopping a stopped server is a no-op.
func (s *Server) Stop() error { return s.stop("fast") }

// Kill stops the server as a crash would (pg_ctl stop -m immediate): the next
// Start runs crash recovery.
func (s *Server) Kill() error { return s.stop("immediate") }

func (s *Server) stop(mode string) error {
	if s.stopped {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.run(ctx, "pg_ctl", "stop", "-D", s.dataDir, "-m", mode, "-w", "-t", "90"); err != nil {
		if !s.running(ctx) {
			s.stopped = true
			s.unwatch()
			return nil
		}
		return err
	}
	s.stopped = true
	s.unwatch()
	s.log.Info("postgres stopped", "mode", mode)
	return nil
}

// watch starts the watchdog of the postmaster just started: a shell in a
// session of its own (a Ctrl-C to our process group does not reach it)
// that blocks reading a pipe whose write end only this process holds (Go
// opens pipes close-on-exec, so no other child inherits it). When this
// process ends, however it ends, the kernel closes that end, the read
// returns, and the shell sends the postmaster SIGINT: a fast shutdown that
// ends the sessions and checkpoints. The signal goes to the postmaster's
// pid, not through pg_ctl on the directory, so that it can never stop a
// server a later process has started there.
func (s *Server) watch() error {
	pid, err := s.postmasterPID()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("pgserver: watchdog pipe: %w", err)
	}
	defer r.Close() // the child has its own copy
	cmd := exec.Command("/bin/sh", "-c", `read -r _; kill -INT "$1" 2>/dev/null; exit 0`, "vitalstats-pgwatch", strconv.Itoa(pid))
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("pgserver: start the watchdog: %w", err)
	}
	s.watchdog, s.watchW = cmd, w
	return nil
}

// unwatch ends the watchdog of a server stopped on purpose: killed first,
// so that it signals nothing, then reaped.
func (s *Server) unwatch() {
	if s.watchdog == nil {
		return
	}
	_ = s.watchdog.Process.Kill()
	_ = s.watchdog.Wait()
	s.watchW.Close()
	s.watchdog, s.watchW = nil, nil
}

// postmasterPID reads the first line of postmaster.pid.
func (s *Server) postmasterPID() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.dataDir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("pgserver: the postmaster's pid: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pgserver: %s/postmaster.pid: first line %q is not a pid", s.dataDir, line)
	}
	return pid, nil
}

// PostmasterPID is the pid of the running server's postmaster.
func (s *Server) PostmasterPID() (int, error) { return s.postmasterPID() }

// Restart starts a stopped (or killed) server again on the same directory,
// on a new free port.
func (s *Server) Restart(ctx context.Context) error {
	if !s.stopped {
		return errors.New("pgserver: restart: server is running")
	}
	if err := s.prepareDir(); err != nil {
		return err
	}
	return s.start(ctx)
}
