// Command vitalstats is the one binary of the vital statistics warehouse:
// each subcommand (gen, etl, build, check, export, serve, link, excess, bench) is one file
// of this package, and main wires the packages together: it reads the
// config, builds the logger, and hands both down.
//
// Exit status is 0 on success; otherwise 1 (2 for a usage error) with one
// line "vitalstats: ..." on standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"vitalstats/etl/lake"
	"vitalstats/internal/progress"
)

// version is set at build time (make build: -ldflags "-X main.version=...");
// otherwise the module's build information is used.
var version = ""

// env is what every subcommand gets from main.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	level          *slog.LevelVar // set from the config once it is read
	cmd            *command       // the subcommand running, for its usage
}

// command is one subcommand.
type command struct {
	name    string
	args    string // synopsis of the arguments, for usage
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands in the order of the pipeline; DESIGN.md section 8 is the contract.
var commands = []command{
	{"gen", "-config F [-scale EVENTS] [-seed N] [-to files|postgres|both]", "write a synthetic registry and its truth.json", runGen},
	{"etl", "-config F", "extract all sources into the lake (incremental)", runETL},
	{"build", "-config F", "build the warehouse from the lake, run checks, swap in", runBuild},
	{"check", "-config F", "run the data checks on the current warehouse", runCheck},
	{"export", "-config F [-final]", "NIS exports, researcher extracts, a release", runExport},
	{"serve", "-config F [-export-site DIR] [-no-jobs]", "HTTP dashboards, downloads and scheduled jobs", runServe},
	{"passwd", "[-token]", "hash a password read from standard input (or make a token) for [[serve.users]]", runPasswd},
	{"link", "-config F -out DIR", "deduplicate or link person records (CSV) by probabilistic record linkage", runLink},
	{"excess", "-in FILE.csv -out FILE.csv", "excess deaths per country (Karlinsky–Kobak) from a World Mortality Dataset file", runExcess},
	{"bench", "[-scale EVENTS]", "the benchmark of DESIGN.md section 6", runBench},
	{"version", "", "print the version", runVersion},
}

// usageError marks an error in how the command was called (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdin: os.Stdin, stdout: stdout, stderr: stderr, level: new(slog.LevelVar)}
	lake.CodeVersion = versionString() // the lake's Parquet files say which code wrote them
	e.log = newLogger(stderr, e.level)

	err := dispatch(ctx, e, args)
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	default:
		// One line, whatever the error holds (errors.Join and tool output
		// bring newlines): scripts read the first line of stderr.
		msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
		fmt.Fprintf(stderr, "vitalstats: %s\n", msg)
		var u usageError
		if errors.As(err, &u) {
			return 2
		}
		return 1
	}
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError{fmt.Errorf("no command given; one of %s (vitalstats -h lists them)", names())}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printUsage(e.stdout)
		return nil
	case "-version", "--version":
		return runVersion(ctx, e, args[1:])
	}
	for _, c := range commands {
		if c.name == args[0] {
			e.cmd = &c
			return c.run(ctx, e, args[1:])
		}
	}
	return usageError{fmt.Errorf("unknown command %q; one of %s (vitalstats -h lists them)", args[0], names())}
}

func names() string {
	var n []string
	for _, c := range commands {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "vitalstats: a vital statistics warehouse for a civil registration system")
	fmt.Fprintln(w, "\nUsage:")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name)+1+len(c.args))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  vitalstats %-*s  %s\n", width, c.name+" "+c.args, c.summary)
	}
	fmt.Fprintln(w, "\nvitalstats COMMAND -h prints the flags of COMMAND.")
}

// newLogger logs for a person on a terminal, for machines elsewhere.
func newLogger(w io.Writer, level *slog.LevelVar) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if progress.IsTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// newFlags makes the flag set of a subcommand. The flag package's own
// printing is turned off: parse prints the usage for -h and turns every
// other mistake into a one-line error.
func newFlags(name string) *flag.FlagSet {
	// Named by the subcommand alone: run prefixes every error with
	// "vitalstats: " once.
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args; -h prints the flags on stdout and returns flag.ErrHelp.
func parse(e *env, fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		if c := e.cmd; c != nil {
			fmt.Fprintf(e.stdout, "Usage: vitalstats %s %s\n\n%s.\n", c.name, c.args, c.summary)
		}
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(e.stdout, "\nFlags:")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
		}
		return err
	}
	if err != nil {
		return usageError{fmt.Errorf("%s: %w (vitalstats %s -h lists the flags)", fs.Name(), err, fs.Name())}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("%s: unexpected argument %q (vitalstats %s -h lists the flags)", fs.Name(), fs.Arg(0), fs.Name())}
	}
	return nil
}

// configEnv names the config file when -config is not given (a service
// unit, a shell profile).
const configEnv = "VITALSTATS_CONFIG"

// configFlag declares -config, which every subcommand but bench needs.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "the site's TOML config `file` (see vitalstats.example.toml); required unless $"+configEnv+" names it")
}

// loadFor reads the config named by -config, else by $VITALSTATS_CONFIG,
// and applies its log level.
func loadFor(e *env, cmd, path string) (*Config, error) {
	if path == "" {
		path = os.Getenv(configEnv)
	}
	if path == "" {
		return nil, usageError{fmt.Errorf("%s: -config is required, or $%s (try -config vitalstats.example.toml)", cmd, configEnv)}
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	lvl, _ := cfg.logLevel() // validated by loadConfig
	e.level.Set(lvl)
	return cfg, nil
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags("version")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "vitalstats", versionString())
	return nil
}

// versionString is the code the binary was built from, for vitalstats
// version and for everything that records it (build_info, release.json,
// the codebooks, the workbook, the lake's Parquet files): the version make
// build links in (-X main.version, git describe), else the VCS revision Go
// recorded, else the module's version; never a bare "(devel)", which names
// no code.
func versionString() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build information)"
	}
	return versionFrom(bi)
}

func versionFrom(bi *debug.BuildInfo) string {
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	switch {
	case rev != "":
		return rev[:min(12, len(rev))] + modified
	case bi.Main.Version != "" && bi.Main.Version != "(devel)":
		return bi.Main.Version
	default:
		return "unknown (built without make build, which stamps the version)"
	}
}
