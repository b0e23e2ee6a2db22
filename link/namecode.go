package link

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math/bits"
	"slices"
	"sync"
)

// The name encoding's sizes. A NameCode takes at most BloomBytes +
// 8*MaxTokens = 64 bytes.
const (
	// BloomBits is the length of the stored Bloom filter (CLK) in bits.
	BloomBits = 256
	// BloomBytes is BloomBits in bytes.
	BloomBytes = BloomBits / 8
	// BloomK is the number of bit positions each bigram sets, in the
	// unfolded filter of 2*BloomBits bits (see NameCoder).
	BloomK = 6
	// MaxTokens bounds the tokens of a name: a skeleton token for the
	// family and the given name in each script.
	MaxTokens = 4
)

// NameCode is the encoding of one person's name. The zero NameCode means
// the name is missing.
type NameCode struct {
	// Bloom is the keyed Bloom filter of the name's padded bigrams in both
	// scripts, BloomBytes long (nil when the name is missing).
	Bloom []byte
	// Tokens are keyed 63-bit hashes of the skeleton of each part of the
	// name, sorted and distinct, never 0 (at most MaxTokens).
	Tokens []int64
}

// IsZero reports whether the name is missing.
func (n NameCode) IsZero() bool { return len(n.Bloom) == 0 && len(n.Tokens) == 0 }

// NameCoder encodes names under a secret key. It is safe for concurrent
// use.
//
// The Bloom filter follows Schnell, Bachteler & Reiher (2009): each padded
// bigram of the normalised name sets BloomK bits. The positions come from
// HMAC-SHA256 of the bigram under a key derived from the site key ("random
// hashing"), not from double hashing, whose structure the attack of
// Niedermeyer et al. (2014) exploits; and the filter is built at twice its
// stored length and XOR-folded in half (Schnell, Borgs & Encheva 2016),
// so that no stored bit belongs to one bigram's hash alone. Bigrams are
// tagged with their script, so that the Khmer and the Latin forms of a name
// set independent bits. Bigrams are taken in each part of the name
// separately, so that a family and a given name entered the other way round
// give the same filter.
type NameCoder struct {
	bloomKey, tokenKey []byte
	pool               sync.Pool // of hash.Hash under tokenKey

	mu     sync.RWMutex
	cache  map[uint64][BloomK]uint16 // bigram → positions: a few thousand bigrams
	tokens map[string]int64          // script and skeleton → token: names repeat
}

// maxCache bounds the bigram cache (the Khmer and Latin bigrams of real
// names are far fewer).
const maxCache = 1 << 16

// NewNameCoder returns a coder under key, the site's secret (at least 16
// random bytes; the ETL derives it from the site secret). Two coders with
// the same key encode alike; with different keys, codes cannot be compared.
func NewNameCoder(key []byte) *NameCoder {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("vitalstats/link/" + label + "/v1"))
		return m.Sum(nil)
	}
	c := &NameCoder{bloomKey: derive("bloom"), tokenKey: derive("token"), cache: map[uint64][BloomK]uint16{}, tokens: map[string]int64{}}
	c.pool.New = func() any { return hmac.New(sha256.New, c.tokenKey) }
	return c
}

// Scripts, as tags in what is hashed.
const (
	scriptKhmer = 1
	scriptLatin = 2
)

// pad is the padding unit around each part.
const pad = 0x5F // '_'

// Encode encodes a name given in Khmer script (family name first) and in
// its romanisation; either may be empty. Both empty (or without a letter)
// give the zero NameCode.
func (c *NameCoder) Encode(km, latin string) NameCode {
	kp := khmerUnits(km)
	lp := latinParts(latin)
	if len(kp) == 0 && len(lp) == 0 {
		return NameCode{}
	}
	var wide [2 * BloomBytes]byte
	for _, p := range kp {
		c.addBigrams(&wide, scriptKhmer, p)
	}
	for _, p := range lp {
		c.addBigrams(&wide, scriptLatin, []rune(p))
	}
	bloom := make([]byte, BloomBytes)
	for i := range bloom {
		bloom[i] = wide[i] ^ wide[i+BloomBytes]
	}

	var toks []int64
	for _, p := range twoParts(kp) {
		if s := khmerSkeleton(p); s != "" {
			toks = append(toks, c.token(scriptKhmer, s))
		}
	}
	for _, p := range twoParts(latinRunes(lp)) {
		if s := latinPhonetic(string(p)); s != "" {
			toks = append(toks, c.token(scriptLatin, s))
		}
	}
	slices.Sort(toks)
	toks = slices.Compact(toks)
	return NameCode{Bloom: bloom, Tokens: toks}
}

