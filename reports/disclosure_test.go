package reports

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"vitalstats"
)

// truth is the table with its margins as printed (see Protected.Grid),
// computed here independently of Protect.
func truth(c CountTable) [][]int64 {
	r := len(c.Cells)
	if len(c.Cols) <= 1 {
		g := make([][]int64, r+1)
		var total int64
		for i, row := range c.Cells {
			g[i] = []int64{row[0]}
			total += row[0]
		}
		g[r] = []int64{total}
		return g
	}
	k := len(c.Cols)
	g := make([][]int64, r+1)
	for i := range g {
		g[i] = make([]int64, k+1)
	}
	for i, row := range c.Cells {
		for j, v := range row {
			g[i][j] += v
			g[i][k] += v
			g[r][j] += v
			g[r][k] += v
		}
	}
	return g
}

// counts labels a matrix of cells; one column makes a 1-D table.
func counts(cells [][]int64) CountTable {
	c := CountTable{Cells: cells}
	for i := range cells {
		c.Rows = append(c.Rows, string(rune('A'+i)))
	}
	for j := range cells[0] {
		c.Cols = append(c.Cols, string(rune('a'+j)))
	}
	return c
}

// masked publishes the true table with the cells for which status returns
// other than Shown suppressed, as a naive protector would.
func masked(g [][]int64, minRange int64, status func(i, j int, v int64) Suppression) *Protected {
	p := &Protected{Threshold: DefaultThreshold, MinRange: minRange}
	for i, row := range g {
		p.Grid = append(p.Grid, make([]ProtectedCell, len(row)))
		for j, v := range row {
			s := status(i, j, v)
			p.Grid[i][j] = ProtectedCell{Status: s}
			if s == Shown {
				p.Grid[i][j].Value = v
			}
		}
	}
	return p
}

func primaryOnly(i, j int, v int64) Suppression {
	if v > 0 && v < DefaultThreshold {
		return PrimarySuppressed
	}
	return Shown
}

func suppressedSet(p *Protected) []CellPos {
	var out []CellPos
	for i, row := range p.Grid {
		for j, c := range row {
			if c.Suppressed() {
				out = append(out, CellPos{i, j})
			}
		}
	}
	return out
}

// checkProtected asserts what must hold for any protected table.
func checkProtected(t *testing.T, c CountTable, opt Disclosure, p *Protected) {
	t.Helper()
	g := truth(c)
	thr := opt.threshold()
	if len(p.Grid) != len(g) || len(p.Grid[0]) != len(g[0]) {
		t.Fatalf("grid is %d×%d, want %d×%d", len(p.Grid), len(p.Grid[0]), len(g), len(g[0]))
	}
	for i, row := range g {
		for j, v := range row {
			cell := p.Grid[i][j]
			sensitive := v < thr && (v > 0 || opt.ZerosSensitive)
			if sensitive != (cell.Status == PrimarySuppressed) {
				t.Errorf("cell (%d,%d)=%d: status %v, sensitive %v", i, j, v, cell.Status, sensitive)
			}
			if !cell.Suppressed() && cell.Value != v {
				t.Errorf("cell (%d,%d) published as %d, true %d", i, j, cell.Value, v)
			}
			if cell.Suppressed() && cell.Value != 0 {
				t.Errorf("cell (%d,%d) suppressed but carries %d", i, j, cell.Value)
			}
		}
	}
	if got := AttackLines(p); len(got) != 0 {
		t.Errorf("line attack recovers %v", got)
	}
	bounds, err := AttackBounds(p)
	if err != nil {
		t.Fatal(err)
	}
	for pos, r := range bounds {
		v := g[pos.Row][pos.Col]
		if v < r.Min || (!r.Unbounded && v > r.Max) {
			t.Errorf("cell %v=%d outside the attacker's range %+v", pos, v, r)
		}
		need := int64(1)
		if p.Grid[pos.Row][pos.Col].Status == PrimarySuppressed {
			need = opt.minRange()
		}
		if !r.Unbounded && r.Max-r.Min < need {
			t.Errorf("cell %v=%d (%v) narrowed to %+v", pos, v, p.Grid[pos.Row][pos.Col].Status, r)
		}
	}
	if ex, err := Audit(p); err != nil || len(ex) != 0 {
		t.Errorf("audit: %v %v", ex, err)
	}
	// The classic rule follows: a row or column (margins included) holding
	// a suppressed cell holds at least two.
	lines := [][]CellPos{}
	for i := range p.Grid {
		var l []CellPos
		for j := range p.Grid[i] {
			l = append(l, CellPos{i, j})
		}
		lines = append(lines, l)
	}
	for j := range p.Grid[0] {
		var l []CellPos
		for i := range p.Grid {
			l = append(l, CellPos{i, j})
		}
		lines = append(lines, l)
	}
	for _, l := range lines {
		if len(l) < 2 {
			continue // the row of a 1-D table is one cell, not an equation
		}
		n := 0
		for _, q := range l {
			if p.Grid[q.Row][q.Col].Suppressed() {
				n++
			}
		}
		if n == 1 {
			t.Errorf("line %v has a single suppressed cell", l)
		}
	}
}

