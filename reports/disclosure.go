package reports

// Disclosure control for published count tables.
//
// A table of counts with its margins is a circulation in a small network:
// a source node S sends each row total to its row node, row i sends cell
// (i,j) to column node j, column j sends its total to a sink node T, and T
// returns the grand total to S. Every row and column equation of the table
// ("total = sum of its cells") is flow conservation at one node. With the
// published cells fixed and the suppressed ones free (non-negative), the
// values an attacker can still believe are exactly the feasible
// circulations, and the network matrix is totally unimodular, so the
// smallest and largest value of a suppressed cell are integers found by
// max-flow, exactly and for any table size. Protect uses the same network to
// choose complementary cells (cheapest cycle through each unprotected
// primary cell), and AttackBounds uses it to check the result from the
// published numbers alone.

import (
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"slices"

	"vitalstats"
)

// DefaultThreshold is the smallest count published when Disclosure.Threshold is 0.
const DefaultThreshold = 5

// Disclosure configures disclosure control.
type Disclosure struct {
	// Threshold: a count n with 0 < n < Threshold is sensitive (primary
	// suppression). 0 means DefaultThreshold.
	Threshold int64
	// ZerosSensitive also suppresses zero counts. By default a zero is not
	// sensitive: it discloses nobody, and suppressing zeros would hide the
	// structural zeros (male maternal deaths) readers rely on.
	ZerosSensitive bool
	// MinRange is the protection interval: for every sensitive cell, the
	// largest minus the smallest value consistent with the published table
	// must be at least MinRange. 0 means 1, the weakest guarantee: no
	// sensitive cell can be recovered exactly.
	MinRange int64
}

func (o Disclosure) threshold() int64 {
	if o.Threshold <= 0 {
		return DefaultThreshold
	}
	return o.Threshold
}

func (o Disclosure) minRange() int64 {
	if o.MinRange <= 0 {
		return 1
	}
	return o.MinRange
}

// CountTable is a cross-tabulation of non-negative counts, e.g. births by age of
// mother (Rows) and province (Cols). The totals are not given: Protect
// computes them from the cells, so a category such as "not stated" that is
// part of the published total must be a row or column of its own. A table
// with one column (or none named) is one-dimensional: a column of cells and
// its total.
type CountTable struct {
	Rows  []string
	Cols  []string
	Cells [][]int64 // Cells[i][j] is the count for Rows[i] × Cols[j]
}

// CountTableFrom pivots a long table (one row per category pair, as the
// marts hold them) into a CountTable: rowCol and colCol name the category
// columns (colCol "" makes a one-dimensional table) and countCol the counts
// (int64). Categories keep their order of first appearance; a pair that is
// absent counts 0, and a pair that repeats is an error.
func CountTableFrom(t *vitalstats.Table, rowCol, colCol, countCol string) (CountTable, error) {
	ri, ni := t.Col(rowCol), t.Col(countCol)
	ci := -1
	if colCol != "" {
		ci = t.Col(colCol)
	}
	if ri < 0 || ni < 0 || (colCol != "" && ci < 0) {
		return CountTable{}, fmt.Errorf("disclosure: %s lacks column %q, %q or %q", t.Name, rowCol, colCol, countCol)
	}
	var c CountTable
	rowIdx, colIdx := map[string]int{}, map[string]int{}
	index := func(m map[string]int, names *[]string, v any) int {
		k := fmt.Sprint(v)
		i, ok := m[k]
		if !ok {
			i = len(*names)
			m[k] = i
			*names = append(*names, k)
		}
		return i
	}
	type key struct{ i, j int }
	vals := map[key]int64{}
	for _, row := range t.Rows {
		n, ok := row[ni].(int64)
		if !ok {
			return CountTable{}, fmt.Errorf("disclosure: %s: count %v is %T, want int64", t.Name, row[ni], row[ni])
		}
		k := key{index(rowIdx, &c.Rows, row[ri]), 0}
		if ci >= 0 {
			k.j = index(colIdx, &c.Cols, row[ci])
		}
		if _, dup := vals[k]; dup {
			return CountTable{}, fmt.Errorf("disclosure: %s: row %v appears twice", t.Name, row)
		}
		vals[k] = n
	}
	if len(c.Rows) == 0 {
		return CountTable{}, fmt.Errorf("disclosure: %s has no rows", t.Name)
	}
	c.Cells = make([][]int64, len(c.Rows))
	for i := range c.Cells {
		c.Cells[i] = make([]int64, max(len(c.Cols), 1))
	}
	for k, n := range vals {
		c.Cells[k.i][k.j] = n
	}
	return c, nil
}

