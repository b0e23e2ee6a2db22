package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"vitalstats/synth"
)

const exampleConfig = "../../vitalstats.example.toml"

// writeConfig writes body as a config file in a fresh directory.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "site.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// managedDir is a folder for a managed PostgreSQL cluster, where user
// postgres can traverse (t.TempDir is under a 0700 directory when we run as
// root), removed after the test.
func managedDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestExampleConfigIsTheDefaults(t *testing.T) {
	cfg, err := loadConfig(exampleConfig)
	if err != nil {
		t.Fatalf("the committed example must load: %v", err)
	}
	got, want := *cfg, defaultConfig()
	// The example's relative paths are its folder's.
	root, err := filepath.Abs(filepath.Dir(exampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	want.resolvePaths(root)
	if want.DataDir != filepath.Join(root, "data") {
		t.Errorf("data_dir %s is not below the example's folder %s", want.DataDir, root)
	}
	got.path, got.md, got.Gen.Profile = "", want.md, want.Gen.Profile
	if len(got.Reference) == 0 {
		got.Reference = want.Reference // an empty [reference] table is no override
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the example and defaultConfig disagree (a key left out must mean what the example shows)\nexample %+v\ndefault %+v", got, want)
	}
	prof := synth.DefaultProfile()
	if err := cfg.decodeProfile(&prof); err != nil {
		t.Fatalf("example [gen.profile]: %v", err)
	}
	if !reflect.DeepEqual(prof, synth.DefaultProfile()) {
		t.Errorf("the example's [gen.profile] changes the default profile")
	}
}

func TestExampleConfigCommentsEveryKey(t *testing.T) {
	b, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "[") {
			continue
		}
		if i == 0 || !strings.HasPrefix(lines[i-1], "#") {
			t.Errorf("%s:%d: key %q has no comment above it", exampleConfig, i+1, l)
		}
	}
}

func TestUnknownKeysAreErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, key string
		profile         bool // the key is under gen.profile: found when gen decodes it
	}{
		{"top level", "dat_dir = \"x\"\n", "dat_dir", false},
		{"misspelt in a table", "[registry]\ndns = \"postgres://x\"\n", "registry.dns", false},
		{"unknown table", "[warehous]\nthreads = 2\n", "warehous", false},
		{"in warehouse", "[warehouse]\nthreads = 2\nmemory = \"1GB\"\n", "warehouse.memory", false},
		{"in the profile", "[gen.profile]\ntfr_scal = 0.9\n", "gen.profile.tfr_scal", true},
		{"deep in the profile", "[gen.profile.registration]\nbirthh = [0.5, 0.9]\n", "gen.profile.registration.birthh", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			cfg, err := loadConfig(path)
			if tc.profile {
				if err != nil {
					t.Fatalf("loadConfig: %v", err)
				}
				prof := synth.DefaultProfile()
				err = cfg.decodeProfile(&prof)
			}
			if err == nil {
				t.Fatalf("unknown key %s accepted", tc.key)
			}
			msg := err.Error()
			if !strings.Contains(msg, "unknown key "+tc.key) || !strings.Contains(msg, path) {
				t.Errorf("error %q should name key %s and file %s", msg, tc.key, path)
			}
		})
	}
}