func TestAttackRecoversNaiveSuppression(t *testing.T) {
	tests := []struct {
		name  string
		cells [][]int64
		want  map[CellPos]int64 // recovered by the line attack
	}{
		{"one small cell per row", [][]int64{{20, 3, 40}, {30, 25, 60}, {2, 35, 45}},
			map[CellPos]int64{{0, 1}: 3, {2, 0}: 2}},
		{"two small cells in a row, one alone in its column", [][]int64{{1, 3, 40}, {30, 25, 60}, {12, 35, 45}},
			map[CellPos]int64{{0, 0}: 1, {0, 1}: 3}},
		{"1-D", [][]int64{{12}, {3}, {40}}, map[CellPos]int64{{1, 0}: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := masked(truth(counts(tt.cells)), 1, primaryOnly)
			got := AttackLines(p)
			if len(got) != len(tt.want) {
				t.Fatalf("recovered %v, want %v", got, tt.want)
			}
			for pos, v := range tt.want {
				if got[pos] != v {
					t.Errorf("cell %v recovered as %d, want %d", pos, got[pos], v)
				}
			}
			bounds, err := AttackBounds(p)
			if err != nil {
				t.Fatal(err)
			}
			for pos, v := range tt.want {
				if r := bounds[pos]; r.Unbounded || r.Min != v || r.Max != v {
					t.Errorf("bounds of %v = %+v, want exactly %d", pos, r, v)
				}
			}
			ex, err := Audit(p)
			if err != nil || len(ex) == 0 {
				t.Errorf("audit finds nothing in a naive table: %v", err)
			}
		})
	}
}

// The exact attack sees what the line attack cannot: here every line holds
// two suppressed cells, but the zeros cannot go below zero.
func TestAttackBoundsBeyondLines(t *testing.T) {
	cells := [][]int64{{2, 0, 50}, {0, 0, 60}, {30, 40, 45}}
	g := truth(counts(cells))
	p := masked(g, 1, func(i, j int, v int64) Suppression {
		if i < 2 && j < 2 {
			return PrimarySuppressed
		}
		return Shown
	})
	if got := AttackLines(p); len(got) != 0 {
		t.Fatalf("line attack recovers %v; the test needs a table it cannot break", got)
	}
	bounds, err := AttackBounds(p)
	if err != nil {
		t.Fatal(err)
	}
	// Row 1's two suppressed cells sum to 0, so both are 0, and then
	// column 0 gives (0,0) = 2 and row 0 gives (0,1) = 0.
	for pos, want := range map[CellPos]int64{{0, 0}: 2, {0, 1}: 0, {1, 0}: 0, {1, 1}: 0} {
		if r := bounds[pos]; r.Unbounded || r.Min != want || r.Max != want {
			t.Errorf("bounds of %v = %+v, want exactly %d", pos, r, want)
		}
	}
	// Shown with (1,1)=4 instead, the cell can move: range [0,2].
	cells[1][1] = 4
	g = truth(counts(cells))
	p = masked(g, 1, func(i, j int, v int64) Suppression {
		if i < 2 && j < 2 {
			return PrimarySuppressed
		}
		return Shown
	})
	bounds, err = AttackBounds(p)
	if err != nil {
		t.Fatal(err)
	}
	if r := bounds[CellPos{0, 0}]; r.Unbounded || r.Min != 0 || r.Max != 2 {
		t.Errorf("bounds of (0,0) = %+v, want [0,2]", r)
	}
}

