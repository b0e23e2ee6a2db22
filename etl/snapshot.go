package etl

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"

	"vitalstats/etl/canon"
	"vitalstats/etl/lake"
)

// Snapshot is the committed state of the lake a warehouse build reads: every
// table's files, and the manifest entry they come from.
type Snapshot struct {
	Seq   int64               // the latest committed manifest entry (0 for an empty lake)
	Batch string              // its batch id
	Files map[string][]string // table -> Parquet files; never empty (see EmptyDir)
}

// Tables are the lake's tables, in the order a warehouse loads them.
var Tables = []string{"birth", "death", "fetal_death", "marriage", "notification", QuarantineTable,
	LinkClusterTable, LinkPairTable, LinkDecisionTable}

// TakeSnapshot lists the committed files of every table. A table with no data
// yet gets one empty Parquet file of its schema, written below emptyDir, so
// that the warehouse reads the same columns whether or not the lake holds rows.
// The caller must keep writers (ETL runs, compaction) out until the build has
// read the files: the jobs lock does that.
func TakeSnapshot(l *lake.Lake, emptyDir string) (Snapshot, error) {
	s := Snapshot{Files: map[string][]string{}}
	entries, err := l.Entries()
	if err != nil {
		return s, err
	}
	if n := len(entries); n > 0 {
		s.Seq, s.Batch = entries[n-1].Seq, entries[n-1].Batch
	}
	for _, t := range Tables {
		files, err := l.Files(t)
		if err != nil {
			return s, err
		}
		if len(files) == 0 {
			p := filepath.Join(emptyDir, t+".parquet")
			if err := WriteEmpty(t, p); err != nil {
				return s, fmt.Errorf("lake snapshot: empty %s: %w", t, err)
			}
			files = []string{p}
		}
		s.Files[t] = files
	}
	return s, nil
}

// WriteEmpty writes a Parquet file with no rows and the schema of a lake table.
func WriteEmpty(table, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	switch table {
	case "birth":
		return parquet.WriteFile[canon.Birth](path, nil)
	case "death":
		return parquet.WriteFile[canon.Death](path, nil)
	case "fetal_death":
		return parquet.WriteFile[canon.FetalDeath](path, nil)
	case "marriage":
		return parquet.WriteFile[canon.Marriage](path, nil)
	case "notification":
		return parquet.WriteFile[canon.Notification](path, nil)
	case QuarantineTable:
		return parquet.WriteFile[canon.Quarantine](path, nil)
	case LinkClusterTable:
		return parquet.WriteFile[linkCluster](path, nil)
	case LinkPairTable:
		return parquet.WriteFile[linkPair](path, nil)
	case LinkDecisionTable:
		return parquet.WriteFile[appliedDecision](path, nil)
	}
	return fmt.Errorf("unknown table %q", table)
}
