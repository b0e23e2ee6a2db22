package canon

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"vitalstats/etl/source"
)

// ParseFailure is the quarantine row for a row a reader could not turn into
// a record at all (wrong_field_count, malformed_row, bad_encoding of the
// whole line): schema is the event type ("birth"; a table name such as
// "births" is accepted too), src "registry" or
// "file", ref where the row is ("dir/file.csv:17"), reason one of the
// Reason codes, raw the row as read and detail a short explanation.
//
// The row cannot be split into fields, so no one can tell which part is a
// name or an identity number: only its shape is kept (letters become 'a',
// digits '9', everything else stays), enough to see a stray quote or a
// missing delimiter. The data manager finds the original through ref. An
// unknown reason is recorded as malformed_row, with the reason given kept
// in the detail, so the list of reason codes stays closed.
func ParseFailure(schema, src, ref, reason, raw, detail string) Quarantine {
	if !IsReason(reason) {
		detail = "reader reported unknown reason " + cleanText(reason, 40) + ": " + detail
		reason = string(MalformedRow)
	}
	event := cleanText(schema, 40)
	if s := source.SchemaFor(schema); s != nil {
		event = s.Event // a table name ("births") given for the event
	}
	q := Quarantine{
		Event:     event,
		Source:    cleanText(src, 40),
		SourceRef: cleanText(ref, 1000),
		Field:     "",
		Reason:    reason,
		Detail:    cleanText(detail, 1000),
	}
	if raw != "" {
		s := rowShape(raw)
		q.RawValue = &s
	}
	return q
}

// rowShape masks letters and digits of a raw row and truncates it.
func rowShape(raw string) string {
	var b strings.Builder
	b.Grow(min(len(raw), rawValueMax))
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRuneInString(raw[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			r = utf8.RuneError
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			// Khmer script writes vowels and signs as combining marks; they
			// are part of a name as much as its letters.
			r = 'a'
		case unicode.IsDigit(r):
			r = '9'
		}
		if b.Len()+utf8.RuneLen(r) > rawValueMax {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cleanText makes s valid UTF-8 (bad bytes become U+FFFD) and cuts it to at
// most max bytes at a character boundary.
func cleanText(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// rawValue is the quarantine form of a field's value.
func rawValue(s string) *string {
	c := cleanText(s, rawValueMax)
	return &c
}
