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

func TestOmittedKeysKeepDefaults(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "[gen]\nseed = 7\n[reference]\n\"cambodia/admin/communes.csv\" = \""+
		filepath.Join("..", "..", "refdata", "cambodia", "admin", "communes.csv")+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Gen.Seed != 7 || cfg.Gen.Events != 200_000 || cfg.Warehouse.Threads != 2 || cfg.Registry.ManagedDir != "data/registry-pg" {
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
