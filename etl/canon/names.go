package canon

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"unicode/utf8"
)

// Names of persons enter the pipeline only to leave it encoded. The
// validator reads a person's name in Khmer script and its romanization,
// hands both to link.NameCoder (a Bloom filter of character bigrams and
// tokens of the name's parts, all keyed by a key derived from the site
// secret) and keeps the encoding alone. The clear text is never copied into
// a row, a quarantine row or a log: see docs/methods.md, "Record linkage", for what the encodings do
// and do not reveal to someone who holds the lake without the secret.

// maxNameBytes bounds a name as given; a longer one is not a name.
const maxNameBytes = 300

// nameKeyLabel derives the encoding key from the site secret, so that the
// name encodings and the identity hashes never share a key.
const nameKeyLabel = "vitalstats name encoding v1"

// nameKey returns the key of the name encodings for a site secret.
func nameKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(nameKeyLabel))
	return m.Sum(nil)
}

// personName encodes the name of one person from its Khmer-script column
// and its romanization column. Both missing: a NULL encoding.
func (v *Validator) personName(km, latin int) ([]byte, []int64) {
	k, okK := v.nameValue(km)
	l, okL := v.nameValue(latin)
	if !okK && !okL {
		return nil, nil
	}
	// The registry's name is the Khmer one; a romanization is on some
	// records and not others, so encoding both would make two records of one
	// name differ by the presence of the romanization. It is used only when
	// the Khmer script is missing.
	if okK {
		l = ""
	}
	c := v.names.Encode(k, l)
	return c.Bloom, c.Tokens
}

// nameValue returns a name column's value when present and text. A name
// that is not text does not cost the record (the event still counts): the
// record loads flagged name_unreadable, the name taken as not given, and
// its value is kept nowhere.
func (v *Validator) nameValue(i int) (string, bool) {
	s := v.rec.Values[i]
	if v.rec.Null[i] || strings.TrimSpace(s) == "" {
		return "", false
	}
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || len(s) > maxNameBytes {
		v.flag(FlagNameUnreadable)
		return "", false
	}
	return s, true
}
