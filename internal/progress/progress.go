// Package progress reports how far a long step has got: on a terminal, one
// line redrawn in place (label, done/total, percent, rate, ETA); elsewhere
// (CI, a log file, cron), a structured slog line every few seconds, so logs
// stay readable and small. It knows nothing about what is being counted and
// imports nothing of this module.
package progress

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// How often each kind of output is refreshed: fast enough to look alive on a
// terminal, slow enough that a log gets a handful of lines per minute.
const (
	termInterval = 100 * time.Millisecond
	logInterval  = 5 * time.Second
	barWidth     = 24
)

// Bar counts work done towards a total and reports it. Add may be called from
// many goroutines; Finish must be called once when the work ends (or fails).
type Bar struct {
	label string
	total int64
	done  atomic.Int64

	term  io.Writer    // nil: log mode
	log   *slog.Logger // nil: discard in log mode
	start time.Time
	now   func() time.Time // a seam for tests of the text

	stop     chan struct{}
	finished sync.WaitGroup
	once     sync.Once
	mu       sync.Mutex // serialises drawing between the ticker and Finish
}

// IsTerminal reports whether w is a terminal (an *os.File on a character
// device), the only place where redrawing a line with \r makes sense.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// New starts reporting progress of the work named label, of total units
// (0 or less when the total is unknown). If term is a terminal the bar is
// drawn there; otherwise progress goes to log (which may be nil to discard).
func New(label string, total int64, term io.Writer, log *slog.Logger) *Bar {
	if IsTerminal(term) {
		return start(label, total, term, nil, termInterval)
	}
	return start(label, total, nil, log, logInterval)
}

func start(label string, total int64, term io.Writer, log *slog.Logger, every time.Duration) *Bar {
	b := &Bar{label: label, total: total, term: term, log: log, now: time.Now, stop: make(chan struct{})}
	b.start = b.now()
	b.finished.Add(1)
	// A ticker draws, not Add: Add then costs one atomic addition, whatever
	// the rate at which the caller counts.
	go func() {
		defer b.finished.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.report(false)
			}
		}
	}()
	return b
}

// Add records n more units done.
func (b *Bar) Add(n int64) { b.done.Add(n) }

// Done returns the units done so far.
func (b *Bar) Done() int64 { return b.done.Load() }

// Finish stops the refreshing and reports the final state once: the bar's
// last drawing followed by a newline, or one last log line. Later calls do
// nothing.
func (b *Bar) Finish() {
	b.once.Do(func() {
		close(b.stop)
		b.finished.Wait()
		b.report(true)
	})
}

func (b *Bar) report(final bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.snapshot()
	if b.term != nil {
		end := ""
		if final {
			end = "\n"
		}
		// \033[K clears what a longer previous drawing left at the end of the line.
		fmt.Fprintf(b.term, "\r%s\033[K%s", s.line(), end)
		return
	}
	if b.log == nil {
		return
	}
	msg := "progress"
	if final {
		msg = "progress done"
	}
	attrs := []any{"label", s.label, "done", s.done, "elapsed", s.elapsed.Round(time.Millisecond).String(),
		"rate_per_s", round1(s.rate)}
	if s.total > 0 {
		attrs = append(attrs, "total", s.total, "percent", round1(s.percent()))
		if !final {
			attrs = append(attrs, "eta", s.eta().Round(time.Second).String())
		}
	}
	b.log.Info(msg, attrs...)
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// snapshot is the state of a bar at one moment, kept apart so its text can
// be tested without clocks.
type snapshot struct {
	label   string
	done    int64
	total   int64
	elapsed time.Duration
	rate    float64 // units per second
}

func (b *Bar) snapshot() snapshot {
	el := b.now().Sub(b.start)
	s := snapshot{label: b.label, done: b.done.Load(), total: b.total, elapsed: el}
	if el > 0 {
		s.rate = float64(s.done) / el.Seconds()
	}
	return s
}

func (s snapshot) percent() float64 {
	if s.total <= 0 {
		return 0
	}
	return 100 * float64(s.done) / float64(s.total)
}

// eta is the time left at the mean rate so far; -1 when it cannot be told.
func (s snapshot) eta() time.Duration {
	if s.total <= 0 || s.rate <= 0 {
		return -1
	}
	left := s.total - s.done
	if left <= 0 {
		return 0
	}
	return time.Duration(float64(left) / s.rate * float64(time.Second))
}

// line renders the bar, for example:
//
//	births [##########--------------] 1.2M/3.0M  41.7%  250.3k/s  ETA 0:07
func (s snapshot) line() string {
	var sb strings.Builder
	sb.WriteString(s.label)
	if s.total > 0 {
		filled := int(float64(barWidth) * float64(min(s.done, s.total)) / float64(s.total))
		fmt.Fprintf(&sb, " [%s%s] %s/%s %5.1f%%", strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled),
			human(float64(s.done)), human(float64(s.total)), s.percent())
	} else {
		fmt.Fprintf(&sb, " %s", human(float64(s.done)))
	}
	fmt.Fprintf(&sb, "  %s/s", human(s.rate))
	if eta := s.eta(); eta >= 0 {
		fmt.Fprintf(&sb, "  ETA %s", clock(eta))
	} else {
		fmt.Fprintf(&sb, "  %s", clock(s.elapsed))
	}
	return sb.String()
}

// human writes a count with a k/M/G suffix and one decimal past a thousand.
func human(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.1fG", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.1fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	default:
		return fmt.Sprintf("%.0f", x)
	}
}

// clock writes a duration as m:ss, or h:mm:ss from an hour.
func clock(d time.Duration) string {
	sec := int64(d.Round(time.Second) / time.Second)
	h, m, s := sec/3600, sec/60%60, sec%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
