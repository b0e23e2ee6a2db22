// Package canon owns the canonical event rows of the lake (Birth, Death,
// FetalDeath, Marriage, Notification), the Quarantine row, and the
// validation that turns one source.Record into exactly one of the two: a
// typed row, possibly with flags, or one quarantine row per problem found.
//
// It owns the closed list of quarantine reason codes and of flags
// (docs/quarantine.md documents each), the ICD-10 code parser, and the keyed
// hashing of identity codes, so that no raw KIDC ever reaches a row.
//
// canon reads reference data through refdata, records through the source
// package's types, and takes lake.Date for DATE columns. It must not import
// synth, warehouse, reports or dashboards, and it does no I/O of its own.
package canon
