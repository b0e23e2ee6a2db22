package main

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"vitalstats/refdata"
)

// Config is a site's vitalstats.toml. Every relative path in it is relative
// to the working directory of the process (not to the file), so that the
// example works from the repository root as it is.
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
}

// ExportConfig sets up the releases of vitalstats export.
type ExportConfig struct {
	Releases   string `toml:"releases"`    // folder of the releases and their revision log
	Schedule   string `toml:"schedule"`    // cron spec of the export under vitalstats serve
	MinCell    int64  `toml:"min_cell"`    // the smallest count a published table shows
	KAnonymity int    `toml:"k_anonymity"` // the smallest group of records a research extract shows
	WHOCountry string `toml:"who_country"` // WHO Mortality Database country code; "" leaves the WHO files out
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
			Lake:         "data/lake",
			Inbox:        "data/inbox",
			SecretEnv:    "VITALSTATS_SECRET",
			SecretFile:   "data/secret.key",
			Extract:      map[string]string{},
			CompactFiles: 16,
			Schedule:     "CRON_TZ=Asia/Phnom_Penh 0 2 * * *",
			AllowMissing: []string{},
			InboxSettle:  "10s",
		},
		Jobs:   JobsConfig{TimeZone: "Asia/Phnom_Penh", Retries: 3, Backoff: "1m"},
		Serve:  ServeConfig{Listen: "127.0.0.1:8080", SessionHours: 12},
		Export: ExportConfig{Releases: "data/releases", Schedule: "CRON_TZ=Asia/Phnom_Penh 0 4 1 * *", MinCell: 5, KAnonymity: 5},
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
	if err := c.unknownKeys(func(k toml.Key) bool { return !under(k, profileKey) }); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &c, nil
}

// unknownKeys fails on the undecoded keys that keep selects, naming them all.
func (c *Config) unknownKeys(keep func(toml.Key) bool) error {
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
		bad = append(bad, k.String())
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
	if _, err := time.ParseDuration(c.Jobs.Backoff); err != nil {
		errs = append(errs, fmt.Errorf("jobs.backoff: %w", err))
	}
	if _, err := time.LoadLocation(c.Jobs.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("jobs.time_zone: %w", err))
	}
	if _, err := cron.ParseStandard(c.ETL.Schedule); err != nil {
		errs = append(errs, fmt.Errorf("etl.schedule: %q: %w", c.ETL.Schedule, err))
	}
	if c.Serve.SessionHours < 1 {
		errs = append(errs, fmt.Errorf("serve.session_hours: %d must be at least 1", c.Serve.SessionHours))
	}
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
	return c.unknownKeys(func(k toml.Key) bool { return under(k, profileKey) })
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
