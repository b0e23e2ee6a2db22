package main

import (
	"bufio"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestLinkage runs the record linkage of issue 17 on the default synthetic
// profile, in two ETL runs (a backfill of half the file drops, then a daily
// increment with the rest), and checks it against the generator's truth:
//   - the planted duplicates are found (pairwise and cluster precision and
//     recall against truth_duplicates.csv);
//   - the increment compares only new records and leaves the id of every
//     cluster it did not change alone;
//   - no name, in either script, is in the lake, the warehouse, the release
//     or any log.
func TestLinkage(t *testing.T) {
	pgDir := managedDir(t, "vitalstats-linkage-test-")
	out := t.TempDir()
	inbox := filepath.Join(out, "inbox")
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir = %[1]q
[log]
level = "info"
[registry]
managed_dir = %[2]q
[etl]
lake = %[3]q
inbox = %[4]q
secret_file = %[5]q
inbox_settle = "0s"
[warehouse]
path = %[6]q
threads = 2
memory_limit = "1GB"
population = %[7]q
population_source = "the simulated population of the synthetic country"
[gen]
seed = 2002
inbox = %[4]q
truth = %[8]q
[export]
releases = %[9]q
`, out, filepath.Join(pgDir, "registry-pg"), filepath.Join(out, "lake"), inbox, filepath.Join(out, "secret.key"),
		filepath.Join(out, "warehouse.duckdb"), filepath.Join(out, "truth_population.csv"), filepath.Join(out, "truth.json"),
		filepath.Join(out, "releases")))
	var logs strings.Builder
	run := func(args ...string) {
		t.Helper()
		code, stdout, stderr := runCLI(t, args...)
		logs.WriteString(stdout)
		logs.WriteString(stderr)
		if code != 0 {
			t.Fatalf("%s: exit %d\nstderr: %s", args[0], code, stderr)
		}
	}
	run("gen", "-config", cfg, "-scale", "100000", "-to", "both")
	names := namesInDrops(t, inbox)
	if len(names) < 100 {
		t.Fatalf("only %d names found in the file drops: the generator writes no names?", len(names))
	}

	// The backfill takes the registry and the first half of each
	// contractor's files; the increment the rest.
	held := filepath.Join(out, "held")
	var moved []string
	for _, dir := range []string{"contractor_a_csv", "contractor_b_ndjson"} {
		ents, err := os.ReadDir(filepath.Join(inbox, dir))
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".complete") {
				files = append(files, e.Name())
			}
		}
		slices.Sort(files)
		for _, f := range files[len(files)/2:] {
			for _, n := range []string{f, f + ".complete"} {
				from, to := filepath.Join(inbox, dir, n), filepath.Join(held, dir, n)
				if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(from, to); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				moved = append(moved, filepath.Join(dir, n))
			}
		}
	}
	run("etl", "-config", cfg)
	lake := filepath.Join(out, "lake")
	first := clustersOf(t, lake)
	for _, m := range moved {
		if err := os.Rename(filepath.Join(held, m), filepath.Join(inbox, m)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	run("etl", "-config", cfg)
	second := clustersOf(t, lake)

	// Stable ids: a cluster of the backfill whose records are the same after
	// the increment keeps its id; one that grew keeps its id too (new records
	// join it); one merged into another takes that one's id.
	members := func(c map[string]string) map[string][]string {
		m := map[string][]string{}
		for id, cl := range c {
			m[cl] = append(m[cl], id)
		}
		for _, v := range m {
			slices.Sort(v)
		}
		return m
	}
	m1, m2 := members(first), members(second)
	same, grew, changed := 0, 0, 0
	for cl, recs := range m1 {
		now := second[recs[0]]
		switch {
		case slices.Equal(recs, m2[cl]):
			same++
		case now == cl:
			grew++
		default:
			changed++
			if _, was := m1[now]; !was || !slices.Contains(m2[now], recs[0]) {
				t.Errorf("cluster %s of the backfill (%v) is now %s, not an earlier cluster's id", cl, recs, now)
			}
		}
		for _, r := range recs {
			if _, ok := second[r]; !ok {
				t.Errorf("record %s of the backfill has no cluster after the increment", r)
			}
		}
	}
	t.Logf("increment: %d clusters of the backfill unchanged, %d grew, %d merged; %d records before, %d after", same, grew, changed, len(first), len(second))
	if same == 0 || len(second) <= len(first) {
		t.Errorf("the increment linked nothing new or changed every cluster")
	}

	// Quality against the truth, over the records the lake holds (a record
	// quarantined for another defect is not there to be linked).
	truth := truthGroups(t, filepath.Join(out, "truth_duplicates.csv"))
	for _, ev := range []string{"birth", "death", "all"} {
		p, r, f1, bp, br := linkScores(second, truth, ev)
		t.Logf("%s: pairwise precision %.4f recall %.4f F1 %.4f; B-cubed precision %.4f recall %.4f", ev, p, r, f1, bp, br)
		// the target: F1 at least 0.98 on planted duplicates
		if ev == "all" && (f1 < 0.98 || p < 0.98 || r < 0.97) {
			t.Errorf("planted duplicates: precision %.4f, recall %.4f, F1 %.4f; want at least 0.98, 0.97, 0.98", p, r, f1)
		}
	}

	// The warehouse counts each event once per cluster, and says how.
	run("build", "-config", cfg)
	run("export", "-config", cfg)
	db, err := sql.Open("duckdb", filepath.Join(out, "warehouse.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var counted, clusters int
	if err := db.QueryRow(`select count(*) from published.identity_linkage where event_type = 'birth' and area_code = 'KH'`).Scan(&counted); err != nil || counted == 0 {
		t.Errorf("identity_linkage not published: %v (%d rows)", err, counted)
	}
	_ = clusters

	// No name anywhere: not in the lake, the warehouse, the release or a log.
	if n := findName(logs.String(), names); n != "" {
		t.Errorf("a name in the logs: %q", n)
	}
	scanParquet := func(root string) int {
		n := 0
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
				return err
			}
			n++
			if n := findName(textOfParquet(t, db, p), names); n != "" {
				t.Errorf("a name in %s: %q", p, n)
			}
			return nil
		})
		return n
	}
	if n := scanParquet(lake); n == 0 {
		t.Error("no Parquet file in the lake")
	}
	scanParquet(filepath.Join(out, "releases"))
	for _, tbl := range warehouseTables(t, db) {
		if strings.Contains(tbl, ".ref_") {
			continue // the gazetteer and the ICD-10 lists: a commune may be called like a person (Saen Sok)
		}
		if n := findName(textOfTable(t, db, tbl), names); n != "" {
			t.Errorf("a name in warehouse table %s: %q", tbl, n)
		}
	}
	filepath.WalkDir(filepath.Join(out, "releases"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".parquet") || strings.HasSuffix(p, ".xlsx") {
			return err
		}
		if b, err := os.ReadFile(p); err == nil && findName(string(b), names) != "" {
			t.Errorf("a name in %s: %q", p, findName(string(b), names))
		}
		return nil
	})
}

// namesInDrops reads every name the file drops hold, in both scripts: the
// values of the fields whose name says name (Child Name, motherNameLatin...).
func namesInDrops(t *testing.T, inbox string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	// whole names (family and given name): single parts also occur in
	// reference text (province names, Khmer labels)
	add := func(v string) {
		if f := strings.Fields(v); len(f) >= 2 && utf8.ValidString(v) && utf8.RuneCountInString(v) >= 5 {
			names[strings.Join(f, " ")] = true
		}
	}
	filepath.WalkDir(inbox, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(p, ".csv"):
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r := csv.NewReader(f)
			r.FieldsPerRecord = -1
			head, err := r.Read()
			if err != nil {
				return nil
			}
			var cols []int
			for i, h := range head {
				if strings.Contains(h, "Name") {
					cols = append(cols, i)
				}
			}
			for {
				rec, err := r.Read()
				if err != nil {
					break
				}
				for _, i := range cols {
					if i < len(rec) {
						add(rec[i])
					}
				}
			}
		case strings.HasSuffix(p, ".ndjson"):
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<22)
			for sc.Scan() {
				var obj map[string]any
				if json.Unmarshal(sc.Bytes(), &obj) != nil {
					continue
				}
				for k, v := range obj {
					if s, ok := v.(string); ok && strings.Contains(k, "Name") {
						add(s)
					}
				}
			}
		}
		return nil
	})
	return names
}

// findName returns a name the text holds ("" if none): the names are two
// words or more, so every pair of neighbouring words of the text is looked up.
func findName(text string, names map[string]bool) string {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;|\"'{}[]()=:", r)
	})
	for i := 0; i+1 < len(words); i++ {
		if n := words[i] + " " + words[i+1]; names[n] {
			return n
		}
		if i+2 < len(words) {
			if n := words[i] + " " + words[i+1] + " " + words[i+2]; names[n] {
				return n
			}
		}
	}
	return ""
}

func textOfParquet(t *testing.T, db *sql.DB, path string) string {
	t.Helper()
	return textOfQuery(t, db, fmt.Sprintf("select * from read_parquet('%s')", strings.ReplaceAll(path, "'", "''")))
}

func textOfTable(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	return textOfQuery(t, db, "select * from "+table)
}

// textOfQuery is every value of a query's result as text.
func textOfQuery(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var b strings.Builder
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			switch x := v.(type) {
			case string:
				b.WriteString(x)
			case []byte:
				b.Write(x)
			default:
				fmt.Fprint(&b, x)
			}
			b.WriteByte('\t')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func warehouseTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`select table_schema || '.' || table_name from information_schema.tables where table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	if len(out) < 20 {
		t.Fatalf("only %d warehouse tables", len(out))
	}
	return out
}

// clustersOf reads each linked record's current cluster, keyed
// "event_type|event_id".
func clustersOf(t *testing.T, lake string) map[string]string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(fmt.Sprintf(`select event_type || '|' || event_id, arg_max(cluster_id, (batch, seq))
		from read_parquet('%s/link_cluster/*/*.parquet') group by all`, lake))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, cl string
		if err := rows.Scan(&id, &cl); err != nil {
			t.Fatal(err)
		}
		out[id] = cl
	}
	return out
}

