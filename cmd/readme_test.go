package cmd

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeWalkthrough: the README opens with a first app that works as
// written from a clone (readme_walkthrough.txtar runs its steps): build
// the binary first, create the app outside the clone, install, run it
// with the local host, simulate.
func TestReadmeWalkthrough(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if strings.Contains(readme, "go run . new") {
		t.Error("the README still runs `go run . new`, which writes into the clone")
	}
	start := strings.Index(readme, "<!-- walkthrough")
	if start < 0 || start > strings.Index(readme, "\n## ") {
		t.Fatal("the README does not open with the walkthrough (<!-- walkthrough … --> before the first section)")
	}
	block := readme[start:]
	block = block[strings.Index(block, "```sh\n")+6:]
	block = block[:strings.Index(block, "```")]
	var steps []string
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		steps = append(steps, strings.TrimSpace(cmd))
	}
	want := []string{
		`make build && export PATH="$PWD/bin:$PATH"`,
		`cd "$(mktemp -d)" && connectgen new a-quick-addon -t bitbucket --yes`,
		`cd a-quick-addon && npm install`,
		`connectgen run --local`,
		`connectgen simulate`,
	}
	if strings.Join(steps, "\n") != strings.Join(want, "\n") {
		t.Errorf("walkthrough steps:\n%s\nwant (as readme_walkthrough.txtar runs them):\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
}
