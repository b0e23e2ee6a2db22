package canon

import (
	"crypto/sha256"
	"encoding/hex"
)

// Duplicate groups. The same event entered twice (a paper record digitized
// twice, an ICT registration and its paper copy) carries the same group id,
// so statistics count each group once: count(distinct coalesce(dup_group,
// event_id)). The id is computed from the record alone, so it needs no
// look-up of earlier batches and is the same in every run:
//   - by identity: the child's identity hash for a birth, the deceased's
//     for a death (a person is born once and dies once), the mother's with
//     the delivery date for a fetal death, the spouses' for a marriage;
//   - otherwise, for a birth, by attributes: sex, date of birth, the
//     mother's identity hash and residence commune.
// Records with neither (or with an attribute missing, such as a sex not
// stated) keep a NULL group and count alone. Near-misses (a
// date typed a day off on a record without identity) are not grouped.

func (v *Validator) dupGroup(parts ...*string) *string { return v.key(v.event, parts...) }

// Notification links. A health-facility notification and the registration
// of the same event carry the same link_key, so the warehouse joins them to
// report the funnel from notification to registration:
//   - a birth: the mother's identity hash, the date of birth and the sex;
//   - a death: the deceased's identity hash and the date of death.
//
// Both sides need every part: a notification or registration without the
// identity code (or a birth of sex not stated) cannot be linked (its
// link_key is NULL). Dates must agree to
// the day.
func (v *Validator) linkKey(event string, parts ...*string) *string {
	return v.key("link:"+event, parts...)
}

// key hashes its parts (already keyed hashes or plain attributes) into a
// 32-character id; NULL when a part is missing.
func (v *Validator) key(kind string, parts ...*string) *string {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		if p == nil {
			return nil
		}
		h.Write([]byte{0})
		h.Write([]byte(*p))
	}
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], h.Sum(nil))
	return v.strs.ptr(string(hx[:32]))
}

func (v *Validator) setDupGroup(res *Result) {
	switch {
	case res.Notification != nil:
		n := res.Notification
		d := n.EventDate.String()
		if n.EventType == "birth" {
			n.LinkKey = v.linkKey("birth", n.SubjectIDHash, &d, n.Sex)
		} else {
			n.LinkKey = v.linkKey("death", n.SubjectIDHash, &d)
		}
	case res.Birth != nil:
		b := res.Birth
		d := b.EventDate.String()
		b.LinkKey = v.linkKey("birth", b.MotherIDHash, &d, b.Sex)
		if b.ChildIDHash != nil {
			b.DupGroup = v.dupGroup(b.ChildIDHash)
		} else {
			b.DupGroup = v.dupGroup(b.Sex, &d, b.MotherIDHash, b.MotherResidenceCommune)
		}
	case res.Death != nil:
		d := res.Death.EventDate.String()
		res.Death.LinkKey = v.linkKey("death", res.Death.DeceasedIDHash, &d)
		res.Death.DupGroup = v.dupGroup(res.Death.DeceasedIDHash)
	case res.FetalDeath != nil:
		d := res.FetalDeath.EventDate.String()
		res.FetalDeath.DupGroup = v.dupGroup(res.FetalDeath.MotherIDHash, &d)
	case res.Marriage != nil:
		res.Marriage.DupGroup = v.dupGroup(res.Marriage.GroomIDHash, res.Marriage.BrideIDHash)
	}
}
