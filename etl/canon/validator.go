package canon

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vitalstats/etl/lake"
	"vitalstats/etl/source"
	"vitalstats/link"
	"vitalstats/refdata"
)

// Result is what one record became: exactly one typed row (Birth, Death,
// FetalDeath, Marriage or Notification) or, when Quarantined, one or more
// quarantine rows and no typed row.
type Result struct {
	Event        string
	Birth        *Birth
	Death        *Death
	FetalDeath   *FetalDeath
	Marriage     *Marriage
	Notification *Notification
	// Quarantine holds one row per problem found; a record with problems
	// counts once as quarantined, however many rows it has.
	Quarantine []Quarantine
}

// Quarantined reports whether the record went to quarantine (and so is not
// loaded). extracted = loaded + quarantined counts records, not rows.
func (r *Result) Quarantined() bool { return len(r.Quarantine) > 0 }

// Validator validates records into canonical rows. It holds the reference
// tables (gazetteer, ICD-10 lists), the site secret's HMAC and scratch
// space, so it is not safe for concurrent use: give each goroutine its own
// Clone.
//
// Rows it returns share read-only memory with it (interned codes point into
// its tables): read them, write them to Parquet, replace their pointers if
// you must, but never assign through a pointer.
type Validator struct {
	ref  *tables
	asOf int64 // the as-of date in Cambodia (UTC+7), as a day number

	mac    hash.Hash
	secret []byte
	names  *link.NameCoder
	kbuf   []byte
	sum    []byte

	// per record
	rec      *source.Record
	event    string
	recordID *string
	q        []Quarantine
	flags    []string

	ints    slab[int32]
	times   slab[time.Time]
	dates   slab[lake.Date]
	strs    slab[string]
	births  slab[Birth]
	deaths  slab[Death]
	fetals  slab[FetalDeath]
	marrs   slab[Marriage]
	notifs  slab[Notification]
	limitOf [5]int // legal limit per event kind index, 0 for none
}

// tables are the reference lookups, built once and shared by clones.
type tables struct {
	communeAt []uint16 // 6-digit code as a number -> 1 + index in communes; 0 if unknown
	communes  []communeRef
	icd       [icdKeys]icdEntry
}

type communeRef struct {
	code, province, district string
}

// icdEntry describes one ICD-10 code of the reference list.
type icdEntry struct {
	code  string // dotted, interned
	flags uint16
}

const (
	icdExists uint16 = 1 << iota
	icdAsterisk
	icdNotUCOD // asterisk, chapter XIX or WHO list 1 "UNDEF": not a valid underlying cause
	icdTerminal
	icdIllDefined
	icdMaleOnly
	icdFemaleOnly
	icdUnlikely
)

// slab hands out pointers to values stored in shared chunks, so a row's
// dozen nullable fields cost no allocation each. A chunk stays alive while
// any row points into it.
type slab[T any] struct{ buf []T }

func (s *slab[T]) ptr(v T) *T {
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]T, 0, 1024)
	}
	s.buf = append(s.buf, v)
	return &s.buf[len(s.buf)-1]
}

func (s *slab[T]) new() *T {
	var zero T
	return s.ptr(zero)
}

// cambodia is the time zone of registration dates (UTC+7, no daylight saving).
var cambodia = time.FixedZone("ICT", 7*3600)

// NewValidator loads the gazetteer and the ICD-10 lists from ref once and
// returns a Validator for a run whose as-of instant is asOf: dates after
// asOf's date in Cambodia are future_date. The secret keys the identity
// hashes and must be at least 16 bytes.
func NewValidator(ref refdata.Source, secret []byte, asOf time.Time) (*Validator, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("canon: the site secret must be at least 16 bytes (got %d)", len(secret))
	}
	if asOf.IsZero() {
		return nil, fmt.Errorf("canon: no as-of time")
	}
	if err := checkColumns(); err != nil {
		return nil, err
	}
	t, err := loadTables(ref)
	if err != nil {
		return nil, err
	}
	y, m, d := asOf.In(cambodia).Date()
	v := &Validator{ref: t, asOf: daysFromCivil(y, int(m), d), secret: slices.Clone(secret)}
	v.init()
	return v, nil
}

func (v *Validator) init() {
	v.mac = hmac.New(sha256.New, v.secret)
	v.names = link.NewNameCoder(nameKey(v.secret))
	v.kbuf = make([]byte, 0, 32)
	v.sum = make([]byte, 0, sha256.Size)
	for i, e := range eventNames {
		v.limitOf[i] = LegalLimitDays[e]
	}
}

// Clone returns a Validator sharing the reference tables and settings, with
// its own scratch space, for use by another goroutine.
func (v *Validator) Clone() *Validator {
	c := &Validator{ref: v.ref, asOf: v.asOf, secret: v.secret}
	c.init()
	return c
}

var eventNames = [5]string{"birth", "death", "fetal_death", "marriage", "notification"}

const (
	kBirth = iota
	kDeath
	kFetal
	kMarriage
	kNotification
)

