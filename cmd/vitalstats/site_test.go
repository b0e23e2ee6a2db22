package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"vitalstats/warehouse"
)

// siteConfig writes a config in a folder of its own whose paths are all
// relative (to that folder), with no registry and an empty inbox, so that
// an ETL run is quick; it returns the config and the folder.
func siteConfig(t *testing.T, extra string) (cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data", "inbox"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "site.toml")
	body := "[log]\nlevel = \"warn\"\n[etl]\nallow_missing = [\"registry\"]\n" + extra
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

// chdir moves the test into dir until it ends.
func chdir(t *testing.T, dir string) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
}

// The config's paths are the config file's, wherever the run starts; a run
// that would start a new lake stops unless asked (-init), before it writes
// anything (no lake, secret, run history) or takes a drop.
func TestRunsFindTheLakeOfTheConfig(t *testing.T) {
	cfg, dir := siteConfig(t, "")
	elsewhere := t.TempDir()
	chdir(t, elsewhere)
	drop := filepath.Join(dir, "data", "inbox", "births_1.csv")
	if err := os.WriteFile(drop, []byte("not yet\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := runCLI(t, "etl", "-config", cfg)
	if code != 1 || out != "" {
		t.Fatalf("etl without a lake: exit %d, stdout %q, stderr %s", code, out, stderr)
	}
	oneLine(t, stderr, "no lake at "+filepath.Join(dir, "data", "lake"))
	if !strings.Contains(stderr, "-init") {
		t.Errorf("the message should say how to start a lake: %s", stderr)
	}
	for _, p := range []string{filepath.Join(dir, "data", "lake"), filepath.Join(dir, "data", "secret.key"), filepath.Join(dir, "data", "jobs"),
		filepath.Join(elsewhere, "data")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a refused run made %s", p)
		}
	}
	if _, err := os.Stat(drop); err != nil {
		t.Errorf("a refused run took the drop: %v", err)
	}
	if code, _, stderr := runCLI(t, "build", "-config", cfg); code != 1 || !strings.Contains(stderr, "no lake at") {
		t.Errorf("build without a lake: exit %d, %s", code, stderr)
	}

	// Asked to, the run starts the lake where the config says, not here.
	os.Remove(drop)
	if code, _, stderr := runCLI(t, "etl", "-config", cfg, "-init"); code != 0 {
		t.Fatalf("etl -init: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "lake", lakeManifest)); err != nil {
		t.Errorf("etl -init made no lake in the config's folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, "data")); err == nil {
		t.Error("etl wrote into the working directory")
	}
	// The next run takes the lake as it is.
	if code, _, stderr := runCLI(t, "etl", "-config", cfg); code != 0 {
		t.Fatalf("etl on the lake: exit %d, %s", code, stderr)
	}
}

// $VITALSTATS_CONFIG names the config when -config is not given.
func TestConfigFromTheEnvironment(t *testing.T) {
	cfg, dir := siteConfig(t, "")
	t.Setenv(configEnv, cfg)
	code, _, stderr := runCLI(t, "check")
	if code != 1 {
		t.Fatalf("check: exit %d, %s", code, stderr)
	}
	oneLine(t, stderr, "the warehouse was not found at "+filepath.Join(dir, "data", "warehouse.duckdb"))
	if strings.Contains(stderr, "build first") {
		t.Errorf("the message should name the configured path, not a step: %s", stderr)
	}
}

// A busy port is found before anything is loaded or started.
func TestServeChecksTheAddressFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg, _ := siteConfig(t, fmt.Sprintf("[serve]\nlisten = %q\n", ln.Addr()))
	code, _, stderr := runCLI(t, "serve", "-config", cfg)
	if code != 1 || !strings.Contains(stderr, "address already in use") {
		t.Fatalf("serve on a busy port: exit %d, %s", code, stderr)
	}
	oneLine(t, stderr, ln.Addr().String())
	if strings.Contains(stderr, "warehouse") {
		t.Errorf("serve loaded the warehouse before it tried the port: %s", stderr)
	}
}

// One prefix "vitalstats: ", never two; -version is a flag.
func TestOnePrefixAndVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"build", "-bogus"}, {"build"}, {"check", "-config", "x.toml", "extra"}, {"gen", "-config", exampleConfig, "-to", "s3"}} {
		t.Setenv(configEnv, "")
		code, _, stderr := runCLI(t, args...)
		if code != 2 || strings.Contains(stderr, "vitalstats: vitalstats") {
			t.Errorf("%v: exit %d, stderr %q (one prefix)", args, code, stderr)
		}
	}
	defer func(v string) { version = v }(version)
	version = "v1.2.3-test"
	for _, arg := range []string{"-version", "--version", "version"} {
		code, out, stderr := runCLI(t, arg)
		if code != 0 || out != "vitalstats v1.2.3-test\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, out, stderr)
		}
	}
	if codeVersion() != "v1.2.3-test" {
		t.Errorf("codeVersion %q, the version is v1.2.3-test", codeVersion())
	}
}

