package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"vitalstats/refdata"
	"vitalstats/reports"
)

// Config is a site's vitalstats.toml. Every relative path in it is relative
// to the folder of the file, never to the working directory: a run started
// from another folder must reach the same lake (loadConfig resolves them).
type Config struct {
	DataDir   string            `toml:"data_dir"` // root of everything the pipeline writes
	Log       LogConfig         `toml:"log"`
	Registry  RegistryConfig    `toml:"registry"`
	Gen       GenConfig         `toml:"gen"`
	Reference map[string]string `toml:"reference"` // reference file name -> site file (refdata.Source.Overrides)
	Warehouse WarehouseConfig   `toml:"warehouse"`
	ETL       ETLConfig         `toml:"etl"`
	Jobs      JobsConfig        `toml:"jobs"`
	Serve     ServeConfig       `toml:"serve"`
	Export    ExportConfig      `toml:"export"`

	path string        // the file read, for messages
	md   toml.MetaData // kept to decode [gen.profile] later, strictly

	buildOnly     []string // vitalstats build -only: these indicators and what they read
	acceptChanges bool     // build or export -accept-changes
	initLake      bool     // etl -init: the run may start a new lake
}

// LogConfig sets the logger built in main.
type LogConfig struct {
	Level string `toml:"level"` // debug, info, warn or error
}

// RegistryConfig says where the operational registry is.
type RegistryConfig struct {
	// DSN of the registry's PostgreSQL; empty means vitalstats runs its own
	// server in ManagedDir (the demo, tests, a site trying the product out).
	DSN        string `toml:"dsn"`
	ManagedDir string `toml:"managed_dir"`
}

// GenConfig drives the synthetic registry generator (vitalstats gen).
type GenConfig struct {
	Seed   uint64 `toml:"seed"`
	Events int64  `toml:"events"` // target number of source records
	Inbox  string `toml:"inbox"`  // where file drops are written
	Truth  string `toml:"truth"`  // where truth.json is written

	// Profile is decoded only by gen (decodeProfile), on top of the
	// generator's default profile, so that the pipeline's commands do not
	// depend on the generator's types.
	Profile toml.Primitive `toml:"profile"`
}

// WarehouseConfig sets up DuckDB (used from issue #4 on).
type WarehouseConfig struct {
	Path        string `toml:"path"`
	Threads     int    `toml:"threads"`
	MemoryLimit string `toml:"memory_limit"` // DuckDB syntax, e.g. "4GB"
	// Population is a CSV of denominators (NIS projections); "" derives them
	// from the reference data.
	Population string `toml:"population"`
	// PopulationSource says what the population file is (publisher, edition),
	// for releases and the annual report, which name the file without its path.
	PopulationSource string `toml:"population_source"`
	// CensusYears are the years of the population file that are counts
	// (censuses), for the death-distribution methods.
	CensusYears []int `toml:"census_years"`
	// ProvisionalShare is the share of a year's eventual registrations that
	// must have arrived for the year to be final (docs/methods.md section 3).
	ProvisionalShare float64 `toml:"provisional_share"`
	// KeepIntermediate keeps the staging and intermediate models in the
	// warehouse file, to query them while checking a model.
	KeepIntermediate bool `toml:"keep_intermediate"`
	// AsOf is the date the registry data describe (YYYY-MM-DD), when the
	// site states it; "" takes the latest registration date in the lake.
	AsOf string `toml:"as_of"`
	// The plausibility limits against the previous build (warehouse.Guard).
	MaxFall          float64 `toml:"max_fall"`
	MaxFallMinEvents int64   `toml:"max_fall_min_events"`
	MaxRise          float64 `toml:"max_rise"`
}

// ETLConfig says where the ETL reads and writes.
type ETLConfig struct {
	Lake  string `toml:"lake"`  // the Parquet lake's folder
	Inbox string `toml:"inbox"` // file drops to take; "" for none
	// The site secret keys the identity hashes. It comes from the environment
	// variable SecretEnv when set, else from SecretFile, which is created with
	// a random secret the first time (the demo works as it is).
	SecretEnv  string            `toml:"secret_env"`
	SecretFile string            `toml:"secret_file"`
	Extract    map[string]string `toml:"extract"`  // registry table -> a site's own extract query file
	Schedule   string            `toml:"schedule"` // cron spec of the scheduled ETL (vitalstats serve)
	// CompactFiles: a partition with this many files is merged after a run.
	CompactFiles int `toml:"compact_files"`
	// AllowMissing names the sources (registry, inbox) a run may go
	// without when they are missing; any other missing source fails it.
	AllowMissing []string `toml:"allow_missing"`
	// InboxSettle (a Go duration): a file drop is taken once its size and
	// time have not changed for this long; InboxRequireMarker takes only
	// files with a completion marker <file>.complete.
	InboxSettle        string `toml:"inbox_settle"`
	InboxRequireMarker bool   `toml:"inbox_require_marker"`
	// LinkDecisions is the file where the review page appends analysts'
	// decisions on pairs of records; every ETL run honours all of them.
	LinkDecisions string `toml:"link_decisions"`
}