// Suppression says whether a cell is published, and if not, why.
type Suppression uint8

const (
	// Shown cells carry their value.
	Shown Suppression = iota
	// PrimarySuppressed cells are suppressed because the count is below the threshold.
	PrimarySuppressed
	// ComplementarySuppressed cells are suppressed so that primary cells cannot be
	// derived from the totals.
	ComplementarySuppressed
)

// String names the status for footnotes and logs.
func (s Suppression) String() string {
	switch s {
	case Shown:
		return "published"
	case PrimarySuppressed:
		return "primary"
	case ComplementarySuppressed:
		return "complementary"
	}
	return fmt.Sprintf("Suppression(%d)", uint8(s))
}

// ProtectedCell is one published cell. Value is 0 when the cell is suppressed, so a
// writer cannot leak it by mistake.
type ProtectedCell struct {
	Value  int64
	Status Suppression
}

// Suppressed reports whether the cell must not be printed.
func (c ProtectedCell) Suppressed() bool { return c.Status != Shown }

// Protected is a table after disclosure control, laid out as it is printed.
// For a two-dimensional table Grid has len(Rows)+1 rows of len(Cols)+1
// cells: the last column holds the row totals, the last row the column
// totals, and the bottom-right cell the grand total. A one-dimensional table
// has one column and its last row is the total. It holds no suppressed
// value.
type Protected struct {
	Rows, Cols []string
	Grid       [][]ProtectedCell
	Threshold  int64
	MinRange   int64
}

// OneDim reports whether the table is a single column with its total.
func (p *Protected) OneDim() bool { return len(p.Grid) > 0 && len(p.Grid[0]) == 1 }

// Total returns the grand total cell.
func (p *Protected) Total() ProtectedCell {
	last := p.Grid[len(p.Grid)-1]
	return last[len(last)-1]
}

// Suppressions counts the primary and complementary suppressions.
func (p *Protected) Suppressions() (primary, complementary int) {
	for _, row := range p.Grid {
		for _, c := range row {
			switch c.Status {
			case PrimarySuppressed:
				primary++
			case ComplementarySuppressed:
				complementary++
			}
		}
	}
	return primary, complementary
}

// Protect applies primary suppression (counts below the threshold, totals
// included) and complementary suppression, so that every sensitive cell's
// feasible range given the published cells and totals is at least
// opt.MinRange wide. It never returns a table that AttackBounds can break.
// Complements are chosen cheapest first (smallest counts, totals last), so
// a zero cell may hide a small one; the attacker is assumed not to know
// which zeros are structural, so a table with structural zeros should leave
// those categories out.
func Protect(c CountTable, opt Disclosure) (*Protected, error) {
	net, x, err := newTableNet(c)
	if err != nil {
		return nil, err
	}
	thr, need := opt.threshold(), opt.minRange()
	status := make([]Suppression, len(x))
	for a, v := range x {
		if v < thr && (v > 0 || opt.ZerosSensitive) {
			status[a] = PrimarySuppressed
		}
	}
	cost := net.costs(x)
	fixed := func(a int) bool { return status[a] == Shown }

	// Give every unprotected primary cell a cycle of suppressed cells along
	// which its value can move by at least need; suppressing more cells
	// later only widens the feasible set, so the protection stays.
	for a := range x {
		if status[a] != PrimarySuppressed || net.width(a, x, fixed) >= need {
			continue
		}
		path := net.cheapestCycle(a, x, need, fixed, cost)
		if path == nil {
			return nil, fmt.Errorf("disclosure: no cycle protects cell %v", net.pos(a))
		}
		for _, b := range path {
			if status[b] == Shown {
				status[b] = ComplementarySuppressed
			}
		}
	}

	// Cycles chosen one primary at a time overlap; publish again each
	// complement that no primary needs, costliest (totals) first.
	var comps []int
	for a, s := range status {
		if s == ComplementarySuppressed {
			comps = append(comps, a)
		}
	}
	slices.SortStableFunc(comps, func(a, b int) int { return cmp.Compare(cost[b], cost[a]) })
	for _, b := range comps {
		status[b] = Shown
		for a := range x {
			if status[a] == PrimarySuppressed && net.width(a, x, fixed) < need {
				status[b] = ComplementarySuppressed
				break
			}
		}
	}
	// A complement the attacker can compute protects nothing: publish it.
	// Fixing a determined cell leaves the feasible set as it was.
	for b, s := range status {
		if s == ComplementarySuppressed && net.width(b, x, fixed) == 0 {
			status[b] = Shown
		}
	}

	p := &Protected{Rows: c.Rows, Cols: c.Cols, Threshold: thr, MinRange: need}
	p.Grid = make([][]ProtectedCell, net.h)
	for i := range p.Grid {
		p.Grid[i] = make([]ProtectedCell, net.w)
		for j := range p.Grid[i] {
			a := i*net.w + j
			p.Grid[i][j] = ProtectedCell{Status: status[a]}
			if status[a] == Shown {
				p.Grid[i][j].Value = x[a]
			}
		}
	}
	return p, nil
}

