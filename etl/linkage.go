package etl

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/duckdb/duckdb-go/v2"

	"vitalstats/etl/canon"
	"vitalstats/etl/lake"
	"vitalstats/link"
)

// Record linkage (issue 17): each person is counted once even without an
// identity code. Every batch links its births and deaths to each other and
// to the lake's earlier records with the engine of package link (the same
// code path as `vitalstats link`), and commits what it found with the batch:
//
//	link_record   the record's linkage features (keyed name encodings,
//	              dates, places, identity hashes) and blocking keys
//	link_cluster  the record's cluster; the latest row of an event wins
//	link_pair     pairs scored as a match or for review, with their weight
//	link_decision analysts' decisions the batch applied
//
// A daily increment compares only its new records, with the records that
// share a blocking key with them (found through link_record's keys), and
// reuses the model (m and u) estimated by the last full run, which the
// lake's state keeps. The warehouse counts each event once per cluster.

//go:embed linkage/*.toml
var linkConfigs embed.FS

// Lake tables of the linkage.
const (
	LinkRecordTable   = "link_record"
	LinkClusterTable  = "link_cluster"
	LinkPairTable     = "link_pair"
	LinkDecisionTable = "link_decision"
)

// linkDuckDBSettings bound the DuckDB that reads the lake's linkage
// records back; what does not fit spills to the temporary directory.
const linkDuckDBSettings = "set memory_limit = '512MB'; set threads = 2; set preserve_insertion_order = false"

// reestimateAt: a batch with at least this many new records of an event
// type estimates the model afresh (its EM has pairs enough); a smaller one
// reuses the lake's.
const reestimateAt = 20000

// minEstimate: with fewer records than this and no model yet, EM has too
// few pairs to learn from; the run uses defaultParams.
const minEstimate = 2000

// defaultParams is a cautious model for a lake too small to estimate one:
// a field's best level is strong evidence (m 0.85, u 0.02), its worst
// evidence against (m 0.05, u 0.9), the levels between weak. It is replaced
// by the first estimate from a batch large enough.
func defaultParams(c *link.Config) *link.Params {
	p := &link.Params{Lambda: 0.001}
	for f, fd := range c.Fields {
		fp := link.FieldParams{Name: fd.Name, Kind: fd.Kind}
		names := c.LevelNames(f)[1:]
		if fd.Kind != link.KindID {
			n := len(names)
			for i, name := range names {
				l := link.LevelParams{Name: name}
				switch {
				case i == 0:
					l.M, l.U = 0.85, 0.02
				case i == n-1:
					l.M, l.U = 0.05, 0.9
				default:
					l.M, l.U = 0.1/float64(n-2), 0.08/float64(n-2)
				}
				fp.Levels = append(fp.Levels, l)
			}
		}
		p.Fields = append(p.Fields, fp)
	}
	return p
}

// LinkDecision is an analyst's decision on a pair, as the review page
// appends it to the decisions file (one JSON object a line).
type LinkDecision struct {
	EventType string `json:"event_type"`
	A         string `json:"a"`
	B         string `json:"b"`
	Same      bool   `json:"same"`
	By        string `json:"by"`
	At        string `json:"at"`
}

// linkRecord is a record's linkage features. Name, date and value columns
// follow the order of the event type's config (etl/linkage/<event>.toml).
type linkRecord struct {
	EventID        string  `parquet:"event_id"`
	EventType      string  `parquet:"event_type"`
	Version        int32   `parquet:"version"`
	Batch          string  `parquet:"batch"`
	OccurrenceYear int32   `parquet:"occurrence_year"`
	Name0BF        []byte  `parquet:"name0_bf,optional"`
	Name0Tok       []int64 `parquet:"name0_tok,list"`
	Name1BF        []byte  `parquet:"name1_bf,optional"`
	Name1Tok       []int64 `parquet:"name1_tok,list"`
	Name2BF        []byte  `parquet:"name2_bf,optional"`
	Name2Tok       []int64 `parquet:"name2_tok,list"`
	Date0          int32   `parquet:"date0"`
	Date1          int32   `parquet:"date1"`
	Value0         string  `parquet:"value0"`
	Value1         string  `parquet:"value1"`
	Value2         string  `parquet:"value2"`
	Value3         string  `parquet:"value3"`
	Value4         string  `parquet:"value4"`
	Value5         string  `parquet:"value5"`
	Value6         string  `parquet:"value6"`
	BlockKeys      []int64 `parquet:"block_keys,list"`
}

const maxLinkNames, maxLinkDates, maxLinkValues = 3, 2, 7

// linkCluster puts a record in a cluster.
type linkCluster struct {
	EventID   string `parquet:"event_id"`
	EventType string `parquet:"event_type"`
	Cluster   string `parquet:"cluster_id"`
	Batch     string `parquet:"batch"`
	// Seq orders the rows one batch writes for a record: a large batch is
	// linked year by year and a later step may move a record again.
	Seq            int32 `parquet:"seq"`
	OccurrenceYear int32 `parquet:"occurrence_year"`
}

