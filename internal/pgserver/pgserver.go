// Package pgserver owns a local PostgreSQL 15 server run from Debian's
// binaries: the throwaway registry that tests, `vitalstats gen` and `make demo`
// write into. It initialises a cluster in a directory, starts it on a free
// port of 127.0.0.1 with trust authentication, and stops it. It knows nothing
// about the registry's tables and must not import the pipeline or synth.
package pgserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
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
// Layout of the directory: data/ (PGDATA), run/ (the unix socket),
// postgres.log (the server log).
type Server struct {
	dir     string
	dataDir string
	sockDir string
	logPath string
	binDir  string
	port    int
	opts    Options
	log     *slog.Logger
	cred    *syscall.Credential // set when we run as root and must drop to user postgres
	stopped bool
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
		dir:     abs,
		dataDir: filepath.Join(abs, "data"),
		sockDir: filepath.Join(abs, "run"),
		logPath: filepath.Join(abs, "postgres.log"),
		opts:    opts,
		log:     opts.Log,
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

// prepareDir creates the directory and, when we are root, hands it to user
// postgres: PostgreSQL refuses to run as root.
func (s *Server) prepareDir() error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("pgserver: create %s: %w", s.dir, err)
	}
	if err := os.MkdirAll(s.sockDir, 0o755); err != nil {
		return fmt.Errorf("pgserver: create %s: %w", s.sockDir, err)
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
	args := []string{"-D", s.dataDir, "-U", superuser, "--auth=trust", "-E", "UTF8", "--no-locale"}
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
	path := filepath.Join(s.dataDir, "vitalstats.conf")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("pgserver: write %s: %w", path, err)
	}
	return nil
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

func (s *Server) dsn(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, s.port, db)
}

// DSN is the connection string of database registry.
func (s *Server) DSN() string { return s.dsn(Database) }

// Port is the TCP port the server listens on (127.0.0.1).
func (s *Server) Port() int { return s.port }

// Dir is the server's directory; LogPath its log file.
func (s *Server) Dir() string { return s.dir }

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
			return nil
		}
		return err
	}
	s.stopped = true
	s.log.Info("postgres stopped", "mode", mode)
	return nil
}

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