// CellPos is a cell of a Protected grid (totals included).
type CellPos struct{ Row, Col int }

// CellRange is what an attacker knows about a suppressed cell: Min ≤ value ≤ Max,
// or no upper bound when Unbounded.
type CellRange struct {
	Min, Max  int64
	Unbounded bool
}

// Width is Max-Min, or -1 when unbounded.
func (r CellRange) Width() int64 {
	if r.Unbounded {
		return -1
	}
	return r.Max - r.Min
}

// AttackLines is the simple attack: repeatedly solve any row or column
// equation (totals included) with one unknown, feeding each recovered value
// back. It returns the suppressed cells it recovers, using only the
// published numbers.
func AttackLines(p *Protected) map[CellPos]int64 {
	net, known, val := protectedNet(p)
	got := map[CellPos]int64{}
	for changed := true; changed; {
		changed = false
		for v := range net.nodes {
			unknown, n := -1, 0
			var balance int64 // inflow − outflow over the known arcs
			for _, a := range net.inc[v] {
				if !known[a] {
					unknown, n = a, n+1
					continue
				}
				if net.arcs[a].to == v {
					balance += val[a]
				} else {
					balance -= val[a]
				}
			}
			if n != 1 {
				continue
			}
			if net.arcs[unknown].to == v {
				val[unknown] = -balance
			} else {
				val[unknown] = balance
			}
			known[unknown] = true
			got[net.pos(unknown)] = val[unknown]
			changed = true
		}
	}
	return got
}

// AttackBounds is the exact attack: for every suppressed cell, the smallest
// and largest integer value consistent with all published cells, all row
// and column equations and non-negativity. It first finds some table
// consistent with the published numbers (a feasible circulation), then
// measures how far each suppressed cell can move from it by max-flow. It is
// exact for any table size (the constraint matrix is a network matrix). It
// fails only if the published numbers contradict each other.
func AttackBounds(p *Protected) (map[CellPos]CellRange, error) {
	net, known, val := protectedNet(p)
	fixed := func(a int) bool { return known[a] }
	x, err := net.feasible(val, fixed)
	if err != nil {
		return nil, err
	}
	out := map[CellPos]CellRange{}
	for a := range net.arcs {
		if known[a] {
			continue
		}
		out[net.pos(a)] = net.bounds(a, x, fixed)
	}
	return out, nil
}

// Exposure is a sensitive or complementary cell the attack narrows to less
// than the protection interval.
type Exposure struct {
	CellPos
	Status Suppression
	CellRange
	By string // "lines" or "bounds"
}