// linkPair is a pair kept for the result: a match, or one for review.
type linkPair struct {
	EventType string  `parquet:"event_type"`
	A         string  `parquet:"a"`
	B         string  `parquet:"b"`
	Weight    float64 `parquet:"weight"`
	Decision  string  `parquet:"decision"` // match, review
	Levels    string  `parquet:"levels"`   // field=level, ...
	Batch     string  `parquet:"batch"`
	// RunDate is the UTC date of the batch (its id's): the partition.
	RunDate lake.Date `parquet:"run_date,date"`
}

// appliedDecision is an analyst's decision as a batch applied it.
type appliedDecision struct {
	EventType string `parquet:"event_type"`
	A         string `parquet:"a"`
	B         string `parquet:"b"`
	Same      bool   `parquet:"same"`
	By        string `parquet:"decided_by"`
	At        string `parquet:"decided_at"`
	Batch     string `parquet:"batch"`
	// RunDate is the UTC date of the batch that applied the decision: the
	// partition.
	RunDate lake.Date `parquet:"run_date,date"`
}

// LinkState is the linkage's part of the lake's state: the model of each
// event type, from its last full estimate.
type LinkState struct {
	Params map[string]*link.Params `json:"params,omitempty"`
}

// linkKind links one event type.
type linkKind struct {
	event string
	cfg   *link.Config
	keyer *link.Keyer
	rows  sink[linkRecord]
	n     int           // records of the batch
	year  map[int32]int // records of the batch by occurrence year
	// While the batch is small its records are kept in memory (t, ids,
	// keys); past smallBatch they are read back from the batch's files a
	// year at a time.
	t    *link.Table
	ids  map[string]int32 // new record -> occurrence year
	keys map[uint64]struct{}
}

// smallBatch: a batch with more records of an event type than this (a
// backfill) is linked a year at a time, so that memory holds three years
// of records, not all of them.
var smallBatch = 100_000

// linker collects a batch's births and deaths as the router writes them.
type linker struct {
	batch string
	kinds map[string]*linkKind
	err   error
}