// truthGroups reads truth_duplicates.csv: "event_type|event_id" -> group.
func truthGroups(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 || !slices.Equal(recs[0][:3], []string{"table", "event_id", "group"}) {
		t.Fatalf("truth_duplicates.csv: %v (%d lines)", err, len(recs))
	}
	out := map[string]string{}
	for _, r := range recs[1:] {
		ev := strings.TrimSuffix(r[0], "s")
		out[ev+"|"+r[1]] = ev + "|" + r[2]
	}
	return out
}

// linkScores compares clusters with the truth's groups among the records
// linked: pairwise precision, recall and F1, and B-cubed precision and
// recall (records outside any true group form groups of one).
func linkScores(clusters, truth map[string]string, event string) (p, r, f1, bp, br float64) {
	keep := func(id string) bool { return event == "all" || strings.HasPrefix(id, event+"|") }
	pred, tru := map[string][]string{}, map[string][]string{}
	for id, cl := range clusters {
		if !keep(id) {
			continue
		}
		pred[cl] = append(pred[cl], id)
		g, ok := truth[id]
		if !ok {
			g = id
		}
		tru[g] = append(tru[g], id)
	}
	pairs := func(groups map[string][]string) map[[2]string]bool {
		out := map[[2]string]bool{}
		for _, m := range groups {
			for i := range m {
				for j := i + 1; j < len(m); j++ {
					a, b := m[i], m[j]
					if a > b {
						a, b = b, a
					}
					out[[2]string{a, b}] = true
				}
			}
		}
		return out
	}
	pp, tp := pairs(pred), pairs(tru)
	hit := 0
	for k := range pp {
		if tp[k] {
			hit++
		}
	}
	p, r = float64(hit)/float64(max(len(pp), 1)), float64(hit)/float64(max(len(tp), 1))
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	groupOf := func(groups map[string][]string) map[string]string {
		out := map[string]string{}
		for g, m := range groups {
			for _, id := range m {
				out[id] = g
			}
		}
		return out
	}
	pg, tg := groupOf(pred), groupOf(tru)
	n := 0
	for id := range pg {
		inter := 0
		for _, o := range pred[pg[id]] {
			if tg[o] == tg[id] {
				inter++
			}
		}
		bp += float64(inter) / float64(len(pred[pg[id]]))
		br += float64(inter) / float64(len(tru[tg[id]]))
		n++
	}
	return p, r, f1, bp / float64(n), br / float64(n)
}
