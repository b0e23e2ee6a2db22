package link

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Kind is how a field is compared.
type Kind string

// The kinds of field.
const (
	KindName        Kind = "name"        // a NameCode: Dice levels and token agreement
	KindDate        Kind = "date"        // yyyymmdd: exact, day↔month, near (a digit, or up to 2 days), year off
	KindExact       Kind = "exact"       // equal or not (a code, a hash)
	KindPlace       Kind = "place"       // hierarchical code: commune, district, province
	KindString      Kind = "string"      // clear text, Jaro–Winkler levels
	KindLevenshtein Kind = "levenshtein" // clear text, Levenshtein similarity levels
	KindID          Kind = "id"          // an identifier: equal forces a match, different forbids one
)

// Config says which fields are compared and how, how records are blocked,
// and the thresholds. The fields under "CSV input" are read only by
// RunCSV (vitalstats link); the engine (Dedupe) ignores them.
type Config struct {
	Fields []Field `toml:"field"`
	Blocks []Block `toml:"block"`

	// Threshold is the least match weight (log2 of the odds, prior
	// included) of a match; Review the least of a pair kept for review.
	Threshold float64 `toml:"threshold"`
	Review    float64 `toml:"review"`
	// MaxBlock is the most records one block may hold; larger blocks are
	// skipped and counted (Stats.OversizedBlocks).
	MaxBlock int `toml:"max_block"`
	// UPairs random pairs estimate u; EMIterations bounds EM; Seed makes
	// the sampling repeatable.
	UPairs       int `toml:"u_pairs"`
	EMIterations int `toml:"em_iterations"`
	// FixU keeps u at its random-pair estimate during EM (Splink's
	// default); otherwise EM updates it.
	FixU bool  `toml:"em_fix_u"`
	Seed int64 `toml:"seed"`
	// Workers compare in parallel (0: GOMAXPROCS).
	Workers int `toml:"workers"`

	// CSV input.
	Input     string `toml:"input"` // deduplicate one file, or
	Left      string `toml:"left"`  // link two
	Right     string `toml:"right"`
	IDColumn  string `toml:"id"`
	Delimiter string `toml:"delimiter"`  // one character; default ","
	TrimSpace bool   `toml:"trim_space"` // skip the spaces after a delimiter (FEBRL's ", ")
	KeyHex    string `toml:"key_hex"`    // name encoding key; empty: a random key for this run
	Levels    bool   `toml:"write_levels"`

	compiled bool
	path     string
	rules    []rule
	kindIdx  []int // field → index among the fields of its Record slice
	nNames   int
	nDates   int
	nValues  int
}

// Field is one compared field.
type Field struct {
	Name string `toml:"name"`
	Kind Kind   `toml:"kind"`
	// Levels are the similarity thresholds, highest first: Dice for name
	// (default 0.9, 0.75, 0.6), Jaro–Winkler for string (0.92, 0.8) and
	// Levenshtein similarity for levenshtein (0.8, 0.6); digits of the
	// code's levels for place (default 6, 4, 2).
	Levels []float64 `toml:"levels"`

	// M fixes the field's m, one value per level after null (in the order
	// of Config.LevelNames), instead of estimating it: what is known of true
	// matches anchors EM, whose latent class could otherwise settle on
	// "same family" (siblings share parents, place and family name) rather
	// than "same event". A birth registered twice has one sex, for example.
	M []float64 `toml:"m"`
	// Veto names levels at which two records cannot be the same: the pair
	// is not a match whatever its weight, and not kept for review. Fellegi–
	// Sunter adds evidence as if fields were independent, and the fields a
	// family shares (parents, place) outweigh the one that tells siblings
	// or twins apart (the child's given name); a veto on that field's
	// disagreement keeps the family from linking.
	Veto []string `toml:"veto"`
	veto uint16   // levels vetoed, as bits

	// CSV input: the column; for a name, the Khmer and Latin columns,
	// joined with spaces (family name first).
	Column string   `toml:"column"`
	Khmer  []string `toml:"khmer"`
	Latin  []string `toml:"latin"`
}

// Block is one blocking rule: records meet when all its keys agree. A key
// is FIELD (the whole value), FIELD.token (name: any one token),
// FIELD.year, FIELD.month, FIELD.day, FIELD.month_day (date),
// FIELD.province, FIELD.district (place: first 2 and 4 digits) or
// substr(FIELD,N) (the first N characters of a clear-text value).
type Block struct {
	Keys []string `toml:"keys"`
}

// LoadConfig reads a TOML config; relative input paths are relative to its
// folder.
func LoadConfig(path string) (*Config, error) {
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return nil, fmt.Errorf("link config %s: %w", path, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("link config %s: unknown key %s", path, u[0])
	}
	dir := filepath.Dir(path)
	for _, p := range []*string{&c.Input, &c.Left, &c.Right} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	c.path = path
	if err := c.Compile(); err != nil {
		return nil, fmt.Errorf("link config %s: %w", path, err)
	}
	return &c, nil
}