// bruteBounds enumerates every integer table consistent with the published
// cells of p; the grand total must be published, which bounds every cell.
func bruteBounds(p *Protected) map[CellPos]CellRange {
	h, w := len(p.Grid), len(p.Grid[0])
	r, k := h-1, w-1
	g := p.Grid[r][k].Value
	x := make([][]int64, h)
	for i := range x {
		x[i] = make([]int64, w)
	}
	out := map[CellPos]CellRange{}
	var walk func(cell int, sum int64)
	walk = func(cell int, sum int64) {
		if cell == r*k {
			if sum != g {
				return
			}
			for i := range r {
				x[i][k] = 0
				for j := range k {
					x[i][k] += x[i][j]
				}
			}
			for j := range k {
				x[r][j] = 0
				for i := range r {
					x[r][j] += x[i][j]
				}
			}
			x[r][k] = g
			for i := range h {
				for j := range w {
					if c := p.Grid[i][j]; !c.Suppressed() && c.Value != x[i][j] {
						return
					}
				}
			}
			for i := range h {
				for j := range w {
					if !p.Grid[i][j].Suppressed() {
						continue
					}
					pos, v := CellPos{i, j}, x[i][j]
					rg, ok := out[pos]
					if !ok {
						rg = CellRange{Min: v, Max: v}
					}
					rg.Min, rg.Max = min(rg.Min, v), max(rg.Max, v)
					out[pos] = rg
				}
			}
			return
		}
		i, j := cell/k, cell%k
		if c := p.Grid[i][j]; !c.Suppressed() {
			x[i][j] = c.Value
			if sum+c.Value <= g {
				walk(cell+1, sum+c.Value)
			}
			return
		}
		for v := int64(0); sum+v <= g; v++ {
			x[i][j] = v
			walk(cell+1, sum+v)
		}
	}
	walk(0, 0)
	return out
}

// The exact attack agrees with enumeration on random small tables with
// random suppression patterns (many of them leaky).
func TestAttackBoundsMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	exposed := 0
	for n := range 200 {
		r, k := 2+rng.IntN(2), 2+rng.IntN(2)
		cells := make([][]int64, r)
		for i := range cells {
			cells[i] = make([]int64, k)
			for j := range cells[i] {
				cells[i][j] = rng.Int64N(4)
			}
		}
		g := truth(counts(cells))
		p := masked(g, 1, func(i, j int, v int64) Suppression {
			if i == r && j == k || rng.IntN(2) == 0 {
				return Shown
			}
			return PrimarySuppressed
		})
		want := bruteBounds(p)
		got, err := AttackBounds(p)
		if err != nil {
			t.Fatalf("table %d: %v", n, err)
		}
		if len(got) != len(want) {
			t.Fatalf("table %d: %d ranges, want %d", n, len(got), len(want))
		}
		for pos, w := range want {
			if got[pos] != w {
				t.Errorf("table %d %v: cell %v range %+v, enumeration %+v", n, g, pos, got[pos], w)
			}
			if w.Min == w.Max {
				exposed++
			}
		}
		lines := AttackLines(p)
		for pos, v := range lines {
			if w := want[pos]; w.Min != v || w.Max != v {
				t.Errorf("table %d: line attack says %v=%d, enumeration %+v", n, pos, v, w)
			}
		}
	}
	if exposed < 50 {
		t.Errorf("only %d exposed cells in 200 random patterns: the test is too easy", exposed)
	}
}