func loadTables(ref refdata.Source) (*tables, error) {
	t := &tables{communeAt: make([]uint16, 1_000_000)}
	g, err := ref.LoadGazetteer()
	if err != nil {
		return nil, fmt.Errorf("canon: %w", err)
	}
	for _, c := range g.Communes {
		n, ok := digits(c.Code)
		if len(c.Code) != 6 || !ok {
			return nil, fmt.Errorf("canon: gazetteer commune code %q is not 6 digits", c.Code)
		}
		t.communes = append(t.communes, communeRef{code: c.Code, province: c.Code[:2], district: c.Code[:4]})
		t.communeAt[n] = uint16(len(t.communes))
	}
	codes, err := ref.LoadICD10()
	if err != nil {
		return nil, fmt.Errorf("canon: %w", err)
	}
	for _, c := range codes {
		k, err := parseICDKey(c.Dotted)
		if err != nil {
			return nil, fmt.Errorf("canon: ICD-10 list code %q: %w", c.Dotted, err)
		}
		e := &t.icd[k]
		e.code = k.String()
		e.flags |= icdExists
		if c.Asterisk {
			e.flags |= icdAsterisk | icdNotUCOD
		}
		if c.Chapter == "19" || c.List1 == "UNDEF" {
			e.flags |= icdNotUCOD
		}
		if c.Terminal {
			e.flags |= icdTerminal
		}
	}
	// mark sets a flag on every listed code a range holds.
	type listed struct {
		e     *icdEntry
		nodot string
	}
	all := make([]listed, 0, len(codes))
	for _, c := range codes {
		k, _ := parseICDKey(c.Dotted)
		all = append(all, listed{&t.icd[k], c.Code})
	}
	mark := func(r refdata.CodeRange, f uint16) {
		for _, l := range all {
			if r.Contains(l.nodot) {
				l.e.flags |= f
			}
		}
	}
	ill, _, err := ref.LoadIllDefined()
	if err != nil {
		return nil, fmt.Errorf("canon: %w", err)
	}
	for _, r := range ill {
		mark(r.Range, icdIllDefined)
	}
	sexLimited, err := ref.LoadSexLimited()
	if err != nil {
		return nil, fmt.Errorf("canon: %w", err)
	}
	for _, s := range sexLimited {
		f := icdMaleOnly
		if s.Sex == "female" {
			f = icdFemaleOnly
		}
		// A listed category limits its subcodes too.
		k, err := parseICDKey(s.Dotted)
		if err != nil {
			return nil, fmt.Errorf("canon: sex-limited code %q: %w", s.Dotted, err)
		}
		t.icd[k].flags |= f
		if k%11 == 10 {
			for sub := k - 10; sub < k; sub++ {
				t.icd[sub].flags |= f
			}
		}
	}
	unlikely, err := ref.LoadUnlikelyCauses()
	if err != nil {
		return nil, fmt.Errorf("canon: %w", err)
	}
	for _, u := range unlikely {
		for _, r := range u.Codes {
			mark(r, icdUnlikely)
		}
	}
	return t, nil
}

// closedList is a field's accepted codes; values are interned, and its
// detail names them for the quarantine row.
type closedList struct {
	values []string
	detail string
}

func list(values ...string) *closedList {
	d := "not one of:"
	for _, v := range values {
		d += " " + v
	}
	return &closedList{values: values, detail: d}
}

var (
	statuses       = list("registered", "corrected", "cancelled")
	provenances    = list("ict", "digitized")
	sexMF          = list("M", "F")
	sexMFU         = list("M", "F", "U")
	facilityTypes  = list("public_hospital", "health_centre", "private", "home", "other")
	educations     = list("none", "primary", "secondary", "higher")
	birthMarital   = list("married", "single", "other")
	deathMarital   = list("never_married", "married", "widowed", "divorced")
	prevStatuses   = list("never_married", "widowed", "divorced")
	attendants     = list("doctor", "midwife", "nurse", "traditional", "none")
	ageUnits       = list("Y", "M", "D")
	certifications = list("physician", "verbal_autopsy", "lay_report", "none")
	manners        = list("natural", "accident", "suicide", "homicide", "pending", "unknown")
	pregnancies    = list("not_pregnant", "pregnant", "within_42_days", "43_days_to_1_year", "unknown")
	notifyEvents   = list("birth", "death")
)

// Validate turns one record into a typed row or quarantine rows.
func (v *Validator) Validate(rec *source.Record) Result {
	v.rec, v.recordID, v.q, v.flags = rec, nil, v.q[:0], v.flags[:0]
	v.event = ""
	if rec.Schema != nil {
		v.event = rec.Schema.Event
	}
	res := Result{Event: v.event}
	kind, ok := v.checkShape()
	if ok {
		switch kind {
		case kBirth:
			res.Birth = v.birth()
		case kDeath:
			res.Death = v.death()
		case kFetal:
			res.FetalDeath = v.fetalDeath()
		case kMarriage:
			res.Marriage = v.marriage()
		case kNotification:
			res.Notification = v.notification()
		}
	}
	if len(v.q) > 0 {
		res.Birth, res.Death, res.FetalDeath, res.Marriage, res.Notification = nil, nil, nil, nil, nil
		res.Quarantine = slices.Clone(v.q)
	} else {
		v.setDupGroup(&res)
	}
	v.rec = nil
	return res
}

