package etl

import (
	"errors"
	"sync/atomic"

	"vitalstats/etl/source"
)

// pipe runs a source's reading and the validation and writing of its records
// on two goroutines: reading (decoding rows from PostgreSQL or a file) and
// validating+encoding each take a core. Records cross in batches; the
// source reuses a record's slices after fn returns, so they are copied (the
// strings themselves are not: sources leave them valid).
type pipe struct {
	batches chan []source.Record
	free    chan []source.Record
	done    chan error
	cur     []source.Record
	failed  atomic.Bool // fn returned an error: reading should stop
}

// errStopped stops a source whose records can no longer be written; close
// returns the real error.
var errStopped = errors.New("stopped: writing records failed")

const pipeBatch = 1024

// newPipe starts the consumer, which calls fn for every record in order.
func newPipe(fn func(*source.Record) error) *pipe {
	p := &pipe{batches: make(chan []source.Record, 4), free: make(chan []source.Record, 6), done: make(chan error, 1)}
	go func() {
		var err error
		for b := range p.batches {
			for i := range b {
				if err == nil {
					if err = fn(&b[i]); err != nil {
						p.failed.Store(true)
					}
				}
			}
			select {
			case p.free <- b[:0]:
			default:
			}
		}
		p.done <- err
	}()
	return p
}

// put is the source's callback: it copies the record into the current batch.
func (p *pipe) put(rec *source.Record) error {
	if p.failed.Load() {
		return errStopped
	}
	if p.cur == nil {
		select {
		case p.cur = <-p.free:
		default:
			p.cur = make([]source.Record, 0, pipeBatch)
		}
	}
	n := len(p.cur)
	if cap(p.cur) > n {
		p.cur = p.cur[:n+1]
	} else {
		p.cur = append(p.cur, source.Record{})
	}
	r := &p.cur[n]
	r.Schema, r.Source, r.Ref = rec.Schema, rec.Source, rec.Ref
	r.Values = append(r.Values[:0], rec.Values...)
	r.Null = append(r.Null[:0], rec.Null...)
	if len(p.cur) == pipeBatch {
		return p.flush()
	}
	return nil
}

func (p *pipe) flush() error {
	if len(p.cur) > 0 {
		p.batches <- p.cur
		p.cur = nil
	}
	return nil
}

// close hands over the last batch and waits for the consumer; it returns
// the first error of fn.
func (p *pipe) close() error {
	p.flush()
	close(p.batches)
	return <-p.done
}