// JobsConfig sets up the scheduled jobs of vitalstats serve.
type JobsConfig struct {
	TimeZone string `toml:"time_zone"` // of cron specs without CRON_TZ
	Retries  int    `toml:"retries"`   // attempts after a failure
	Backoff  string `toml:"backoff"`   // first wait before a retry, doubled each time (Go duration)
}

// ServeConfig sets up the dashboards of vitalstats serve.
type ServeConfig struct {
	Listen string `toml:"listen"` // host:port
	// PublicPage is a planners' page anyone may open without signing in; "" for none.
	PublicPage      string       `toml:"public_page"`
	SessionHours    int          `toml:"session_hours"`
	InsecureCookies bool         `toml:"insecure_cookies"` // plain HTTP to another host than localhost
	TLSCert         string       `toml:"tls_cert"`
	TLSKey          string       `toml:"tls_key"`
	Users           []UserConfig `toml:"users"`

	// PublicOrigin is scheme://host[:port] as browsers reach the dashboards
	// through a reverse proxy that passes on another Host header.
	PublicOrigin string `toml:"public_origin"`
	// TrustedProxies are the reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For names the client, for the sign-in limits.
	TrustedProxies []string `toml:"trusted_proxies"`
	// CauseNamesKm is a CSV file (list1_item,name_km) of the Khmer names of
	// the causes of death; "" shows them in English on the Khmer pages, marked.
	CauseNamesKm string `toml:"cause_names_km"`
	// DistrictMap is a GeoJSON file of the districts' boundaries
	// (district_code, name_km, name_en or name_latin); "" maps provinces only.
	DistrictMap string `toml:"district_map"`
}

// ExportConfig sets up the releases of vitalstats export.
type ExportConfig struct {
	Releases   string `toml:"releases"`    // folder of the releases and their revision log
	Schedule   string `toml:"schedule"`    // cron spec of the export under vitalstats serve
	MinCell    int64  `toml:"min_cell"`    // the smallest count a published table shows
	KAnonymity int    `toml:"k_anonymity"` // the smallest group of records a research extract shows
	WHOCountry string `toml:"who_country"` // WHO Mortality Database country code; "" leaves the WHO files out
	SDMXAgency string `toml:"sdmx_agency"` // the agency maintaining the release's SDMX structures
}

// UserConfig is one account ([[serve.users]]).
type UserConfig struct {
	Name     string `toml:"name"`
	Role     string `toml:"role"`     // viewer, analyst, researcher or admin
	Area     string `toml:"area"`     // a province or district code limiting what the user sees; "" for the country
	Password string `toml:"password"` // hash from vitalstats passwd
	Token    string `toml:"token"`    // SHA-256 of a bearer token, from vitalstats passwd -token
}

// profileKey is the table of the config that decodeProfile owns.
var profileKey = toml.Key{"gen", "profile"}

// defaultConfig is what a key left out of the file means; it matches
// vitalstats.example.toml.
func defaultConfig() Config {
	return Config{
		DataDir:  "data",
		Log:      LogConfig{Level: "info"},
		Registry: RegistryConfig{ManagedDir: "data/registry-pg"},
		Gen: GenConfig{
			Seed:   2002,
			Events: 200_000,
			Inbox:  "data/inbox",
			Truth:  "data/truth.json",
		},
		Warehouse: WarehouseConfig{Path: "data/warehouse.duckdb", Threads: 2, MemoryLimit: "1200MB", CensusYears: []int{},
			ProvisionalShare: 0.95, MaxFall: 0.10, MaxFallMinEvents: 100, MaxRise: 0.50},
		ETL: ETLConfig{
			Lake:          "data/lake",
			Inbox:         "data/inbox",
			SecretEnv:     "VITALSTATS_SECRET",
			SecretFile:    "data/secret.key",
			Extract:       map[string]string{},
			CompactFiles:  16,
			Schedule:      "CRON_TZ=Asia/Phnom_Penh 0 2 * * *",
			AllowMissing:  []string{},
			InboxSettle:   "10s",
			LinkDecisions: "data/link_decisions.jsonl",
		},
		Jobs:   JobsConfig{TimeZone: "Asia/Phnom_Penh", Retries: 3, Backoff: "1m"},
		Serve:  ServeConfig{Listen: "127.0.0.1:8080", SessionHours: 12, TrustedProxies: []string{}},
		Export: ExportConfig{Releases: "data/releases", Schedule: "CRON_TZ=Asia/Phnom_Penh 0 4 1 * *", MinCell: 5, KAnonymity: 5, SDMXAgency: reports.DefaultSDMXAgency},
	}
}