// Audit attacks a protected table with both attacks and returns every
// suppressed cell recovered exactly by AttackLines, and every primary cell
// whose AttackBounds range is narrower than p.MinRange or complementary cell
// whose range is a single value. An empty result means the table may be
// published.
func Audit(p *Protected) ([]Exposure, error) {
	var out []Exposure
	for pos, v := range AttackLines(p) {
		out = append(out, Exposure{CellPos: pos, Status: p.Grid[pos.Row][pos.Col].Status, CellRange: CellRange{Min: v, Max: v}, By: "lines"})
	}
	bounds, err := AttackBounds(p)
	if err != nil {
		return nil, err
	}
	for pos, r := range bounds {
		s := p.Grid[pos.Row][pos.Col].Status
		need := int64(1)
		if s == PrimarySuppressed {
			need = p.MinRange
		}
		if !r.Unbounded && r.Max-r.Min < need {
			out = append(out, Exposure{CellPos: pos, Status: s, CellRange: r, By: "bounds"})
		}
	}
	slices.SortFunc(out, func(a, b Exposure) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		if a.Col != b.Col {
			return a.Col - b.Col
		}
		return cmp.Compare(a.By, b.By)
	})
	return out, nil
}

// tableNet is the network of a table: arc a is grid cell (a/w, a%w).
type tableNet struct {
	h, w  int
	nodes int
	arcs  []arcEnds
	inc   [][]int // arcs incident to each node
	total []bool  // arc is a margin
}

type arcEnds struct{ from, to int }

const (
	nodeS = 0
	nodeT = 1
)

func (n *tableNet) pos(a int) CellPos { return CellPos{a / n.w, a % n.w} }

// newTable builds the network for an r×c table (c == 1: one-dimensional).
func newTable(r, c int) *tableNet {
	n := &tableNet{h: r + 1}
	if c == 1 {
		n.w, n.nodes = 1, 2
		for i := 0; i <= r; i++ {
			if i < r {
				n.arcs = append(n.arcs, arcEnds{nodeS, nodeT})
			} else {
				n.arcs = append(n.arcs, arcEnds{nodeT, nodeS})
			}
			n.total = append(n.total, i == r)
		}
	} else {
		n.w, n.nodes = c+1, 2+r+c
		row := func(i int) int { return 2 + i }
		col := func(j int) int { return 2 + r + j }
		for i := 0; i <= r; i++ {
			for j := 0; j <= c; j++ {
				var e arcEnds
				switch {
				case i < r && j < c:
					e = arcEnds{row(i), col(j)}
				case i < r:
					e = arcEnds{nodeS, row(i)}
				case j < c:
					e = arcEnds{col(j), nodeT}
				default:
					e = arcEnds{nodeT, nodeS}
				}
				n.arcs = append(n.arcs, e)
				n.total = append(n.total, i == r || j == c)
			}
		}
	}
	n.inc = make([][]int, n.nodes)
	for a, e := range n.arcs {
		n.inc[e.from] = append(n.inc[e.from], a)
		n.inc[e.to] = append(n.inc[e.to], a)
	}
	return n
}

// newTableNet checks c and returns its network and true values with totals.
func newTableNet(c CountTable) (*tableNet, []int64, error) {
	r := len(c.Rows)
	if r == 0 {
		return nil, nil, errors.New("disclosure: table has no rows")
	}
	if len(c.Cells) != r {
		return nil, nil, fmt.Errorf("disclosure: %d rows of cells for %d row categories", len(c.Cells), r)
	}
	cols := max(len(c.Cols), 1)
	for i, row := range c.Cells {
		if len(row) != cols {
			return nil, nil, fmt.Errorf("disclosure: row %q has %d cells, want %d", c.Rows[i], len(row), cols)
		}
		for j, v := range row {
			if v < 0 {
				return nil, nil, fmt.Errorf("disclosure: negative count %d at row %q column %d", v, c.Rows[i], j)
			}
		}
	}
	n := newTable(r, cols)
	x := make([]int64, len(n.arcs))
	if cols == 1 {
		for i := range r {
			x[i] = c.Cells[i][0]
			x[r] += c.Cells[i][0]
		}
		return n, x, nil
	}
	w := n.w
	for i := range r {
		for j := range cols {
			v := c.Cells[i][j]
			x[i*w+j] = v
			x[i*w+cols] += v
			x[r*w+j] += v
			x[r*w+cols] += v
		}
	}
	return n, x, nil
}