// LinkConfig returns the linkage config of an event type (birth, death).
func LinkConfig(event string) (*link.Config, error) {
	raw, err := fs.ReadFile(linkConfigs, "linkage/"+event+".toml")
	if err != nil {
		return nil, fmt.Errorf("linkage: no config for %s", event)
	}
	var c link.Config
	md, err := toml.Decode(string(raw), &c)
	if err != nil {
		return nil, fmt.Errorf("linkage config %s: %w", event, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("linkage config %s: unknown key %s", event, u[0])
	}
	if err := c.Compile(); err != nil {
		return nil, fmt.Errorf("linkage config %s: %w", event, err)
	}
	return &c, nil
}

func newLinker(batch string) (*linker, error) {
	l := &linker{batch: batch, kinds: map[string]*linkKind{}}
	for _, e := range []string{"birth", "death"} {
		cfg, err := LinkConfig(e)
		if err != nil {
			return nil, err
		}
		t, err := link.NewTable(cfg, 1024)
		if err != nil {
			return nil, err
		}
		check := birthFields.check
		if e == "death" {
			check = deathFields.check
		}
		if err := check(e, cfg); err != nil {
			return nil, err
		}
		nN, nD, nV := fieldCounts(cfg)
		if nN > maxLinkNames || nD > maxLinkDates || nV > maxLinkValues {
			return nil, fmt.Errorf("linkage config %s: at most %d names, %d dates and %d other fields", e, maxLinkNames, maxLinkDates, maxLinkValues)
		}
		keyer, err := cfg.NewKeyer()
		if err != nil {
			return nil, err
		}
		l.kinds[e] = &linkKind{event: e, cfg: cfg, keyer: keyer, t: t, rows: newSink[linkRecord](LinkRecordTable),
			year: map[int32]int{}, ids: map[string]int32{}, keys: map[uint64]struct{}{}}
	}
	return l, nil
}

func dateNum(d lake.Date) int32 {
	if d == 0 {
		return 0
	}
	y, m, dd := d.Time().Date()
	return int32(y*10000 + int(m)*100 + dd)
}

func datePtrNum(d *lake.Date) int32 {
	if d == nil {
		return 0
	}
	return dateNum(*d)
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// The fields a linkage config may name, for each event type: what each is
// in the canonical row. A config names any of them, in any order.
type fieldOf[T any] struct {
	names  map[string]func(*T) link.NameCode
	dates  map[string]func(*T) int32
	values map[string]func(*T) string
}

var birthFields = fieldOf[canon.Birth]{
	names: map[string]func(*canon.Birth) link.NameCode{
		"child": func(b *canon.Birth) link.NameCode { return link.NameCode{Bloom: b.ChildNameBF, Tokens: b.ChildNameTok} },
		"mother": func(b *canon.Birth) link.NameCode {
			return link.NameCode{Bloom: b.MotherNameBF, Tokens: b.MotherNameTok}
		},
		"father": func(b *canon.Birth) link.NameCode {
			return link.NameCode{Bloom: b.FatherNameBF, Tokens: b.FatherNameTok}
		},
	},
	dates: map[string]func(*canon.Birth) int32{
		"dob": func(b *canon.Birth) int32 { return dateNum(b.EventDate) },
	},
	values: map[string]func(*canon.Birth) string{
		"sex":                  func(b *canon.Birth) string { return str(b.Sex) },
		"residence":            func(b *canon.Birth) string { return str(b.MotherResidenceCommune) },
		"place":                func(b *canon.Birth) string { return str(b.PlaceCommune) },
		"registration_commune": func(b *canon.Birth) string { return b.RegistrationCommune },
		"child_id":             func(b *canon.Birth) string { return str(b.ChildIDHash) },
		"mother_id":            func(b *canon.Birth) string { return str(b.MotherIDHash) },
		"birth_weight":         func(b *canon.Birth) string { return intStr(b.BirthWeightG) },
		"birth_order":          func(b *canon.Birth) string { return intStr(b.BirthOrder) },
	},
}

var deathFields = fieldOf[canon.Death]{
	names: map[string]func(*canon.Death) link.NameCode{
		"deceased": func(d *canon.Death) link.NameCode { return link.NameCode{Bloom: d.NameBF, Tokens: d.NameTok} },
	},
	dates: map[string]func(*canon.Death) int32{
		"dod": func(d *canon.Death) int32 { return dateNum(d.EventDate) },
		"dob": func(d *canon.Death) int32 { return datePtrNum(d.DateOfBirth) },
	},
	values: map[string]func(*canon.Death) string{
		"sex":                  func(d *canon.Death) string { return str(d.Sex) },
		"residence":            func(d *canon.Death) string { return str(d.ResidenceCommune) },
		"place":                func(d *canon.Death) string { return str(d.PlaceCommune) },
		"registration_commune": func(d *canon.Death) string { return d.RegistrationCommune },
		"deceased_id":          func(d *canon.Death) string { return str(d.DeceasedIDHash) },
		"age":                  func(d *canon.Death) string { return intStr(d.AgeYears) },
	},
}

func intStr(n *int32) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(int(*n))
}

// check says whether a config names only fields the event type has.
func (fo fieldOf[T]) check(event string, c *link.Config) error {
	for _, f := range c.Fields {
		var ok bool
		switch f.Kind {
		case link.KindName:
			_, ok = fo.names[f.Name]
		case link.KindDate:
			_, ok = fo.dates[f.Name]
		default:
			_, ok = fo.values[f.Name]
		}
		if !ok {
			return fmt.Errorf("linkage config %s: no %s field %q in a %s record", event, f.Kind, f.Name, event)
		}
	}
	return nil
}

// record turns a canonical row into the engine's record, in the config's
// order of fields.
func (fo fieldOf[T]) record(c *link.Config, id string, row *T) link.Record {
	r := link.Record{ID: id}
	for _, f := range c.Fields {
		switch f.Kind {
		case link.KindName:
			r.Names = append(r.Names, fo.names[f.Name](row))
		case link.KindDate:
			r.Dates = append(r.Dates, fo.dates[f.Name](row))
		default:
			r.Values = append(r.Values, fo.values[f.Name](row))
		}
	}
	return r
}

// add takes one written row. Cancelled records are not linked: they count
// nowhere, and a cluster must not hold together through one.
func (l *linker) add(b *lake.Batch, event string, r link.Record, version int32, year int32, status string) {
	k := l.kinds[event]
	if l.err != nil || k == nil || status == "cancelled" {
		return
	}
	k.n++
	k.year[year]++
	row := toLinkRecord(r, event, version, year, l.batch)
	keys, err := k.keyer.Keys(r)
	if err != nil {
		l.err = fmt.Errorf("linkage: %w", err)
		return
	}
	row.BlockKeys = make([]int64, len(keys))
	for i, x := range keys {
		row.BlockKeys[i] = int64(x)
	}
	if err := k.rows.write(b, int(year), &row); err != nil {
		l.err = err
		return
	}
	if k.t == nil {
		return
	}
	if k.n > smallBatch { // a backfill: linked year by year from the batch's files
		k.t, k.ids, k.keys = nil, nil, nil
		return
	}
	if err := k.t.Add(r); err != nil {
		l.err = fmt.Errorf("linkage: %w", err)
		return
	}
	k.ids[r.ID] = year
	for _, x := range keys {
		k.keys[x] = struct{}{}
	}
}

func toLinkRecord(r link.Record, event string, version, year int32, batch string) linkRecord {
	row := linkRecord{EventID: r.ID, EventType: event, Version: version, Batch: batch, OccurrenceYear: year}
	bf := []*[]byte{&row.Name0BF, &row.Name1BF, &row.Name2BF}
	tok := []*[]int64{&row.Name0Tok, &row.Name1Tok, &row.Name2Tok}
	for i, n := range r.Names {
		*bf[i], *tok[i] = n.Bloom, n.Tokens
	}
	ds := []*int32{&row.Date0, &row.Date1}
	for i, d := range r.Dates {
		*ds[i] = d
	}
	vs := []*string{&row.Value0, &row.Value1, &row.Value2, &row.Value3, &row.Value4, &row.Value5, &row.Value6}
	for i, v := range r.Values {
		*vs[i] = v
	}
	return row
}

func fromLinkRecord(row *linkRecord, nNames, nDates, nValues int) link.Record {
	r := link.Record{ID: row.EventID}
	bf := [][]byte{row.Name0BF, row.Name1BF, row.Name2BF}
	tok := [][]int64{row.Name0Tok, row.Name1Tok, row.Name2Tok}
	for i := 0; i < nNames; i++ {
		r.Names = append(r.Names, link.NameCode{Bloom: bf[i], Tokens: tok[i]})
	}
	r.Dates = []int32{row.Date0, row.Date1}[:nDates]
	r.Values = []string{row.Value0, row.Value1, row.Value2, row.Value3, row.Value4, row.Value5, row.Value6}[:nValues]
	return r
}

// readDecisions reads the analysts' decisions file; a missing file is none.
func readDecisions(path string) ([]LinkDecision, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("linkage: decisions: %w", err)
	}
	defer f.Close()
	var out []LinkDecision
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var d LinkDecision
		if err := json.Unmarshal([]byte(line), &d); err != nil || d.A == "" || d.B == "" || d.EventType == "" {
			return nil, fmt.Errorf("linkage: decisions file %s line %d: not a decision (event_type, a, b, same): %v", path, n, err)
		}
		out = append(out, d)
	}
	return out, sc.Err()
}