// checkShape finds the record's event kind and checks that it has its
// schema's columns; a record that does not is quarantined whole.
func (v *Validator) checkShape() (int, bool) {
	rec := v.rec
	if rec.Source != "registry" && rec.Source != "file" {
		v.reject("", BadCode, nil, "record source "+strconv.Quote(cleanText(rec.Source, 40))+" is neither registry nor file")
		return 0, false
	}
	if rec.Schema == nil {
		v.reject("", MalformedRow, nil, "record without a schema")
		return 0, false
	}
	kind := -1
	for i, e := range expectedColumns {
		if rec.Schema == e.schema || (rec.Schema.Event == e.schema.Event && slices.Equal(rec.Schema.Columns, e.cols)) {
			kind = i
			break
		}
	}
	if kind < 0 {
		v.reject("", MalformedRow, nil, "unknown schema "+strconv.Quote(cleanText(rec.Schema.Event, 40)))
		return 0, false
	}
	n := expectedColumns[kind].n
	if len(rec.Values) != n || len(rec.Null) != n {
		v.reject("", WrongFieldCount, nil, "record has "+strconv.Itoa(len(rec.Values))+" values and "+
			strconv.Itoa(len(rec.Null))+" null marks; the schema has "+strconv.Itoa(n)+" columns")
		return 0, false
	}
	return kind, true
}

// reject records one problem of the current record.
func (v *Validator) reject(field string, r Reason, raw *string, detail string) {
	v.q = append(v.q, Quarantine{
		Event:     v.event,
		Source:    cleanText(v.rec.Source, 40),
		SourceRef: cleanText(v.rec.Ref, 1000),
		RecordID:  v.recordID,
		Field:     field,
		Reason:    string(r),
		RawValue:  raw,
		Detail:    detail,
	})
}

func (v *Validator) rejectCol(i int, r Reason, raw string, detail string) {
	v.reject(v.rec.Schema.Columns[i], r, rawValue(raw), detail)
}

func (v *Validator) flag(f Flag) {
	for _, g := range v.flags {
		if g == f {
			return
		}
	}
	v.flags = append(v.flags, f)
}

func (v *Validator) takeFlags() []string {
	if len(v.flags) == 0 {
		return nil
	}
	return slices.Clone(v.flags)
}

// get returns column i's value when it is present (not NULL, not empty)
// and valid UTF-8; an invalid one is quarantined here.
func (v *Validator) get(i int) (string, bool) {
	s := v.rec.Values[i]
	if v.rec.Null[i] || s == "" {
		return "", false
	}
	if !utf8.ValidString(s) {
		v.rejectCol(i, BadEncoding, s, "not valid UTF-8")
		return "", false
	}
	if strings.IndexByte(s, 0) >= 0 {
		// Text with a NUL is cut short by C strings and many tools
		// downstream: a value changed without a trace.
		v.rejectCol(i, NULByte, strings.ReplaceAll(s, "\x00", `\x00`), "holds a NUL byte (0x00), shown as \\x00")
		return "", false
	}
	return s, true
}

// missing reports whether column i is NULL or empty.
func (v *Validator) missing(i int) bool { return v.rec.Null[i] || v.rec.Values[i] == "" }

func (v *Validator) required(i int) {
	v.reject(v.rec.Schema.Columns[i], MissingRequired, nil, "required")
}

// text is a free-text field (an id, a facility, a permit number): kept as
// is, up to maxTextLen bytes.
func (v *Validator) text(i int) *string {
	s, ok := v.get(i)
	if !ok {
		return nil
	}
	if len(s) > maxTextLen {
		v.rejectCol(i, TooLong, s, "longer than "+strconv.Itoa(maxTextLen)+" bytes ("+strconv.Itoa(len(s))+")")
		return nil
	}
	return v.strs.ptr(s)
}

// code checks a coded field against its closed list and returns the
// interned value (nil when missing or bad).
func (v *Validator) code(i int, l *closedList, req bool) *string {
	s, ok := v.get(i)
	if !ok {
		if req && v.missing(i) {
			v.required(i)
		}
		return nil
	}
	for j := range l.values {
		if l.values[j] == s {
			return &l.values[j]
		}
	}
	v.rejectCol(i, BadCode, s, l.detail)
	return nil
}

// date parses a DATE column; ok is false when it is missing or bad.
func (v *Validator) date(i int, req bool) (time.Time, bool) {
	s, ok := v.get(i)
	if !ok {
		if req && v.missing(i) {
			v.required(i)
		}
		return time.Time{}, false
	}
	t, ok := parseDate(s)
	if !ok {
		v.rejectCol(i, BadDate, s, "not a calendar date YYYY-MM-DD")
		return time.Time{}, false
	}
	return t, true
}

// eventDate is date plus the checks of an event or registration date:
// not before 1900, not after the as-of date.
func (v *Validator) eventDate(i int, req bool) (time.Time, bool) {
	t, ok := v.date(i, req)
	if !ok {
		return t, false
	}
	return t, v.notFutureOr1900(i, t, true)
}