// protectedNet returns the network of p, which cells are published and
// their values (0 for the suppressed).
func protectedNet(p *Protected) (*tableNet, []bool, []int64) {
	cols := len(p.Grid[0]) - 1 // the row totals
	if cols == 0 {
		cols = 1 // one-dimensional: no row totals
	}
	n := newTable(len(p.Grid)-1, cols)
	known := make([]bool, len(n.arcs))
	val := make([]int64, len(n.arcs))
	for i, row := range p.Grid {
		for j, c := range row {
			a := i*n.w + j
			known[a] = !c.Suppressed()
			val[a] = c.Value
		}
	}
	return n, known, val
}

// costs is what suppressing each cell loses: its count plus one (fewer
// cells is better even among zeros), and for a margin more than all inner
// cells together, since totals are what other sources publish too.
func (n *tableNet) costs(x []int64) []int64 {
	var inner int64
	for a, v := range x {
		if !n.total[a] {
			inner += v + 1
		}
	}
	cost := make([]int64, len(x))
	for a, v := range x {
		cost[a] = v + 1
		if n.total[a] {
			cost[a] += inner
		}
	}
	return cost
}

const inf = int64(1) << 50

// residual builds the max-flow network of the moves away from x that keep
// fixed arcs fixed and free arcs non-negative, leaving out arc skip.
func (n *tableNet) residual(x []int64, fixed func(int) bool, skip int) *flowNet {
	f := newFlowNet(n.nodes)
	for a, e := range n.arcs {
		if a == skip || fixed(a) {
			continue
		}
		f.add(e.from, e.to, inf)
		if x[a] > 0 {
			f.add(e.to, e.from, x[a])
		}
	}
	return f
}

// bounds returns the feasible range of free arc a, given a feasible x.
func (n *tableNet) bounds(a int, x []int64, fixed func(int) bool) CellRange {
	e := n.arcs[a]
	up := n.residual(x, fixed, a).maxflow(e.to, e.from, inf)
	down := n.residual(x, fixed, a).maxflow(e.from, e.to, x[a])
	r := CellRange{Min: x[a] - down, Max: x[a] + up}
	if up >= inf {
		r.Unbounded, r.Max = true, 0
	}
	return r
}

// width is the feasible range width of arc a (inf when unbounded).
func (n *tableNet) width(a int, x []int64, fixed func(int) bool) int64 {
	if fixed(a) {
		return 0
	}
	r := n.bounds(a, x, fixed)
	if r.Unbounded {
		return inf
	}
	return r.Max - r.Min
}

// feasible finds values for the free arcs that satisfy every equation with
// the fixed arcs at val.
func (n *tableNet) feasible(val []int64, fixed func(int) bool) ([]int64, error) {
	// b[v] = fixed inflow − fixed outflow must leave v through free arcs.
	b := make([]int64, n.nodes)
	for a, e := range n.arcs {
		if fixed(a) {
			b[e.to] += val[a]
			b[e.from] -= val[a]
		}
	}
	src, snk := n.nodes, n.nodes+1
	f := newFlowNet(n.nodes + 2)
	edge := make([]int, len(n.arcs))
	for a, e := range n.arcs {
		edge[a] = -1
		if !fixed(a) {
			edge[a] = f.add(e.from, e.to, inf)
		}
	}
	var want int64
	for v, bv := range b {
		if bv > 0 {
			f.add(src, v, bv)
			want += bv
		} else if bv < 0 {
			f.add(v, snk, -bv)
		}
	}
	if got := f.maxflow(src, snk, inf); got != want {
		return nil, errors.New("disclosure: published cells contradict the totals")
	}
	x := slices.Clone(val)
	for a, id := range edge {
		if id >= 0 {
			x[a] = f.flow(id)
		}
	}
	return x, nil
}