func TestInvalidValuesAreErrors(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"log level", "[log]\nlevel = \"loud\"\n", `log.level: "loud"`},
		{"events", "[gen]\nevents = 0\n", "gen.events: 0 must be positive"},
		{"threads", "[warehouse]\nthreads = 0\n", "warehouse.threads: 0"},
		{"memory", "[warehouse]\nmemory_limit = \"\"\n", "warehouse.memory_limit"},
		{"no registry", "[registry]\nmanaged_dir = \"\"\n", "registry: set dsn or managed_dir"},
		{"as_of", "[warehouse]\nas_of = \"2025-13-01\"\n", `warehouse.as_of: "2025-13-01" is not a date`},
		{"max_fall", "[warehouse]\nmax_fall = 0.0\n", "warehouse.max_fall: 0 must be above 0"},
		{"max_fall_min_events", "[warehouse]\nmax_fall_min_events = 0\n", "warehouse.max_fall_min_events: 0"},
		{"max_rise", "[warehouse]\nmax_rise = -1.0\n", "warehouse.max_rise: -1 must be above 0"},
		{"allow_missing", "[etl]\nallow_missing = [\"files\"]\n", `etl.allow_missing: "files" is not a source`},
		{"type", "[gen]\nevents = \"many\"\n", "line 2"},
		{"syntax", "[gen\nevents = 1\n", "toml: line"},
		{"unknown reference file", "[reference]\n\"cambodia/admin/villages.csv\" = \"x.csv\"\n", `"cambodia/admin/villages.csv": no such reference file`},
		{"missing site file", "[reference]\n\"cambodia/admin/communes.csv\" = \"/nonexistent/communes.csv\"\n", "/nonexistent/communes.csv"},
		// 2562048 hours overflow time.Duration: every session expired at once.
		{"session_hours overflow", "[serve]\nsession_hours = 2562048\n", "serve.session_hours: 2562048 must be from 1 to 8784"},
		{"session_hours zero", "[serve]\nsession_hours = 0\n", "serve.session_hours: 0"},
		{"backoff zero", "[jobs]\nbackoff = \"0s\"\n", `jobs.backoff: "0s" must be above 0`},
		{"backoff negative", "[jobs]\nbackoff = \"-1m\"\n", `jobs.backoff: "-1m"`},
		{"backoff huge", "[jobs]\nbackoff = \"9000h\"\n", `jobs.backoff: "9000h"`},
		{"retries negative", "[jobs]\nretries = -1\n", "jobs.retries: -1"},
		{"no area", "[[serve.users]]\nname = \"x\"\nrole = \"viewer\"\narea = \"99\"\n", `area "99" is no province`},
		{"no district", "[[serve.users]]\nname = \"x\"\nrole = \"viewer\"\narea = \"0799\"\n", `area "0799" is no province`},
		{"missing tls cert", "[serve]\ntls_cert = \"/nonexistent/cert.pem\"\ntls_key = \"/nonexistent/key.pem\"\n", "serve.tls_cert: stat /nonexistent/cert.pem"},
		{"missing extract", "[etl.extract]\nbirths = \"/nonexistent/births.sql\"\n", "etl.extract.births: stat /nonexistent/births.sql"},
		{"inbox in the lake", "[etl]\nlake = \"/srv/vs/lake\"\ninbox = \"/srv/vs/lake/inbox\"\n", "etl.inbox /srv/vs/lake/inbox and etl.lake /srv/vs/lake overlap"},
		{"warehouse in the lake", "[etl]\nlake = \"/srv/vs/lake\"\n[warehouse]\npath = \"/srv/vs/lake/w.duckdb\"\n", "inside etl.lake"},
		{"warehouse path with ?", "[warehouse]\npath = \"/srv/w.duckdb?access_mode=read_write\"\n", "warehouse.path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			_, err := loadConfig(path)
			if err == nil {
				t.Fatalf("config accepted:\n%s", tc.body)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q should contain %q and the file name", err, tc.want)
			}
		})
	}
}

// Areas of the gazetteer pass: a province, a district.
func TestAreasOfTheGazetteer(t *testing.T) {
	for _, area := range []string{"07", "0701", "12"} {
		if _, err := loadConfig(writeConfig(t, "[[serve.users]]\nname = \"x\"\nrole = \"viewer\"\narea = \""+area+"\"\n")); err != nil {
			t.Errorf("area %s: %v", area, err)
		}
	}
}

// An unknown key is named with its line and, when one is close, the key meant.
func TestUnknownKeyLineAndSuggestion(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
		profile          bool
	}{
		{"in a table", "[serve]\nlisten = \"127.0.0.1:0\"\n\nsesion_hours = 3\n", "unknown key serve.sesion_hours (line 4) (did you mean serve.session_hours?)", false},
		{"top level", "# a site\ndata_dri = \"x\"\n", "unknown key data_dri (line 2) (did you mean data_dir?)", false},
		{"table", "[log]\nlevel = \"info\"\n[warehous]\nthreads = 2\n", "unknown key warehous (line 3) (did you mean warehouse?)", false},
		{"dotted", "etl.compact_file = 3\n", "unknown key etl.compact_file (line 1) (did you mean etl.compact_files?)", false},
		{"array of tables", "[[serve.users]]\nname = \"a\"\nrole = \"viewer\"\npasword = \"x\"\n", "unknown key serve.users.pasword (line 4) (did you mean serve.users.password?)", false},
		{"nothing close", "[gen]\nseed = 1\nfrobnicate = 2\n", "unknown key gen.frobnicate (line 3)", false},
		{"in the profile", "[gen.profile]\ntfr_scal = 0.9\n", "unknown key gen.profile.tfr_scal (line 2) (did you mean gen.profile.tfr_scale?)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			cfg, err := loadConfig(path)
			if tc.profile {
				if err != nil {
					t.Fatal(err)
				}
				prof := synth.DefaultProfile()
				err = cfg.decodeProfile(&prof)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if tc.name == "nothing close" && strings.Contains(err.Error(), "did you mean") {
				t.Errorf("a key far from every other got a suggestion: %v", err)
			}
		})
	}
}

