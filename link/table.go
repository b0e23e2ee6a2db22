package link

import (
	"fmt"
	"strings"
)

// Record is one person record as the ETL or a CSV gives it. Table.Add
// copies it into columns, so a caller can reuse one Record.
type Record struct {
	ID string
	// Cluster is an existing record's cluster id; "" for a new record.
	Cluster string
	// Source is 0 or 1 when linking two files: only pairs across sources
	// are compared then (Table.Link).
	Source uint8
	Names  []NameCode // one per name field, in config order
	Dates  []int32    // one per date field: yyyymmdd, 0 = missing
	Values []string   // one per other field, in config order; "" = missing
}

// Table holds records column by column: no per-record maps or strings in
// the hot path, Bloom filters in one arena, tokens as 32-bit prefixes.
type Table struct {
	cfg *Config
	// Link restricts comparisons to pairs across sources.
	Link bool

	n         int
	idBytes   []byte
	idEnd     []uint32 // end of record i's id in idBytes
	source    []uint8
	cluster   []int32 // index into clusters, -1 for a new record
	clusters  []string
	clusterOf map[string]int32
	cols      []column
}

type column struct {
	bloom []byte   // name: BloomBytes per record
	tok   []uint32 // name: MaxTokens per record, 0 = none
	i32   []int32  // date
	u64   []uint64 // exact, id: hash; place: packed code
	str   []string // string, levenshtein
}

// NewTable makes an empty table for the config's fields; sizeHint records
// are preallocated.
func NewTable(cfg *Config, sizeHint int) (*Table, error) {
	if err := cfg.Compile(); err != nil {
		return nil, err
	}
	t := &Table{cfg: cfg, cols: make([]column, len(cfg.Fields)), clusterOf: map[string]int32{}}
	t.idEnd = make([]uint32, 0, sizeHint)
	t.idBytes = make([]byte, 0, sizeHint*12)
	t.cluster = make([]int32, 0, sizeHint)
	t.source = make([]uint8, 0, sizeHint)
	for i, f := range cfg.Fields {
		c := &t.cols[i]
		switch f.Kind {
		case KindName:
			c.bloom = make([]byte, 0, sizeHint*BloomBytes)
			c.tok = make([]uint32, 0, sizeHint*MaxTokens)
		case KindDate:
			c.i32 = make([]int32, 0, sizeHint)
		case KindExact, KindID, KindPlace:
			c.u64 = make([]uint64, 0, sizeHint)
		default:
			c.str = make([]string, 0, sizeHint)
		}
	}
	return t, nil
}

// reset empties the table, keeping its memory.
func (t *Table) reset() {
	t.n = 0
	t.idBytes, t.idEnd, t.source, t.cluster, t.clusters = t.idBytes[:0], t.idEnd[:0], t.source[:0], t.cluster[:0], t.clusters[:0]
	clear(t.clusterOf)
	for i := range t.cols {
		c := &t.cols[i]
		c.bloom, c.tok, c.i32, c.u64, c.str = c.bloom[:0], c.tok[:0], c.i32[:0], c.u64[:0], c.str[:0]
	}
}

// Len is the number of records.
func (t *Table) Len() int { return t.n }

// ID is record i's id.
func (t *Table) ID(i int) string {
	start := uint32(0)
	if i > 0 {
		start = t.idEnd[i-1]
	}
	return string(t.idBytes[start:t.idEnd[i]])
}

// isNew reports whether record i is new (has no cluster yet).
func (t *Table) isNew(i int32) bool { return t.cluster[i] < 0 }

// Add appends a record.
func (t *Table) Add(r Record) error {
	c := t.cfg
	if r.ID == "" {
		return fmt.Errorf("record %d: no id", t.n+1)
	}
	if len(r.Names) != c.nNames || len(r.Dates) != c.nDates || len(r.Values) != c.nValues {
		return fmt.Errorf("record %s: %d names, %d dates, %d values; the config has %d, %d, %d", r.ID, len(r.Names), len(r.Dates), len(r.Values), c.nNames, c.nDates, c.nValues)
	}
	if r.Source > 1 {
		return fmt.Errorf("record %s: source %d; 0 or 1", r.ID, r.Source)
	}
	for i, f := range c.Fields {
		col := &t.cols[i]
		k := c.kindIdx[i]
		switch f.Kind {
		case KindName:
			nc := r.Names[k]
			if nc.IsZero() {
				var zero [BloomBytes]byte
				col.bloom = append(col.bloom, zero[:]...)
			} else if len(nc.Bloom) != BloomBytes {
				return fmt.Errorf("record %s: field %s: a Bloom filter of %d bytes, want %d", r.ID, f.Name, len(nc.Bloom), BloomBytes)
			} else {
				col.bloom = append(col.bloom, nc.Bloom...)
			}
			var tk [MaxTokens]uint32
			for j, x := range nc.Tokens {
				if j < MaxTokens {
					tk[j] = tok32(x)
				}
			}
			col.tok = append(col.tok, tk[:]...)
		case KindDate:
			d := r.Dates[k]
			if d != 0 && (d < 1000_01_01 || d > 9999_99_99) {
				return fmt.Errorf("record %s: field %s: date %d is not yyyymmdd", r.ID, f.Name, d)
			}
			col.i32 = append(col.i32, d)
		case KindExact, KindID:
			col.u64 = append(col.u64, hashString(r.Values[k]))
		case KindPlace:
			p, err := packPlace(r.Values[k])
			if err != nil {
				return fmt.Errorf("record %s: field %s: %w", r.ID, f.Name, err)
			}
			col.u64 = append(col.u64, p)
		default:
			col.str = append(col.str, r.Values[k])
		}
	}
	t.idBytes = append(t.idBytes, r.ID...)
	t.idEnd = append(t.idEnd, uint32(len(t.idBytes)))
	t.source = append(t.source, r.Source)
	cl := int32(-1)
	if r.Cluster != "" {
		var ok bool
		if cl, ok = t.clusterOf[r.Cluster]; !ok {
			cl = int32(len(t.clusters))
			t.clusters = append(t.clusters, r.Cluster)
			t.clusterOf[r.Cluster] = cl
		}
	}
	t.cluster = append(t.cluster, cl)
	t.n++
	return nil
}

// tok32 keeps 32 bits of a 63-bit token in memory (a chance agreement of
// two different tokens is 2^-32 per pair), never 0.
func tok32(x int64) uint32 {
	v := uint32(x) ^ uint32(x>>32)
	if v == 0 {
		v = 1
	}
	return v
}

// packPlace packs a code of up to 8 digits into a uint64, first digit
// highest, so that a prefix is a shift; "" is 0.
func packPlace(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if len(s) > 8 {
		return 0, fmt.Errorf("place code %q: more than 8 characters", s)
	}
	var v uint64
	for i := 0; i < 8; i++ {
		v <<= 8
		if i < len(s) {
			v |= uint64(s[i])
		}
	}
	return v, nil
}

// placePrefix is the first n characters of a packed code (0 if the code
// is shorter).
func placePrefix(v uint64, n int) uint64 {
	if v == 0 || byte(v>>(8*(8-n))) == 0 {
		return 0
	}
	return v >> (8 * (8 - n))
}

// hashString is FNV-1a 64 with a final mix; 0 only for "".
func hashString(s string) uint64 {
	if s == "" {
		return 0
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h = mix(h)
	if h == 0 {
		h = 1
	}
	return h
}

// mix is splitmix64's finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
