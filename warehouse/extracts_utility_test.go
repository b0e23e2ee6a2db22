package warehouse_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExtractsKAnonymousFiles reads each extract back as a researcher
// would and shows, from the files alone, that every combination of its
// quasi-identifiers holds k records or more, or only suppressed records
// (which match every record of their year). k = 2 leaves the fixture's
// files a mix of records kept whole, generalised and suppressed, so the
// check is not met by suppressing everything.
func TestExtractsKAnonymousFiles(t *testing.T) {
	const k = 2
	dir, sum := writeFixtureExtracts(t, k)
	pq := parquetReader(t)
	var kept int64
	for _, e := range sum.Extracts {
		cb := readCodebook(t, dir, e.Event)
		files := sqlQuote(filepath.Join(dir, e.Event, "*.parquet"))
		qis := `"` + strings.Join(cb.QuasiIdentifiers, `", "`) + `"`
		bad := rows2strings(t, pq, fmt.Sprintf(`select format('{}: {} records', concat_ws('/', %s), count(*)) from read_parquet(%s)
			group by %s having count(*) < %d and bool_or(generalised <> 'suppressed')`, qis, files, qis, k))
		if len(bad) > 0 {
			t.Errorf("%s: combinations under k = %d: %v", e.Event, k, bad)
		}
		kept += one[int64](t, pq, fmt.Sprintf("select count(*) from read_parquet(%s) where generalised <> 'suppressed'", files))
	}
	if kept == 0 {
		t.Fatal("every record was suppressed: the check proves nothing")
	}

	// The two files of deaths share no column a record could be matched
	// on but the quasi-identifiers they both generalise.
	cols := func(event string) []string {
		return rows2strings(t, pq, "select column_name from (describe select * from read_parquet("+sqlQuote(filepath.Join(dir, event, "*.parquet"))+"))")
	}
	causes := cols("death_causes")
	for _, c := range cols("deaths") {
		if slices.Contains(causes, c) && !slices.Contains([]string{"year", "province_code", "sex", "age_group", "infant_age_days", "generalised"}, c) {
			t.Errorf("deaths and death_causes both carry %s", c)
		}
		if strings.Contains(c, "cause") || c == "list1_item" || c == "chapter" {
			t.Errorf("the deaths file of time and place carries %s", c)
		}
	}
}

// TestExtractsUtility checks the utility each codebook reports against the
// files: a record that keeps a quasi-identifier the steps remove (NULL)
// must be among those counted as keeping it, and with k = 1 nothing is lost.
func TestExtractsUtility(t *testing.T) {
	pq := parquetReader(t)
	for _, k := range []int{1, 2} {
		dir, sum := writeFixtureExtracts(t, k)
		for _, e := range sum.Extracts {
			cb := readCodebook(t, dir, e.Event)
			files := sqlQuote(filepath.Join(dir, e.Event, "*.parquet"))
			u := cb.Utility
			if fmt.Sprint(u) != fmt.Sprint(e.Utility) {
				t.Errorf("%s: utility %+v in the codebook, %+v in the summary", e.Event, u, e.Utility)
			}
			if n := one[int64](t, pq, "select count(*) from read_parquet("+files+")"); u.Records != n || u.AllDetails != e.Generalised["none"] {
				t.Errorf("%s: utility of %d records (%d whole), the files hold %d (%d whole)", e.Event, u.Records, u.AllDetails, n, e.Generalised["none"])
			}
			if len(u.Kept) != len(cb.QuasiIdentifiers)-1 {
				t.Errorf("%s: utility of %d quasi-identifiers, want %d", e.Event, len(u.Kept), len(cb.QuasiIdentifiers)-1)
			}
			for _, a := range u.Kept {
				if k == 1 && a.Share != 1 {
					t.Errorf("%s, k = 1: %s kept by %v of the records", e.Event, a.Attribute, a.Share)
				}
				if a.Records < 0 || a.Records > u.Records {
					t.Errorf("%s: %s kept by %d of %d records", e.Event, a.Attribute, a.Records, u.Records)
				}
				// Counted from the files: the records whose last step is the
				// first that removes the quasi-identifier, or a later one.
				var from []string
				for _, s := range cb.Steps {
					if len(from) > 0 || slices.Contains(s.Removes, a.Attribute) || s.Name == "suppressed" {
						from = append(from, sqlQuote(s.Name))
					}
				}
				q := fmt.Sprintf("select count(*) from read_parquet(%s) where generalised in (%s)", files, strings.Join(from, ", "))
				if lost := one[int64](t, pq, q); lost != u.Records-a.Records {
					t.Errorf("%s: %s lost by %d records in the files, %d by the utility", e.Event, a.Attribute, lost, u.Records-a.Records)
				}
			}
			md, err := os.ReadFile(filepath.Join(dir, e.Event, "codebook.md"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(md), "### Utility") || !strings.Contains(string(md), "snappy") {
				t.Errorf("%s codebook.md does not report its utility and codec", e.Event)
			}
			codec := rows2strings(t, pq, "select distinct compression from parquet_metadata("+files+")")
			if !slices.Equal(codec, []string{"SNAPPY"}) {
				t.Errorf("%s: compression %v, want SNAPPY", e.Event, codec)
			}
		}
	}
}