// cheapestCycle returns the arcs of the cheapest cycle through arc a along
// which a's value can move by at least need while every arc stays
// non-negative: a path back from a's head to its tail (a increases) or from
// its tail to its head (a decreases). Fixed arcs on the path cost cost[b],
// free ones nothing. Forward arcs alone connect every pair of nodes, so the
// increasing cycle always exists.
func (n *tableNet) cheapestCycle(a int, x []int64, need int64, fixed func(int) bool, cost []int64) []int {
	e := n.arcs[a]
	best, bestCost := n.cheapestPath(a, e.to, e.from, x, need, fixed, cost)
	if x[a] >= need {
		if p, c := n.cheapestPath(a, e.from, e.to, x, need, fixed, cost); p != nil && (best == nil || c < bestCost) {
			best = p
		}
	}
	return best
}

// cheapestPath is Dijkstra from s to t over the moves that keep arcs
// non-negative by need: along any arc but skip, or against one holding at
// least need.
func (n *tableNet) cheapestPath(skip, s, t int, x []int64, need int64, fixed func(int) bool, cost []int64) ([]int, int64) {
	dist := make([]int64, n.nodes)
	via := make([]int, n.nodes)
	for v := range dist {
		dist[v], via[v] = -1, -1
	}
	dist[s] = 0
	q := &pathQueue{{s, 0}}
	for q.Len() > 0 {
		it := heap.Pop(q).(pathItem)
		if it.d > dist[it.v] {
			continue
		}
		for _, b := range n.inc[it.v] {
			if b == skip {
				continue
			}
			e := n.arcs[b]
			next := e.to
			if e.from != it.v {
				if x[b] < need {
					continue
				}
				next = e.from
			}
			if next == it.v {
				continue
			}
			c := int64(0)
			if fixed(b) {
				c = cost[b]
			}
			if d := it.d + c; dist[next] < 0 || d < dist[next] {
				dist[next], via[next] = d, b
				heap.Push(q, pathItem{next, d})
			}
		}
	}
	if dist[t] < 0 {
		return nil, 0
	}
	var path []int
	for v := t; v != s; {
		b := via[v]
		path = append(path, b)
		if n.arcs[b].to == v {
			v = n.arcs[b].from
		} else {
			v = n.arcs[b].to
		}
	}
	return path, dist[t]
}

type pathItem struct {
	v int
	d int64
}

type pathQueue []pathItem

func (q pathQueue) Len() int           { return len(q) }
func (q pathQueue) Less(i, j int) bool { return q[i].d < q[j].d }
func (q pathQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *pathQueue) Push(x any)        { *q = append(*q, x.(pathItem)) }
func (q *pathQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// flowNet is a max-flow network (Edmonds–Karp; tables have few nodes).
type flowNet struct {
	adj  [][]int
	to   []int
	cap  []int64 // residual capacity; edge id^1 is the reverse
	cap0 []int64
}

func newFlowNet(nodes int) *flowNet { return &flowNet{adj: make([][]int, nodes)} }

func (f *flowNet) add(u, v int, c int64) int {
	id := len(f.to)
	f.to = append(f.to, v, u)
	f.cap = append(f.cap, c, 0)
	f.cap0 = append(f.cap0, c, 0)
	f.adj[u] = append(f.adj[u], id)
	f.adj[v] = append(f.adj[v], id+1)
	return id
}

func (f *flowNet) flow(id int) int64 { return f.cap0[id] - f.cap[id] }

// maxflow pushes up to limit from s to t and returns the amount pushed.
func (f *flowNet) maxflow(s, t int, limit int64) int64 {
	if s == t {
		return limit
	}
	var total int64
	prev := make([]int, len(f.adj))
	for total < limit {
		for i := range prev {
			prev[i] = -1
		}
		queue := []int{s}
		prev[s] = -2
		for len(queue) > 0 && prev[t] == -1 {
			u := queue[0]
			queue = queue[1:]
			for _, id := range f.adj[u] {
				if v := f.to[id]; f.cap[id] > 0 && prev[v] == -1 {
					prev[v] = id
					queue = append(queue, v)
				}
			}
		}
		if prev[t] == -1 {
			break
		}
		push := limit - total
		for v := t; v != s; v = f.to[prev[v]^1] {
			push = min(push, f.cap[prev[v]])
		}
		for v := t; v != s; v = f.to[prev[v]^1] {
			f.cap[prev[v]] -= push
			f.cap[prev[v]^1] += push
		}
		total += push
	}
	return total
}