func TestProtectSingleSmallCell(t *testing.T) {
	tests := []struct {
		name  string
		cells [][]int64
		want  []CellPos // every suppressed cell
	}{
		// The cheapest cycle through (0,1): 35+15+20 beats 25+30+20.
		{"2-D", [][]int64{{20, 3, 40}, {30, 25, 60}, {15, 35, 45}},
			[]CellPos{{0, 0}, {0, 1}, {2, 0}, {2, 1}}},
		{"1-D", [][]int64{{12}, {3}, {40}, {7}}, []CellPos{{1, 0}, {3, 0}}},
		// A zero is the cheapest complement: the attacker learns only that
		// the two cells sum to 3.
		{"1-D with zero", [][]int64{{12}, {3}, {0}, {40}}, []CellPos{{1, 0}, {2, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := counts(tt.cells)
			p, err := Protect(c, Disclosure{})
			if err != nil {
				t.Fatal(err)
			}
			checkProtected(t, c, Disclosure{}, p)
			if got := suppressedSet(p); !slices.Equal(got, tt.want) {
				t.Errorf("suppressed %v, want %v", got, tt.want)
			}
			if prim, comp := p.Suppressions(); prim != 1 || comp != len(tt.want)-1 {
				t.Errorf("%d primary, %d complementary", prim, comp)
			}
		})
	}
}

func TestProtectEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		cells [][]int64
		opt   Disclosure
		check func(t *testing.T, p *Protected)
	}{
		{"whole row small", [][]int64{{1, 2, 1}, {30, 40, 50}, {20, 25, 35}}, Disclosure{},
			func(t *testing.T, p *Protected) {
				for j := range 4 {
					if p.Grid[0][j].Status != PrimarySuppressed {
						t.Errorf("(0,%d) is %v, want primary (the row total is 4)", j, p.Grid[0][j].Status)
					}
				}
			}},
		// In a one-row table each column total repeats its cell, so the
		// only complements are another cell and its column total.
		{"only complement is a total", [][]int64{{3, 9}}, Disclosure{},
			func(t *testing.T, p *Protected) {
				want := [][]Suppression{{PrimarySuppressed, ComplementarySuppressed, Shown}, {PrimarySuppressed, ComplementarySuppressed, Shown}}
				for i := range want {
					for j := range want[i] {
						if p.Grid[i][j].Status != want[i][j] {
							t.Errorf("(%d,%d) is %v, want %v", i, j, p.Grid[i][j].Status, want[i][j])
						}
					}
				}
			}},
		{"1-D small total", [][]int64{{3}, {0}, {1}}, Disclosure{},
			func(t *testing.T, p *Protected) {
				if got := suppressedSet(p); !slices.Equal(got, []CellPos{{0, 0}, {2, 0}, {3, 0}}) {
					t.Errorf("suppressed %v", got)
				}
			}},
		{"1-D nothing small", [][]int64{{30}, {0}, {12}}, Disclosure{},
			func(t *testing.T, p *Protected) {
				if got := suppressedSet(p); len(got) != 0 {
					t.Errorf("suppressed %v", got)
				}
			}},
		{"all zero", [][]int64{{0, 0}, {0, 0}, {0, 0}}, Disclosure{},
			func(t *testing.T, p *Protected) {
				if got := suppressedSet(p); len(got) != 0 {
					t.Errorf("suppressed %v", got)
				}
			}},
		{"all zero, zeros sensitive", [][]int64{{0, 0}, {0, 0}}, Disclosure{ZerosSensitive: true},
			func(t *testing.T, p *Protected) {
				if prim, comp := p.Suppressions(); prim != 9 || comp != 0 {
					t.Errorf("%d primary, %d complementary", prim, comp)
				}
			}},
		{"zero sensitive in a large table", [][]int64{{0, 20, 30}, {40, 25, 60}}, Disclosure{ZerosSensitive: true},
			func(t *testing.T, p *Protected) {
				if p.Grid[0][0].Status != PrimarySuppressed {
					t.Errorf("(0,0) is %v", p.Grid[0][0].Status)
				}
			}},
		// Four small cells in a rectangle protect each other.
		{"no complement needed", [][]int64{{2, 3, 40}, {4, 1, 60}, {30, 35, 45}}, Disclosure{},
			func(t *testing.T, p *Protected) {
				if prim, comp := p.Suppressions(); prim != 4 || comp != 0 {
					t.Errorf("%d primary, %d complementary", prim, comp)
				}
			}},
		{"threshold 3", [][]int64{{20, 3, 40}, {30, 2, 60}, {15, 35, 45}}, Disclosure{Threshold: 3},
			func(t *testing.T, p *Protected) {
				if p.Grid[0][1].Status == PrimarySuppressed || p.Grid[1][1].Status != PrimarySuppressed {
					t.Errorf("(0,1) %v, (1,1) %v", p.Grid[0][1].Status, p.Grid[1][1].Status)
				}
			}},
		{"protection interval 10", [][]int64{{20, 3, 40}, {30, 25, 60}, {15, 35, 45}}, Disclosure{MinRange: 10},
			func(t *testing.T, p *Protected) {
				b, _ := AttackBounds(p)
				if r := b[CellPos{0, 1}]; !r.Unbounded && r.Max-r.Min < 10 {
					t.Errorf("range %+v", r)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := counts(tt.cells)
			p, err := Protect(c, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkProtected(t, c, tt.opt, p)
			tt.check(t, p)
		})
	}
}

func TestProtectRejects(t *testing.T) {
	for name, c := range map[string]CountTable{
		"no rows":        {},
		"ragged":         {Rows: []string{"a", "b"}, Cols: []string{"x", "y"}, Cells: [][]int64{{1, 2}, {3}}},
		"negative":       {Rows: []string{"a"}, Cols: []string{"x", "y"}, Cells: [][]int64{{1, -2}}},
		"rows != labels": {Rows: []string{"a", "b"}, Cols: []string{"x"}, Cells: [][]int64{{1}}},
	} {
		if _, err := Protect(c, Disclosure{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestProtectRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 6))
	start := time.Now()
	var tables, primaries, complements, untouched int
	for _, opt := range []Disclosure{{}, {MinRange: 3}, {Threshold: 10}, {ZerosSensitive: true}} {
		for n := range 250 {
			r, k := 3+rng.IntN(6), 2+rng.IntN(5)
			if n%10 == 0 {
				k = 1
			}
			cells := make([][]int64, r)
			for i := range cells {
				cells[i] = make([]int64, k)
				for j := range cells[i] {
					switch rng.IntN(3) {
					case 0:
						cells[i][j] = rng.Int64N(7)
					case 1:
						cells[i][j] = rng.Int64N(20)
					default:
						cells[i][j] = rng.Int64N(200)
					}
				}
			}
			c := counts(cells)
			if k == 1 {
				c.Cols = nil
			}
			p, err := Protect(c, opt)
			if err != nil {
				t.Fatalf("%+v table %d: %v", opt, n, err)
			}
			checkProtected(t, c, opt, p)
			prim, comp := p.Suppressions()
			tables, primaries, complements = tables+1, primaries+prim, complements+comp
			// When primary suppression alone resists both attacks, nothing
			// else may be suppressed.
			naive := masked(truth(c), opt.minRange(), func(i, j int, v int64) Suppression {
				if v < opt.threshold() && (v > 0 || opt.ZerosSensitive) {
					return PrimarySuppressed
				}
				return Shown
			})
			if ex, err := Audit(naive); err == nil && len(ex) == 0 {
				untouched++
				if comp != 0 {
					t.Errorf("%+v table %d: %d complements where none were needed", opt, n, comp)
				}
			}
		}
	}
	if untouched < 20 || complements < 100 {
		t.Errorf("%d tables needed no complement, %d complements: the draws do not exercise both cases", untouched, complements)
	}
	t.Logf("%d tables: %d primary, %d complementary suppressions; %d needed none; %v",
		tables, primaries, complements, untouched, time.Since(start))
}

// A WHO-sized table (List 1 causes × age groups) stays quick.
func TestProtectLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 103))
	cells := make([][]int64, 103)
	for i := range cells {
		cells[i] = make([]int64, 26)
		for j := range cells[i] {
			cells[i][j] = rng.Int64N(12) * rng.Int64N(12)
		}
	}
	c := counts(cells)
	c.Rows = make([]string, 103)
	start := time.Now()
	p, err := Protect(c, Disclosure{})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	checkProtected(t, c, Disclosure{}, p)
	prim, comp := p.Suppressions()
	t.Logf("103×26: %d primary, %d complementary in %v", prim, comp, elapsed)
}

