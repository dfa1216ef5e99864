package merge3

import (
	"bytes"
	"strings"
	"testing"
)

var labels = Labels{Ours: "yours", Base: "base", Theirs: "template"}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

func TestMerge(t *testing.T) {
	base := lines("a", "b", "c", "d", "e", "f", "g")
	tests := []struct {
		name, ours, theirs, want string
		conflicts                int
	}{
		{"nothing changed", base, base, base, 0},
		{"only ours", lines("a", "B", "c", "d", "e", "f", "g"), base, lines("a", "B", "c", "d", "e", "f", "g"), 0},
		{"only theirs", base, lines("a", "b", "c", "d", "e", "f", "g", "h"), lines("a", "b", "c", "d", "e", "f", "g", "h"), 0},
		{"apart", lines("A", "b", "c", "d", "e", "f", "g"), lines("a", "b", "c", "d", "e", "f", "G"), lines("A", "b", "c", "d", "e", "f", "G"), 0},
		{"same change both sides", lines("a", "x", "c", "d", "e", "f", "g"), lines("a", "x", "c", "d", "e", "f", "g"), lines("a", "x", "c", "d", "e", "f", "g"), 0},
		{"ours deletes, theirs inserts elsewhere", lines("a", "b", "e", "f", "g"), lines("a", "b", "c", "d", "e", "f", "g", "new"), lines("a", "b", "e", "f", "g", "new"), 0},
		{"overlap", lines("a", "b", "MINE", "d", "e", "f", "g"), lines("a", "b", "THEIRS", "d", "e", "f", "g"),
			lines("a", "b", "<<<<<<< yours", "MINE", "||||||| base", "c", "=======", "THEIRS", ">>>>>>> template", "d", "e", "f", "g"), 1},
		{"touching changes conflict", lines("a", "B", "c", "d", "e", "f", "g"), lines("a", "b", "C", "d", "e", "f", "g"),
			lines("a", "<<<<<<< yours", "B", "c", "||||||| base", "b", "c", "=======", "b", "C", ">>>>>>> template", "d", "e", "f", "g"), 1},
		{"both insert at the end differently", lines("a", "b", "c", "d", "e", "f", "g", "x"), lines("a", "b", "c", "d", "e", "f", "g", "y"),
			lines("a", "b", "c", "d", "e", "f", "g", "<<<<<<< yours", "x", "||||||| base", "=======", "y", ">>>>>>> template"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Merge([]byte(base), []byte(tt.ours), []byte(tt.theirs), labels)
			if string(r.Text) != tt.want || r.Conflicts != tt.conflicts {
				t.Errorf("got %d conflicts:\n%s\nwant %d:\n%s", r.Conflicts, r.Text, tt.conflicts, tt.want)
			}
		})
	}
}

func TestMergeNoFinalNewline(t *testing.T) {
	r := Merge([]byte("a\nb"), []byte("a\nx"), []byte("a\ny"), labels)
	want := "a\n<<<<<<< yours\nx\n||||||| base\nb\n=======\ny\n>>>>>>> template\n"
	if string(r.Text) != want || r.Conflicts != 1 {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	r = Merge([]byte("a\nb"), []byte("z\na\nb"), []byte("a\nb\nc"), labels)
	if string(r.Text) != "z\na\nb\nc" || r.Conflicts != 0 {
		t.Errorf("got %q", r.Text)
	}
}

func TestHunksAreShortest(t *testing.T) {
	a := SplitLines([]byte(lines("a", "b", "c", "a", "b", "b", "a")))
	b := SplitLines([]byte(lines("c", "b", "a", "b", "a", "c")))
	hs := Hunks(a, b)
	edits := 0
	for _, h := range hs {
		edits += h.BaseEnd - h.BaseStart + len(h.Lines)
	}
	// The classic example of Myers' paper: the shortest script has 5 edits.
	if edits != 5 {
		t.Errorf("%d edits, want 5: %+v", edits, hs)
	}
	if got := applyAll(a, hs); !bytes.Equal(got, []byte(lines("c", "b", "a", "b", "a", "c"))) {
		t.Errorf("applying the hunks gives %q", got)
	}
}

func applyAll(base [][]byte, hs []Hunk) []byte {
	var out bytes.Buffer
	writeLines(&out, apply(base, hs, 0, len(base)))
	return out.Bytes()
}

// FuzzMerge checks the laws of a three-way merge on any input: merging a
// change with no change, or with itself, gives the change back, and the
// hunks of a diff rebuild the other text.
func FuzzMerge(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	f.Add([]byte(""), []byte("x\n"))
	f.Add([]byte("a\nb"), []byte("a\nb\n"))
	f.Add([]byte("one\ntwo\nthree\ntwo\none\n"), []byte("two\none\nthree\n"))
	f.Fuzz(func(t *testing.T, base, changed []byte) {
		if got := Merge(base, changed, base, labels); !bytes.Equal(got.Text, changed) || got.Conflicts != 0 {
			t.Fatalf("merge(base, changed, base) = %q, want %q", got.Text, changed)
		}
		if got := Merge(base, base, changed, labels); !bytes.Equal(got.Text, changed) || got.Conflicts != 0 {
			t.Fatalf("merge(base, base, changed) = %q, want %q", got.Text, changed)
		}
		if got := Merge(base, changed, changed, labels); !bytes.Equal(got.Text, changed) || got.Conflicts != 0 {
			t.Fatalf("merge(base, changed, changed) = %q, want %q", got.Text, changed)
		}
		b := SplitLines(base)
		if got := applyAll(b, Hunks(b, SplitLines(changed))); !bytes.Equal(got, changed) {
			t.Fatalf("hunks rebuild %q, want %q", got, changed)
		}
	})
}
