// Package link deduplicates and links person records without their names
// in clear: privacy-preserving probabilistic record linkage (issue 17).
//
// # Names
//
// The ETL encodes each name with a NameCoder under a key derived from the
// site secret; only the NameCode reaches the lake. A NameCode holds
//
//   - a Bloom filter (a cryptographic long-term key, CLK: Schnell,
//     Bachteler & Reiher 2009) of BloomBits bits of the padded bigrams of
//     the normalised Khmer script and of the normalised romanisation, each
//     part of the name separately (so a swapped family and given name gives
//     the same filter). Bit positions come from HMAC-SHA256 under the key
//     ("random hashing"), not from double hashing, which the attack of
//     Niedermeyer, Steinmetzer, Kroll & Schnell (2014) exploits; the filter
//     is built at twice the stored length and XOR-folded (Schnell, Borgs &
//     Encheva 2016). Two filters are compared by their Dice coefficient.
//   - at most MaxTokens tokens: keyed 63-bit HMAC hashes of a skeleton of
//     the family and of the given name in each script (Khmer: the base
//     consonants, register pairs merged, so a dropped or swapped vowel sign
//     or subscript keeps it; romanisation: a phonetic key that maps
//     Chan/Chann/Chanh, Sok/Sokh, Sophea/Sophia, Heng/Hèng, Chea/Chia and
//     Ouch/Uch to one form). Tokens are not tied to the part's role, so
//     they agree when the parts are swapped; they serve blocking and a
//     token-agreement level.
//
// # Engine
//
// A Config (TOML: LoadConfig) names the fields and their kinds (name, date,
// exact, place, string, levenshtein, id), the blocking rules and the
// thresholds. Records go into a columnar Table (NewTable, Table.Add); those
// with a Cluster are existing ones. Dedupe(ctx, table, Prior) compares the
// candidate pairs (blocking, sort-based, with a cap on block size) that
// involve a new record, estimates u from random pairs and m and λ by EM in
// one session per blocking rule (unless Prior.Params are given), weighs each
// pair (Fellegi & Sunter 1969), and clusters the matches without chaining,
// honouring analysts' decisions; cluster ids are stable (see IDLess).
// Config.BlockKeys gives a record's blocking keys for the ETL to store.
// RunCSV is vitalstats link. PairScores and ClusterScores (pairwise and
// B-cubed) score a result against a truth. SyntheticBirths makes test data.
//
// README.md describes the method for docs/methods.md and says what someone
// holding the lake but not the key can learn from these encodings.
package link
