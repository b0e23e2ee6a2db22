// Package lake owns the Parquet lake: the data files of the canonical tables,
// the manifest that says which of them exist, and compaction. It knows nothing
// of what the rows mean (the ETL hands it typed rows and an opaque progress
// blob) and must not import the other etl packages, warehouse, reports,
// dashboards or synth.
//
// # Layout
//
//	dir/LOCK                                     flock(2)ed by the one process that has the lake open
//	dir/_manifest/00000000000000000042.json      committed entries, one per batch or compaction, numbered 1, 2, 3...
//	dir/_staging/<batch>/<batch>-<n>.parquet     files of the batch being written
//	dir/<table>/occurrence_year=<YYYY>/<batch>-<n>.parquet   a year partition ([Writer])
//	dir/<table>/<column>=<YYYY-MM-DD>/<batch>-<n>.parquet   a date partition ([DateWriter]), such as run_date=
//
// A partition key is always a column of the files too, of the same name and
// value (the writers check every row), so that a Hive reader sees one column:
// DuckDB, given a key named like a file column, returns a single column
// whose value it takes from the path. A table is partitioned one way.
//
// Lakes written before keys were named after their column have year
// partitions occ_year=<YYYY>, whose manifest records carry a year and no
// partition name. They are read as they are, and Open logs a warning.
// Compaction moves an old partition to occurrence_year=<YYYY> when every file
// of it holds that year in a required integer column occurrence_year (read
// from the column statistics), even a single file; other old partitions (a
// quarantine of the run's year, with no column to key on) stay, and a Hive
// reader must then be told hive_partitioning = false.
//
// The lake's content is exactly the files added by the entries minus the
// files that later entries (compactions) removed. Readers get that list from
// [Lake.Files] and never glob the folders: a file that sits in a partition
// folder but is not named by an entry is not data.
//
// # Commit protocol
//
// A batch (Begin … Commit) goes through these steps; "durable" means written
// and fsynced, and for a name, the directory holding it fsynced.
//
//  1. Begin creates _staging/<batch>/ (durable). From now until step 5 the
//     staging folder marks the batch as unfinished.
//  2. Rows are written to Parquet files inside the staging folder.
//  3. Commit closes every file (footer written) and fsyncs it.
//  4. Commit renames each file into its partition folder and fsyncs the
//     partition, table and lake folders, so the names are durable before
//     any entry can mention them.
//  5. Commit writes the manifest entry (files with row counts, the sources'
//     progress State, a summary) to _manifest/.tmp-<seq>.json, fsyncs it and
//     renames it to _manifest/<seq>.json: that rename is the commit point.
//     It then fsyncs _manifest/ and only then reports success.
//  6. Commit removes the staging folder.
//
// Recovery ([Open]), whatever the moment of a crash (SIGKILL or power loss):
//   - before step 5's rename: no entry names the batch, so none of its files
//     is in the lake. Its staging folder still exists (it is removed only in
//     step 6 or by Abort, after the files), so Open knows the batch id and
//     deletes its files, both those left in staging and those already renamed
//     into partition folders. The lake is as before the batch.
//   - after step 5's rename: the entry exists, it names files that are durable
//     in their final place (step 4), and its State is the progress that goes
//     with exactly those rows. Open only removes the leftover staging folder.
//     The lake is as after the batch.
//
// Data and progress are one write (the entry), so an ETL that resumes from
// [Lake.State] never loses rows and never loads them twice.
//
// A manifest file with a final name is complete (it was fsynced before the
// rename); .tmp- files are leftovers and removed. Entries are numbered
// without gaps; Open refuses a manifest with a gap, an unreadable entry, or a
// named data file that is missing or of the wrong size, rather than guess.
// Files in partition folders that are neither named by an entry nor left by
// an unfinished batch nor replaced by a compaction are logged and left alone
// (they are never read): the lake deletes only what it can prove it wrote.
//
// # Compaction
//
// [Lake.Compact] is a batch of its own: it writes one file holding every row
// of a partition's files (the files are grouped by schema first, so files
// written before and after a schema change are merged separately and no
// value changes), and its entry adds the new file and names the old ones as
// removed. The old files are deleted after the commit point; a crash in
// between leaves them on disk, not in the lake, and Open deletes them. A
// reader that listed the files before a compaction and opens them after it
// may therefore find them gone and must list again.
//
// # Memory
//
// A batch may have a writer open on every partition at once (a backfill spans
// ~5 tables × ~25 years). A partition writer keeps 64 rows before handing
// them to parquet-go, one 32 KiB page buffer per column, and keeps the
// compressed pages of its open row group until the row group
// ([Lake.RowGroupRows] rows, 65,536 by default) is complete: in memory while
// the batch's pages in memory stay under [Lake.PageMemory] (128 MiB), in a
// temporary file of the staging folder beyond it. Files roll over at
// [Lake.FileRows] rows, and [Batch.EndFiles] ends them early when a source
// is done with its partitions. Measured by BenchmarkBackfill: 5 M rows of a
// 30-column row across 100 partitions in one batch peak at about 730 MiB
// RSS. Compaction, with one writer, keeps its pages in memory and writes
// [Lake.CompactRowGroupRows]-row groups.
//
// # Dates
//
// Row types store dates as [Date] (tag option "date"), not time.Time: see
// Date for the parquet-go bug that makes Writer refuse time.Time DATE fields.
package lake
