package vitalstats

import _ "embed"

// MethodsDoc is docs/methods.md, embedded so that the dashboards serve the
// definitions their ⓘ buttons link to with no file beside the binary.
//
//go:embed docs/methods.md
var MethodsDoc string