// finish links the batch's records before it commits and writes clusters,
// pairs and the decisions applied to the batch. A small batch (a day's
// registrations) is linked at once with the earlier records that share a
// blocking key with it; a large one (a backfill) a year at a time, each
// year's records with the records of the year before and after.
func (l *linker) finish(ctx context.Context, lk *lake.Lake, b *lake.Batch, st *LinkState, decisions []LinkDecision, sum *Summary, log *slog.Logger) error {
	if l.err != nil {
		return l.err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// DuckDB would otherwise take 80% of RAM for what it reads back; the
	// engine's tables are in Go's heap beside it.
	tmp, err := os.MkdirTemp("", "vitalstats-linkage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, err := conn.ExecContext(ctx, linkDuckDBSettings+fmt.Sprintf("; set temp_directory = '%s'", strings.ReplaceAll(tmp, "'", "''"))); err != nil {
		return fmt.Errorf("linkage: %w", err)
	}
	if st.Params == nil {
		st.Params = map[string]*link.Params{}
	}
	recFiles, err := lk.Files(LinkRecordTable)
	if err != nil {
		return err
	}
	clFiles, err := lk.Files(LinkClusterTable)
	if err != nil {
		return err
	}
	w := &linkWriter{b: b, batch: l.batch, runDate: batchDateOf(l.batch), log: log,
		pairs: newRunSink[linkPair](LinkPairTable), clusters: newSink[linkCluster](LinkClusterTable),
		renames: map[string]string{}}
	decRows := newRunSink[appliedDecision](LinkDecisionTable)
	for _, e := range []string{"birth", "death"} {
		k := l.kinds[e]
		w.k, w.renames = k, map[string]string{}
		var dec []link.Decision
		named := map[string]bool{}
		for _, d := range decisions {
			if d.EventType == e {
				dec = append(dec, link.Decision{A: d.A, B: d.B, Same: d.Same})
				named[d.A], named[d.B] = true, true
				row := appliedDecision{EventType: e, A: d.A, B: d.B, Same: d.Same, By: d.By, At: d.At, Batch: l.batch, RunDate: w.runDate}
				if err := decRows.write(b, int(w.runDate), &row); err != nil {
					return err
				}
			}
		}
		if k.n == 0 && len(dec) == 0 {
			continue
		}
		start := time.Now()
		w.sum = &LinkSummary{Records: k.n}
		if sum.Linked == nil {
			sum.Linked = map[string]*LinkSummary{}
		}
		sum.Linked[e] = w.sum
		if k.t != nil {
			err = k.linkSmall(ctx, conn, w, st, recFiles, clFiles, dec, named)
		} else {
			err = k.linkByYear(ctx, conn, w, st, recFiles, clFiles, dec)
		}
		if err != nil {
			return err
		}
		log.Debug("linkage linked", "event", e, "elapsed", time.Since(start))
		if err := w.applyRenames(ctx, conn, clFiles); err != nil {
			return err
		}
		w.sum.Seconds = time.Since(start).Seconds()
	}
	return nil
}

// LinkSummary is what record linkage did in a run, for one event type.
type LinkSummary struct {
	Records    int     `json:"records"`    // the batch's records linked
	Earlier    int     `json:"earlier"`    // the lake's records they were compared with
	Candidates int64   `json:"candidates"` // pairs compared
	Matches    int     `json:"matches"`
	Review     int     `json:"review"`
	Seconds    float64 `json:"seconds"` // all of it: reading back, linking, writing
}

// linkWriter writes what linking finds to the batch.
type linkWriter struct {
	b        *lake.Batch
	batch    string
	runDate  lake.Date // the batch's date: the partition of pairs and decisions
	log      *slog.Logger
	k        *linkKind
	seq      int32
	pairs    sink[linkPair]
	clusters sink[linkCluster]
	renames  map[string]string // cluster merged -> the cluster it joined
	sum      *LinkSummary
}

// result writes one run's pairs and clusters; years gives each assigned
// record's occurrence year.
func (w *linkWriter) result(res *link.Result, years func(string) int32) error {
	w.seq++
	for _, p := range res.Pairs {
		row := linkPair{EventType: w.k.event, A: p.A, B: p.B, Weight: p.Weight, Decision: p.Decision, Levels: levelText(w.k.cfg, p.Levels), Batch: w.batch, RunDate: w.runDate}
		if err := w.pairs.write(w.b, int(w.runDate), &row); err != nil {
			return err
		}
	}
	for _, a := range res.Clusters {
		row := linkCluster{EventID: a.ID, EventType: w.k.event, Cluster: a.Cluster, Batch: w.batch, Seq: w.seq, OccurrenceYear: years(a.ID)}
		if err := w.clusters.write(w.b, int(row.OccurrenceYear), &row); err != nil {
			return err
		}
	}
	for _, r := range res.Renamed {
		w.renames[r.From] = r.Into
	}
	s := res.Stats
	w.sum.Candidates += s.Candidates
	w.sum.Matches += s.Matches
	w.sum.Review += s.Kept - s.Matches
	w.log.Info("linked", "event", w.k.event, "records", s.Records, "new", s.New, "candidates", s.Candidates,
		"matches", s.Matches, "review", s.Kept-s.Matches, "clusters", s.Clusters, "oversized_blocks", s.OversizedBlocks,
		"estimated", s.USampled > 0, "elapsed", s.Elapsed.Round(1e6).String())
	return nil
}

// model returns the params a run reuses, or nil to estimate them.
func (k *linkKind) model(st *LinkState, n int, log *slog.Logger) *link.Params {
	if p := st.Params[k.event]; p != nil && k.n < reestimateAt {
		return p
	}
	if n < minEstimate {
		if p := st.Params[k.event]; p != nil {
			return p
		}
		log.Warn("linkage: too few records to estimate the model; a cautious default is used until a larger batch", "event", k.event, "records", n)
		return defaultParams(k.cfg)
	}
	return nil
}

// dedupe runs the engine; a model that cannot be estimated (too few
// candidate pairs) falls back on the lake's or the default one.
func (k *linkKind) dedupe(ctx context.Context, t *link.Table, prior link.Prior, st *LinkState, log *slog.Logger) (*link.Result, error) {
	res, err := link.Dedupe(ctx, t, prior)
	if err != nil && prior.Params == nil {
		log.Warn("linkage: the model could not be estimated; the lake's or a cautious default is used", "event", k.event, "err", err)
		prior.Params = st.Params[k.event]
		if prior.Params == nil {
			prior.Params = defaultParams(k.cfg)
		}
		res, err = link.Dedupe(ctx, t, prior)
	}
	if err != nil {
		return nil, fmt.Errorf("linkage of %ss: %w", k.event, err)
	}
	if prior.Params == nil {
		st.Params[k.event] = res.Params
	}
	return res, nil
}

// linkSmall links a batch held in memory with the earlier records sharing
// a blocking key with it (in the years next to its own) and those the
// decisions name.
func (k *linkKind) linkSmall(ctx context.Context, conn *sql.Conn, w *linkWriter, st *LinkState, recFiles, clFiles []string, dec []link.Decision, named map[string]bool) error {
	var lo, hi int32 = 1 << 30, -1 << 30
	for y := range k.year {
		lo, hi = min(lo, y), max(hi, y)
	}
	if err := setTemp(ctx, conn, "new_keys", "k bigint", k.keys, func(x uint64) any { return int64(x) }); err != nil {
		return err
	}
	if err := setTemp(ctx, conn, "named_ids", "id varchar", named, func(s string) any { return s }); err != nil {
		return err
	}
	// a record sharing a key with a new one, in the years next to theirs,
	// or named by a decision (any year)
	near := filesOfYears(recFiles, int(lo)-1, int(hi)+1)
	hits := "select id as event_id from named_ids"
	if len(k.keys) > 0 && len(near) > 0 {
		hits += fmt.Sprintf(` union all select event_id from (
				select event_id, unnest(block_keys) as k from read_parquet(%s, union_by_name = true)
				where event_type = $1 and occurrence_year between %d and %d
			) semi join new_keys using (k)`, quoteList(near), lo-1, hi+1)
	}
	if len(named) == 0 {
		// a record's cluster rows are in its own year's partition
		recFiles, clFiles = near, filesOfYears(clFiles, int(lo)-1, int(hi)+1)
	}
	n, years, err := k.loadExisting(ctx, conn, recFiles, clFiles, hits, "", k.t, k.ids, w.log)
	if err != nil {
		return err
	}
	w.sum.Earlier += n
	prior := link.Prior{Decisions: dec, Params: k.model(st, k.n+n, w.log)}
	res, err := k.dedupe(ctx, k.t, prior, st, w.log)
	if err != nil {
		return err
	}
	return w.result(res, func(id string) int32 {
		if y, ok := k.ids[id]; ok {
			return y
		}
		return years[id]
	})
}

// linkByYear links a large batch a year at a time: the batch's records of
// the year (read back from its files) are new; the batch's records of the
// year before (already linked, with their clusters) and the lake's records
// of the year before, the year and the year after that share a blocking key
// with the year's new ones are existing. Every pair
// a year or less apart with a record of the batch is compared once. The
// model is estimated on the batch's largest year unless the lake has one
// and the batch is small, with its neighbours.
func (k *linkKind) linkByYear(ctx context.Context, conn *sql.Conn, w *linkWriter, st *LinkState, recFiles, clFiles []string, dec []link.Decision) error {
	staged, err := w.b.Staged(LinkRecordTable)
	if err != nil {
		return err
	}
	var yrs []int32
	big := int32(0)
	for y := range k.year {
		yrs = append(yrs, y)
		if k.year[y] > k.year[big] {
			big = y
		}
	}
	slices.Sort(yrs)
	prior := link.Prior{Decisions: dec, Params: k.model(st, k.n, w.log)}
	if prior.Params == nil {
		// the largest year and its neighbours: u needs pairs a year apart
		// (a date a year off is only rare by chance across years)
		t, err := link.NewTable(k.cfg, k.year[big-1]+k.year[big]+k.year[big+1])
		if err != nil {
			return err
		}
		var files []string
		for y := big - 1; y <= big+1; y++ {
			files = append(files, staged[int(y)]...)
		}
		if _, err := k.loadBatch(ctx, conn, files, t, nil); err != nil {
			return err
		}
		res, err := k.dedupe(ctx, t, link.Prior{}, st, w.log)
		if err != nil {
			return err
		}
		prior.Params = res.Params
		w.log.Info("linkage model estimated", "event", k.event, "year", big, "records", t.Len())
	}
	var prev []link.Record // the batch's records of the year before, linked
	prevYear := int32(-1 << 30)
	earlier := map[int32]int{} // the lake's records read, by their year
	defer func() {
		for _, n := range earlier {
			w.sum.Earlier += n
		}
	}()
	for _, y := range yrs {
		t, err := link.NewTable(k.cfg, k.year[y]+len(prev))
		if err != nil {
			return err
		}
		if prevYear == y-1 {
			for _, r := range prev {
				if err := t.Add(r); err != nil {
					return err
				}
			}
		}
		fresh := map[string]int32{}
		recs, err := k.loadBatch(ctx, conn, staged[int(y)], t, fresh)
		if err != nil {
			return err
		}
		// the lake's records of the years around, but those the batch
		// brings a new version of
		var near []string
		for _, f := range staged[int(y)-1] {
			near = append(near, f)
		}
		near = append(near, staged[int(y)]...)
		near = append(near, staged[int(y)+1]...)
		exclude := ""
		if len(near) > 0 {
			exclude = fmt.Sprintf("event_id not in (select event_id from read_parquet(%s, union_by_name = true) where event_type = $1)", quoteList(near))
		}
		// Only the lake's records sharing a blocking key with the year's
		// new ones can pair with them: a year of file drops read the 1.4
		// million lake records of three national years otherwise.
		lakeFiles := filesOfYears(recFiles, int(y)-1, int(y)+1)
		if len(lakeFiles) > 0 {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(`create or replace temp table year_keys as
				select distinct unnest(block_keys) as k from read_parquet(%s, union_by_name = true) where event_type = $1`,
				quoteList(staged[int(y)])), k.event); err != nil {
				return fmt.Errorf("linkage: %s keys of %d: %w", k.event, y, err)
			}
		}
		hits := fmt.Sprintf(`select event_id from (
				select event_id, unnest(block_keys) as k from read_parquet(%s, union_by_name = true)
				where event_type = $1 and occurrence_year between %d and %d
			) semi join year_keys using (k)`, quoteList(lakeFiles), y-1, y+1)
		_, years, err := k.loadExisting(ctx, conn, lakeFiles, filesOfYears(clFiles, int(y)-1, int(y)+1), hits, exclude, t, nil, w.log)
		if err != nil {
			return err
		}
		byYear := map[int32]int{}
		for _, y := range years {
			byYear[y]++
		}
		maps.Copy(earlier, byYear)
		res, err := k.dedupe(ctx, t, prior, st, w.log)
		if err != nil {
			return err
		}
		for _, r := range res.Clusters {
			if _, ok := years[r.ID]; ok {
				continue // the lake's
			}
			years[r.ID] = y
			if _, ok := fresh[r.ID]; !ok {
				years[r.ID] = y - 1 // the batch's, linked the year before
			}
		}
		if err := w.result(res, func(id string) int32 { return years[id] }); err != nil {
			return err
		}
		cl := make(map[string]string, len(res.Clusters))
		for _, a := range res.Clusters {
			cl[a.ID] = a.Cluster
		}
		for i := range recs {
			recs[i].Cluster = cl[recs[i].ID]
		}
		prev, prevYear = recs, y
	}
	return nil
}

