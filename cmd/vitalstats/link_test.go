package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkFebrl1 runs vitalstats link on FEBRL dataset 1 end to end; the
// link package's TestFebrl1 scores the same code path against the truth.
func TestLinkFebrl1(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "link", "-config", "../../link/testdata/febrl/febrl1.toml", "-out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"field", "soc_sec_id", "weight", "1000 records", "wrote"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	pairs, err := os.ReadFile(filepath.Join(out, "pairs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pairs), "id_a,id_b,weight,decision,name,dob") || strings.Count(string(pairs), ",match,") < 450 {
		t.Errorf("pairs.csv: %.200s… with %d matches", pairs, strings.Count(string(pairs), ",match,"))
	}
	cl, err := os.ReadFile(filepath.Join(out, "clusters.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(cl), "\n"); n != 1001 {
		t.Errorf("clusters.csv has %d lines, want a header and 1000 records", n)
	}
}

func TestLinkErrors(t *testing.T) {
	code, _, stderr := runCLI(t, "link", "-out", t.TempDir())
	if code != 2 {
		t.Errorf("without -config: exit %d", code)
	}
	oneLine(t, stderr, "-config and -out are required")
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("input = \"x.csv\"\nid = \"id\"\n[[field]]\nname = \"a\"\nkind = \"fuzzy\"\ncolumn = \"a\"\n[[block]]\nkeys = [\"a\"]\n"), 0o600)
	code, _, stderr = runCLI(t, "link", "-config", bad, "-out", t.TempDir())
	if code != 1 {
		t.Errorf("bad kind: exit %d", code)
	}
	oneLine(t, stderr, `kind "fuzzy"`)
}
