package merge3

// Hunk is one changed region of a line diff: the base lines
// [BaseStart, BaseEnd) are replaced by Lines. An insertion has
// BaseStart == BaseEnd.
type Hunk struct {
	BaseStart, BaseEnd int
	Lines              [][]byte
}

// maxEdits bounds the work of the shortest-diff search; past it the
// differing middle is reported as one replaced region, which is still a
// correct diff, only not the shortest. Files in app templates are far below.
const maxEdits = 4000

// Hunks returns the changes that turn base into other, in base order,
// with no two hunks touching.
func Hunks(base, other [][]byte) []Hunk {
	// Lines are compared as numbers: equal lines get the same number.
	ids := map[string]int{}
	num := func(lines [][]byte) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[string(l)]
			if !ok {
				id = len(ids)
				ids[string(l)] = id
			}
			out[i] = id
		}
		return out
	}
	a, b := num(base), num(other)
	// The common prefix and suffix are never part of a change.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	keep := myers(am, bm) // keep[i] is the index in bm matched to am[i], or -1
	var hunks []Hunk
	i, j := 0, 0
	for i < len(am) || j < len(bm) {
		if i < len(am) && keep[i] == j && j < len(bm) {
			i++
			j++
			continue
		}
		h := Hunk{BaseStart: pre + i}
		for i < len(am) && keep[i] < 0 {
			i++
		}
		next := len(bm)
		if i < len(am) {
			next = keep[i]
		}
		h.BaseEnd = pre + i
		h.Lines = other[pre+j : pre+next]
		j = next
		hunks = append(hunks, h)
	}
	return hunks
}

// myers finds a shortest edit script from a to b and returns, for each
// element of a, the index of the element of b it is kept as, or -1 when it
// is deleted. Kept indices increase.
func myers(a, b []int) []int {
	n, m := len(a), len(b)
	keep := make([]int, n)
	for i := range keep {
		keep[i] = -1
	}
	if n == 0 || m == 0 {
		return keep
	}
	max := n + m
	if max > maxEdits {
		max = maxEdits
	}
	off := max + 1
	v := make([]int, 2*max+3)
	var trace [][]int
	found := false
	for d := 0; d <= max && !found; d++ {
		snap := make([]int, len(v))
		copy(snap, v)
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: insertion from b
			} else {
				x = v[off+k-1] + 1 // right: deletion from a
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	if !found {
		// Too different: everything in the middle is replaced.
		return keep
	}
	// Walk back through the snapshots: at step d the path reached (x, y)
	// by one insertion or deletion from step d-1, then a run of equal
	// lines (a "snake"), which are the kept ones.
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		vd := trace[d]
		k := x - y
		var px, py, sx int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			px = vd[off+k+1]
			py = px - (k + 1)
			sx = px
		} else {
			px = vd[off+k-1]
			py = px - (k - 1)
			sx = px + 1
		}
		for x > sx {
			x--
			y--
			keep[x] = y
		}
		x, y = px, py
	}
	for x > 0 {
		x--
		y--
		keep[x] = y
	}
	return keep
}