// Compile checks the config and fills in defaults; Dedupe calls it.
func (c *Config) Compile() error {
	if c.compiled {
		return nil
	}
	if len(c.Fields) == 0 {
		return errors.New("no [[field]]")
	}
	if len(c.Fields) > 16 {
		return fmt.Errorf("%d fields; at most 16", len(c.Fields))
	}
	if len(c.Blocks) == 0 {
		return errors.New("no [[block]] rule: every pair of records would be compared")
	}
	if c.Review > c.Threshold {
		return fmt.Errorf("review %g is above threshold %g", c.Review, c.Threshold)
	}
	if c.MaxBlock == 0 {
		c.MaxBlock = 2000
	}
	if c.UPairs == 0 {
		c.UPairs = 1_000_000
	}
	if c.EMIterations == 0 {
		c.EMIterations = 100
	}
	if c.Delimiter == "" {
		c.Delimiter = ","
	}
	seen := map[string]bool{}
	c.kindIdx = make([]int, len(c.Fields))
	c.nNames, c.nDates, c.nValues = 0, 0, 0
	for i := range c.Fields {
		f := &c.Fields[i]
		if f.Name == "" || strings.ContainsAny(f.Name, ".(), ") {
			return fmt.Errorf("field %d: a name without dots, commas, brackets or spaces is required", i+1)
		}
		if seen[f.Name] {
			return fmt.Errorf("field %q twice", f.Name)
		}
		seen[f.Name] = true
		var def []float64
		switch f.Kind {
		case KindName:
			def = []float64{0.9, 0.75, 0.6}
			c.kindIdx[i] = c.nNames
			c.nNames++
		case KindDate:
			c.kindIdx[i] = c.nDates
			c.nDates++
		case KindString:
			def = []float64{0.92, 0.8}
		case KindLevenshtein:
			def = []float64{0.8, 0.6}
		case KindPlace:
			def = []float64{6, 4, 2}
		case KindExact, KindID:
		default:
			return fmt.Errorf("field %q: kind %q; one of name, date, exact, place, string, levenshtein, id", f.Name, f.Kind)
		}
		if f.Kind != KindName && f.Kind != KindDate {
			c.kindIdx[i] = c.nValues
			c.nValues++
		}
		if len(f.Levels) == 0 {
			f.Levels = def
		} else if def == nil {
			return fmt.Errorf("field %q: a %s field has no levels to set", f.Name, f.Kind)
		}
		if f.M != nil {
			if f.Kind == KindID {
				return fmt.Errorf("field %q: an id field has no m", f.Name)
			}
			sum := 0.0
			for _, x := range f.M {
				if !(x > 0 && x < 1) {
					return fmt.Errorf("field %q: m values must be in (0,1)", f.Name)
				}
				sum += x
			}
			if sum < 0.999 || sum > 1.001 {
				return fmt.Errorf("field %q: m values sum to %g, not 1", f.Name, sum)
			}
		}
		if len(f.Levels) > 8 {
			return fmt.Errorf("field %q: at most 8 levels", f.Name)
		}
		for j := 1; j < len(f.Levels); j++ {
			if f.Levels[j] >= f.Levels[j-1] {
				return fmt.Errorf("field %q: levels must decrease, highest first", f.Name)
			}
		}
		if f.Kind == KindPlace {
			for _, d := range f.Levels {
				if d != float64(int(d)) || d < 1 || d > 8 {
					return fmt.Errorf("field %q: place levels are digit counts 1..8", f.Name)
				}
			}
		}
	}
	for i, f := range c.Fields {
		if f.M != nil && len(f.M) != c.nLevels(i)-1 {
			return fmt.Errorf("field %q: %d m values; its levels are %v (null has none)", f.Name, len(f.M), c.LevelNames(i)[1:])
		}
	}
	for i := range c.Fields {
		f := &c.Fields[i]
		f.veto = 0
		names := c.LevelNames(i)
	veto:
		for _, v := range f.Veto {
			for l, n := range names {
				if l > 0 && n == v {
					f.veto |= 1 << l
					continue veto
				}
			}
			return fmt.Errorf("field %q: veto level %q is not one of %v", f.Name, v, names[1:])
		}
	}
	c.rules = c.rules[:0]
	for i, b := range c.Blocks {
		if len(b.Keys) == 0 {
			return fmt.Errorf("block %d: no keys", i+1)
		}
		r := rule{}
		for _, k := range b.Keys {
			p, err := c.parseKey(k)
			if err != nil {
				return fmt.Errorf("block %d: %w", i+1, err)
			}
			r.parts = append(r.parts, p)
		}
		c.rules = append(c.rules, r)
	}
	c.compiled = true
	return nil
}

var substrRe = regexp.MustCompile(`^substr\(\s*([^,\s]+)\s*,\s*(\d+)\s*\)$`)

func (c *Config) parseKey(k string) (keyPart, error) {
	field, op, n := strings.TrimSpace(k), "", 0
	if m := substrRe.FindStringSubmatch(field); m != nil {
		field, op = m[1], "substr"
		n, _ = strconv.Atoi(m[2])
		if n < 1 {
			return keyPart{}, fmt.Errorf("key %q: substr needs a length ≥ 1", k)
		}
	} else if i := strings.IndexByte(field, '.'); i >= 0 {
		field, op = field[:i], field[i+1:]
	}
	fi := c.field(field)
	if fi < 0 {
		return keyPart{}, fmt.Errorf("key %q: no field %q", k, field)
	}
	kind := c.Fields[fi].Kind
	ok := false
	switch op {
	case "":
		ok = true
	case "token":
		ok = kind == KindName
	case "year", "month", "day", "month_day":
		ok = kind == KindDate
	case "province", "district":
		ok = kind == KindPlace
	case "substr":
		ok = kind == KindString || kind == KindLevenshtein || kind == KindPlace
	}
	if !ok {
		return keyPart{}, fmt.Errorf("key %q: %q does not apply to a %s field", k, op, kind)
	}
	return keyPart{field: fi, op: op, n: n}, nil
}

func (c *Config) field(name string) int {
	for i, f := range c.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// rule is a compiled blocking rule.
type rule struct{ parts []keyPart }

type keyPart struct {
	field int
	op    string
	n     int
}