// Relative paths are the config file's folder's, whatever the working
// directory; absolute ones stay.
func TestConfigPathsAreRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	sql := filepath.Join(dir, "site", "births.sql")
	if err := os.MkdirAll(filepath.Dir(sql), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sql, []byte("select 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "conf", "site.toml")
	os.MkdirAll(filepath.Dir(p), 0o755)
	body := "data_dir = \"../d\"\n[etl]\ninbox = \"/srv/inbox\"\n[etl.extract]\nbirths = \"../site/births.sql\"\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	chdir(t, t.TempDir())
	cfg, err := loadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "conf")
	for key, got := range map[string][2]string{
		"data_dir":         {cfg.DataDir, filepath.Join(dir, "d")},
		"etl.lake":         {cfg.ETL.Lake, filepath.Join(conf, "data", "lake")},
		"etl.inbox":        {cfg.ETL.Inbox, "/srv/inbox"},
		"etl.secret_file":  {cfg.ETL.SecretFile, filepath.Join(conf, "data", "secret.key")},
		"warehouse.path":   {cfg.Warehouse.Path, filepath.Join(conf, "data", "warehouse.duckdb")},
		"export.releases":  {cfg.Export.Releases, filepath.Join(conf, "data", "releases")},
		"etl.extract":      {cfg.ETL.Extract["births"], sql},
		"registry.managed": {cfg.Registry.ManagedDir, filepath.Join(conf, "data", "registry-pg")},
		"gen.truth":        {cfg.Gen.Truth, filepath.Join(conf, "data", "truth.json")},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %s, want %s", key, got[0], got[1])
		}
	}
}

func TestOmittedKeysKeepDefaults(t *testing.T) {
	communes, err := filepath.Abs(filepath.Join("..", "..", "refdata", "cambodia", "admin", "communes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, "[gen]\nseed = 7\n[reference]\n\"cambodia/admin/communes.csv\" = \""+communes+"\"\n")
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Gen.Seed != 7 || cfg.Gen.Events != 200_000 || cfg.Warehouse.Threads != 2 || cfg.Registry.ManagedDir != filepath.Join(filepath.Dir(path), "data", "registry-pg") {
		t.Errorf("got %+v", cfg)
	}
	if src := cfg.referenceSource(); src.Path("cambodia/admin/communes.csv") == "" {
		t.Errorf("the reference override did not reach refdata.Source: %+v", src)
	}
}

func TestProfileOverridesOnlyWhatItSets(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, `
[gen.profile]
tfr_scale = 0.9

[gen.profile.registration]
birth = [0.5, 0.9]

[[gen.profile.ict]]
province = "12"
from = "2022-01-01"
`))
	if err != nil {
		t.Fatal(err)
	}
	prof := synth.DefaultProfile()
	if err := cfg.decodeProfile(&prof); err != nil {
		t.Fatal(err)
	}
	want := synth.DefaultProfile()
	want.TFRScale = 0.9
	want.Registration.Birth = [2]float64{0.5, 0.9}
	// The site's list replaces the default one: its pilot must not inherit
	// the communes count of the default first pilot.
	want.ICT = []synth.ICTPilot{{Province: "12", From: "2022-01-01"}}
	if !reflect.DeepEqual(prof, want) {
		t.Errorf("profile\n got %+v\nwant %+v", prof, want)
	}
}

// TestProfileShocks: a site's [[gen.profile.shocks]] replaces the default
// epidemic (without inheriting its fields), and shocks = [] turns it off.
func TestProfileShocks(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, `
[[gen.profile.shocks]]
start = "2020-03-01"
end = "2020-05-31"
shape = "flat"
peak = 1.0
age_from = 70
age_to = 100
`))
	if err != nil {
		t.Fatal(err)
	}
	prof := synth.DefaultProfile()
	if err := cfg.decodeProfile(&prof); err != nil {
		t.Fatal(err)
	}
	want := []synth.Shock{{Start: "2020-03-01", End: "2020-05-31", Shape: "flat", Peak: 1, AgeFrom: 70, AgeTo: 100}}
	if !reflect.DeepEqual(prof.Shocks, want) {
		t.Errorf("shocks\n got %+v\nwant %+v", prof.Shocks, want)
	}
	cfg, err = loadConfig(writeConfig(t, "[gen.profile]\nshocks = []\n"))
	if err != nil {
		t.Fatal(err)
	}
	prof = synth.DefaultProfile()
	if err := cfg.decodeProfile(&prof); err != nil {
		t.Fatal(err)
	}
	if len(prof.Shocks) != 0 {
		t.Errorf("shocks = [] left %+v", prof.Shocks)
	}
	if len(synth.DefaultProfile().Shocks) == 0 {
		t.Error("the default profile has no epidemic for the demo")
	}
}