func (v *Validator) notFutureOr1900(i int, t time.Time, check1900 bool) bool {
	if check1900 && t.Year() < 1900 {
		v.rejectCol(i, Before1900, v.rec.Values[i], "before 1900-01-01")
		return false
	}
	if dayNumber(t) > v.asOf {
		v.rejectCol(i, FutureDate, v.rec.Values[i], "after the run's as-of date")
		return false
	}
	return true
}

// timestamp parses an optional TIMESTAMP column.
func (v *Validator) timestamp(i int) *time.Time {
	s, ok := v.get(i)
	if !ok {
		return nil
	}
	t, ok := parseTimestamp(s)
	if !ok {
		v.rejectCol(i, BadDate, s, "not a timestamp (RFC 3339 or PostgreSQL text with a zone)")
		return nil
	}
	return v.times.ptr(t)
}

// integer parses an int column and checks it against [lo, hi].
func (v *Validator) integer(i int, lo, hi int32, req bool) (int32, bool) {
	s, ok := v.get(i)
	if !ok {
		if req && v.missing(i) {
			v.required(i)
		}
		return 0, false
	}
	n, tooLarge, err := parseInt(s)
	if err != nil {
		v.rejectCol(i, BadInt, s, "not a decimal integer")
		return 0, false
	}
	if tooLarge || n < lo || n > hi {
		v.rejectCol(i, OutOfRange, s, "outside "+strconv.Itoa(int(lo))+"-"+strconv.Itoa(int(hi)))
		return 0, false
	}
	return n, true
}

func (v *Validator) intPtr(i int, lo, hi int32) *int32 {
	n, ok := v.integer(i, lo, hi, false)
	if !ok {
		return nil
	}
	return v.ints.ptr(n)
}

// commune checks the registration commune (the office): required, 6
// digits, present in the gazetteer. The gazetteer has no validity dates (it
// is the 2024 one), so a code retired or created since the event is not
// detected: only existence is checked.
func (v *Validator) commune(i int) *communeRef {
	s, at, ok := v.communeAt(i)
	if !ok {
		if v.missing(i) {
			v.required(i)
		}
		return nil
	}
	if at == 0 {
		v.rejectCol(i, UnknownCommune, s, "not in the gazetteer")
		return nil
	}
	return &v.ref.communes[at-1]
}

// where reads an optional commune of usual residence or of occurrence. A
// missing commune, or a 6-digit code the gazetteer does not know, does not
// quarantine the record: the event happened and counts in the nation's
// totals ("not stated" in the UN Principles and Recommendations). The code
// is kept as given (a commune code identifies no one), its province and
// district are NULL, and the record carries the flag f. A value of another
// shape is still bad_code.
func (v *Validator) where(i int, f Flag) (code, province, district *string) {
	s, at, ok := v.communeAt(i)
	switch {
	case !ok:
		if v.missing(i) {
			v.flag(f)
		}
		return nil, nil, nil
	case at == 0:
		v.flag(f)
		return v.strs.ptr(s), nil, nil
	}
	c := &v.ref.communes[at-1]
	return &c.code, &c.province, &c.district
}

// communeAt reads column i as a commune code: ok is false when it is
// missing or not 6 digits (quarantined as bad_code here); at is 1 + its
// index in the gazetteer, 0 when the gazetteer does not know it.
func (v *Validator) communeAt(i int) (s string, at uint16, ok bool) {
	s, ok = v.get(i)
	if !ok {
		return "", 0, false
	}
	n, ok := digits(s)
	if len(s) != 6 || !ok {
		detail := "not a 6-digit commune code"
		if len(s) == 5 && ok {
			detail += " (a leading zero lost?)"
		}
		v.rejectCol(i, BadCode, s, detail)
		return "", 0, false
	}
	return s, v.ref.communeAt[n], true
}

// sex reads the sex of a birth or death: M or F. A missing sex does not
// quarantine the record (it is counted as sex not stated, flag
// sex_not_stated); a value outside the list is still bad_code, since it
// means a source that codes sex otherwise and must map its codes.
func (v *Validator) sex(i int) *string {
	s := v.code(i, sexMF, false)
	if s == nil && v.missing(i) {
		v.flag(FlagSexNotStated)
	}
	return s
}

// icd checks an ICD-10 column. A code that is malformed, not in the list,
// or (for an underlying cause) not a valid underlying cause does not
// quarantine the record: the death still happened and must be counted. The
// code is dropped (NULL), and the record is loaded with a flag saying why,
// so it counts as an unusable cause. It returns the code's table entry, nil
// if absent or unusable.
func (v *Validator) icd(i int, underlying bool) *icdEntry {
	s, ok := v.get(i)
	if !ok {
		return nil
	}
	k, err := parseICDKey(s)
	if err != nil {
		v.flag(FlagBadICD10Format)
		return nil
	}
	e := &v.ref.icd[k]
	if e.flags&icdExists == 0 {
		v.flag(FlagUnknownICD10)
		return nil
	}
	if underlying && e.flags&icdNotUCOD != 0 {
		v.flag(FlagNotUnderlyingCause)
		return nil
	}
	return e
}

func icdCode(e *icdEntry) *string {
	if e == nil {
		return nil
	}
	return &e.code
}