// loadConfig reads and checks the config file at path. A key the file has and
// Config does not is an error: a misspelt key silently ignored would leave a
// default in force that the site believes it changed.
func loadConfig(path string) (*Config, error) {
	c := defaultConfig()
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.path, c.md = path, md
	if err := c.unknownKeys(func(k toml.Key) bool { return !under(k, profileKey) }, reflect.TypeOf(c), nil); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.resolvePaths(filepath.Dir(abs))
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &c, nil
}

// resolvePaths makes every relative path of the config relative to dir, the
// config file's folder.
func (c *Config) resolvePaths(dir string) {
	for _, p := range c.paths() {
		if *p.v != "" && !filepath.IsAbs(*p.v) {
			*p.v = filepath.Join(dir, *p.v)
		}
	}
	for _, m := range []map[string]string{c.Reference, c.ETL.Extract} {
		for k, v := range m {
			if v != "" && !filepath.IsAbs(v) {
				m[k] = filepath.Join(dir, v)
			}
		}
	}
}

// configPath is one path of the config, by its key.
type configPath struct {
	key   string
	v     *string
	input bool // a file vitalstats reads and never writes: it must exist
}

// paths lists the config's paths (those of maps aside).
func (c *Config) paths() []configPath {
	return []configPath{
		{"data_dir", &c.DataDir, false},
		{"registry.managed_dir", &c.Registry.ManagedDir, false},
		{"gen.inbox", &c.Gen.Inbox, false},
		{"gen.truth", &c.Gen.Truth, false},
		{"warehouse.path", &c.Warehouse.Path, false},
		{"warehouse.population", &c.Warehouse.Population, false}, // written by gen in the demo: build checks it
		{"etl.lake", &c.ETL.Lake, false},
		{"etl.inbox", &c.ETL.Inbox, false},
		{"etl.secret_file", &c.ETL.SecretFile, false},
		{"etl.link_decisions", &c.ETL.LinkDecisions, false},
		{"serve.tls_cert", &c.Serve.TLSCert, true},
		{"serve.tls_key", &c.Serve.TLSKey, true},
		{"serve.cause_names_km", &c.Serve.CauseNamesKm, true},
		{"serve.district_map", &c.Serve.DistrictMap, true},
		{"export.releases", &c.Export.Releases, false},
	}
}

// validatePaths checks the paths: those vitalstats reads exist, those it
// writes are not files where folders go, and the lake, inbox and warehouse
// do not overlap.
func (c *Config) validatePaths() []error {
	var errs []error
	for _, p := range c.paths() {
		if *p.v == "" {
			continue
		}
		if strings.ContainsRune(*p.v, 0) {
			errs = append(errs, fmt.Errorf("%s: %q holds a NUL byte", p.key, *p.v))
			continue
		}
		st, err := os.Stat(*p.v)
		switch {
		case p.input && err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", p.key, err))
		case p.input && st.IsDir():
			errs = append(errs, fmt.Errorf("%s: %s is a folder, not a file", p.key, *p.v))
		}
	}
	for _, d := range []configPath{{"data_dir", &c.DataDir, false}, {"etl.lake", &c.ETL.Lake, false},
		{"etl.inbox", &c.ETL.Inbox, false}, {"gen.inbox", &c.Gen.Inbox, false}, {"export.releases", &c.Export.Releases, false},
		{"registry.managed_dir", &c.Registry.ManagedDir, false}} {
		if st, err := os.Stat(*d.v); *d.v != "" && err == nil && !st.IsDir() {
			errs = append(errs, fmt.Errorf("%s: %s is a file, not a folder", d.key, *d.v))
		}
	}
	if strings.ContainsAny(c.Warehouse.Path, "?#") {
		errs = append(errs, fmt.Errorf("warehouse.path: %q may not contain '?' or '#' (DuckDB reads them as options)", c.Warehouse.Path))
	}
	for k, v := range c.ETL.Extract {
		if _, err := os.Stat(v); err != nil {
			errs = append(errs, fmt.Errorf("etl.extract.%s: %w", k, err))
		}
	}
	// The ETL moves what it takes from the inbox to inbox/done; an inbox in
	// the lake (or a lake in the inbox) would mix drops and Parquet.
	if in, lk := c.ETL.Inbox, c.ETL.Lake; in != "" && lk != "" && (within(in, lk) || within(lk, in)) {
		errs = append(errs, fmt.Errorf("etl.inbox %s and etl.lake %s overlap: give each a folder of its own", in, lk))
	}
	if lk := c.ETL.Lake; lk != "" && within(c.Warehouse.Path, lk) {
		errs = append(errs, fmt.Errorf("warehouse.path %s is inside etl.lake %s", c.Warehouse.Path, lk))
	}
	return errs
}

