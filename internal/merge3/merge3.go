// Package merge3 merges two edited versions of a text with their common
// ancestor, line by line, as diff3 does: connectgen update uses it to bring
// a template's changes into a file the user has edited.
//
// Each side is compared with the base by a shortest line diff (Myers'
// O(ND) algorithm). The changed regions ("hunks") of both sides are then
// laid on the base: a region only one side changed takes that side's lines;
// regions both sides changed, or that touch, become one conflict unless
// both sides made the same change there. Touching regions conflict, as in
// git, because an edit next to another edit is often about the same code.
package merge3

import (
	"bytes"
	"sort"
)

// Labels name the sides in conflict markers.
type Labels struct {
	Ours, Base, Theirs string
}

// Result is the outcome of a merge.
type Result struct {
	// Text is the merged text, with conflict markers where Conflicts > 0.
	Text []byte
	// Conflicts counts the regions both sides changed differently.
	Conflicts int
}

// Merge merges ours and theirs, both derived from base. The output keeps
// every line ending as it was; a side without a final newline gets one
// before a conflict marker, so the markers stay on lines of their own.
func Merge(base, ours, theirs []byte, l Labels) Result {
	b, o, t := SplitLines(base), SplitLines(ours), SplitLines(theirs)
	ho := Hunks(b, o)
	ht := Hunks(b, t)
	type tagged struct {
		Hunk
		side int // 0 ours, 1 theirs
	}
	all := make([]tagged, 0, len(ho)+len(ht))
	for _, h := range ho {
		all = append(all, tagged{h, 0})
	}
	for _, h := range ht {
		all = append(all, tagged{h, 1})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].BaseStart < all[j].BaseStart })

	var out bytes.Buffer
	res := Result{}
	pos := 0
	for i := 0; i < len(all); {
		lo, hi := all[i].BaseStart, all[i].BaseEnd
		j := i + 1
		for j < len(all) && all[j].BaseStart <= hi {
			if all[j].BaseEnd > hi {
				hi = all[j].BaseEnd
			}
			j++
		}
		group := all[i:j]
		var sides [2][]Hunk
		for _, h := range group {
			sides[h.side] = append(sides[h.side], h.Hunk)
		}
		writeLines(&out, b[pos:lo])
		switch {
		case len(sides[1]) == 0:
			writeLines(&out, apply(b, sides[0], lo, hi))
		case len(sides[0]) == 0:
			writeLines(&out, apply(b, sides[1], lo, hi))
		default:
			a, c := apply(b, sides[0], lo, hi), apply(b, sides[1], lo, hi)
			if equalLines(a, c) {
				writeLines(&out, a)
				break
			}
			res.Conflicts++
			marker(&out, "<<<<<<< "+l.Ours)
			writeLines(&out, a)
			endLine(&out)
			marker(&out, "||||||| "+l.Base)
			writeLines(&out, b[lo:hi])
			endLine(&out)
			marker(&out, "=======")
			writeLines(&out, c)
			endLine(&out)
			marker(&out, ">>>>>>> "+l.Theirs)
		}
		pos = hi
		i = j
	}
	writeLines(&out, b[pos:])
	res.Text = out.Bytes()
	if res.Text == nil {
		res.Text = []byte{}
	}
	return res
}

// apply returns base[lo:hi] with the hunks, which lie inside it, applied.
func apply(base [][]byte, hunks []Hunk, lo, hi int) [][]byte {
	var out [][]byte
	pos := lo
	for _, h := range hunks {
		out = append(out, base[pos:h.BaseStart]...)
		out = append(out, h.Lines...)
		pos = h.BaseEnd
	}
	return append(out, base[pos:hi]...)
}

func writeLines(w *bytes.Buffer, lines [][]byte) {
	for _, l := range lines {
		w.Write(l)
	}
}

func endLine(w *bytes.Buffer) {
	if n := w.Len(); n > 0 && w.Bytes()[n-1] != '\n' {
		w.WriteByte('\n')
	}
}

func marker(w *bytes.Buffer, s string) {
	endLine(w)
	w.WriteString(s)
	w.WriteByte('\n')
}

func equalLines(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// SplitLines splits text into lines, each keeping its "\n"; the last line
// may lack one. Empty text has no lines.
func SplitLines(text []byte) [][]byte {
	var lines [][]byte
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i+1])
		text = text[i+1:]
	}
	return lines
}
