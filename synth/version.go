package synth

// Version names the generator's behaviour for caches of its output (the
// benchmark keeps a 16 M-event registry between runs). Anything that changes
// what Generate writes for a given profile, seed and size must bump it,
// unless a small run shows the change too: caches are also keyed by the
// profile, the registry tables' definitions and a fingerprint of a small
// generated registry, which catch most changes by themselves. Bump it for
// what only a large run shows (a cap reached at national scale) or what
// reaches PostgreSQL but not the file drops and truth.json.
const Version = 1