// loadBatch adds the batch's own records in files to t (the latest version
// of each); with fresh not nil, it returns them and fresh gets their ids
// (a model's estimate needs neither, and its three national years are 1.3
// million records).
func (k *linkKind) loadBatch(ctx context.Context, conn *sql.Conn, files []string, t *link.Table, fresh map[string]int32) ([]link.Record, error) {
	if len(files) == 0 {
		return nil, nil
	}
	// The latest version is found on the keys alone and joined back: a
	// window over every column held a national year's records in DuckDB's
	// memory at once.
	// (read twice: DuckDB would materialize a CTE used twice)
	recs := fmt.Sprintf("read_parquet(%s, union_by_name = true)", quoteList(files))
	q := fmt.Sprintf(`with latest as (
			select event_id, max(version) as version from %[1]s where event_type = $1 group by event_id
		)
		select r.event_id, %[2]s, null::varchar
		from %[1]s r join latest l on r.event_id = l.event_id and r.version = l.version
		where r.event_type = $1`, recs, linkFeatureCols)
	var out []link.Record
	seen := map[string]struct{}{}
	err := k.scanRecords(ctx, conn, q, func(r link.Record, year int32) error {
		if _, dup := seen[r.ID]; dup {
			return nil // one version written twice
		}
		seen[r.ID] = struct{}{}
		if err := t.Add(r); err != nil {
			return err
		}
		if fresh != nil {
			fresh[r.ID] = year
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// loadExisting adds to t the lake's records whose event ids hits selects
// (their latest version, not also in skip, and not excluded) with their
// current clusters; it returns how many and their occurrence years. clFiles
// hold at least the partitions of the records' years (a record's cluster
// rows are in its occurrence year's). Each step is a temporary table of
// plain columns, the lake's files read by event id: a day's late
// registrations reach back to every year, and the candidates (50,000 of 9.6
// million national births) are read back in 6.5 s that way, where one
// statement joining on a struct of the latest (batch, version) took 14 s;
// aggregating every year's clusters overflowed DuckDB's 512 MB.
func (k *linkKind) loadExisting(ctx context.Context, conn *sql.Conn, recFiles, clFiles []string, hits, exclude string, t *link.Table, skip map[string]int32, log *slog.Logger) (int, map[string]int32, error) {
	years := map[string]int32{}
	if len(recFiles) == 0 || len(clFiles) == 0 {
		return 0, years, nil
	}
	if exclude != "" {
		exclude = " and " + exclude
	}
	recs := fmt.Sprintf("read_parquet(%s, union_by_name = true)", quoteList(recFiles))
	start := time.Now()
	for i, q := range []string{
		"create or replace temp table link_hits as select distinct event_id from (" + hits + ")",
		// each record's latest (batch, version)
		fmt.Sprintf(`create or replace temp table link_cand as
			select event_id, arg_max(batch, (batch, version)) as batch, arg_max(version, (batch, version)) as version
			from %s where event_type = $1 and event_id in (select event_id from link_hits)%s
			group by event_id`, recs, exclude),
		fmt.Sprintf(`create or replace temp table link_cl as
			select event_id, arg_max(cluster_id, (batch, seq)) as cluster_id
			from read_parquet(%s, union_by_name = true)
			where event_type = $1 and event_id in (select event_id from link_cand)
			group by event_id`, quoteList(clFiles)),
		// the candidates' rows, every version: a filter the scan applies
		// (joined in the same scan, it took 1 s more)
		fmt.Sprintf(`create or replace temp table link_rows as
			select event_id, batch, version, %s
			from %s where event_type = $1 and event_id in (select event_id from link_cand)`, linkFeatureCols, recs),
	} {
		if _, err := conn.ExecContext(ctx, q, eventArg(q, k.event)...); err != nil {
			return 0, nil, fmt.Errorf("linkage: %s candidates: %w", k.event, err)
		}
		log.Debug("linkage read-back", "event", k.event, "step", []string{"keys", "versions", "clusters", "records"}[i], "elapsed", time.Since(start))
		start = time.Now()
	}
	q := fmt.Sprintf(`select r.event_id, %s, cl.cluster_id
		from link_rows r
		join link_cand c on r.event_id = c.event_id and r.batch = c.batch and r.version = c.version
		join link_cl cl on cl.event_id = r.event_id`, linkFeatureCols)
	n := 0
	err := k.scanRecords(ctx, conn, q, func(r link.Record, year int32) error {
		if _, isNew := skip[r.ID]; isNew {
			return nil // a new version of it is in the batch
		}
		if _, dup := years[r.ID]; dup {
			return nil // one version written twice
		}
		if err := t.Add(r); err != nil {
			return fmt.Errorf("earlier record %s: %w", r.ID, err)
		}
		years[r.ID] = year
		n++
		return nil
	})
	log.Debug("linkage read-back", "event", k.event, "step", "scan", "records", n, "elapsed", time.Since(start))
	return n, years, err
}

// eventArg is the event type as the argument of a query that names it $1:
// one that reads only temporary tables does not.
func eventArg(q, event string) []any {
	if strings.Contains(q, "$1") {
		return []any{event}
	}
	return nil
}

// linkFeatureCols are link_record's columns scanRecords reads, between the
// event id and the cluster.
const linkFeatureCols = `name0_bf, name0_tok, name1_bf, name1_tok, name2_bf, name2_tok, date0, date1,
	value0, value1, value2, value3, value4, value5, value6, occurrence_year`

// scanRecords reads linkage records: the event id, linkFeatureCols and the
// cluster.
func (k *linkKind) scanRecords(ctx context.Context, conn *sql.Conn, q string, fn func(link.Record, int32) error) error {
	rows, err := conn.QueryContext(ctx, q, eventArg(q, k.event)...)
	if err != nil {
		return fmt.Errorf("linkage: %s records: %w", k.event, err)
	}
	defer rows.Close()
	nN, nD, nV := fieldCounts(k.cfg)
	for rows.Next() {
		var r linkRecord
		var toks [3]any
		var cluster sql.NullString
		var year int32
		if err := rows.Scan(&r.EventID, &r.Name0BF, &toks[0], &r.Name1BF, &toks[1], &r.Name2BF, &toks[2], &r.Date0, &r.Date1,
			&r.Value0, &r.Value1, &r.Value2, &r.Value3, &r.Value4, &r.Value5, &r.Value6, &year, &cluster); err != nil {
			return err
		}
		r.Name0Tok, r.Name1Tok, r.Name2Tok = int64s(toks[0]), int64s(toks[1]), int64s(toks[2])
		rec := fromLinkRecord(&r, nN, nD, nV)
		rec.Cluster = cluster.String
		if err := fn(rec, year); err != nil {
			return err
		}
	}
	return rows.Err()
}

// applyRenames moves the records of merged clusters that no run of this
// batch assigned into the cluster they joined: the lake's and the batch's
// own earlier rows, whichever is latest.
func (w *linkWriter) applyRenames(ctx context.Context, conn *sql.Conn, clFiles []string) error {
	if len(w.renames) == 0 {
		return nil
	}
	into := func(c string) string { // follow chains: a merged into b, b into c
		for i := 0; i < 64; i++ {
			n, ok := w.renames[c]
			if !ok {
				break
			}
			c = n
		}
		return c
	}
	staged, err := w.b.Staged(LinkClusterTable)
	if err != nil {
		return err
	}
	files := slices.Clone(clFiles)
	for _, fs := range staged {
		files = append(files, fs...)
	}
	if len(files) == 0 {
		return nil
	}
	if err := setTemp(ctx, conn, "from_ids", "id varchar", w.renames, func(s string) any { return s }); err != nil {
		return err
	}
	// Only the events that were ever in a merged cluster are aggregated: a
	// national lake's every event overflowed DuckDB's 512 MB.
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(`with ev as (
			select distinct event_id from read_parquet(%[1]s, union_by_name = true)
			where event_type = $1 and cluster_id in (select id from from_ids)
		)
		select event_id, arg_max(cluster_id, (batch, seq)), any_value(occurrence_year)
		from read_parquet(%[1]s, union_by_name = true) where event_type = $1 and event_id in (select event_id from ev)
		group by event_id
		having arg_max(cluster_id, (batch, seq)) in (select id from from_ids)`, quoteList(files)), w.k.event)
	if err != nil {
		return fmt.Errorf("linkage: %s clusters merged: %w", w.k.event, err)
	}
	var moved []linkCluster
	for rows.Next() {
		var r linkCluster
		if err := rows.Scan(&r.EventID, &r.Cluster, &r.OccurrenceYear); err != nil {
			rows.Close()
			return err
		}
		r.EventType, r.Cluster, r.Batch = w.k.event, into(r.Cluster), w.batch
		moved = append(moved, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	w.seq++
	for i := range moved {
		moved[i].Seq = w.seq
		if err := w.clusters.write(w.b, int(moved[i].OccurrenceYear), &moved[i]); err != nil {
			return err
		}
	}
	if len(moved) > 0 {
		w.log.Info("linkage: records moved to the clusters theirs merged into", "event", w.k.event, "records", len(moved))
	}
	return nil
}

// filesOfYears keeps the lake files of year partitions lo..hi.
func filesOfYears(files []string, lo, hi int) []string {
	var out []string
	for _, f := range files {
		if y, ok := lake.PartitionYear(f); ok && y >= lo && y <= hi {
			out = append(out, f)
		}
	}
	return out
}

// setTemp fills a one-column temporary table with a set's members.
func setTemp[K comparable, V any](ctx context.Context, conn *sql.Conn, table, col string, set map[K]V, val func(K) any) error {
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("create or replace temp table %s (%s)", table, col)); err != nil {
		return err
	}
	return appendRows(conn, table, len(set), func(app *duckdb.Appender) error {
		for x := range set {
			if err := app.AppendRow(val(x)); err != nil {
				return err
			}
		}
		return nil
	})
}

// batchDateOf returns the UTC date a batch id begins with (batchID).
func batchDateOf(batch string) lake.Date {
	if len(batch) >= 8 {
		if t, err := time.Parse("20060102", batch[:8]); err == nil {
			return lake.DateOf(t)
		}
	}
	return 0 // 1970-01-01, for an id that is no date
}

// levelText names a pair's comparison levels, for the review page.
func levelText(c *link.Config, levels uint64) string {
	var b strings.Builder
	for f, fl := range c.Fields {
		if f > 0 {
			b.WriteString(", ")
		}
		names := c.LevelNames(f)
		lv := int(levels >> (4 * f) & 15)
		b.WriteString(fl.Name)
		b.WriteByte('=')
		if lv < len(names) {
			b.WriteString(names[lv])
		} else {
			fmt.Fprint(&b, lv)
		}
	}
	return b.String()
}

func quoteList(files []string) string {
	q := make([]string, len(files))
	for i, f := range files {
		q[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// fieldCounts counts a config's name, date and other fields.
func fieldCounts(c *link.Config) (names, dates, values int) {
	for _, f := range c.Fields {
		switch f.Kind {
		case link.KindName:
			names++
		case link.KindDate:
			dates++
		default:
			values++
		}
	}
	return
}

func int64s(v any) []int64 {
	xs, _ := v.([]any)
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		if i, ok := x.(int64); ok {
			out = append(out, i)
		}
	}
	return out
}

func appendRows(conn *sql.Conn, table string, n int, fill func(*duckdb.Appender) error) error {
	if n == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		if err := fill(app); err != nil {
			app.Close()
			return err
		}
		return app.Close()
	})
}
