package synth

import (
	"io"
	"log/slog"

	"vitalstats/refdata"
)

// Options says what to generate and where to write it.
type Options struct {
	Profile   Profile        // DefaultProfile() unless a site overrides it
	Reference refdata.Source // gazetteer, census and rates the profile is built from
	Events    int64          // target number of source records; the population is scaled to reach it
	Seed      uint64

	DSN      string // PostgreSQL registry; empty means no registry output
	InboxDir string // file drops (CSV and NDJSON batches); empty means no file output
	Truth    string // path of truth.json; empty means not written

	Log      *slog.Logger
	Progress io.Writer // terminal for the progress bar; nil means log lines only
}
