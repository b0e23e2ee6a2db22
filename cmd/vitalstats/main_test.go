package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the binary's main in process.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = run(context.Background(), args, &out, &errw)
	return code, out.String(), errw.String()
}

// oneLine asserts stderr is exactly one line "vitalstats: ..." containing want.
func oneLine(t *testing.T, stderr, want string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "vitalstats: ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr must be one line starting with \"vitalstats: \", got %q", stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q should contain %q", stderr, want)
	}
}

func TestHelpOfEveryCommand(t *testing.T) {
	flags := map[string][]string{
		"gen":     {"-config", "-scale", "-seed", "-to"},
		"etl":     {"-config", "-allow-missing"},
		"build":   {"-config", "-only", "-out", "-accept-changes"},
		"check":   {"-config"},
		"export":  {"-config", "-final", "-accept-changes"},
		"serve":   {"-config", "-export-site", "-no-jobs"},
		"passwd":  {"-token"},
		"link":    {"-config", "-out"},
		"excess":  {"-in", "-out", "-year", "-baseline", "-start", "-extrapolate", "-corrections"},
		"bench":   {"-scale"},
		"version": nil,
	}
	if len(flags) != len(commands) {
		t.Fatalf("the test knows %d commands, the binary %d", len(flags), len(commands))
	}
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, c.name, "-h")
			if code != 0 || errs != "" {
				t.Fatalf("%s -h: exit %d, stderr %q", c.name, code, errs)
			}
			if !strings.HasPrefix(out, "Usage: vitalstats "+c.name) {
				t.Errorf("%s -h: output starts %q", c.name, out)
			}
			want, ok := flags[c.name]
			if !ok {
				t.Fatalf("command %s is not in the test", c.name)
			}
			for _, f := range want {
				if !strings.Contains(out, "  "+f+" ") && !strings.Contains(out, "  "+f+"\n") {
					t.Errorf("%s -h does not list %s:\n%s", c.name, f, out)
				}
			}
		})
	}
}

func TestTopLevelHelpListsCommands(t *testing.T) {
	for _, arg := range []string{"-h", "help", "--help"} {
		code, out, errs := runCLI(t, arg)
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d, stderr %q", arg, code, errs)
		}
		for _, c := range commands {
			if !strings.Contains(out, "vitalstats "+c.name+" ") {
				t.Errorf("%s: usage does not list %s:\n%s", arg, c.name, out)
			}
		}
	}
}

func TestErrorsAreOneLine(t *testing.T) {
	// A site secret, so that build reaches the errors below: it never makes
	// one (a missing key is refused first, see TestSiteSecret).
	t.Setenv("VITALSTATS_SECRET", "the site secret of the error tests")
	cfgUnknown := writeConfig(t, "[gen]\nseed = 1\nsede = 2\n")
	cfgBadSchedule := writeConfig(t, "[etl]\nschedule = \"at two\"\n")
	cfgBadCountry := writeConfig(t, "[export]\nwho_country = \"KHM\"\n")
	tmp := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tmp, "lake", lakeManifest), 0o755); err != nil { // a lake, empty
		t.Fatal(err)
	}
	cfgBadPopulation := writeConfig(t, fmt.Sprintf("data_dir = %q\n[etl]\nlake = %q\n[warehouse]\npath = %q\npopulation = \"/nonexistent/population.csv\"\n",
		tmp, filepath.Join(tmp, "lake"), filepath.Join(tmp, "w.duckdb")))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "no command given"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown flag", []string{"gen", "-bogus"}, 2, "flag provided but not defined: -bogus"},
		{"stray argument", []string{"gen", "-config", "x.toml", "extra"}, 2, `unexpected argument "extra"`},
		{"no config", []string{"gen"}, 2, "-config is required"},
		{"bad -to", []string{"gen", "-config", exampleConfig, "-to", "s3"}, 2, `-to "s3"`},
		{"bad -scale", []string{"gen", "-config", exampleConfig, "-scale", "0"}, 2, "-scale 0 must be positive"},
		{"missing config", []string{"gen", "-config", "/nonexistent/site.toml"}, 1, "/nonexistent/site.toml"},
		{"unknown key", []string{"gen", "-config", cfgUnknown}, 1, "unknown key gen.sede"},
		{"etl unknown key", []string{"etl", "-config", cfgUnknown}, 1, "unknown key gen.sede"},
		{"build bad population", []string{"build", "-config", cfgBadPopulation}, 1, "/nonexistent/population.csv"},
		{"build -only without -out", []string{"build", "-config", cfgBadPopulation, "-only", "fertility_rates"}, 2, "-only and -out go together"},
		{"build -only into the warehouse", []string{"build", "-config", cfgBadPopulation, "-only", "fertility_rates", "-out", filepath.Join(tmp, "w.duckdb")}, 2, "-out is the configured warehouse"},
		{"check no warehouse", []string{"check", "-config", cfgBadPopulation}, 1, "w.duckdb"},
		{"serve bad schedule", []string{"serve", "-config", cfgBadSchedule}, 1, "etl.schedule"},
		{"export bad country code", []string{"export", "-config", cfgBadCountry, "-final"}, 1, "export.who_country"},
		{"bench -small not below -scale", []string{"bench", "-scale", "1000"}, 2, "-small 1000000 must be less than -scale 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if out != "" {
				t.Errorf("stdout should be empty on failure, got %q", out)
			}
			oneLine(t, errs, tc.want)
		})
	}
}

func TestVersion(t *testing.T) {
	code, out, errs := runCLI(t, "version")
	if code != 0 || errs != "" || !strings.HasPrefix(out, "vitalstats ") {
		t.Fatalf("version: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	got := redactDSN("postgres://reader:s3cret@db:5432/crvs?sslmode=require")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "reader") || !strings.Contains(got, "db:5432/crvs") {
		t.Errorf("redactDSN = %q", got)
	}
}