// within reports whether path p is dir or below it (both absolute and clean).
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// unknownKeys fails on the undecoded keys that keep selects, naming them all
// with their line and, when one is close, the key meant; root is the type
// the keys are decoded into (for the suggestions).
func (c *Config) unknownKeys(keep func(toml.Key) bool, root reflect.Type, base toml.Key) error {
	var bad []string
	var badKeys []toml.Key
next:
	for _, k := range c.md.Undecoded() {
		if !keep(k) {
			continue
		}
		// An unknown table is named once, not with each of its keys.
		for _, b := range badKeys {
			if under(k, b) {
				continue next
			}
		}
		badKeys = append(badKeys, k)
		bad = append(bad, c.describeUnknown(k, root, base))
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	word := "key"
	if len(bad) > 1 {
		word = "keys"
	}
	return fmt.Errorf("config %s: unknown %s %s", c.path, word, strings.Join(bad, ", "))
}

// describeUnknown names an unknown key with its line in the file and the
// known key of the same table closest to it, if one is close enough to be a
// misspelling. root is the type decoded at key base.
func (c *Config) describeUnknown(k toml.Key, root reflect.Type, base toml.Key) string {
	s := k.String()
	if line := keyLine(c.path, k); line > 0 {
		s += fmt.Sprintf(" (line %d)", line)
	}
	if len(k) <= len(base) {
		return s
	}
	known := tomlKeys(root, k[len(base):len(k)-1])
	if best := closest(k[len(k)-1], known); best != "" {
		s += fmt.Sprintf(" (did you mean %s?)", append(append(toml.Key{}, k[:len(k)-1]...), best))
	}
	return s
}

// tomlKeys lists the keys of the table at path below the struct type t,
// by their toml tags; none when path leads elsewhere than to a struct.
func tomlKeys(t reflect.Type, path toml.Key) []string {
	for {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		var keys []string
		var next reflect.Type
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			keys = append(keys, name)
			if len(path) > 0 && strings.EqualFold(name, path[0]) {
				next = f.Type
			}
		}
		if len(path) == 0 {
			return keys
		}
		if next == nil {
			return nil
		}
		t, path = next, path[1:]
	}
}

// closest is the key of known nearest to k by edit distance, when near
// enough to be a slip (at most a third of its letters, at least one); "" if
// none is.
func closest(k string, known []string) string {
	best, bestD := "", max(1, len(k)/3)+1
	for _, c := range known {
		if d := editDistance(strings.ToLower(k), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// keyLine finds the line of the config file at path where key k is set (or
// its table opened); 0 when it cannot tell. It reads the simple TOML of a
// config file: table headers and "key = value" lines, dotted or quoted.
func keyLine(path string, k toml.Key) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var table toml.Key
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			h := strings.Trim(line[:strings.LastIndex(line, "]")+1], "[]")
			table = splitKey(h)
			if keyEqual(table, k) {
				return i + 1
			}
			continue
		}
		name, _, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		full := append(append(toml.Key{}, table...), splitKey(name)...)
		if keyEqual(full, k) || (len(full) > len(k) && under(full, k)) {
			return i + 1
		}
	}
	return 0
}

// splitKey splits a dotted TOML key, unquoting its parts.
func splitKey(s string) toml.Key {
	var k toml.Key
	for _, p := range strings.Split(s, ".") {
		k = append(k, strings.Trim(strings.TrimSpace(p), `"'`))
	}
	return k
}