// causeFlags flags a valid underlying cause that is suspicious; sex is nil
// when not stated.
func (v *Validator) causeFlags(e *icdEntry, sex *string) {
	if e == nil {
		return
	}
	if e.flags&icdIllDefined != 0 {
		v.flag(FlagIllDefinedCause)
	}
	if sex != nil && ((*sex == "M" && e.flags&icdFemaleOnly != 0) || (*sex == "F" && e.flags&icdMaleOnly != 0)) {
		v.flag(FlagSexCauseConflict)
	}
	if e.flags&icdUnlikely != 0 {
		v.flag(FlagUnlikelyUnderlyingCause)
	}
	if e.flags&icdTerminal == 0 {
		v.flag(FlagNonterminalICD10)
	}
}

// idHash replaces an identity code by its keyed hash. The raw value never
// leaves this function: not in a row, not in a quarantine row. Spaces and
// hyphens are dropped first so "0123 4567 8901" and "012345678901" match;
// what remains must be 6-20 digits and not one digit repeated (a
// placeholder such as 000000000000), or the record is flagged
// invalid_id_code and the hash is NULL, so placeholders never link
// strangers as duplicates.
func (v *Validator) idHash(i int) *string {
	s := v.rec.Values[i]
	if v.rec.Null[i] || s == "" {
		return nil
	}
	if !utf8.ValidString(s) {
		v.reject(v.rec.Schema.Columns[i], BadEncoding, nil, "not valid UTF-8 (identity codes are never kept raw)")
		return nil
	}
	if strings.IndexByte(s, 0) >= 0 {
		v.reject(v.rec.Schema.Columns[i], NULByte, nil, "holds a NUL byte (0x00) (identity codes are never kept raw)")
		return nil
	}
	k := v.kbuf[:0]
	same := true
	for j := 0; j < len(s); j++ {
		c := s[j]
		switch {
		case c >= '0' && c <= '9':
			if len(k) > 0 && k[0] != c {
				same = false
			}
			k = append(k, c)
		case c == ' ' || c == '-':
		default:
			v.kbuf = k
			v.flag(FlagInvalidIDCode)
			return nil
		}
	}
	v.kbuf = k
	if len(k) < 6 || len(k) > 20 || same {
		v.flag(FlagInvalidIDCode)
		return nil
	}
	v.mac.Reset()
	v.mac.Write(k)
	sum := v.mac.Sum(v.sum[:0])
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum)
	return v.strs.ptr(string(hx[:]))
}

// HashID is the identity hash the Validator stores for a raw identity code
// (after dropping spaces and hyphens), or "" for a code it would not hash.
// Tests and the matcher of notifications use it.
func (v *Validator) HashID(raw string) string {
	rec := &source.Record{Schema: &source.Schema{Columns: []string{"kidc"}}, Values: []string{raw}, Null: []bool{false}}
	saved, savedFlags, savedQ := v.rec, v.flags, v.q
	v.rec, v.flags, v.q = rec, nil, nil
	h := v.idHash(0)
	v.rec, v.flags, v.q = saved, savedFlags, savedQ
	if h == nil {
		return ""
	}
	return *h
}

