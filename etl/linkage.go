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
	"os"
	"strconv"
	"strings"

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
	EventID        string `parquet:"event_id"`
	EventType      string `parquet:"event_type"`
	Cluster        string `parquet:"cluster_id"`
	Batch          string `parquet:"batch"`
	OccurrenceYear int32  `parquet:"occurrence_year"`
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
	t     *link.Table
	rows  sink[linkRecord]
	years map[string]int32 // new record -> occurrence year
	keys  map[uint64]struct{}
}

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
		l.kinds[e] = &linkKind{event: e, cfg: cfg, t: t, rows: newSink[linkRecord](LinkRecordTable),
			years: map[string]int32{}, keys: map[uint64]struct{}{}}
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
	if err := k.t.Add(r); err != nil {
		l.err = fmt.Errorf("linkage: %w", err)
		return
	}
	k.years[r.ID] = year
	row := toLinkRecord(r, event, version, year, l.batch)
	keys, err := k.cfg.BlockKeys(r)
	if err != nil {
		l.err = fmt.Errorf("linkage: %w", err)
		return
	}
	row.BlockKeys = make([]int64, len(keys))
	for i, x := range keys {
		row.BlockKeys[i] = int64(x)
		k.keys[x] = struct{}{}
	}
	if err := k.rows.write(b, int(year), &row); err != nil {
		l.err = err
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

// finish links the batch's records before it commits: it loads the earlier
// records that share a blocking key with the new ones (and those named in
// a decision), runs the engine and writes clusters and pairs to the batch.
func (l *linker) finish(ctx context.Context, lk *lake.Lake, b *lake.Batch, st *LinkState, decisions []LinkDecision, log *slog.Logger) error {
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
	pairs := newSink[linkPair](LinkPairTable)
	clusters := newSink[linkCluster](LinkClusterTable)
	decRows := newSink[appliedDecision](LinkDecisionTable)
	batchYear := batchYearOf(l.batch)
	for _, e := range []string{"birth", "death"} {
		k := l.kinds[e]
		var dec []link.Decision
		named := map[string]bool{}
		for _, d := range decisions {
			if d.EventType == e {
				dec = append(dec, link.Decision{A: d.A, B: d.B, Same: d.Same})
				named[d.A], named[d.B] = true, true
				if err := decRows.write(b, batchYear, &appliedDecision{EventType: e, A: d.A, B: d.B, Same: d.Same, By: d.By, At: d.At, Batch: l.batch}); err != nil {
					return err
				}
			}
		}
		fresh := len(k.years)
		if fresh == 0 && len(dec) == 0 {
			continue
		}
		existing, err := k.loadExisting(ctx, conn, recFiles, clFiles, named)
		if err != nil {
			return err
		}
		prior := link.Prior{Decisions: dec}
		if fresh < reestimateAt && st.Params[e] != nil {
			prior.Params = st.Params[e]
		}
		if prior.Params == nil && fresh+existing < minEstimate {
			prior.Params = defaultParams(k.cfg)
			log.Warn("linkage: too few records to estimate the model; a cautious default is used until a larger batch", "event", e, "records", fresh+existing)
		}
		res, err := link.Dedupe(ctx, k.t, prior)
		if err != nil && prior.Params == nil {
			log.Warn("linkage: the model could not be estimated; a cautious default is used", "event", e, "err", err)
			prior.Params = defaultParams(k.cfg)
			res, err = link.Dedupe(ctx, k.t, prior)
		}
		if err != nil {
			return fmt.Errorf("linkage of %ss: %w", e, err)
		}
		if prior.Params == nil || st.Params[e] == nil {
			st.Params[e] = res.Params
		}
		s := res.Stats
		log.Info("linked", "event", e, "new", s.New, "earlier", existing, "candidates", s.Candidates,
			"matches", s.Matches, "review", s.Kept-s.Matches, "clusters", s.Clusters, "oversized_blocks", s.OversizedBlocks,
			"estimated", prior.Params == nil, "elapsed", s.Elapsed.Round(1e6).String())
		names := k.cfg
		for _, p := range res.Pairs {
			row := linkPair{EventType: e, A: p.A, B: p.B, Weight: p.Weight, Decision: p.Decision, Levels: levelText(names, p.Levels), Batch: l.batch}
			if err := pairs.write(b, batchYear, &row); err != nil {
				return err
			}
		}
		years, err := k.yearsOf(ctx, conn, recFiles, res)
		if err != nil {
			return err
		}
		for _, a := range res.Clusters {
			row := linkCluster{EventID: a.ID, EventType: e, Cluster: a.Cluster, Batch: l.batch, OccurrenceYear: years[a.ID]}
			if err := clusters.write(b, int(row.OccurrenceYear), &row); err != nil {
				return err
			}
		}
		if err := k.renamed(ctx, conn, clFiles, res, func(r linkCluster) error {
			r.Batch = l.batch
			return clusters.write(b, int(r.OccurrenceYear), &r)
		}); err != nil {
			return err
		}
	}
	return nil
}

func batchYearOf(batch string) int {
	var y int
	fmt.Sscanf(batch, "%4d", &y)
	if y < 1900 {
		y = 1970
	}
	return y
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

// loadExisting adds to the table the lake's records that share a blocking
// key with the batch's new records, or that a decision names, with their
// current clusters; it returns how many.
func (k *linkKind) loadExisting(ctx context.Context, conn *sql.Conn, recFiles, clFiles []string, named map[string]bool) (int, error) {
	if len(recFiles) == 0 {
		return 0, nil
	}
	if _, err := conn.ExecContext(ctx, "create or replace temp table new_keys (k bigint); create or replace temp table named_ids (id varchar)"); err != nil {
		return 0, err
	}
	if err := appendRows(conn, "new_keys", len(k.keys), func(app *duckdb.Appender) error {
		for x := range k.keys {
			if err := app.AppendRow(int64(x)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if err := appendRows(conn, "named_ids", len(named), func(app *duckdb.Appender) error {
		for id := range named {
			if err := app.AppendRow(id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	clusterQ := "select null::varchar as event_id, null::varchar as cluster_id where false"
	if len(clFiles) > 0 {
		clusterQ = fmt.Sprintf(`select event_id, cluster_id from read_parquet(%s, union_by_name = true)
			where event_type = $1 and event_id in (select event_id from cand)
			qualify row_number() over (partition by event_id order by batch desc) = 1`, quoteList(clFiles))
	}
	q := fmt.Sprintf(`with recs as (
			select * from read_parquet(%s, union_by_name = true) where event_type = $1
		),
		hits as (
			select distinct event_id from (select event_id, unnest(block_keys) as k from recs) semi join new_keys using (k)
			union
			select id from named_ids
		),
		cand as (
			select r.* from recs as r semi join hits as h on h.event_id = r.event_id
			qualify row_number() over (partition by r.event_id order by r.batch desc, r.version desc) = 1
		),
		cl as (%s)
		select cand.event_id, name0_bf, name0_tok, name1_bf, name1_tok, name2_bf, name2_tok, date0, date1,
		       value0, value1, value2, value3, value4, value5, value6, cl.cluster_id
		from cand join cl using (event_id)`, quoteList(recFiles), clusterQ)
	rows, err := conn.QueryContext(ctx, q, k.event)
	if err != nil {
		return 0, fmt.Errorf("linkage: earlier %s records: %w", k.event, err)
	}
	defer rows.Close()
	nN, nD, nV := fieldCounts(k.cfg)
	n := 0
	for rows.Next() {
		var r linkRecord
		var toks [3]any
		var cluster string
		if err := rows.Scan(&r.EventID, &r.Name0BF, &toks[0], &r.Name1BF, &toks[1], &r.Name2BF, &toks[2], &r.Date0, &r.Date1,
			&r.Value0, &r.Value1, &r.Value2, &r.Value3, &r.Value4, &r.Value5, &r.Value6, &cluster); err != nil {
			return n, err
		}
		if _, isNew := k.years[r.EventID]; isNew {
			continue // a new version of it is in the batch
		}
		r.Name0Tok, r.Name1Tok, r.Name2Tok = int64s(toks[0]), int64s(toks[1]), int64s(toks[2])
		rec := fromLinkRecord(&r, nN, nD, nV)
		rec.Cluster = cluster
		if err := k.t.Add(rec); err != nil {
			return n, fmt.Errorf("linkage: earlier record %s: %w", r.EventID, err)
		}
		n++
	}
	return n, rows.Err()
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

// yearsOf returns the occurrence year of each record a result assigns: the
// batch's own from memory, earlier ones from link_record.
func (k *linkKind) yearsOf(ctx context.Context, conn *sql.Conn, recFiles []string, res *link.Result) (map[string]int32, error) {
	out := make(map[string]int32, len(res.Clusters))
	var missing []string
	for _, a := range res.Clusters {
		if y, ok := k.years[a.ID]; ok {
			out[a.ID] = y
		} else {
			missing = append(missing, a.ID)
		}
	}
	if len(missing) == 0 || len(recFiles) == 0 {
		return out, nil
	}
	if _, err := conn.ExecContext(ctx, "create or replace temp table want_ids (id varchar)"); err != nil {
		return nil, err
	}
	if err := appendRows(conn, "want_ids", len(missing), func(app *duckdb.Appender) error {
		for _, id := range missing {
			if err := app.AppendRow(id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(`select event_id, any_value(occurrence_year) from read_parquet(%s, union_by_name = true)
		where event_type = $1 and event_id in (select id from want_ids) group by 1`, quoteList(recFiles)), k.event)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var y int32
		if err := rows.Scan(&id, &y); err != nil {
			return nil, err
		}
		out[id] = y
	}
	return out, rows.Err()
}

// renamed moves the records of merged clusters that were not in this run's
// table into the cluster they joined.
func (k *linkKind) renamed(ctx context.Context, conn *sql.Conn, clFiles []string, res *link.Result, write func(linkCluster) error) error {
	if len(res.Renamed) == 0 || len(clFiles) == 0 {
		return nil
	}
	into := map[string]string{}
	for _, r := range res.Renamed {
		into[r.From] = r.Into
	}
	assigned := map[string]bool{}
	for _, a := range res.Clusters {
		assigned[a.ID] = true
	}
	if _, err := conn.ExecContext(ctx, "create or replace temp table from_ids (id varchar)"); err != nil {
		return err
	}
	if err := appendRows(conn, "from_ids", len(into), func(app *duckdb.Appender) error {
		for id := range into {
			if err := app.AppendRow(id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(`select event_id, cluster_id, occurrence_year from (
			select * from read_parquet(%s, union_by_name = true) where event_type = $1
			qualify row_number() over (partition by event_id order by batch desc) = 1)
		where cluster_id in (select id from from_ids)`, quoteList(clFiles)), k.event)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r linkCluster
		if err := rows.Scan(&r.EventID, &r.Cluster, &r.OccurrenceYear); err != nil {
			return err
		}
		if assigned[r.EventID] {
			continue
		}
		r.EventType = k.event
		r.Cluster = into[r.Cluster]
		if err := write(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
