package lake

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
)

// pagePool holds the compressed pages of the row groups a batch is writing
// until each row group is complete: in memory while the batch's pages in
// memory are under budget, and in temporary files of the staging folder
// beyond it. Files cost an open, writes and a copy per column chunk: with
// 128 MiB of memory the 16 M registry's backfill took 88-93 s instead of
// 98-104 s with files alone, for a peak RSS of 713-781 instead of 489-502
// MiB (etl.Run, three runs each, rows handed over 512 at a time). Memory
// alone would grow with the partitions open and the size of their row
// groups.
type pagePool struct {
	mem     parquet.BufferPool
	files   parquet.BufferPool
	budget  int64
	held    atomic.Int64 // bytes of pages in memory
	spilled atomic.Int64 // column chunks that went to files
}

// pageChunk is the allocation unit of the memory buffers: every column
// chunk being written holds at least one, so it is small (a compressed page
// is a few KiB).
const pageChunk = 8 << 10

func newPagePool(dir string, budget int64) *pagePool {
	return &pagePool{
		mem:    parquet.NewChunkBufferPool(pageChunk),
		files:  parquet.NewFileBufferPool(dir, "pages-*"),
		budget: budget,
	}
}

func (p *pagePool) GetBuffer() io.ReadWriteSeeker {
	return &pageBuffer{pool: p, mem: p.mem.GetBuffer()}
}

func (p *pagePool) PutBuffer(b io.ReadWriteSeeker) {
	pb := b.(*pageBuffer)
	if pb.file != nil {
		p.files.PutBuffer(pb.file)
		return
	}
	p.held.Add(-pb.n)
	p.mem.PutBuffer(pb.mem)
}

// pageBuffer holds one column chunk's pages: in memory until a write would
// take the pool over its budget, then in a file.
type pageBuffer struct {
	pool *pagePool
	mem  io.ReadWriteSeeker // until it spills
	n    int64              // bytes written to mem
	file io.ReadWriteSeeker // after
}

func (b *pageBuffer) Write(p []byte) (int, error) {
	if b.file == nil {
		if b.pool.held.Add(int64(len(p))) <= b.pool.budget {
			n, err := b.mem.Write(p)
			b.n += int64(n)
			b.pool.held.Add(int64(n - len(p)))
			return n, err
		}
		b.pool.held.Add(-int64(len(p)))
		if err := b.spill(); err != nil {
			return 0, err
		}
	}
	return b.file.Write(p)
}

// spill moves the pages written so far to a file; the parquet writer only
// appends until it reads the chunk back, so the file's position is then
// where the next page goes.
func (b *pageBuffer) spill() error {
	f := b.pool.files.GetBuffer()
	if _, err := b.mem.Seek(0, io.SeekStart); err != nil {
		b.pool.files.PutBuffer(f)
		return err
	}
	if n, err := io.CopyN(f, b.mem, b.n); err != nil {
		b.pool.files.PutBuffer(f)
		return fmt.Errorf("spill %d bytes of pages after %d: %w", b.n, n, err)
	}
	b.pool.held.Add(-b.n)
	b.pool.mem.PutBuffer(b.mem)
	b.pool.spilled.Add(1)
	b.mem, b.n, b.file = nil, 0, f
	return nil
}

func (b *pageBuffer) active() io.ReadWriteSeeker {
	if b.file != nil {
		return b.file
	}
	return b.mem
}

func (b *pageBuffer) Read(p []byte) (int, error) { return b.active().Read(p) }

func (b *pageBuffer) Seek(off int64, whence int) (int64, error) {
	return b.active().Seek(off, whence)
}

// WriteTo copies a finished chunk into its file without an intermediate
// buffer, as parquet-go's own buffers do.
func (b *pageBuffer) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := b.active().(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	return io.Copy(w, b.active())
}