// twoParts makes the family name (the first part) and the given name (the
// rest, joined: a compound given name is one token) of a name's parts.
func twoParts(parts [][]rune) [][]rune {
	if len(parts) <= 2 {
		return parts
	}
	var given []rune
	for _, p := range parts[1:] {
		given = append(given, p...)
	}
	return [][]rune{parts[0], given}
}

func latinRunes(ps []string) [][]rune {
	out := make([][]rune, len(ps))
	for i, p := range ps {
		out[i] = []rune(p)
	}
	return out
}

// addBigrams sets the bits of the padded bigrams of one part.
func (c *NameCoder) addBigrams(f *[2 * BloomBytes]byte, script uint64, part []rune) {
	prev := rune(pad)
	for i := 0; i <= len(part); i++ {
		cur := rune(pad)
		if i < len(part) {
			cur = part[i]
		}
		for _, pos := range c.positions(script<<60 | uint64(prev)<<30 | uint64(cur)) {
			f[pos>>3] |= 1 << (pos & 7)
		}
		prev = cur
	}
}

// positions returns the BloomK positions of a bigram in the unfolded filter.
func (c *NameCoder) positions(bigram uint64) [BloomK]uint16 {
	c.mu.RLock()
	p, ok := c.cache[bigram]
	c.mu.RUnlock()
	if ok {
		return p
	}
	m := hmac.New(sha256.New, c.bloomKey)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], bigram)
	m.Write(b[:])
	sum := m.Sum(nil) // 16 positions of 16 bits: BloomK ≤ 16
	for i := range p {
		p[i] = binary.BigEndian.Uint16(sum[2*i:]) % (2 * BloomBits)
	}
	c.mu.Lock()
	if len(c.cache) < maxCache {
		c.cache[bigram] = p
	}
	c.mu.Unlock()
	return p
}

// token is the keyed 63-bit hash of one skeleton, never 0.
func (c *NameCoder) token(script byte, s string) int64 {
	key := string(script) + s
	c.mu.RLock()
	t, ok := c.tokens[key]
	c.mu.RUnlock()
	if ok {
		return t
	}
	m := c.pool.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte{script})
	m.Write([]byte(s))
	var sum [sha256.Size]byte
	t = int64(binary.BigEndian.Uint64(m.Sum(sum[:0])) >> 1)
	c.pool.Put(m)
	if t == 0 {
		t = 1
	}
	c.mu.Lock()
	if len(c.tokens) < maxCache {
		c.tokens[key] = t
	}
	c.mu.Unlock()
	return t
}

// Dice is the Dice coefficient 2|a∧b|/(|a|+|b|) of two Bloom filters of
// the same length; 0 when either is empty or all zero, or the lengths
// differ.
func Dice(a, b []byte) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var both, na, nb int
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x, y := binary.LittleEndian.Uint64(a[i:]), binary.LittleEndian.Uint64(b[i:])
		both += bits.OnesCount64(x & y)
		na += bits.OnesCount64(x)
		nb += bits.OnesCount64(y)
	}
	for ; i < len(a); i++ {
		both += bits.OnesCount8(a[i] & b[i])
		na += bits.OnesCount8(a[i])
		nb += bits.OnesCount8(b[i])
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(both) / float64(na+nb)
}

// SharedTokens counts the tokens two sorted token lists have in common.
func SharedTokens(a, b []int64) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}