func TestCountTableFrom(t *testing.T) {
	long := &vitalstats.Table{Name: "births", Columns: []string{"age", "province", "births"}, Rows: [][]any{
		{"15-19", "01", int64(3)}, {"15-19", "02", int64(40)}, {"20-24", "02", int64(55)}, {"20-24", "01", int64(61)}, {"25-29", "01", int64(70)},
	}}
	c, err := CountTableFrom(long, "age", "province", "births")
	if err != nil {
		t.Fatal(err)
	}
	want := CountTable{Rows: []string{"15-19", "20-24", "25-29"}, Cols: []string{"01", "02"},
		Cells: [][]int64{{3, 40}, {61, 55}, {70, 0}}}
	if !slices.Equal(c.Rows, want.Rows) || !slices.Equal(c.Cols, want.Cols) || !slices.EqualFunc(c.Cells, want.Cells, slices.Equal) {
		t.Errorf("got %+v, want %+v", c, want)
	}
	oneDim, err := CountTableFrom(long, "province", "", "births")
	if err == nil {
		t.Errorf("repeated province accepted as %+v", oneDim)
	}
	long.Rows = append(long.Rows, []any{"15-19", "01", int64(1)})
	if _, err := CountTableFrom(long, "age", "province", "births"); err == nil {
		t.Error("repeated pair accepted")
	}
	long.Rows = [][]any{{"15-19", "01", 3.0}}
	if _, err := CountTableFrom(long, "age", "province", "births"); err == nil {
		t.Error("float count accepted")
	}
	if _, err := CountTableFrom(long, "age", "district", "births"); err == nil {
		t.Error("missing column accepted")
	}
}
