package etl

import (
	"fmt"
	"time"

	"vitalstats/etl/canon"
	"vitalstats/etl/lake"
	"vitalstats/etl/source"
)

// router validates each record and writes its outcome to the batch: the
// canonical row to its event's table and year, or its quarantine rows.
type router struct {
	b        *lake.Batch
	v        *canon.Validator
	sum      *Summary
	progress func(int64)
	runDate  lake.Date             // quarantine is partitioned by the date of the run
	tally    map[[2]string]*Counts // source, event -> counts

	births        sink[canon.Birth]
	deaths        sink[canon.Death]
	fetalDeaths   sink[canon.FetalDeath]
	marriages     sink[canon.Marriage]
	notifications sink[canon.Notification]
	quarantine    sink[canon.Quarantine]
	link          *linker
}

// sink holds a table's open partition writers, by year.
type sink[T any] struct {
	table string
	parts map[int]*lake.PartitionWriter[T]
	open  func(b *lake.Batch, table string, key int) (*lake.PartitionWriter[T], error)
}

func (s *sink[T]) write(b *lake.Batch, year int, row *T) error {
	w := s.parts[year]
	if w == nil {
		var err error
		if w, err = s.open(b, s.table, year); err != nil {
			return err
		}
		s.parts[year] = w
	}
	return w.Write(*row)
}

// newSink returns the sink of a table partitioned by year of occurrence.
func newSink[T any](table string) sink[T] {
	return sink[T]{table: table, parts: map[int]*lake.PartitionWriter[T]{}, open: lake.Writer[T]}
}

// newRunSink returns the sink of a table partitioned by run date, keyed by
// the lake.Date.
func newRunSink[T any](table string) sink[T] {
	open := func(b *lake.Batch, table string, day int) (*lake.PartitionWriter[T], error) {
		return lake.DateWriter[T](b, table, "run_date", lake.Date(day))
	}
	return sink[T]{table: table, parts: map[int]*lake.PartitionWriter[T]{}, open: open}
}

// QuarantineTable is the lake table of quarantined records.
const QuarantineTable = "quarantine"

func newRouter(b *lake.Batch, v *canon.Validator, sum *Summary, now time.Time) *router {
	return &router{
		b: b, v: v, sum: sum, progress: func(int64) {}, runDate: lake.DateOf(now.UTC()), tally: map[[2]string]*Counts{},
		births:        newSink[canon.Birth]("birth"),
		deaths:        newSink[canon.Death]("death"),
		fetalDeaths:   newSink[canon.FetalDeath]("fetal_death"),
		marriages:     newSink[canon.Marriage]("marriage"),
		notifications: newSink[canon.Notification]("notification"),
		quarantine:    newRunSink[canon.Quarantine](QuarantineTable),
	}
}

// counts returns the running counts of a source and event: kept by pointer
// here, copied into the summary once by summarize, not twice per record.
func (w *router) counts(src, event string) *Counts {
	k := [2]string{src, event}
	c := w.tally[k]
	if c == nil {
		c = &Counts{}
		w.tally[k] = c
	}
	return c
}

// summarize copies the counts into the summary.
func (w *router) summarize() {
	for k, c := range w.tally {
		if w.sum.Counts[k[0]] == nil {
			w.sum.Counts[k[0]] = map[string]Counts{}
		}
		w.sum.Counts[k[0]][k[1]] = *c
	}
}

// record validates one source record and writes what it becomes.
func (w *router) record(rec *source.Record) error {
	res := w.v.Validate(rec)
	c := w.counts(rec.Source, rec.Schema.Event)
	c.Extracted++
	var err error
	switch {
	case res.Quarantined():
		c.Quarantined++
		err = w.quarantined(res.Quarantine)
	case res.Birth != nil:
		c.Loaded++
		err = w.births.write(w.b, int(res.Birth.OccurrenceYear), res.Birth)
		if b := res.Birth; w.link != nil {
			w.link.add(w.b, "birth", birthFields.record(w.link.kinds["birth"].cfg, b.EventID, b), b.Version, b.OccurrenceYear, b.Status)
		}
	case res.Death != nil:
		c.Loaded++
		err = w.deaths.write(w.b, int(res.Death.OccurrenceYear), res.Death)
		if d := res.Death; w.link != nil {
			w.link.add(w.b, "death", deathFields.record(w.link.kinds["death"].cfg, d.EventID, d), d.Version, d.OccurrenceYear, d.Status)
		}
	case res.FetalDeath != nil:
		c.Loaded++
		err = w.fetalDeaths.write(w.b, int(res.FetalDeath.OccurrenceYear), res.FetalDeath)
	case res.Marriage != nil:
		c.Loaded++
		err = w.marriages.write(w.b, int(res.Marriage.OccurrenceYear), res.Marriage)
	case res.Notification != nil:
		c.Loaded++
		err = w.notifications.write(w.b, int(res.Notification.OccurrenceYear), res.Notification)
	default:
		err = fmt.Errorf("record %s gave neither a row nor quarantine", rec.Ref)
	}
	w.progress(1)
	return err
}

func (w *router) quarantined(rows []canon.Quarantine) error {
	for i := range rows {
		w.sum.Reasons[rows[i].Reason]++
		rows[i].RunDate = w.runDate
		if err := w.quarantine.write(w.b, int(w.runDate), &rows[i]); err != nil {
			return err
		}
	}
	return nil
}

// badRow quarantines a file row the reader could not split into fields.
func (w *router) badRow(f source.DropFile) source.BadRow {
	return func(b source.BadLine) error {
		c := w.counts("file", f.Schema.Event)
		c.Extracted++
		c.Quarantined++
		w.progress(1)
		q := canon.ParseFailure(f.Schema.Event, "file", fmt.Sprintf("%s:%d", f.Name, b.Line), b.Reason, b.Raw, b.Detail)
		q.Field = b.Field // the column at fault, when the reader knows it
		return w.quarantined([]canon.Quarantine{q})
	}
}