// What build_info, releases, codebooks, the workbook and the lake record is
// what vitalstats version prints, and never a bare "(devel)".
func TestVersionWithoutMake(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = ""
	if v := codeVersion(); v != versionString() || strings.Contains(v, "(devel)") || v == "" {
		t.Errorf("codeVersion %q, version prints %q", v, versionString())
	}
	bi := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	if got := versionFrom(bi); got != "0123456789ab-dirty" {
		t.Errorf("from the VCS revision: %q", got)
	}
	bi.Settings = nil
	if got := versionFrom(bi); strings.Contains(got, "(devel)") || !strings.Contains(got, "unknown") {
		t.Errorf("with no revision: %q", got)
	}
}

// holdEnv makes the test binary a process holding a warehouse read-write,
// as an analyst's duckdb session does (see TestHoldWarehouse).
const holdEnv = "VITALSTATS_TEST_HOLD_WAREHOUSE"

func TestHoldWarehouse(t *testing.T) {
	p := os.Getenv(holdEnv)
	if p == "" {
		t.Skip("a helper process of TestCheckSaysWhoHoldsTheWarehouse")
	}
	w, err := warehouse.Open(p, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.DB.Exec("create table if not exists held (a integer)"); err != nil {
		t.Fatal(err)
	}
	fmt.Println("holding")
	bufio.NewReader(os.Stdin).ReadString('\n')
}

// check on a warehouse another program holds read-write says so plainly.
func TestCheckSaysWhoHoldsTheWarehouse(t *testing.T) {
	cfg, dir := siteConfig(t, "")
	path := filepath.Join(dir, "data", "warehouse.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldWarehouse$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, asChild+"=") { // TestMain would run main
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, holdEnv+"="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "holding\n" {
		t.Fatalf("the holder: %q %v", line, err)
	}
	code, _, stderr := runCLI(t, "check", "-config", cfg)
	if code != 1 {
		t.Fatalf("check: exit %d, %s", code, stderr)
	}
	oneLine(t, stderr, "is open for writing in another program")
	if !strings.Contains(stderr, fmt.Sprintf("PID %d", cmd.Process.Pid)) || strings.Contains(stderr, "IO Error") {
		t.Errorf("the message should name the holder, in plain words: %s", stderr)
	}
	// serve reads it the same way (read-only), and says the same.
	code, _, stderr = runCLI(t, "serve", "-config", cfg, "-export-site", filepath.Join(dir, "site"))
	if code != 1 {
		t.Fatalf("serve -export-site: exit %d, %s", code, stderr)
	}
	if !strings.Contains(stderr, path+" is open for writing in another program") || !strings.Contains(stderr, "-readonly") ||
		strings.Contains(stderr, "IO Error") {
		t.Errorf("serve should say plainly which file is locked and what to do: %s", stderr)
	}
}

// An export that fails after its build leaves the previous warehouse (and
// no release, no scratch file); a killed export's unfinished release folder
// goes at the next export.
func TestFailedExportKeepsTheWarehouse(t *testing.T) {
	releases := t.TempDir()
	var cfg string
	db, _ := pipeline(t, 20_000, fmt.Sprintf("\n[export]\nreleases = %q\n", releases), &cfg)
	var provisional int
	if err := db.QueryRow(`select max(year) from registration_arrival where area_code = 'KH' and event_type = 'birth' and list_contains(flags, 'provisional')`).Scan(&provisional); err != nil {
		t.Fatal(err)
	}
	db.Close()
	c, err := loadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum := func() string {
		b, err := os.ReadFile(c.Warehouse.Path)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", sha256.Sum256(b))
	}
	before := sum()
	killed := filepath.Join(releases, ".new-20240101T000000Z-123")
	if err := os.MkdirAll(filepath.Join(killed, "research"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A final release of a provisional year fails in the annual report,
	// after the build.
	code, _, stderr := runCLI(t, "export", "-config", cfg, "-final", "-year", fmt.Sprint(provisional))
	if code != 1 || !strings.Contains(stderr, "provisional") {
		t.Fatalf("export -final of provisional %d: exit %d, %s", provisional, code, stderr)
	}
	if sum() != before {
		t.Error("a failed export replaced the warehouse")
	}
	if _, err := os.Stat(c.Warehouse.Path + ".export"); err == nil {
		t.Error("a failed export left its warehouse beside the configured one")
	}
	if _, err := os.Stat(killed); err == nil {
		t.Error("the killed export's unfinished release is still there")
	}
	entries, _ := os.ReadDir(releases)
	if len(entries) != 0 {
		t.Errorf("releases after a failed export: %v", entries)
	}
	// A good export swaps the new warehouse in.
	if code, _, stderr := runCLI(t, "export", "-config", cfg); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	if sum() == before {
		t.Error("the export did not swap its warehouse in")
	}
	if _, err := os.Stat(c.Warehouse.Path + ".export"); err == nil {
		t.Error("the export left its scratch warehouse")
	}
}