func keyEqual(a, b toml.Key) bool { return len(a) == len(b) && under(a, b) }

func under(k, prefix toml.Key) bool {
	if len(k) < len(prefix) {
		return false
	}
	for i := range prefix {
		if k[i] != prefix[i] {
			return false
		}
	}
	return true
}

func (c *Config) validate() error {
	var errs []error
	if _, err := c.logLevel(); err != nil {
		errs = append(errs, err)
	}
	if c.Gen.Events <= 0 {
		errs = append(errs, fmt.Errorf("gen.events: %d must be positive", c.Gen.Events))
	}
	if c.Registry.DSN == "" && c.Registry.ManagedDir == "" {
		errs = append(errs, errors.New("registry: set dsn or managed_dir"))
	}
	if c.Warehouse.Threads < 1 {
		errs = append(errs, fmt.Errorf("warehouse.threads: %d must be at least 1", c.Warehouse.Threads))
	}
	if s := c.Warehouse.ProvisionalShare; s <= 0 || s > 1 {
		errs = append(errs, fmt.Errorf("warehouse.provisional_share: %g must lie in (0, 1]", s))
	}
	if c.Warehouse.MemoryLimit == "" {
		errs = append(errs, errors.New("warehouse.memory_limit: must be set (DuckDB's default takes 80% of RAM)"))
	}
	for name, v := range map[string]string{"data_dir": c.DataDir, "gen.inbox": c.Gen.Inbox,
		"gen.truth": c.Gen.Truth, "warehouse.path": c.Warehouse.Path, "etl.lake": c.ETL.Lake} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s: must not be empty", name))
		}
	}
	if _, err := c.asOf(); err != nil {
		errs = append(errs, err)
	}
	if f := c.Warehouse.MaxFall; !(f > 0 && f <= 1) {
		errs = append(errs, fmt.Errorf("warehouse.max_fall: %v must be above 0 and at most 1 (1 allows any fall)", f))
	}
	if c.Warehouse.MaxFallMinEvents < 1 {
		errs = append(errs, fmt.Errorf("warehouse.max_fall_min_events: %d must be at least 1", c.Warehouse.MaxFallMinEvents))
	}
	if r := c.Warehouse.MaxRise; !(r > 0) {
		errs = append(errs, fmt.Errorf("warehouse.max_rise: %v must be above 0", r))
	}
	if err := checkSources(c.ETL.AllowMissing); err != nil {
		errs = append(errs, fmt.Errorf("etl.allow_missing: %w", err))
	}
	if d, err := time.ParseDuration(c.ETL.InboxSettle); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("etl.inbox_settle: %q must be a duration of 0 or more, such as \"10s\" or \"2m\"", c.ETL.InboxSettle))
	}
	if c.ETL.CompactFiles < 0 {
		errs = append(errs, fmt.Errorf("etl.compact_files: %d must be 0 (never) or more", c.ETL.CompactFiles))
	}
	if d, err := time.ParseDuration(c.Jobs.Backoff); err != nil {
		errs = append(errs, fmt.Errorf("jobs.backoff: %w", err))
	} else if d <= 0 || d > maxBackoff {
		errs = append(errs, fmt.Errorf("jobs.backoff: %q must be above 0 and at most %s", c.Jobs.Backoff, maxBackoff))
	}
	if c.Jobs.Retries < 0 {
		errs = append(errs, fmt.Errorf("jobs.retries: %d must be 0 or more", c.Jobs.Retries))
	}
	if _, err := time.LoadLocation(c.Jobs.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("jobs.time_zone: %w", err))
	}
	if _, err := cron.ParseStandard(c.ETL.Schedule); err != nil {
		errs = append(errs, fmt.Errorf("etl.schedule: %q: %w", c.ETL.Schedule, err))
	}
	// A large count of hours overflows time.Duration (2562048 hours is
	// negative): every session would have expired before it began.
	if h := c.Serve.SessionHours; h < 1 || h > maxSessionHours {
		errs = append(errs, fmt.Errorf("serve.session_hours: %d must be from 1 to %d (a year)", h, maxSessionHours))
	}
	errs = append(errs, c.validateUsers()...)
	errs = append(errs, c.validatePaths()...)
	if c.Export.Releases == "" {
		errs = append(errs, errors.New("export.releases: must not be empty"))
	}
	if _, err := cron.ParseStandard(c.Export.Schedule); err != nil {
		errs = append(errs, fmt.Errorf("export.schedule: %q: %w", c.Export.Schedule, err))
	}
	if c.Export.MinCell < 1 {
		errs = append(errs, fmt.Errorf("export.min_cell: %d must be at least 1", c.Export.MinCell))
	}
	if c.Export.KAnonymity < 1 {
		errs = append(errs, fmt.Errorf("export.k_anonymity: %d must be at least 1", c.Export.KAnonymity))
	}
	if w := c.Export.WHOCountry; w != "" && (len(w) != 4 || strings.Trim(w, "0123456789") != "") {
		errs = append(errs, fmt.Errorf("export.who_country: %q is not a 4-digit WHO country code", w))
	}
	if err := reports.CheckSDMXAgency(c.Export.SDMXAgency); err != nil {
		errs = append(errs, fmt.Errorf("export.sdmx_agency: %w", err))
	}
	if (c.Serve.TLSCert == "") != (c.Serve.TLSKey == "") {
		errs = append(errs, errors.New("serve: set both tls_cert and tls_key, or neither"))
	}
	if err := c.referenceSource().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("reference: %w", err))
	}
	// Sorted so the message is the same from run to run (map order above).
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// The longest session and retry wait a config may ask for.
const (
	maxSessionHours = 366 * 24
	maxBackoff      = 24 * time.Hour
)