// common fills the columns every registration shares and checks the dates
// of event and registration; it returns the event date (ok false if bad).
func (v *Validator) common(c *Common, kind, eventCol, regDateCol, regCommuneCol int) (time.Time, bool) {
	rec := v.rec
	prefix := "reg:"
	if rec.Source == "file" {
		prefix = "file:"
	}
	if id, ok := v.get(cID); !ok {
		if v.missing(cID) {
			v.required(cID)
		}
	} else if !validID(id) {
		v.rejectCol(cID, BadCode, id, "an id is 1-64 characters of A-Z a-z 0-9 . _ : -")
	} else {
		c.EventID = prefix + id
		v.recordID = &c.EventID
	}
	c.RegNo = v.text(cRegNo)
	if n, ok := v.integer(cVersion, 1, maxVersion, true); ok {
		c.Version = n
	}
	if s := v.code(cStatus, statuses, true); s != nil {
		c.Status = *s
	}
	if s := v.code(cSource, provenances, true); s != nil {
		c.Provenance = *s
	}
	c.Source = rec.Source
	c.SourceRef = rec.Ref
	if !utf8.ValidString(rec.Ref) {
		c.SourceRef = cleanText(rec.Ref, 1000)
	}
	c.CreatedAt = v.timestamp(cCreatedAt)
	c.UpdatedAt = v.timestamp(cUpdatedAt)
	c.DigitizedAt = v.timestamp(cDigitizedAt)
	ev, evOK := v.eventDate(eventCol, true)
	reg, regOK := v.eventDate(regDateCol, true)
	if evOK {
		c.EventDate = lake.Date(dayNumber(ev))
		c.OccurrenceYear = int32(ev.Year())
	}
	if regOK {
		c.RegistrationDate = lake.Date(dayNumber(reg))
	}
	if evOK && regOK {
		lag := dayNumber(reg) - dayNumber(ev)
		switch limit := int64(v.limitOf[kind]); {
		case lag < 0:
			v.rejectCol(regDateCol, RegistrationBeforeEvent, rec.Values[regDateCol],
				"registered "+strconv.FormatInt(-lag, 10)+" days before the event ("+rec.Values[eventCol]+")")
		case limit > 0 && lag > delayedAfterDays:
			v.flag(FlagDelayedRegistration)
		case limit > 0 && lag > limit:
			v.flag(FlagLateRegistration)
		}
	}
	if rc := v.commune(regCommuneCol); rc != nil {
		c.RegistrationCommune = rc.code
	}
	return ev, evOK
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > maxTextLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// motherAge checks a reported mother's age and flags an implausible one.
func (v *Validator) motherAge(i int) *int32 {
	n, ok := v.integer(i, minMotherAge, maxMotherAge, false)
	if !ok {
		return nil
	}
	v.motherAgeFlag(n)
	return v.ints.ptr(n)
}

func (v *Validator) motherAgeFlag(n int32) {
	if n < minPlausibleMother || n > maxPlausibleMother {
		v.flag(FlagMotherAgeImplausible)
	}
}

func (v *Validator) birth() *Birth {
	b := v.births.new()
	dob, dobOK := v.common(&b.Common, kBirth, bDateOfBirth, bRegistrationDate, bRegistrationCommune)
	b.ChildIDHash = v.idHash(bChildKIDC)
	b.MotherIDHash = v.idHash(bMotherKIDC)
	b.ChildNameBF, b.ChildNameTok = v.personName(bChildName, bChildNameLatin)
	b.MotherNameBF, b.MotherNameTok = v.personName(bMotherName, bMotherNameLatin)
	b.FatherNameBF, b.FatherNameTok = v.personName(bFatherName, bFatherNameLatin)
	b.Sex = v.sex(bSex)
	b.PlaceCommune, _, _ = v.where(bPlaceCommune, FlagPlaceNotStated)
	b.FacilityID = v.text(bFacilityID)
	b.FacilityType = v.code(bFacilityType, facilityTypes, false)
	// The mother's age: from her date of birth when given, else as reported
	// (which is still checked, since it is in the record).
	reported := v.motherAgeNoFlag(bMotherAge)
	if mdob, ok := v.date(bMotherDOB, false); ok && v.notFutureOr1900(bMotherDOB, mdob, false) && dobOK {
		age := completedYears(mdob, dob)
		if age < minMotherAge || age > maxMotherAge {
			v.rejectCol(bMotherDOB, OutOfRange, v.rec.Values[bMotherDOB],
				"mother aged "+strconv.Itoa(age)+" at the birth; accepted "+strconv.Itoa(minMotherAge)+"-"+strconv.Itoa(maxMotherAge))
		} else {
			b.MotherAge, b.MotherAgeByDOB = v.ints.ptr(int32(age)), true
		}
	} else if reported != nil {
		b.MotherAge = reported
	}
	if b.MotherAge != nil {
		v.motherAgeFlag(*b.MotherAge)
	}
	b.MotherNationality = v.nationality(bMotherNationality)
	b.MotherResidenceCommune, b.ResidenceProvince, b.ResidenceDistrict = v.where(bMotherResidence, FlagResidenceNotStated)
	b.MotherEducation = v.code(bMotherEducation, educations, false)
	b.MaritalStatus = v.code(bMaritalStatus, birthMarital, false)
	b.FatherAge = v.intPtr(bFatherAge, minFatherAge, maxFatherAge)
	b.BirthOrder = v.intPtr(bBirthOrder, minBirthOrder, maxBirthOrder)
	b.Plurality = v.intPtr(bPlurality, minPlurality, maxPlurality)
	b.BirthWeightG = v.intPtr(bBirthWeight, minWeight, maxWeight)
	b.GestationWeeks = v.intPtr(bGestation, minGestation, maxGestation)
	if b.BirthWeightG != nil && b.GestationWeeks != nil && weightGestationConflict(*b.BirthWeightG, *b.GestationWeeks) {
		v.flag(FlagWeightGestationConflict)
	}
	b.Attendant = v.code(bAttendant, attendants, false)
	b.Flags = v.takeFlags()
	return b
}

func (v *Validator) motherAgeNoFlag(i int) *int32 {
	n, ok := v.integer(i, minMotherAge, maxMotherAge, false)
	if !ok {
		return nil
	}
	return v.ints.ptr(n)
}

// weightGestationConflict is a coarse screen for a birth weight far off its
// gestation: a heavy baby very preterm, or a tiny one at term. It marks
// candidates for review, not errors (a typo in either field is the usual
// cause).
func weightGestationConflict(w, g int32) bool {
	return (g <= 28 && w >= 2500) || (g <= 32 && w >= 4000) || (g >= 37 && w < 1000)
}

// nationality is an ISO 3166-1 alpha-3 code: three capital letters.
func (v *Validator) nationality(i int) *string {
	s, ok := v.get(i)
	if !ok {
		return nil
	}
	if len(s) != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2] < 'A' || s[2] > 'Z' {
		v.rejectCol(i, BadCode, s, "not an ISO 3166-1 alpha-3 code (three capital letters)")
		return nil
	}
	if s == "KHM" {
		return &khm
	}
	return v.strs.ptr(s)
}

var khm = "KHM"