// validateUsers checks each account's area against the gazetteer (the
// site's, when [reference] replaces it): an area that is no province or
// district would limit its account to nothing, or fail only at sign-in.
func (c *Config) validateUsers() []error {
	var errs []error
	var areas map[string]bool
	for i, u := range c.Serve.Users {
		if u.Area == "" {
			continue
		}
		if areas == nil {
			g, err := c.referenceSource().LoadGazetteer()
			if err != nil {
				return append(errs, fmt.Errorf("serve.users: the gazetteer, to check areas: %w", err))
			}
			areas = map[string]bool{}
			for _, p := range g.Provinces {
				areas[p.Code] = true
			}
			for _, d := range g.Districts {
				areas[d.Code] = true
			}
		}
		if !areas[u.Area] {
			errs = append(errs, fmt.Errorf("serve.users[%d] (%s): area %q is no province (2 digits) or district (4 digits) of the gazetteer", i, u.Name, u.Area))
		}
	}
	return errs
}

// asOf parses warehouse.as_of; the zero time when it is not set.
func (c *Config) asOf() (time.Time, error) {
	if c.Warehouse.AsOf == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, c.Warehouse.AsOf)
	if err != nil {
		return t, fmt.Errorf("warehouse.as_of: %q is not a date YYYY-MM-DD", c.Warehouse.AsOf)
	}
	return t, nil
}

// logLevel parses log.level.
func (c *Config) logLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return 0, fmt.Errorf("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	return l, nil
}

// referenceSource is where the reference data comes from: the embedded
// copies, except for the files the site replaces.
func (c *Config) referenceSource() refdata.Source {
	return refdata.Source{Overrides: c.Reference}
}

// decodeProfile decodes [gen.profile] over into, which holds the defaults:
// a site writes only what it changes. Unknown keys under gen.profile are
// errors, like everywhere else in the file.
func (c *Config) decodeProfile(into any) error {
	if !c.md.IsDefined(profileKey...) {
		return nil
	}
	// The TOML decoder reuses the elements of a slice it decodes into, so a
	// site's [[gen.profile.ict]] would inherit the fields it leaves out from
	// the default pilots. A list the site gives replaces ours entirely.
	resetDefinedSlices(&c.md, profileKey, reflect.ValueOf(into).Elem())
	if err := c.md.PrimitiveDecode(c.Gen.Profile, into); err != nil {
		return fmt.Errorf("config %s: gen.profile: %w", c.path, err)
	}
	return c.unknownKeys(func(k toml.Key) bool { return under(k, profileKey) }, reflect.TypeOf(into).Elem(), profileKey)
}

// resetDefinedSlices sets to nil every slice field of the struct v whose key
// (by toml tag, below key) the file defines; nested structs are visited.
func resetDefinedSlices(md *toml.MetaData, key toml.Key, v reflect.Value) {
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		k := append(append(toml.Key{}, key...), name)
		if !md.IsDefined(k...) {
			continue
		}
		switch fv := v.Field(i); fv.Kind() {
		case reflect.Slice:
			fv.Set(reflect.Zero(fv.Type()))
		case reflect.Struct:
			resetDefinedSlices(md, k, fv)
		}
	}
}