func (v *Validator) death() *Death {
	d := v.deaths.new()
	dod, dodOK := v.common(&d.Common, kDeath, dDateOfDeath, dRegistrationDate, dRegistrationCommune)
	d.DeceasedIDHash = v.idHash(dDeceasedKIDC)
	d.NameBF, d.NameTok = v.personName(dDeceasedName, dDeceasedNameLatin)
	d.Sex = v.sex(dSex)
	// Age: the date of birth wins; the reported age is kept as reported.
	d.AgeUnit = v.code(dAgeUnit, ageUnits, false)
	var reported int32
	var hasReported bool
	if d.AgeUnit != nil {
		hi := int32(maxAgeYears)
		switch *d.AgeUnit {
		case "M":
			hi = maxAgeMonths
		case "D":
			hi = maxAgeDays
		}
		reported, hasReported = v.integer(dAgeValue, 0, hi, false)
	} else if !v.missing(dAgeValue) {
		if _, ok := v.integer(dAgeValue, 0, maxAgeYears*366, false); ok && v.missing(dAgeUnit) {
			v.reject(v.rec.Schema.Columns[dAgeUnit], MissingRequired, nil, "required when age_value is given")
		}
	}
	if hasReported {
		d.AgeValue = v.ints.ptr(reported)
	} else {
		d.AgeUnit = nil // a unit without a value says nothing
	}
	dob, dobOK := v.date(dDateOfBirth, false)
	if dobOK {
		dobOK = v.notFutureOr1900(dDateOfBirth, dob, false)
	}
	if dobOK && dodOK {
		days := dayNumber(dod) - dayNumber(dob)
		years := completedYears(dob, dod)
		switch {
		case days < 0:
			v.rejectCol(dDateOfBirth, OutOfRange, v.rec.Values[dDateOfBirth], "after the date of death")
		case years > maxAgeYears:
			v.rejectCol(dDateOfBirth, OutOfRange, v.rec.Values[dDateOfBirth],
				"age at death "+strconv.Itoa(years)+" years; accepted 0-"+strconv.Itoa(maxAgeYears))
		default:
			d.DateOfBirth = v.dates.ptr(lake.Date(dayNumber(dob)))
			d.AgeYears = v.ints.ptr(int32(years))
			d.AgeDays = v.ints.ptr(int32(days))
			if hasReported && ageConflict(*d.AgeUnit, reported, dob, dod, days, years) {
				v.flag(FlagAgeDOBConflict)
			}
		}
	} else if hasReported && !dobOK && v.missing(dDateOfBirth) {
		switch *d.AgeUnit {
		case "Y":
			d.AgeYears = d.AgeValue
			if reported >= 20 && reported%5 == 0 {
				v.flag(FlagHeapedAge)
			}
		case "M":
			d.AgeYears = v.ints.ptr(reported / 12)
		case "D":
			d.AgeYears = v.ints.ptr(0)
			d.AgeDays = d.AgeValue
		}
	}
	d.PlaceCommune, _, _ = v.where(dPlaceCommune, FlagPlaceNotStated)
	d.FacilityID = v.text(dFacilityID)
	d.FacilityType = v.code(dFacilityType, facilityTypes, false)
	d.ResidenceCommune, d.ResidenceProvince, d.ResidenceDistrict = v.where(dResidence, FlagResidenceNotStated)
	d.MaritalStatus = v.code(dMaritalStatus, deathMarital, false)
	d.CauseA = icdCode(v.icd(dCauseA, false))
	d.CauseB = icdCode(v.icd(dCauseB, false))
	d.CauseC = icdCode(v.icd(dCauseC, false))
	d.CauseD = icdCode(v.icd(dCauseD, false))
	d.CausePart2 = icdCode(v.icd(dCausePart2, false))
	u := v.icd(dUnderlying, true)
	d.UnderlyingCause = icdCode(u)
	v.causeFlags(u, d.Sex)
	d.Certification = v.code(dCertification, certifications, false)
	d.Manner = v.code(dManner, manners, false)
	d.PregnancyStatus = v.code(dPregnancy, pregnancies, false)
	if d.Sex != nil && *d.Sex == "M" && d.PregnancyStatus != nil {
		switch *d.PregnancyStatus {
		case "pregnant", "within_42_days", "43_days_to_1_year":
			v.flag(FlagPregnancyStatusConflict)
		}
	}
	d.BurialPermitNo = v.text(dBurialPermit)
	d.Flags = v.takeFlags()
	return d
}

// ageConflict reports whether a reported age disagrees with the age from the
// date of birth by more than one unit.
func ageConflict(unit string, reported int32, dob, dod time.Time, days int64, years int) bool {
	var derived int64
	switch unit {
	case "Y":
		derived = int64(years)
	case "M":
		y1, m1, d1 := dob.Date()
		y2, m2, d2 := dod.Date()
		derived = int64((y2-y1)*12 + int(m2-m1))
		if d2 < d1 {
			derived--
		}
	default:
		derived = days
	}
	diff := derived - int64(reported)
	return diff > 1 || diff < -1
}

func (v *Validator) fetalDeath() *FetalDeath {
	f := v.fetals.new()
	v.common(&f.Common, kFetal, fDateOfDelivery, fRegistrationDate, fRegistrationCommune)
	f.MotherIDHash = v.idHash(fMotherKIDC)
	f.MotherNameBF, f.MotherNameTok = v.personName(fMotherName, fMotherNameLatin)
	f.MotherAge = v.motherAge(fMotherAge)
	f.Sex = v.code(fSex, sexMFU, false)
	f.GestationWeeks = v.intPtr(fGestation, minGestation, maxGestation)
	f.BirthWeightG = v.intPtr(fBirthWeight, minWeight, maxWeight)
	f.PlaceCommune, _, _ = v.where(fPlaceCommune, FlagPlaceNotStated)
	f.FacilityID = v.text(fFacilityID)
	f.FacilityType = v.code(fFacilityType, facilityTypes, false)
	f.MotherResidenceCommune, f.ResidenceProvince, f.ResidenceDistrict = v.where(fMotherResidence, FlagResidenceNotStated)
	c := v.icd(fCause, true)
	f.CauseICD10 = icdCode(c)
	if c != nil && c.flags&icdIllDefined != 0 {
		v.flag(FlagIllDefinedCause)
	}
	f.Flags = v.takeFlags()
	return f
}

func (v *Validator) marriage() *Marriage {
	m := v.marrs.new()
	v.common(&m.Common, kMarriage, mDateOfMarriage, mRegistrationDate, mRegistrationCommune)
	m.GroomIDHash = v.idHash(mGroomKIDC)
	m.GroomNameBF, m.GroomNameTok = v.personName(mGroomName, mGroomNameLatin)
	m.BrideNameBF, m.BrideNameTok = v.personName(mBrideName, mBrideNameLatin)
	m.GroomAge = v.spouseAge(mGroomAge)
	m.GroomResidence, m.GroomResidenceProvince, m.GroomResidenceDistrict = v.where(mGroomResidence, FlagResidenceNotStated)
	m.GroomPrevStatus = v.code(mGroomPrevStatus, prevStatuses, false)
	m.BrideIDHash = v.idHash(mBrideKIDC)
	m.BrideAge = v.spouseAge(mBrideAge)
	m.BrideResidence, m.BrideResidenceProvince, m.BrideResidenceDistrict = v.where(mBrideResidence, FlagResidenceNotStated)
	m.BridePrevStatus = v.code(mBridePrevStatus, prevStatuses, false)
	m.Flags = v.takeFlags()
	return m
}

func (v *Validator) spouseAge(i int) *int32 {
	n, ok := v.integer(i, minSpouseAge, maxSpouseAge, false)
	if !ok {
		return nil
	}
	if n < 18 {
		v.flag(FlagMarriedUnder18)
	}
	return v.ints.ptr(n)
}

func (v *Validator) notification() *Notification {
	n := v.notifs.new()
	rec := v.rec
	if id, ok := v.get(nID); !ok {
		if v.missing(nID) {
			v.required(nID)
		}
	} else if !validID(id) {
		v.rejectCol(nID, BadCode, id, "an id is 1-64 characters of A-Z a-z 0-9 . _ : -")
	} else {
		prefix := "reg:"
		if rec.Source == "file" {
			prefix = "file:"
		}
		n.NotificationID = id
		n.EventID = prefix + id
		v.recordID = &n.EventID
	}
	n.Source = rec.Source
	n.SourceRef = rec.Ref
	if !utf8.ValidString(rec.Ref) {
		n.SourceRef = cleanText(rec.Ref, 1000)
	}
	if s := v.text(nFacilityID); s != nil {
		n.FacilityID = *s
	} else if v.missing(nFacilityID) {
		v.required(nFacilityID)
	}
	if s := v.code(nFacilityType, facilityTypes, true); s != nil {
		n.FacilityType = *s
	}
	if s := v.code(nEventType, notifyEvents, true); s != nil {
		n.EventType = *s
	}
	ev, evOK := v.eventDate(nEventDate, true)
	if evOK {
		n.EventDate = lake.Date(dayNumber(ev))
		n.OccurrenceYear = int32(ev.Year())
	}
	n.Sex = v.code(nSex, sexMF, false)
	n.SubjectIDHash = v.idHash(nSubjectKIDC)
	n.MotherAge = v.motherAge(nMotherAge)
	n.AgeYears = v.intPtr(nAgeYears, 0, maxAgeYears)
	n.ResidenceCommune, n.ResidenceProvince, n.ResidenceDistrict = v.where(nResidence, FlagResidenceNotStated)
	if s, ok := v.get(nNotifiedAt); !ok {
		if v.missing(nNotifiedAt) {
			v.required(nNotifiedAt)
		}
	} else if t, ok := parseTimestamp(s); !ok {
		v.rejectCol(nNotifiedAt, BadDate, s, "not a timestamp (RFC 3339 or PostgreSQL text with a zone)")
	} else {
		n.NotifiedAt = t
		y, m, d := t.In(cambodia).Date()
		if evOK && daysFromCivil(y, int(m), d) < dayNumber(ev) {
			v.rejectCol(nNotifiedAt, RegistrationBeforeEvent, s, "notified before the event ("+rec.Values[nEventDate]+")")
		}
	}
	n.Flags = v.takeFlags()
	return n
}
